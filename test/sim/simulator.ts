import { DEFAULT_RAFT_CONFIG, type PlantedBug, type RaftConfig } from "../../src/core/raft-config.js";
import { nodeId, type NodeId } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";
import { SeededRandom } from "../../src/core/random.js";
import { checkKvHistory, type KvOperation } from "../checker/kv-model.js";
import { EventQueue } from "./event-queue.js";
import { ExactlyOnceChecker, noExactlyOnce, type ExactlyOnceStats } from "./exactly-once.js";
import { DEFAULT_FAULTS, type FaultProfile, type NemesisAction } from "./faults.js";
import { SafetyViolation } from "./invariants.js";
import { CALM_NETWORK, FAULTY_NETWORK, SimNetwork } from "./network.js";
import { NemesisRunner } from "./nemesis-runner.js";
import { noPowerLoss, type PowerLossStats } from "./power-loss.js";
import { SimCluster, type Delivery, type SimContext, type SimEvent } from "./sim-cluster.js";
import { finalChecks, livenessChecks } from "./final-checks.js";
import { Trace } from "./trace.js";
import { Workload, type WorkloadOptions } from "./workload.js";

/** One simulation run's shape. Everything random derives from `seed`. */
export interface SimOptions {
  readonly seed: number;
  readonly voters: number;
  /** Founding learners (ids after the voters). */
  readonly learners: number;
  /** Ids the nemesis may add later as learners (then promote). */
  readonly spareNodes: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /**
   * The share of runs with lease reads on (thesis 6.4.1; they need check-quorum). Which runs
   * is drawn from the seed, so a seed replays with the same choice. Clocks drift by up to
   * driftMax per member, within what the lease's drift margin covers.
   */
  readonly leaseReadsShare: number;
  readonly plantedBugs: readonly PlantedBug[];
  /**
   * Planted bug in a port (the driver's async path): the disk reports a write durable
   * before it is, so answers that wait for it leave too early.
   */
  readonly diskLiesAboutDurability: boolean;
  /**
   * Planted fault in a port: members' clocks stand still while they are paused, so a
   * resumed leader cannot tell how long it was stopped (its lease looks fresh).
   */
  readonly pausedClock: boolean;
  /** Planted fault in the Random port (ClusterOptions.randomRepeatsAcrossRestarts). */
  readonly randomRepeatsAcrossRestarts: boolean;
  /** Planted fault in the transport (ClusterOptions.refuseRequestsFromNonMembers). */
  readonly refuseRequestsFromNonMembers: boolean;
  /** Planted fault in the clients (WorkloadChecks.newSequenceOnRetry): naive retries. */
  readonly retryWritesWithNewSequence: boolean;
  /** Faults and client traffic run for this long; then everything heals. */
  readonly faultMicros: number;
  /** After healing: time for in-flight work to settle before the final reads. */
  readonly quietMicros: number;
  /** Budget for the final reads (safety) or for recovery (liveness), after the quiet period. */
  readonly finalMicros: number;
  readonly faults: FaultProfile | undefined;
  readonly workload: WorkloadOptions;
  /** "liveness": after healing, one leader must emerge and all work must commit in time. */
  readonly mode: "safety" | "liveness";
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Small batches split old-term tails across AppendEntries, which Figure 8 needs. */
  readonly appendEntriesMax: number;
  /** A runaway guard, not a tuning knob. */
  readonly eventsMax: number;
  /** Print each trace line here (SEED replays). */
  readonly traceSink?: (line: string) => void;
  readonly traceEnabled?: boolean;
  readonly linearizabilityTimeoutMs?: number;
}

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, "seed"> = {
  voters: 3,
  learners: 0,
  spareNodes: 2,
  preVote: true,
  checkQuorum: true,
  leaseReadsShare: 1 / 3,
  plantedBugs: [],
  diskLiesAboutDurability: false,
  pausedClock: false,
  randomRepeatsAcrossRestarts: false,
  refuseRequestsFromNonMembers: false,
  retryWritesWithNewSequence: false,
  faultMicros: 6_000_000,
  quietMicros: 1_500_000,
  finalMicros: 4_000_000,
  faults: DEFAULT_FAULTS,
  workload: {
    clientCount: 4,
    keyCount: 5,
    opTimeoutMicros: 400_000,
    thinkMicrosMax: 20_000,
    stickToLeaderProbability: 0.8,
    // A write in doubt outlives an election (each attempt may wait opTimeoutMicros), and a
    // client busy retrying is not reading: with 6 attempts, and retries of writes refused
    // outright, the planted paused-clock fault went undetected in 60 seeds.
    writeAttemptsMax: 4,
  },
  mode: "safety",
  electionTicks: 10,
  heartbeatTicks: 2,
  appendEntriesMax: 8,
  eventsMax: 3_000_000,
};

export interface SimResult {
  readonly seed: number;
  /** Undefined when every check passed. */
  readonly violation: string | undefined;
  readonly events: number;
  readonly virtualMicros: number;
  readonly history: readonly KvOperation[];
  readonly traceDigest: string;
  /** The last trace lines before the failure (only when tracing was on). */
  readonly traceTail: readonly string[];
  /** How much the power-loss model was exercised (ADR 0005). */
  readonly powerLoss: PowerLossStats;
  /** How often writes were retried, and what the exactly-once checker saw of them. */
  readonly exactlyOnce: ExactlyOnceStats;
}

/** How to replay a failing seed, for every failure message. */
export function replayHint(seed: number): string {
  return `SEED=${seed} make sim   (or: npm run build && SEED=${seed} node dist/test/sim/sim-cli.js)`;
}

/**
 * Runs one seeded simulation: faults and clients for `faultMicros`, then heal, a quiet period,
 * final reads, and the end-of-run checks (convergence, linearizability, or liveness). Safety
 * invariants are checked after every event. Deterministic: the same options give the same
 * trace, event for event, including the order of promise continuations (nothing in a run
 * waits on real I/O or real time, so the microtask queue drains the same way every time).
 */
export async function runSimulation(options: SimOptions): Promise<SimResult> {
  let sim: Simulation;
  try {
    sim = new Simulation(options); // Starts the founding members, which the checker watches.
  } catch (error: unknown) {
    if (!(error instanceof SafetyViolation)) throw error;
    return {
      seed: options.seed, violation: `at 0us: ${error.name}: ${error.message}`, events: 0,
      virtualMicros: 0, history: [], traceDigest: "", traceTail: [], powerLoss: noPowerLoss(),
      exactlyOnce: noExactlyOnce(),
    };
  }
  return sim.run();
}

/**
 * Lets the promise continuations an event caused run before the next event, on the same
 * virtual time: a client call's answer is recorded when it happens. Continuations in the
 * simulated clients are at most a few microtasks deep; any left over run at the next await.
 */
export async function drainContinuations(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve();
}

/** An event's answer that keeps the loop running; any other answer ends the run. */
const CONTINUE = Symbol("continue");

/** CONTINUE, or the end of the run: its violation, undefined when every check passed. */
type EventVerdict = typeof CONTINUE | string | undefined;

class Simulation {
  private readonly ctx: SimContext;
  private readonly cluster: SimCluster;
  private readonly workload: Workload;
  private readonly exactlyOnce = new ExactlyOnceChecker();
  private readonly nemesis: NemesisRunner | undefined;
  private readonly network: SimNetwork<Delivery>;
  private events = 0;
  private phase: "faults" | "quiet" | "final" | "done" = "faults";

  /** Whether this run serves reads from the leader lease (drawn from the seed). */
  private readonly leaseReads: boolean;

  constructor(private readonly options: SimOptions) {
    const root = new SeededRandom(options.seed);
    const leaseDraw = root.fork("lease-reads").chance(options.leaseReadsShare);
    this.leaseReads = options.checkQuorum && leaseDraw;
    const streams = {
      network: root.fork("network"),
      nodes: root.fork("nodes"),
      workload: root.fork("workload"),
      faults: root.fork("faults"),
    };
    const traceEnabled = options.traceEnabled ?? options.traceSink !== undefined;
    const trace = new Trace(traceEnabled, options.traceSink, 60);
    const queue = new EventQueue<SimEvent>();
    this.ctx = { nowMicros: 0, queue, trace, checker: this.exactlyOnce.feedingSafetyChecker() };
    const networkProfile = options.faults === undefined ? CALM_NETWORK : FAULTY_NETWORK;
    this.network = new SimNetwork(streams.network, networkProfile);
    const founders = makeConfig(
      range(1, options.voters),
      range(options.voters + 1, options.voters + options.learners),
    );
    this.cluster = new SimCluster(
      this.ctx,
      {
        founders,
        raftConfig: (id) => this.raftConfig(id),
        tickMicros: 10_000,
        memberClock: options.pausedClock ? "ticks" : "drifting",
        driftMax: 0.05,
        snapshotEveryEntriesMin: 20,
        snapshotEveryEntriesMax: 60,
        // Around and beyond the snapshot interval, so a power loss can take the state
        // machine back below the log's snapshot index (ADR 0005, recovery condition 2).
        kvCheckpointEveryAppliesMin: 5,
        kvCheckpointEveryAppliesMax: 150,
        // Around a tick (10 ms) and below: several writes are often in flight at once.
        writeMicrosMin: 200,
        writeMicrosMax: 12_000,
        diskLiesAboutDurability: options.diskLiesAboutDurability,
        reportUnreachableProbability: 0.3,
        randomRepeatsAcrossRestarts: options.randomRepeatsAcrossRestarts,
        refuseRequestsFromNonMembers: options.refuseRequestsFromNonMembers,
        stallStepDownMs: 0, // Off: stall-scenario.ts covers it; schedules stay as measured.
      },
      this.network,
      streams.nodes,
    );
    this.workload = new Workload(options.workload, streams.workload, {
      nowMicros: () => this.ctx.nowMicros,
      reachableNodeIds: () => this.cluster.reachable().map((node) => node.id),
      invoke: (id, call) => this.cluster.invoke(id, call),
      scheduleClientStep: (delay, clientId) => this.push(delay, { kind: "client-step", clientId }),
      scheduleClientTimeout: (delay, clientId, requestId) =>
        this.push(delay, { kind: "client-timeout", clientId, requestId }),
    }, { exactlyOnce: this.exactlyOnce, newSequenceOnRetry: options.retryWritesWithNewSequence });
    this.cluster.listener = this.workload;
    if (options.faults !== undefined) {
      const firstSpare = options.voters + options.learners + 1;
      const spares = range(firstSpare, firstSpare + options.spareNodes - 1).map(nodeId);
      const schedule = (delay: number, action: SimEvent & { kind: "nemesis" }): void => this.push(delay, action);
      this.nemesis = new NemesisRunner(
        this.ctx, this.cluster, this.network, options.faults, streams.faults, spares, schedule,
      );
      this.push(this.nemesis.gapMicros(), { kind: "nemesis-decide" });
    } else {
      this.nemesis = undefined;
    }
    this.push(options.faultMicros, { kind: "phase", phase: "heal" });
  }

  async run(): Promise<SimResult> {
    let violation: string | undefined;
    try {
      violation = await this.loop();
    } catch (error: unknown) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      violation = `at ${this.ctx.nowMicros}us: ${text}`;
    }
    return {
      seed: this.options.seed,
      violation,
      events: this.events,
      virtualMicros: this.ctx.nowMicros,
      history: this.workload.history,
      traceDigest: this.ctx.trace.digest(),
      traceTail: this.ctx.trace.lastLines(),
      powerLoss: { ...this.cluster.powerLoss.stats },
      exactlyOnce: { ...this.exactlyOnce.stats },
    };
  }

  /** The event loop; returns a violation found by the end-of-run checks, if any. */
  private async loop(): Promise<string | undefined> {
    for (;;) {
      const next = this.ctx.queue.pop();
      if (next === undefined) return "the event queue ran dry";
      this.ctx.nowMicros = next.timeMicros;
      if (++this.events > this.options.eventsMax) return `more than ${this.options.eventsMax} events`;
      const verdict = this.handle(next.item);
      await drainContinuations();
      this.cluster.observeAll();
      // Found in an apply or in a client's answer (a promise continuation, so not thrown).
      const exactlyOnce = this.exactlyOnce.violation;
      if (exactlyOnce !== undefined) return `at ${this.ctx.nowMicros}us: ${exactlyOnce}`;
      if (verdict !== CONTINUE) return verdict;
      if (this.phase === "final" && this.finalDone()) return this.finish();
    }
  }

  private handle(event: SimEvent): EventVerdict {
    switch (event.kind) {
      case "tick":
      case "task":
      case "deliver":
      case "unreachable":
        this.cluster.handle(event);
        return CONTINUE;
      case "client-step":
        this.workload.step(event.clientId);
        return CONTINUE;
      case "client-timeout":
        this.workload.timedOut(event.clientId, event.requestId);
        return CONTINUE;
      case "nemesis":
        // After the fault phase only repairs still run; the heal already did them all.
        if (this.phase === "faults" || isRepair(event.action)) this.nemesis?.execute(event.action);
        return CONTINUE;
      case "nemesis-decide":
        if (this.phase === "faults" && this.nemesis !== undefined) {
          this.nemesis.decide();
          this.push(this.nemesis.gapMicros(), { kind: "nemesis-decide" });
        }
        return CONTINUE;
      case "phase":
        return this.onPhase(event.phase);
    }
  }

  private onPhase(phase: "heal" | "final" | "end"): EventVerdict {
    if (phase === "heal") {
      this.phase = "quiet";
      this.nemesis?.healEverything();
      this.network.setProfile(CALM_NETWORK);
      if (this.options.mode === "liveness") {
        this.workload.stopIssuing();
        this.phase = "final";
        this.workload.startFinalReads();
        this.push(this.options.finalMicros, { kind: "phase", phase: "end" });
        return CONTINUE;
      }
      this.workload.stopIssuing();
      this.push(this.options.quietMicros, { kind: "phase", phase: "final" });
      return CONTINUE;
    }
    if (phase === "final") {
      this.phase = "final";
      this.workload.startFinalReads();
      this.push(this.options.finalMicros, { kind: "phase", phase: "end" });
      return CONTINUE;
    }
    return this.finish();
  }

  private finalDone(): boolean {
    if (!this.workload.finalReadsDone()) return false;
    return this.options.mode === "safety" ? this.membersConverged() : livenessChecks(this.cluster) === undefined;
  }

  private membersConverged(): boolean {
    return finalChecks(this.cluster) === undefined;
  }

  private finish(): string | undefined {
    this.phase = "done";
    this.workload.closeHistory();
    if (!this.workload.finalReadsDone()) return `final reads did not complete within ${this.options.finalMicros}us of healing`;
    const settled = this.options.mode === "safety" ? finalChecks(this.cluster) : livenessChecks(this.cluster);
    if (settled !== undefined) return settled;
    const timeoutMs = this.options.linearizabilityTimeoutMs ?? 20_000;
    const check = checkKvHistory(this.workload.history, { timeoutMs });
    if (check.outcome !== "ok") return check.report;
    return undefined;
  }

  private raftConfig(id: NodeId): RaftConfig {
    return {
      ...DEFAULT_RAFT_CONFIG,
      nodeId: id,
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      leaseReads: this.leaseReads,
      appendEntriesMax: this.options.appendEntriesMax,
      inflightAppendsMax: 4,
      plantedBugs: new Set(this.options.plantedBugs),
    };
  }

  private push(delayMicros: number, event: SimEvent): void {
    this.ctx.queue.push(this.ctx.nowMicros + delayMicros, event);
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function isRepair(action: NemesisAction): boolean {
  return action.type === "restart" || action.type === "resume" || action.type === "heal";
}
