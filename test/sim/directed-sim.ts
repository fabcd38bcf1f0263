import { assert } from "../../src/core/assert.js";
import { logIndex, nodeId, type LogIndex, type NodeId, type Term } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";
import type { Message } from "../../src/core/message.js";
import { DEFAULT_RAFT_CONFIG, type PlantedBug, type RaftConfig } from "../../src/core/raft-config.js";
import { SeededRandom } from "../../src/core/random.js";
import type { Status } from "../../src/core/ready.js";
import { EventQueue } from "./event-queue.js";
import { finalChecks } from "./final-checks.js";
import { SafetyChecker, SafetyViolation } from "./invariants.js";
import { encodeKvCommand } from "../../src/state-machine/kv-command.js";
import { CALM_NETWORK, SimNetwork } from "./network.js";
import { SimCluster, type Delivery, type SimContext, type SimEvent } from "./sim-cluster.js";
import type { SimMember } from "./sim-member.js";
import { drainContinuations } from "./simulator.js";
import { describeMessage, Trace } from "./trace.js";

/**
 * Directed scenarios (docs/testing.md, Directed scenarios): the simulator's cluster (the
 * production RaftNode on simulated ports) and safety checker, driven by a scripted schedule
 * instead of a random one. The script owns time: no node ticks unless the script ticks it, every
 * disk write completes before the network goes quiet, and every message is delivered or dropped
 * by the step's filter (a lossy network may drop anything, so every schedule here is one the real
 * system can see). This file is the harness; each script lives in its own file
 * (figure8-scenario.ts).
 */

/** A broken rule seen during a directed run, with the script step it happened in. */
export interface DirectedViolation {
  readonly step: string;
  readonly text: string;
}

/** How a client call made through DirectedSim.call() has settled so far. */
export interface CallOutcome<T> {
  readonly state: "pending" | "resolved" | "rejected";
  readonly value?: T;
  readonly error?: unknown;
}

/** Decides, per message, whether the network delivers it (true) or loses it (false). */
export type MessageFilter = (message: Message) => boolean;

export const DELIVER_ALL: MessageFilter = () => true;

/** Vote traffic only: a leader elected under this filter "crashes before sending anything". */
export const VOTES_ONLY: MessageFilter = (m) => m.type === "vote-request" || m.type === "vote-response";

/**
 * The simulator's SafetyChecker, recording a broken rule instead of throwing it, so that a
 * scenario runs to its end and shows what a bug leads to. The first violation is the cause;
 * later ones may be its consequences (a failed check can leave the checker's own records
 * half-updated). Identical reports are kept once.
 */
class RecordingChecker extends SafetyChecker {
  readonly violations: DirectedViolation[] = [];
  step = "setup";
  private readonly seen = new Set<string>();

  override registerIncarnation(...args: Parameters<SafetyChecker["registerIncarnation"]>): void {
    this.guard(() => { super.registerIncarnation(...args); });
  }

  override startupRead(...args: Parameters<SafetyChecker["startupRead"]>): void {
    this.guard(() => { super.startupRead(...args); });
  }

  override persisted(...args: Parameters<SafetyChecker["persisted"]>): void {
    this.guard(() => { super.persisted(...args); });
  }

  override sent(...args: Parameters<SafetyChecker["sent"]>): void {
    this.guard(() => { super.sent(...args); });
  }

  override applied(...args: Parameters<SafetyChecker["applied"]>): void {
    this.guard(() => { super.applied(...args); });
  }

  override powerLost(...args: Parameters<SafetyChecker["powerLost"]>): void {
    this.guard(() => { super.powerLost(...args); });
  }

  override persistedHardState(...args: Parameters<SafetyChecker["persistedHardState"]>): void {
    this.guard(() => { super.persistedHardState(...args); });
  }

  override snapshotInstalled(...args: Parameters<SafetyChecker["snapshotInstalled"]>): void {
    this.guard(() => { super.snapshotInstalled(...args); });
  }

  override observe(...args: Parameters<SafetyChecker["observe"]>): void {
    this.guard(() => { super.observe(...args); });
  }

  report(text: string): void {
    if (this.seen.has(text)) return;
    this.seen.add(text);
    this.violations.push({ step: this.step, text });
  }

  private guard(check: () => void): void {
    try {
      check();
    } catch (error: unknown) {
      if (!(error instanceof SafetyViolation)) throw error;
      this.report(error.message);
    }
  }
}

export interface DirectedSimOptions {
  /** Seeds election jitter and message delays (so the order of concurrent deliveries). */
  readonly seed: number;
  readonly voters: number;
  readonly plantedBugs: readonly PlantedBug[];
  /** 1 lets a leader place an old entry on a follower without its newer ones (Figure 8). */
  readonly appendEntriesMax: number;
  /** Lease reads on (they need check-quorum, which is then on too). */
  readonly leaseReads?: boolean;
  readonly preVote?: boolean;
  /** Each member takes a snapshot (and compacts its log) every this many applied entries. */
  readonly snapshotEveryEntries?: number;
  /** Planted port faults (ClusterOptions). */
  readonly randomRepeatsAcrossRestarts?: boolean;
  readonly refuseRequestsFromNonMembers?: boolean;
  /** RaftNode's stall watchdog bound in ms (of the members' tick clocks); default off. */
  readonly stallStepDownMs?: number;
  readonly traceSink?: (line: string) => void;
}

const ELECTION_TICKS = 10;
/** The scripted cluster's heartbeat interval; a script ticks a leader this often to send. */
export const HEARTBEAT_TICKS = 2;
/**
 * A correct step goes quiet within a few dozen events. One that does not is livelocked (a
 * bug's consequence), which is reported, and the messages still in flight are lost.
 */
const EVENTS_PER_STEP_MAX = 500;
/**
 * A step runs the events due within this much virtual time. Messages and disk writes take
 * milliseconds; what lies further ahead (a snapshot call's deadline) waits for a later step,
 * which comes only as the script's own work moves time on.
 */
const STEP_HORIZON_MICROS = 200_000;

/**
 * A cluster under a scripted schedule. Pre-vote and check-quorum are off unless a script
 * turns them on: the script stops every clock but the campaigning node's, and which log wins
 * an election is decided by the up-to-date rule (§5.4.1) either way. A node that fails a
 * core assertion is crashed, as the process would be, and the failure is recorded as a
 * violation.
 */
export class DirectedSim {
  private readonly checker = new RecordingChecker();
  private readonly ctx: SimContext;
  private readonly cluster: SimCluster;
  /** Every message the script let through, in delivery order. */
  readonly delivered: Message[] = [];

  constructor(private readonly options: DirectedSimOptions) {
    const root = new SeededRandom(options.seed);
    const trace = new Trace(true, options.traceSink, 200);
    this.ctx = { nowMicros: 0, queue: new EventQueue<SimEvent>(), trace, checker: this.checker };
    const voters: number[] = [];
    for (let id = 1; id <= options.voters; id++) voters.push(id);
    this.cluster = new SimCluster(
      this.ctx,
      {
        founders: makeConfig(voters, []),
        raftConfig: (id) => this.raftConfig(id),
        tickMicros: 10_000,
        memberClock: "ticks", // The script owns time.
        driftMax: 0,
        // No compaction unless the script asks: most scripts read logs entry by entry.
        snapshotEveryEntriesMin: options.snapshotEveryEntries ?? 1_000_000,
        snapshotEveryEntriesMax: options.snapshotEveryEntries ?? 1_000_000,
        // Scripts crash processes, never the power: every apply is synced.
        kvCheckpointEveryAppliesMin: 1,
        kvCheckpointEveryAppliesMax: 1,
        writeMicrosMin: 100,
        writeMicrosMax: 100,
        diskLiesAboutDurability: false,
        reportUnreachableProbability: 0,
        randomRepeatsAcrossRestarts: options.randomRepeatsAcrossRestarts === true,
        refuseRequestsFromNonMembers: options.refuseRequestsFromNonMembers === true,
        stallStepDownMs: options.stallStepDownMs ?? 0,
      },
      new SimNetwork<Delivery>(root.fork("network"), CALM_NETWORK),
      root.fork("nodes"),
    );
    this.cluster.observeAll();
  }

  get violations(): readonly DirectedViolation[] {
    return this.checker.violations;
  }

  /** The highest index any node has committed so far (the checker's global record). */
  get highestCommitted(): number {
    return this.checker.highestCommitted;
  }

  /** The last trace lines (up to 200), for failure reports. */
  traceTail(): readonly string[] {
    return this.ctx.trace.lastLines();
  }

  /** Names the script step; violations found from here on carry this label. */
  beginStep(label: string): void {
    this.checker.step = label;
    this.ctx.trace.line(this.ctx.nowMicros, undefined, () => `== ${label}`);
  }

  /** Adds a member with an empty log (it still has to be added to the configuration). */
  addNode(id: number): void {
    this.cluster.addEmptyNode(nodeId(id));
    this.cluster.observeAll();
  }

  crash(id: number): void {
    this.cluster.crash(nodeId(id), false);
  }

  /** From now on, `id`'s log writes take `durationMicros` of virtual time to complete. */
  stallDisk(id: number, durationMicros: number): void {
    this.cluster.stallDisk(nodeId(id), this.ctx.nowMicros + durationMicros);
  }

  restart(id: number): void {
    this.cluster.restart(nodeId(id));
    this.cluster.observeAll();
  }

  isRunning(id: number): boolean {
    return this.cluster.isRunning(nodeId(id));
  }

  status(id: number): Status {
    return this.node(id).status();
  }

  /** The term of the entry at `index` in the node's durable log, or undefined if it has none. */
  termAt(id: number, index: number): Term | undefined {
    return this.cluster.durableLog(nodeId(id)).term(logIndex(index));
  }

  /** The running nodes whose durable log holds (index, term). */
  holders(index: number, entryTerm: number): NodeId[] {
    return this.cluster.running()
      .filter((node) => this.cluster.durableLog(node.id).term(logIndex(index)) === entryTerm)
      .map((node) => node.id);
  }

  /** Ticks one node `count` times; every other clock stands still. */
  tick(id: number, count: number): void {
    for (let i = 0; i < count && this.isRunning(id); i++) {
      const node = nodeId(id);
      this.guardNode(node, () => { this.cluster.tickNow(node); });
      this.cluster.observeAll();
    }
  }

  /** Ticks the node until its election timeout fires and it starts a campaign (§5.2). */
  campaign(id: number): void {
    const before = this.status(id).term;
    for (let ticks = 0; ticks <= 2 * ELECTION_TICKS; ticks++) {
      this.tick(id, 1);
      const status = this.status(id);
      if (status.term > before || status.role === "pre-candidate") return;
    }
    assert(false, `node ${id} did not campaign within ${2 * ELECTION_TICKS + 1} ticks`);
  }

  /**
   * Campaigns and delivers under `filter` until the node leads; a lost or undecided election
   * is retried with a new timeout, in a higher term. Returns the term it won.
   */
  elect(id: number, filter: MessageFilter, campaignsMax = 3): Term {
    for (let i = 0; i < campaignsMax; i++) {
      this.campaign(id);
      this.deliver(filter);
      const status = this.status(id);
      if (status.role === "leader") return status.term;
    }
    assert(false, `node ${id} did not win an election in ${campaignsMax} campaigns`);
  }

  /** A client put on `id`, which must lead; returns where the entry went. */
  propose(id: number, key: string, value: string): { index: LogIndex; term: Term } {
    const encoder = new TextEncoder();
    const data = encodeKvCommand({ type: "put", key: encoder.encode(key), value: encoder.encode(value) });
    const status = this.status(id);
    assert(status.role === "leader", `node ${id} does not lead`);
    // apply() appends at once (its promise settles on apply): the entry is the new last one.
    const proposed = this.cluster.invoke(nodeId(id), (member) => member.node.apply(data, 60_000));
    assert(proposed !== undefined, `node ${id} crashed proposing`);
    proposed.catch(() => undefined); // The script reads logs; the client's answer is not needed.
    const after = this.status(id);
    assert(after.lastIndex === status.lastIndex + 1, `node ${id} refused the proposal`);
    this.cluster.observeAll();
    return { index: after.lastIndex, term: after.term };
  }

  /**
   * Runs the network and the disks until they are quiet: each message in flight is delivered
   * if `filter` lets it through and lost otherwise, replies go through the same filter, and
   * every member's own work (disk writes completing, batched proposals) runs. Scheduled ticks
   * are discarded: time only moves through tick() and campaign(). Events due after
   * STEP_HORIZON_MICROS stay queued. Messages that `hold`
   * picks are neither delivered nor lost but returned, for redeliver() to bring later (a
   * slow link). Bounded by EVENTS_PER_STEP_MAX.
   */
  deliver(filter: MessageFilter, hold: MessageFilter = () => false): Delivery[] {
    const held: Delivery[] = [];
    const horizonMicros = this.ctx.nowMicros + STEP_HORIZON_MICROS;
    for (let events = 0; ; events++) {
      if (events === EVENTS_PER_STEP_MAX) {
        this.checker.report(`the network did not go quiet within ${EVENTS_PER_STEP_MAX} events (livelock)`);
        while (this.ctx.queue.pop() !== undefined) { /* the script moves on; these are lost */ }
        return held;
      }
      const due = this.ctx.queue.peekTimeMicros();
      if (due === undefined || due > horizonMicros) return held;
      const next = this.ctx.queue.pop();
      if (next === undefined) return held;
      this.ctx.nowMicros = next.timeMicros;
      const event = next.item;
      if (event.kind === "task") {
        this.guardNode(event.node, () => { this.cluster.handle(event); });
        this.cluster.observeAll();
        continue;
      }
      if (event.kind !== "deliver") continue;
      const message = event.message;
      if (!this.cluster.isRunning(message.to)) continue;
      if (hold(message)) {
        this.ctx.trace.line(this.ctx.nowMicros, message.to, () => `hold ${describeMessage(message)}`);
        held.push(event);
        continue;
      }
      if (!filter(message)) {
        this.ctx.trace.line(this.ctx.nowMicros, message.to, () => `lose ${describeMessage(message)}`);
        continue;
      }
      this.delivered.push(message);
      this.guardNode(message.to, () => { this.cluster.handle(event); });
      this.cluster.observeAll();
    }
  }

  /** Puts messages that deliver() held back on their way again; the next deliver() brings them. */
  redeliver(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) this.ctx.queue.push(this.ctx.nowMicros, delivery);
  }

  /**
   * Makes a client call on `id` and tracks how it settles (after a deliver(), or at once for
   * a refusal); the script reads the outcome instead of awaiting it.
   */
  async call<T>(id: number, start: (member: SimMember) => Promise<T>): Promise<CallOutcome<T>> {
    const outcome: { -readonly [K in keyof CallOutcome<T>]: CallOutcome<T>[K] } = { state: "pending" };
    const promise = this.cluster.invoke(nodeId(id), start);
    assert(promise !== undefined, `node ${id} is not running`);
    promise.then(
      (value) => { outcome.state = "resolved"; outcome.value = value; },
      (error: unknown) => { outcome.state = "rejected"; outcome.error = error; },
    );
    await drainContinuations();
    this.cluster.observeAll();
    return outcome;
  }

  /** Lets promise continuations run (a call's outcome after deliver()). */
  async settle(): Promise<void> {
    await drainContinuations();
  }

  /**
   * Asks `id` for a linearizable read and runs only its own work, with the network silent:
   * true if the read was served at once, from the member's lease (thesis 6.4.1), without
   * hearing from anyone.
   */
  async readWithoutNetwork(id: number): Promise<boolean> {
    let served = false;
    const reading = this.cluster.invoke(nodeId(id), (member) => member.node.readBarrier(60_000));
    reading?.then(() => { served = true; }, () => undefined);
    this.deliver(() => false);
    await drainContinuations(); // The barrier's continuation.
    return served;
  }

  /** Records a broken rule the script itself observed, under the current step. */
  report(text: string): void {
    this.checker.report(text);
  }

  /**
   * Convergence (docs/testing.md, Convergence and liveness) among the running members;
   * undefined when converged.
   */
  convergence(): string | undefined {
    return finalChecks(this.cluster);
  }

  /** A core assertion is a crash: record it, discard the node, keep its durable state. */
  private guardNode(id: NodeId, action: () => void): void {
    try {
      action();
    } catch (error: unknown) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.checker.report(`node ${id} failed: ${text}`);
      this.cluster.crash(id, false);
    }
  }

  private node(id: number): SimMember {
    const node = this.cluster.running().find((candidate) => candidate.id === id);
    assert(node !== undefined, `node ${id} is not running`);
    return node;
  }

  private raftConfig(id: NodeId): RaftConfig {
    return {
      ...DEFAULT_RAFT_CONFIG,
      nodeId: id,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      preVote: this.options.preVote === true,
      checkQuorum: this.options.leaseReads === true,
      leaseReads: this.options.leaseReads === true,
      appendEntriesMax: this.options.appendEntriesMax,
      plantedBugs: new Set(this.options.plantedBugs),
    };
  }
}
