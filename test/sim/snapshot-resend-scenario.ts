import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, HEARTBEAT_TICKS, type DirectedViolation } from "./directed-sim.js";

/**
 * The slow snapshot directed scenario (the review finding behind RaftCore.reportSnapshot):
 * 3 is cut off while 1 and 2 commit enough to compact their logs, so 3 can only catch up
 * from a snapshot. The snapshot 1 sends it is slow (held on the link) while 3 answers every
 * heartbeat, for three election timeouts. A leader sends one snapshot at a time per
 * follower and waits for the transport's report; the planted
 * "resend-snapshot-while-streaming" sends another copy at a check-quorum tick, which the
 * simulator's snapshot calls report (snapshot-calls.ts). At the end the slow copy arrives
 * and 3 must catch up.
 */
export interface SnapshotResendScenarioResult {
  readonly violations: readonly DirectedViolation[];
  readonly traceTail: readonly string[];
}

const AWAY_FROM_THREE = (m: Message): boolean => m.from !== 3 && m.to !== 3;
const SNAPSHOT_EVERY_ENTRIES = 5;
const WRITES = 12;
const ELECTION_TIMEOUTS = 3;
const ELECTION_TICKS = 10;

export async function runSnapshotResendScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}): Promise<SnapshotResendScenarioResult> {
  const sim = new DirectedSim({
    ...options, voters: 3, appendEntriesMax: 64, snapshotEveryEntries: SNAPSHOT_EVERY_ENTRIES,
    // Check-quorum on: its ticks are when the old rule sent the second copy.
    leaseReads: true,
  });
  sim.beginStep(`1 leads; 1 and 2 commit ${WRITES} writes without 3 and compact their logs`);
  sim.elect(1, DELIVER_ALL);
  for (let i = 0; i < WRITES; i++) sim.propose(1, `k${i}`, "v");
  sim.deliver(AWAY_FROM_THREE);
  sim.tick(1, HEARTBEAT_TICKS);
  sim.deliver(AWAY_FROM_THREE);
  sim.beginStep(`3 is back and answers heartbeats; its snapshot is slow for ${ELECTION_TIMEOUTS} election timeouts`);
  const isSnapshot = (m: Message): boolean => m.type === "snapshot-request";
  const held = [];
  for (let tick = 0; tick < ELECTION_TIMEOUTS * ELECTION_TICKS; tick++) {
    for (const id of [1, 2, 3]) sim.tick(id, 1);
    held.push(...sim.deliver(DELIVER_ALL, isSnapshot));
    // A resend crashes the sender (the checker's SnapshotResendViolation): the scenario ends.
    if (sim.violations.length > 0) break;
  }
  if (sim.violations.length > 0) return { violations: sim.violations, traceTail: sim.traceTail() };
  if (held.length === 0) sim.report("1 sent 3 no snapshot");
  sim.beginStep("the slow snapshot arrives; 3 catches up");
  sim.redeliver(held);
  for (let round = 0; round < 3; round++) {
    sim.deliver(DELIVER_ALL);
    sim.tick(1, HEARTBEAT_TICKS);
  }
  sim.deliver(DELIVER_ALL);
  await sim.settle();
  if (sim.status(3).commitIndex < sim.status(1).commitIndex) {
    sim.report(`3 did not catch up: commit ${sim.status(3).commitIndex}, leader ${sim.status(1).commitIndex}`);
  }
  return { violations: sim.violations, traceTail: sim.traceTail() };
}
