// Goal: the Figure 8 rule (Raft §5.4.2: a leader commits by counting replicas only entries of
// its own term) holds, and breaking it is caught by the simulator's checkers. Random seeds
// rarely line up the five-step schedule, so this is a directed scenario (docs/testing.md,
// Directed scenarios): the simulator's cluster, drivers and safety checker under a scripted
// schedule (figure8-scenario.ts, runFigure8). Method: run the script with the correct core and with
// the planted bug "commit-old-term-by-counting", for several seeds (seeds move election
// jitter and message order, never the schedule); assert the run passed through the dangerous
// state, then no violation (correct) or a reported violation (bug).
import { FIGURE8_INDEX, runFigure8, type Figure8Result } from "./figure8-scenario.js";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function describeRun(result: Figure8Result): string {
  const violations = result.violations.map((v) => `  ${v.step}: ${v.text}`).join("\n");
  return `violations:\n${violations}\ntrace tail:\n${result.traceTail.slice(-40).join("\n")}`;
}

describe("Figure 8 directed scenario, correct core", () => {
  it.each(SEEDS)("seed %i: the term-2 entry on a majority stays uncommitted and nothing breaks", (seed) => {
    const result = runFigure8({ seed, plantedBugs: [] });
    expect(result.violations).toEqual([]);
    expect(result.termsWon).toEqual([2, 3, 4, 5]);

    // Step (c) really reached the dangerous state: 3@2 is durable on S1, S2 and S3 (three of
    // five), and the term-4 leader heard S2 and S3 acknowledge it.
    expect(result.stepC.holders).toEqual([1, 2, 3]);
    expect(result.stepC.acknowledgedBy).toEqual([2, 3]);
    // ...and yet nobody committed it: commit stays at the term-2 no-op.
    expect(result.stepC.leaderCommit).toBe(FIGURE8_INDEX - 1);
    expect(result.stepC.highestCommitted).toBe(FIGURE8_INDEX - 1);

    // Step (d) overwrote index 3 everywhere with S5's term-3 entry, which is safe because it
    // was never committed; all five nodes converge on it.
    expect([...result.finalTerms.values()]).toEqual([3, 3, 3, 3, 3]);
    expect(result.convergence).toBeUndefined();
  });
});

describe("Figure 8 directed scenario, planted bug commit-old-term-by-counting", () => {
  it.each(SEEDS)("seed %i: the old-term commit in step (c) is reported as a violation", (seed) => {
    const result = runFigure8({ seed, plantedBugs: ["commit-old-term-by-counting"] });
    const report = describeRun(result);

    // Same schedule and same dangerous state, but S1 commits 3@2 by counting replicas.
    expect(result.termsWon).toEqual([2, 3, 4, 5]);
    expect(result.stepC.holders).toEqual([1, 2, 3]);
    expect(result.stepC.leaderCommit).toBe(FIGURE8_INDEX);

    // The checker catches it when S5 wins term 5 without the committed entry, and again when
    // S5's entry is applied where S1 had applied 3@2.
    const first = result.violations[0];
    expect({ step: first?.step.slice(0, 3), report }).toEqual({ step: "(d)", report });
    expect(first?.text).toMatch(/leader of term 5 holds another entry at committed index 3 \(Leader Completeness\)/);
    const texts = result.violations.map((v) => v.text);
    expect(texts.some((t) => /applied a different entry at 3 .*State Machine Safety/.test(t))).toBe(true);
    expect(texts.some((t) => /truncated committed index 3/.test(t))).toBe(true);
  });
});
