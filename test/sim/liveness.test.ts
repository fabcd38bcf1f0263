// Goal: after faults stop, the cluster recovers (docs/testing.md, "Convergence and liveness",
// and the PreVote / CheckQuorum interplay in "Known Raft failures"): within K = 20 election
// timeouts there is exactly one leader among the members, known to all of them, its whole log is
// committed and applied everywhere, and a linearizable read of every key succeeds. Method:
// liveness-mode simulations (bounded faults, including asymmetric and flapping partitions, then a
// full heal) for each of the four {preVote, checkQuorum} combinations, 25 seeds each: the odd
// seeds with 3 voters, the even ones with 5. The seeds run in worker threads at node speed
// (seed-sweep.ts says why), the two voter counts side by side on the two cores. A failure names
// the seed and how to replay it.
import { describeFailures, sweepInWorker, type SweepReport } from "./seed-sweep.js";
import { DEFAULT_SIM_OPTIONS, type SimOptions } from "./simulator.js";

const ELECTION_TIMEOUTS_K = 20;
/** The simulated tick (simulator.ts gives the cluster tickMicros: 10_000). */
const TICK_MICROS = 10_000;
const ELECTION_TIMEOUT_MICROS = DEFAULT_SIM_OPTIONS.electionTicks * TICK_MICROS;
const RECOVERY_MICROS = ELECTION_TIMEOUTS_K * ELECTION_TIMEOUT_MICROS;
const SEED_FIRST = 30_001;
const SEEDS_PER_COMBINATION = 25;

interface Combination {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
}

/** The CLI variables that replay a seed of this shape (sim-cli.ts). */
function replayEnv(shape: Partial<SimOptions>): string {
  const flag = (on: boolean | undefined): string => (on === true ? "1" : "0");
  return [
    `VOTERS=${String(shape.voters)}`,
    "MODE=liveness",
    `PREVOTE=${flag(shape.preVote)}`,
    `CHECKQUORUM=${flag(shape.checkQuorum)}`,
    `FINAL_MICROS=${String(shape.finalMicros)}`,
  ].join(" ");
}

/**
 * Sweeps one voter count over its share of the combination's seeds, in one worker thread:
 * seed SEED_FIRST + i runs with 3 voters for even i and with 5 voters for odd i.
 */
async function sweepVoters(
  combination: Combination,
  voters: 3 | 5,
): Promise<{ report: SweepReport; count: number; failures: string[] }> {
  const offset = voters === 3 ? 0 : 1;
  const count = Math.ceil((SEEDS_PER_COMBINATION - offset) / 2);
  const shape = { ...combination, voters, mode: "liveness", finalMicros: RECOVERY_MICROS } as const;
  const request = { first: SEED_FIRST + offset, count, seedStep: 2, shape, stopAtFirst: false };
  const report = await sweepInWorker(request);
  return { report, count, failures: describeFailures(report, replayEnv(shape)) };
}

describe("liveness after healing", () => {
  const combinations: readonly Combination[] = [
    { preVote: true, checkQuorum: true },
    { preVote: true, checkQuorum: false },
    { preVote: false, checkQuorum: true },
    { preVote: false, checkQuorum: false },
  ];
  it.each(combinations)("preVote=$preVote checkQuorum=$checkQuorum", async (combination) => {
    // The two voter counts side by side, one worker thread each: two workers per combination
    // instead of four, since each worker first compiles the sources (measured: about a third
    // less CPU than sweeping each count over both cores in turn).
    const [three, five] = await Promise.all([
      sweepVoters(combination, 3),
      sweepVoters(combination, 5),
    ]);
    expect(three.report.seedsRun).toBe(three.count);
    expect(five.report.seedsRun).toBe(five.count);
    expect(three.count + five.count).toBe(SEEDS_PER_COMBINATION);
    expect([...three.failures, ...five.failures]).toEqual([]);
  });
});
