// Goal: a checker that never fails is worse than none (TESTING.md 2.1.9), so each planted bug,
// switched on alone, must be caught. Method: for each bug, sweep seeds with a fault profile
// that exercises it until the first violation, within a fixed budget measured by sweeping;
// print the first detecting seed. Random sweeps run in a worker thread (seed-sweep.ts). A
// bug that random schedules rarely line up is caught by a directed scenario instead
// (TESTING.md 2.1.8), swept over seeds the same way. Core bugs come from
// RaftConfig.plantedBugs; the driver's async path is tested with a faulty port (a disk that
// reports writes durable before they are), since the driver itself has no test-only branch.
// CASES is keyed by every bug, so a new planted bug does not compile until it has a case here.
import { assert } from "../../src/core/assert.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import { runFigure8 } from "./figure8-scenario.js";
import { runLeaseScenario } from "./lease-scenario.js";
import { DEFAULT_FAULTS, type FaultProfile } from "./faults.js";
import { sweepInWorker, type SweepFailure } from "./seed-sweep.js";
import { DEFAULT_SIM_OPTIONS, type SimOptions } from "./simulator.js";

/** Core bugs (RaftConfig.plantedBugs) and a faulty port under the real driver. */
type BugName = PlantedBug | "lying-disk" | "paused-clock";

interface BugCase {
  readonly seedsMax: number;
  /** Random simulations of this shape, or a named directed scenario. */
  readonly run:
    | { readonly kind: "random"; readonly shape: Partial<SimOptions> }
    | { readonly kind: "directed"; readonly scenario: "figure-8" | "lease" };
  /** Why this profile: which fault mix or schedule makes the bug observable. */
  readonly why: string;
}

function faults(
  overrides: Partial<Omit<FaultProfile, "weights">>,
  weights: Partial<FaultProfile["weights"]>,
): FaultProfile {
  return { ...DEFAULT_FAULTS, ...overrides, weights: { ...DEFAULT_FAULTS.weights, ...weights } };
}

/**
 * Lease reads in every run and many clients that stay with the leader they know: a stale
 * lease read needs a client still reading from the old leader after another client's write
 * committed under the new one; pauses stop a leader, partitions cut it off.
 */
function leaseProfile(): Partial<SimOptions> {
  return {
    leaseReadsShare: 1,
    workload: {
      ...DEFAULT_SIM_OPTIONS.workload, clientCount: 16, thinkMicrosMax: 5_000,
      stickToLeaderProbability: 1,
    },
    faults: faults({}, { pause: 10, partition: 4 }),
  };
}

const CASES: Readonly<Record<BugName, BugCase>> = {
  "vote-twice": {
    seedsMax: 50,
    run: { kind: "random", shape: { plantedBugs: ["vote-twice"] } },
    why: "split votes after crashes: a second grant in one term shows in the durable votes",
  },
  "skip-noop": {
    seedsMax: 50,
    run: { kind: "random", shape: { plantedBugs: ["skip-noop"] } },
    why: "a new leader never commits earlier entries, so reads and final reads stall",
  },
  "unconfirmed-reads": {
    seedsMax: 200,
    run: { kind: "random", shape: { plantedBugs: ["unconfirmed-reads"] } },
    why: "a deposed leader answers reads locally: stale reads are not linearizable",
  },
  "skip-config-guard": {
    seedsMax: 200,
    run: {
      kind: "random",
      shape: {
        plantedBugs: ["skip-config-guard"],
        faults: faults({ reconfigureBurstProbability: 0.6 }, { membership: 8 }),
      },
    },
    why: "two changes in flight at once allow disjoint majorities (raft-dev, July 2015)",
  },
  "accept-stale-term": {
    seedsMax: 200,
    run: {
      kind: "random",
      shape: {
        plantedBugs: ["accept-stale-term"],
        checkQuorum: false,
        faults: faults({ clogProbability: 1, faultMicrosMax: 400_000 }, { partition: 10, membership: 0, "crash-any": 0 }),
      },
    },
    why: "a clogged old leader's appends arrive after a new election and overwrite committed entries",
  },
  "resend-snapshot-while-streaming": {
    seedsMax: 30,
    run: {
      kind: "random",
      shape: {
        plantedBugs: ["resend-snapshot-while-streaming"],
        // Lease reads off, so that this profile tests snapshots alone.
        leaseReadsShare: 0,
        workload: { ...DEFAULT_SIM_OPTIONS.workload, clientCount: 8, thinkMicrosMax: 5_000 },
        faults: faults(
          { gapMicrosMin: 20_000, gapMicrosMax: 200_000, clogProbability: 1 },
          { partition: 6, pause: 6, membership: 2, "crash-leader": 0, "crash-any": 0, transfer: 0 },
        ),
      },
    },
    why: "busy clients make followers fall behind compaction; clogged links and paused followers " +
      "hold a snapshot for longer than two quorum checks, and the timer's second copy shows as " +
      "a SnapshotResendViolation (snapshot-calls.ts)",
  },
  "lease-too-long": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "lease" },
    why: "a cut-off leader serves a lease read after a newer leader committed a write; random " +
      "schedules rarely hit the few ticks between the two leases, the directed scenario does",
  },
  "paused-clock": {
    seedsMax: 20,
    run: { kind: "random", shape: { pausedClock: true, ...leaseProfile() } },
    why: "the driver's clock port stands still while paused: a resumed leader's lease looks " +
      "fresh, so it serves stale reads (RaftNode catches its ticks up from the clock)",
  },
  "commit-old-term-by-counting": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "figure-8" },
    why: "the paper's Figure 8 schedule: an old-term entry on a majority is committed, then overwritten",
  },
  "lying-disk": {
    seedsMax: 10,
    run: { kind: "random", shape: { diskLiesAboutDurability: true } },
    why: "the driver's async path: a vote or an acknowledgement leaves before its write is durable",
  },
};

/** The first seed (from 1) whose run finds a violation, within the case's budget. */
async function firstDetection(name: BugName, bugCase: BugCase): Promise<SweepFailure | undefined> {
  if (bugCase.run.kind === "random") {
    const { seedsMax: count, run } = bugCase;
    const report = await sweepInWorker({ first: 1, count, shape: run.shape, stopAtFirst: true });
    return report.failures[0];
  }
  assert(name !== "lying-disk" && name !== "paused-clock", "directed scenarios plant core bugs");
  const scenario = bugCase.run.scenario;
  for (let seed = 1; seed <= bugCase.seedsMax; seed++) {
    const options = { seed, plantedBugs: [name] };
    const result = scenario === "lease" ? await runLeaseScenario(options) : runFigure8(options);
    const violation = result.violations[0];
    if (violation !== undefined) return { seed, violation: `${violation.step}: ${violation.text}` };
  }
  return undefined;
}

describe("planted bugs are detected", () => {
  const entries = Object.entries(CASES) as [BugName, BugCase][];
  it.each(entries)("%s", async (name, bugCase) => {
    const run = bugCase.run;
    const how = run.kind === "directed" ? `directed scenario ${run.scenario}` : "random simulation";
    const detected = await firstDetection(name, bugCase);
    console.log(
      detected === undefined
        ? `${name}: NOT detected by ${how} within ${bugCase.seedsMax} seeds (${bugCase.why})`
        : `${name}: first detected by ${how} at seed ${detected.seed}: ${detected.violation.split("\n")[0] ?? ""}`,
    );
    expect(detected).toBeDefined();
  });
});
