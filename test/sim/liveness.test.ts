// Goal: after faults stop, the cluster recovers (TESTING.md 2.1.6 #5, and the PreVote /
// CheckQuorum interplay of 1.2): within K = 20 election timeouts there is exactly one leader
// among the members, known to all of them, its whole log is committed and applied everywhere,
// and a linearizable read of every key succeeds. Method: liveness-mode simulations (bounded
// faults, including asymmetric and flapping partitions, then a full heal) for each of the
// four {preVote, checkQuorum} combinations.
import { DEFAULT_SIM_OPTIONS, replayHint, runSimulation } from "./simulator.js";

const ELECTION_TIMEOUTS_K = 20;
const ELECTION_TIMEOUT_MICROS = DEFAULT_SIM_OPTIONS.electionTicks * 10_000;
const SEEDS_PER_COMBINATION = 25;

describe("liveness after healing", () => {
  const combinations = [
    { preVote: true, checkQuorum: true },
    { preVote: true, checkQuorum: false },
    { preVote: false, checkQuorum: true },
    { preVote: false, checkQuorum: false },
  ];
  it.each(combinations)("preVote=$preVote checkQuorum=$checkQuorum", ({ preVote, checkQuorum }) => {
    const failures: string[] = [];
    for (let i = 0; i < SEEDS_PER_COMBINATION; i++) {
      const seed = 30_001 + i;
      const result = runSimulation({
        ...DEFAULT_SIM_OPTIONS,
        seed,
        voters: i % 2 === 0 ? 3 : 5,
        preVote,
        checkQuorum,
        mode: "liveness",
        finalMicros: ELECTION_TIMEOUTS_K * ELECTION_TIMEOUT_MICROS,
      });
      if (result.violation !== undefined) {
        failures.push(`seed ${seed} (preVote=${preVote}, checkQuorum=${checkQuorum}): ${result.violation}\n  replay: ${replayHint(seed)} MODE=liveness`);
      }
    }
    expect(failures).toEqual([]);
  });
});
