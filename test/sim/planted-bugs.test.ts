// Goal: a checker that never fails is worse than none (TESTING.md 2.1.9), so each planted bug,
// switched on alone, must be caught. Method: for each bug, sweep seeds with a fault profile
// that exercises it until the first violation, within a fixed budget measured by sweeping;
// print the first detecting seed. Core bugs come from RaftConfig.plantedBugs; the driver bug
// (send a Ready's messages before persisting it) lives in the simulator's own driver.
import type { PlantedBug } from "../../src/core/raft-config.js";
import { DEFAULT_FAULTS, type FaultProfile } from "./faults.js";
import { DEFAULT_SIM_OPTIONS, runSimulation, type SimOptions } from "./simulator.js";

interface BugCase {
  readonly name: PlantedBug | "send-before-persist";
  readonly seedsMax: number;
  readonly shape: Partial<SimOptions>;
  /** Why this profile: which fault mix makes the bug observable. */
  readonly why: string;
}

function faults(
  overrides: Partial<Omit<FaultProfile, "weights">>,
  weights: Partial<FaultProfile["weights"]>,
): FaultProfile {
  return { ...DEFAULT_FAULTS, ...overrides, weights: { ...DEFAULT_FAULTS.weights, ...weights } };
}

const CASES: readonly BugCase[] = [
  {
    name: "vote-twice",
    seedsMax: 50,
    shape: { plantedBugs: ["vote-twice"] },
    why: "split votes after crashes: a second grant in one term shows in the durable votes",
  },
  {
    name: "skip-noop",
    seedsMax: 50,
    shape: { plantedBugs: ["skip-noop"] },
    why: "a new leader never commits earlier entries, so reads and final reads stall",
  },
  {
    name: "unconfirmed-reads",
    seedsMax: 200,
    shape: { plantedBugs: ["unconfirmed-reads"] },
    why: "a deposed leader answers reads locally: stale reads are not linearizable",
  },
  {
    name: "skip-config-guard",
    seedsMax: 200,
    shape: {
      plantedBugs: ["skip-config-guard"],
      faults: faults({ reconfigureBurstProbability: 0.6 }, { membership: 8 }),
    },
    why: "two changes in flight at once allow disjoint majorities (raft-dev, July 2015)",
  },
  {
    name: "accept-stale-term",
    seedsMax: 200,
    shape: {
      plantedBugs: ["accept-stale-term"],
      checkQuorum: false,
      faults: faults({ clogProbability: 1, faultMicrosMax: 400_000 }, { partition: 10, membership: 0, "crash-any": 0 }),
    },
    why: "a clogged old leader's appends arrive after a new election and overwrite committed entries",
  },
  {
    name: "send-before-persist",
    seedsMax: 10,
    shape: { sendBeforePersist: true },
    why: "a vote or an acknowledgement leaves before the state it promises is durable",
  },
];

describe("planted bugs are detected", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, bugCase) => {
    let detected: { seed: number; violation: string } | undefined;
    for (let seed = 1; seed <= bugCase.seedsMax && detected === undefined; seed++) {
      const result = runSimulation({ ...DEFAULT_SIM_OPTIONS, ...bugCase.shape, seed });
      if (result.violation !== undefined) detected = { seed, violation: result.violation };
    }
    console.log(
      detected === undefined
        ? `${bugCase.name}: NOT detected within ${bugCase.seedsMax} seeds (${bugCase.why})`
        : `${bugCase.name}: first detected at seed ${detected.seed}: ${detected.violation.split("\n")[0]}`,
    );
    expect(detected).toBeDefined();
  });
});
