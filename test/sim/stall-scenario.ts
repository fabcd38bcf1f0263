import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, type DirectedViolation } from "./directed-sim.js";

/**
 * The disk-stall watchdog's directed scenario (stall-watchdog.ts): leader 1's disk stops
 * completing writes right after it accepted a client's write. Followers store the entry and
 * it commits, but 1 applies nothing past its own durable log, so the client is never
 * answered; meanwhile its heartbeats keep 2 and 3 from electing anyone. With the watchdog,
 * 1 gives up leadership once its oldest write is older than the bound, 2 or 3 leads within
 * the bound plus an election (1 cannot vote: its answers wait on its disk, so 2 and 3 may
 * split their votes once), and commits a write of its own. The planted "ignore-stalls"
 * keeps 1 leading.
 */
export interface StallScenarioResult {
  readonly violations: readonly DirectedViolation[];
  /** The tick (counted from the stall) at which another member led; undefined if none did. */
  readonly newLeaderAtTick: number | undefined;
  readonly traceTail: readonly string[];
}

/** The directed cluster's tick (10 ms) and election timeout in ticks (directed-sim.ts). */
const TICK_MS = 10;
const ELECTION_TICKS = 10;
const STALL_BOUND_TICKS = 5;
/** A disk that does not come back within the scenario. */
const STALL_MICROS = 3_600_000_000;
/**
 * The bound and an election: 2 and 3 time out up to two election timeouts after 1 fell
 * silent, and may split their votes once (1's vote waits on its disk), so allow two rounds.
 */
const NEW_LEADER_TICKS_MAX = STALL_BOUND_TICKS + 4 * ELECTION_TICKS + 5;

export function runStallScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}): StallScenarioResult {
  const sim = new DirectedSim({
    ...options, voters: 3, appendEntriesMax: 64, preVote: true,
    stallStepDownMs: STALL_BOUND_TICKS * TICK_MS,
  });
  sim.beginStep("1 leads; its disk stalls; a client writes to it");
  sim.elect(1, DELIVER_ALL);
  sim.deliver(DELIVER_ALL);
  sim.stallDisk(1, STALL_MICROS);
  const stuck = sim.propose(1, "k", "held by 1's disk");
  sim.deliver(DELIVER_ALL);
  sim.beginStep("every clock ticks at the same rate until 2 or 3 leads");
  let newLeaderAtTick: number | undefined;
  for (let tick = 1; tick <= NEW_LEADER_TICKS_MAX && newLeaderAtTick === undefined; tick++) {
    for (const id of [1, 2, 3]) sim.tick(id, 1);
    sim.deliver(DELIVER_ALL);
    if ([2, 3].some((id) => sim.status(id).role === "leader")) newLeaderAtTick = tick;
  }
  if (newLeaderAtTick === undefined) {
    sim.report(`1 still ${sim.status(1).role === "leader" ? "leads" : "blocks the cluster"} ` +
      `${NEW_LEADER_TICKS_MAX} ticks after its disk stalled, and has applied ` +
      `${sim.status(1).appliedIndex} of the committed ${stuck.index}: every write waits on its disk`);
    return { violations: sim.violations, newLeaderAtTick, traceTail: sim.traceTail() };
  }
  const leader = [2, 3].find((id) => sim.status(id).role === "leader")!;
  sim.beginStep(`${leader} leads and commits a write of its own`);
  const written = sim.propose(leader, "k", "after the stall");
  sim.deliver(DELIVER_ALL);
  if (sim.highestCommitted < written.index) sim.report(`${leader} did not commit its write`);
  return { violations: sim.violations, newLeaderAtTick, traceTail: sim.traceTail() };
}
