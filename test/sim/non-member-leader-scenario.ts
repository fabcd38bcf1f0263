import { nodeId } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, HEARTBEAT_TICKS, type DirectedViolation } from "./directed-sim.js";

/**
 * The unknown-leader directed scenario (thesis 4.1; the review finding behind
 * peer-envelope.ts's rule that only votes are checked against the configuration): while 3
 * is cut off, 1 adds 4 as a learner, promotes it, and hands it the leadership. 3 comes back
 * knowing only {1, 2, 3}. It must take 4's appends, which carry the entries that add 4, and
 * catch up. The planted transport fault `refuseRequestsFromNonMembers` (the old rule)
 * refuses every request from a member outside its configuration, so 3 is stuck until
 * leadership moves again.
 */
export interface NonMemberLeaderScenarioResult {
  readonly violations: readonly DirectedViolation[];
  readonly traceTail: readonly string[];
}

const AWAY_FROM_THREE = (m: Message): boolean => m.from !== 3 && m.to !== 3;
const HEARTBEAT_ROUNDS = 5;

export async function runNonMemberLeaderScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly refuseRequestsFromNonMembers: boolean;
  readonly traceSink?: (line: string) => void;
}): Promise<NonMemberLeaderScenarioResult> {
  const sim = new DirectedSim({ ...options, voters: 3, appendEntriesMax: 64 });
  sim.beginStep("1 leads; with 3 cut off it adds 4 as a learner, then as a voter");
  sim.elect(1, DELIVER_ALL);
  sim.addNode(4);
  for (const type of ["add-learner", "add-voter"] as const) {
    const change = await sim.call(1, (member) =>
      member.node.changeMembership({ type, node: nodeId(4) }, 60_000));
    sim.deliver(AWAY_FROM_THREE);
    await sim.settle();
    if (change.state !== "resolved") sim.report(`1 did not apply ${type} 4 (${change.state})`);
  }
  sim.beginStep("1 hands the leadership to 4, still without 3");
  await sim.call(1, (member) => {
    member.node.transferLeadership(nodeId(4));
    return Promise.resolve();
  });
  sim.deliver(AWAY_FROM_THREE);
  if (sim.status(4).role !== "leader") {
    sim.report("4 did not take over the leadership");
    return { violations: sim.violations, traceTail: sim.traceTail() };
  }
  sim.beginStep("3 is back; 4 sends heartbeats and appends to everyone");
  for (let round = 0; round < HEARTBEAT_ROUNDS; round++) {
    sim.tick(4, HEARTBEAT_TICKS);
    sim.deliver(DELIVER_ALL);
  }
  const leaderLast = sim.status(4).lastIndex;
  const lagging = sim.status(3).lastIndex;
  if (lagging < leaderLast) {
    sim.report(`3's log ends at ${lagging} after ${HEARTBEAT_ROUNDS} heartbeat rounds of leader 4 ` +
      `(whose log ends at ${leaderLast}): 3 refuses a leader its configuration does not list yet`);
  }
  return { violations: sim.violations, traceTail: sim.traceTail() };
}
