// Goal: the Raft core keeps every safety property under faults with five voters and a learner
// (docs/testing.md, Seed sweeps: 100 seeds with 5 nodes and membership changes).
// Method: the same seed sweep as simulator.test.ts, in worker threads at node speed over both
// cores (seed-sweep.ts), and in its own file so that jest run with two workers can schedule it
// beside the 3-voter sweep. A failure names the seed and how to replay it.
import { describeFailures, SWEEP_THREADS, sweepInWorkers } from "./seed-sweep.js";

describe("simulator sweep, 5 voters", () => {
  it("5 voters and a learner, 100 seeds: no violation", async () => {
    const shape = { voters: 5, learners: 1 };
    const request = { first: 10_001, count: 100, shape, stopAtFirst: false };
    const report = await sweepInWorkers(request, SWEEP_THREADS);
    console.log(`5 voters + learner: ${report.seedsRun} seeds in ${report.seconds.toFixed(1)} s, ${report.seedsPerSecond.toFixed(1)} seeds/s`);
    expect(report.seedsRun).toBe(100);
    expect(describeFailures(report, "VOTERS=5 LEARNERS=1")).toEqual([]);
  });
});
