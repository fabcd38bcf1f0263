import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, HEARTBEAT_TICKS, type DirectedViolation } from "./directed-sim.js";

/**
 * The leader-lease directed scenario (thesis 6.4.1; the review finding behind
 * leader-lease.ts): leader 1 is cut off right after a quorum acknowledged its heartbeat, all
 * three clocks run at the same rate, members 2 and 3 elect a new leader as soon as their own
 * lease on 1 lets them, and it commits a write. Then a client reads from 1, which still
 * believes it leads. A lease that ends before the followers' (electionTicks minus a margin
 * after the acknowledged round was sent) has run out, so 1 cannot serve the read alone; the
 * planted "lease-too-long" (two election timeouts) serves it, and that read misses the
 * committed write: a stale read.
 */
export interface LeaseScenarioResult {
  readonly violations: readonly DirectedViolation[];
  /** The tick (counted from the cut) at which another member led; undefined if none did. */
  readonly newLeaderAtTick: number | undefined;
  readonly traceTail: readonly string[];
}

/** Everything except traffic to or from member 1. */
const WITHOUT_ONE = (m: Message): boolean => m.from !== 1 && m.to !== 1;
const TICKS_MAX = 100;

export async function runLeaseScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}): Promise<LeaseScenarioResult> {
  const sim = new DirectedSim({ ...options, voters: 3, appendEntriesMax: 64, leaseReads: true });
  sim.beginStep("1 leads, and a quorum acknowledges its heartbeat round");
  sim.elect(1, DELIVER_ALL);
  sim.deliver(DELIVER_ALL);
  sim.tick(1, HEARTBEAT_TICKS);
  sim.deliver(DELIVER_ALL);
  sim.beginStep("1 is cut off; every clock ticks at the same rate until 2 or 3 leads");
  let newLeaderAtTick: number | undefined;
  for (let tick = 1; tick <= TICKS_MAX && newLeaderAtTick === undefined; tick++) {
    for (const id of [1, 2, 3]) sim.tick(id, 1);
    sim.deliver(WITHOUT_ONE);
    if ([2, 3].some((id) => sim.status(id).role === "leader")) newLeaderAtTick = tick;
  }
  if (newLeaderAtTick === undefined) {
    sim.report(`members 2 and 3 elected no leader within ${TICKS_MAX} ticks`);
    return { violations: sim.violations, newLeaderAtTick, traceTail: sim.traceTail() };
  }
  const leader = [2, 3].find((id) => sim.status(id).role === "leader")!;
  sim.beginStep(`${leader} leads and commits a write; then a client reads from 1`);
  const written = sim.propose(leader, "k", "new");
  sim.deliver(WITHOUT_ONE);
  if (sim.highestCommitted < written.index) sim.report("the new leader did not commit its write");
  if (sim.status(1).role === "leader" && await sim.readWithoutNetwork(1)) {
    sim.report(`1 served a read from its lease at tick ${newLeaderAtTick} after the cut, after ` +
      `${leader} committed index ${written.index} in term ${written.term} (a stale read)`);
  }
  return { violations: sim.violations, newLeaderAtTick, traceTail: sim.traceTail() };
}
