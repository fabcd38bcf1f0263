import { nodeId } from "../../src/core/ids.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, type DirectedViolation } from "./directed-sim.js";

/**
 * The membership-change waiter directed scenario (the review finding behind
 * RaftNode.changeMembership's order): leader 1's table of waiting proposals is full, and a
 * client asks it to add a learner. The call must be refused without touching the log: a
 * caller told "retry later" whose change is nevertheless in the log retries it, and the
 * change is made twice. The planted "propose-change-before-room" proposes first.
 */
export interface ChangeRoomScenarioResult {
  readonly violations: readonly DirectedViolation[];
  readonly traceTail: readonly string[];
}

/** RaftNode's pendingProposalsMax in a simulated member (sim-member.ts). */
const PENDING_PROPOSALS_MAX = 64;

export async function runChangeRoomScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}): Promise<ChangeRoomScenarioResult> {
  const sim = new DirectedSim({ ...options, voters: 3, appendEntriesMax: 64 });
  sim.beginStep("1 leads; clients fill its table of waiting proposals");
  sim.elect(1, DELIVER_ALL);
  for (let i = 0; i < PENDING_PROPOSALS_MAX; i++) sim.propose(1, `k${i}`, "v");
  sim.beginStep("a client asks 1 to add learner 4");
  const before = sim.status(1).lastIndex;
  const change = await sim.call(1, (member) =>
    member.node.changeMembership({ type: "add-learner", node: nodeId(4) }, 60_000));
  const after = sim.status(1).lastIndex;
  if (change.state === "rejected" && after > before) {
    sim.report(`1 refused the change (${String(change.error)}) but appended it at index ${after}: ` +
      "the caller retries a change that is already in the log");
  }
  if (change.state !== "rejected") sim.report(`the change was not refused with a full table (${change.state})`);
  return { violations: sim.violations, traceTail: sim.traceTail() };
}
