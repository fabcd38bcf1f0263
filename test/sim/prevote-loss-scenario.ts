import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DELIVER_ALL, DirectedSim, type DirectedViolation } from "./directed-sim.js";

/**
 * The lost pre-vote directed scenario (thesis 9.6; the review finding behind
 * onVoteResponse's rejection rule): 3 misses a write, then times out and asks for
 * pre-votes. 1 and 2 reject it (its log is behind) with their own term, which is 3's term.
 * Those rejections are a majority, so 3 has lost and must follow again at once. With the
 * planted "ignore-prevote-rejections" it stays a pre-candidate until its timer fires again.
 */
export interface PrevoteLossScenarioResult {
  readonly violations: readonly DirectedViolation[];
  readonly traceTail: readonly string[];
}

const AWAY_FROM_THREE = (m: Message): boolean => m.from !== 3 && m.to !== 3;

export function runPrevoteLossScenario(options: {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}): PrevoteLossScenarioResult {
  const sim = new DirectedSim({ ...options, voters: 3, appendEntriesMax: 64, preVote: true });
  sim.beginStep("1 leads; 1 and 2 commit a write that 3 misses");
  sim.elect(1, DELIVER_ALL);
  sim.propose(1, "k", "v");
  sim.deliver(AWAY_FROM_THREE);
  sim.beginStep("3 times out and asks for pre-votes; 1 and 2 reject them");
  sim.campaign(3);
  const term = sim.status(3).term;
  if (sim.status(3).role !== "pre-candidate") sim.report("3 did not start a pre-vote round");
  sim.deliver(DELIVER_ALL);
  const status = sim.status(3);
  if (status.role === "pre-candidate") {
    sim.report(`3 is still a pre-candidate in term ${term} after 1 and 2 rejected its pre-vote: ` +
      "it waits out another election timeout before it follows again (thesis 9.6)");
  }
  return { violations: sim.violations, traceTail: sim.traceTail() };
}
