// Goal: a checker that never fails is worse than none (docs/testing.md, Planted bugs), so each
// planted bug, switched on alone, must be caught. Method: for each bug, sweep seeds with a fault
// profile that exercises it until the first violation, within a fixed budget measured by sweeping;
// print the first detecting seed. Random sweeps run in a worker thread (seed-sweep.ts). A
// bug that random schedules rarely line up is caught by a directed scenario instead
// (docs/testing.md, Directed scenarios), swept over seeds the same way. Core and driver bugs come
// from RaftConfig.plantedBugs; the driver's async path is tested with a faulty port (a disk that
// reports writes durable before they are), and the review findings that live in ports with
// faulty ports too (a random source that repeats after a restart, a transport with the old
// membership rule), and the exactly-once checker with a naive client (a retried write goes
// out with a new sequence, so the session table cannot recognise it). CASES is keyed by
// every bug, so a new planted bug does not compile until it has a case here.
import type { PlantedBug } from "../../src/core/raft-config.js";
import { runChangeRoomScenario } from "./change-room-scenario.js";
import type { DirectedViolation } from "./directed-sim.js";
import { runFigure8 } from "./figure8-scenario.js";
import { runLeaseScenario } from "./lease-scenario.js";
import { runNonMemberLeaderScenario } from "./non-member-leader-scenario.js";
import { runPrevoteLossScenario } from "./prevote-loss-scenario.js";
import { runReadIdScenario } from "./read-id-scenario.js";
import { runSnapshotResendScenario } from "./snapshot-resend-scenario.js";
import { runStallScenario } from "./stall-scenario.js";
import { DEFAULT_FAULTS, type FaultProfile } from "./faults.js";
import { sweepInWorker, type SweepFailure } from "./seed-sweep.js";
import { DEFAULT_SIM_OPTIONS, type SimOptions } from "./simulator.js";

/** Core bugs (RaftConfig.plantedBugs) and a faulty port under the real driver. */
type BugName = PlantedBug | PortFault;
type PortFault =
  | "lying-disk" | "paused-clock" | "repeating-random" | "refuse-non-members"
  | "new-sequence-retries";
type Scenario =
  | "figure-8" | "lease" | "read-ids" | "prevote-loss" | "change-room" | "non-member-leader"
  | "snapshot-resend" | "stall";

interface BugCase {
  readonly seedsMax: number;
  /** Random simulations of this shape, or a named directed scenario. */
  readonly run:
    | { readonly kind: "random"; readonly shape: Partial<SimOptions> }
    | { readonly kind: "directed"; readonly scenario: Scenario };
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
    seedsMax: 3,
    run: { kind: "directed", scenario: "snapshot-resend" },
    why: "a snapshot must stay on its way for longer than two quorum checks while its follower " +
      "answers heartbeats; random schedules line that up rarely (first at seed 144 of a " +
      "snapshot-heavy profile), the directed scenario always, and the timer's second copy " +
      "shows as a SnapshotResendViolation (snapshot-calls.ts)",
  },
  "lease-too-long": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "lease" },
    why: "a cut-off leader serves a lease read after a newer leader committed a write; random " +
      "schedules rarely hit the few ticks between the two leases, the directed scenario does",
  },
  "paused-clock": {
    seedsMax: 40,
    run: { kind: "random", shape: { pausedClock: true, ...leaseProfile() } },
    why: "the driver's clock port stands still while paused: a resumed leader's lease looks " +
      "fresh, so it serves stale reads (RaftNode catches its ticks up from the clock)",
  },
  "commit-old-term-by-counting": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "figure-8" },
    why: "the paper's Figure 8 schedule: an old-term entry on a majority is committed, then overwritten",
  },
  "ignore-prevote-rejections": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "prevote-loss" },
    why: "a pre-candidate whose pre-vote a majority rejected stays one until its timer fires; " +
      "that is slower, not unsafe, so only a schedule that looks right after the rejections sees it",
  },
  "propose-change-before-room": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "change-room" },
    why: "a full waiter table needs more waiting proposals than the random clients make",
  },
  "ignore-stalls": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "stall" },
    why: "a leader's disk must stall while it can still heartbeat (few writes in flight); " +
      "random runs keep the watchdog off so their schedules stay as measured",
  },
  "read-whole-log-at-startup": {
    seedsMax: 3,
    run: { kind: "random", shape: { plantedBugs: ["read-whole-log-at-startup"] } },
    why: "every member start builds its core; the checker counts the log entries it read",
  },
  "repeating-random": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "read-ids" },
    why: "a restarted member reuses its old ReadIndex ids; a read answer must be slow across the " +
      "restart and arrive when the new request is lost, which random schedules rarely line up",
  },
  "refuse-non-members": {
    seedsMax: 3,
    run: { kind: "directed", scenario: "non-member-leader" },
    why: "a voter must miss the entries adding a member that then leads; the random nemesis " +
      "seldom makes a new member leader while one voter is cut off",
  },
  "hold-released-answers": {
    seedsMax: 3,
    run: { kind: "random", shape: { plantedBugs: ["hold-released-answers"] } },
    why: "the answer path of peer calls (three in four requests in the simulator): a heartbeat " +
      "answer waits for the next write although its own needed none; SimMember checks that " +
      "no answer is held once every write it can wait for was released",
  },
  "lying-disk": {
    seedsMax: 10,
    run: { kind: "random", shape: { diskLiesAboutDurability: true } },
    why: "the driver's async path: a vote or an acknowledgement leaves before its write is durable",
  },
  "new-sequence-retries": {
    seedsMax: 10,
    run: { kind: "random", shape: { retryWritesWithNewSequence: true } },
    why: "a write whose answer was lost (timeout, leader change, crash) but which committed is " +
      "applied again when its retry carries a new sequence; the exactly-once checker counts " +
      "the applications of each client write",
  },
};

/** The first seed (from 1) whose run finds a violation, within the case's budget. */
async function firstDetection(name: BugName, bugCase: BugCase): Promise<SweepFailure | undefined> {
  if (bugCase.run.kind === "random") {
    const { seedsMax: count, run } = bugCase;
    const report = await sweepInWorker({ first: 1, count, shape: run.shape, stopAtFirst: true });
    return report.failures[0];
  }
  for (let seed = 1; seed <= bugCase.seedsMax; seed++) {
    const result = await runDirected(bugCase.run.scenario, seed, name);
    const violation = result.violations[0];
    if (violation !== undefined) return { seed, violation: `${violation.step}: ${violation.text}` };
  }
  return undefined;
}

/** One directed scenario with `name` planted: a core bug, or the port fault it needs. */
async function runDirected(
  scenario: Scenario, seed: number, name: BugName,
): Promise<{ readonly violations: readonly DirectedViolation[] }> {
  const plantedBugs = isPortFault(name) ? [] : [name];
  const options = { seed, plantedBugs };
  switch (scenario) {
    case "figure-8":
      return runFigure8(options);
    case "lease":
      return runLeaseScenario(options);
    case "read-ids":
      return runReadIdScenario({ ...options, randomRepeatsAcrossRestarts: name === "repeating-random" });
    case "prevote-loss":
      return runPrevoteLossScenario(options);
    case "change-room":
      return runChangeRoomScenario(options);
    case "snapshot-resend":
      return runSnapshotResendScenario(options);
    case "stall":
      return runStallScenario(options);
    case "non-member-leader":
      return runNonMemberLeaderScenario({ ...options, refuseRequestsFromNonMembers: name === "refuse-non-members" });
  }
}

function isPortFault(name: BugName): name is PortFault {
  return name === "lying-disk" || name === "paused-clock" || name === "repeating-random" ||
    name === "refuse-non-members" || name === "new-sequence-retries";
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
