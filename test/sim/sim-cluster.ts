import { assert } from "../../src/core/assert.js";
import { bootstrapEntries } from "../../src/core/bootstrap.js";
import type { Entry, MembershipConfig, SnapshotMeta } from "../../src/core/entry.js";
import type { NodeId } from "../../src/core/ids.js";
import { isResponse, type Message } from "../../src/core/message.js";
import type { RaftConfig } from "../../src/core/raft-config.js";
import { SeededRandom } from "../../src/core/random.js";
import type { KvResult } from "../../src/state-machine/kv-types.js";
import type { PersistBatch } from "../../src/storage/log-store.js";
import { MemoryLogStore } from "../../src/storage/memory-log-store.js";
import { MemorySnapshotStore } from "../../src/storage/memory-snapshot-store.js";
import type { StoredSnapshot } from "../../src/storage/snapshot-store.js";
import type {
  InstallSnapshotChunk__Output,
} from "../../src/gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import { checkVoter, isKnownPeerOf, PeerRequestError } from "../../src/transport/peer-envelope.js";
import { SimCrash, type CrashPoint } from "./crash-points.js";
import type { EventQueue } from "./event-queue.js";
import type { NemesisAction } from "./faults.js";
import type { SafetyChecker } from "./invariants.js";
import type { SimNetwork } from "./network.js";
import { losePower, PowerLossLedger } from "./power-loss.js";
import { roundTrip } from "./sim-codec.js";
import { SimKvStore } from "./sim-kv.js";
import { SnapshotCalls, type SnapshotCall } from "./snapshot-calls.js";
import { SimMember, type DurableState, type MemberHost } from "./sim-member.js";
import { describeMessage, describePersist, type Trace } from "./trace.js";

/** Everything the simulator schedules. Node-bound events carry their chain: stale ones die. */
export type SimEvent =
  | { readonly kind: "tick"; readonly node: NodeId; readonly chain: number }
  /** Work of one incarnation (a soon() task, a disk completion); dies with it. */
  | { readonly kind: "task"; readonly node: NodeId; readonly incarnation: number; readonly run: () => void }
  /** `call`: a snapshot-request's call, which reports its outcome to the sender. */
  | {
    readonly kind: "deliver"; readonly message: Message;
    readonly chunks: readonly InstallSnapshotChunk__Output[] | undefined;
    readonly call: SnapshotCall | undefined;
  }
  | { readonly kind: "unreachable"; readonly node: NodeId; readonly peer: NodeId; readonly chain: number }
  | { readonly kind: "client-step"; readonly clientId: number }
  | { readonly kind: "client-timeout"; readonly clientId: number; readonly requestId: number }
  | { readonly kind: "nemesis"; readonly action: NemesisAction }
  | { readonly kind: "nemesis-decide" }
  | { readonly kind: "phase"; readonly phase: "heal" | "final" | "end" };

/** A message on its way, with the InstallSnapshot chunks a snapshot-request carries. */
export type Delivery = SimEvent & { readonly kind: "deliver" };

/** The clock, agenda, trace and checker every part of one run shares. */
export interface SimContext {
  nowMicros: number;
  readonly queue: EventQueue<SimEvent>;
  readonly trace: Trace;
  readonly checker: SafetyChecker;
}

/** Who hears about crashes (the workload: calls waiting on a crashed member fail). */
export interface ClientListener {
  nodeCrashed(node: NodeId): void;
}

export interface ClusterOptions {
  readonly founders: MembershipConfig;
  readonly raftConfig: (id: NodeId) => RaftConfig;
  readonly tickMicros: number;
  /**
   * A member's clock: "drifting" runs with virtual time at the member's own drifted rate,
   * also while it is paused (a real monotonic clock); "ticks" moves only when the member
   * ticks, for directed scripts that own time, and is the planted "paused clock" fault: a
   * member that cannot tell how long it was stopped.
   */
  readonly memberClock: "drifting" | "ticks";
  /** Per-node clock drift: a node's tick interval is tickMicros * (1 +- driftMax). */
  readonly driftMax: number;
  readonly snapshotEveryEntriesMin: number;
  readonly snapshotEveryEntriesMax: number;
  /** Per incarnation, the state machine checkpoints every N applies, N drawn from [min, max]. */
  readonly kvCheckpointEveryAppliesMin: number;
  readonly kvCheckpointEveryAppliesMax: number;
  /** One log write takes a duration drawn from [min, max] microseconds. */
  readonly writeMicrosMin: number;
  readonly writeMicrosMax: number;
  /** Planted bug in a port: the disk reports writes durable before they are. */
  readonly diskLiesAboutDurability: boolean;
  /** Probability that a send into a partition is reported back as unreachable. */
  readonly reportUnreachableProbability: number;
  /**
   * Planted fault in the Random port: every incarnation of a member draws the same stream,
   * so a restarted member issues the ReadIndex ids of its previous life again.
   */
  readonly randomRepeatsAcrossRestarts: boolean;
  /**
   * Planted fault in the transport, the rule it once had: every request from a member not
   * in the receiver's latest configuration is refused, not only vote requests.
   */
  readonly refuseRequestsFromNonMembers: boolean;
  /** RaftNode's stall watchdog bound (stall-watchdog.ts); 0: off. */
  readonly stallStepDownMs: number;
}

/** One node id's life: its durable state, and the running incarnation if any. */
interface Slot {
  readonly id: NodeId;
  member: SimMember | undefined;
  durable: DurableState;
  paused: boolean;
  /** Events that arrived while paused, in arrival order. */
  inbox: SimEvent[];
  /** Bumped on every restart and resume; ticks of an older chain are ignored. */
  chain: number;
  /** Bumped on every start; tasks of an older incarnation are ignored. */
  incarnation: number;
  /** This incarnation's tick interval: clocks drift apart between nodes. */
  tickMicros: number;
  tick: (() => void) | undefined;
  /** When this incarnation started, and how many ticks it has had (its clock). */
  startedMicros: number;
  ticksFired: number;
  /** The crash armed inside the member is a power loss. */
  powerLossArmed: boolean;
  /** No log write of this node completes before this virtual time (a stalled disk). */
  diskStalledUntilMicros: number;
}

/**
 * The simulated cluster: node slots, their lifecycle (start, crash, restart, pause, resume)
 * and the simulated world each incarnation's ports talk to (MemberHost). Each member runs
 * the production RaftNode; the cluster only moves time, messages and disk writes, and feeds
 * the checker from the ports.
 */
export class SimCluster {
  private readonly slots = new Map<NodeId, Slot>();
  listener: ClientListener | undefined;
  /** Called whenever a node crashed, whatever the cause (the nemesis restarts it). */
  onCrash: ((id: NodeId) => void) | undefined;
  readonly powerLoss = new PowerLossLedger();
  private readonly snapshotCalls: SnapshotCalls;

  constructor(
    private readonly ctx: SimContext,
    private readonly options: ClusterOptions,
    private readonly network: SimNetwork<Delivery>,
    private readonly random: SeededRandom,
  ) {
    this.snapshotCalls = new SnapshotCalls(ctx, network, (id) => this.slots.get(id)?.member);
    for (const id of [...options.founders.voters, ...options.founders.learners]) {
      const { entries, hardState } = bootstrapEntries(options.founders);
      this.create(id, new MemoryLogStore({ entries, hardState }));
    }
  }

  /** Adds a node with an empty log; it learns everything from the leader. */
  addEmptyNode(id: NodeId): void {
    assert(!this.slots.has(id), `node ${id} already exists`);
    this.create(id, new MemoryLogStore());
  }

  ids(): NodeId[] {
    return [...this.slots.keys()];
  }

  running(): SimMember[] {
    const out: SimMember[] = [];
    for (const slot of this.slots.values()) if (slot.member !== undefined) out.push(slot.member);
    return out;
  }

  isRunning(id: NodeId): boolean {
    return this.slots.get(id)?.member !== undefined;
  }

  isPaused(id: NodeId): boolean {
    return this.slots.get(id)?.paused ?? false;
  }

  /** Running and not paused: the nodes a client or the nemesis can call. */
  reachable(): SimMember[] {
    return this.running().filter((member) => !this.isPaused(member.id));
  }

  /** The reachable node that believes it leads in the highest term. */
  leader(): SimMember | undefined {
    let best: SimMember | undefined;
    for (const member of this.reachable()) {
      const status = member.status();
      if (status.role === "leader" && (best === undefined || status.term > best.status().term)) best = member;
    }
    return best;
  }

  /** The durable log a node would restart from (its disk, or its last one). */
  durableLog(id: NodeId): MemoryLogStore {
    const slot = this.slot(id);
    return slot.member?.disk.durable ?? slot.durable.log;
  }

  /** Runs `call` on a reachable node; a crash inside it discards the node. */
  invoke<T>(id: NodeId, call: (member: SimMember) => T): T | undefined {
    const slot = this.slot(id);
    const member = slot.member;
    if (member === undefined || slot.paused) return undefined;
    return this.guard(slot, () => call(member));
  }

  /** Crashes the node now; `powerLoss`: its state machine loses what it had not synced. */
  crash(id: NodeId, powerLoss: boolean): void {
    const slot = this.slot(id);
    if (slot.member !== undefined) this.discard(slot, "crashed", powerLoss);
  }

  restart(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.member === undefined) this.start(slot);
  }

  /** Makes the node crash at `point` the next time its ports get there. */
  armCrash(id: NodeId, point: CrashPoint, powerLoss: boolean): void {
    const slot = this.slot(id);
    if (slot.member === undefined) return;
    slot.member.crash.arm(point);
    slot.powerLossArmed = powerLoss;
  }

  disarmCrash(id: NodeId): void {
    const slot = this.slot(id);
    slot.member?.crash.disarm();
    slot.powerLossArmed = false;
  }

  /** Makes the node's log writes take until `untilMicros` (virtual time) to complete. */
  stallDisk(id: NodeId, untilMicros: number): void {
    this.slot(id).diskStalledUntilMicros = untilMicros;
  }

  pause(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.member !== undefined) slot.paused = true;
  }

  /** Resumes a paused node: it handles what arrived meanwhile, then ticks again (SIGCONT). */
  resume(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) return;
    slot.paused = false;
    slot.chain++;
    const inbox = slot.inbox;
    slot.inbox = [];
    for (const event of inbox) this.handle(rechain(event, slot.chain));
    if (slot.member !== undefined) this.scheduleTick(slot, 1);
  }

  /** Handles the node-bound events: ticks, tasks, deliveries and unreachable reports. */
  handle(event: SimEvent): void {
    if (event.kind === "deliver") {
      this.deliver(event);
      return;
    }
    if (event.kind !== "tick" && event.kind !== "task" && event.kind !== "unreachable") return;
    const slot = this.slot(event.node);
    if (slot.member === undefined) return;
    if (event.kind === "task" ? event.incarnation !== slot.incarnation : event.chain !== slot.chain) {
      return;
    }
    if (slot.paused) {
      if (event.kind !== "tick") slot.inbox.push(event);
      return;
    }
    if (event.kind === "tick") {
      const tick = slot.tick;
      slot.ticksFired++;
      if (tick !== undefined) this.guard(slot, tick);
      // The tick may have crashed the member; ask again rather than narrow.
      if (this.isRunning(slot.id) && slot.chain === event.chain) {
        this.scheduleTick(slot, Math.max(1, slot.tickMicros));
      }
    } else if (event.kind === "task") {
      this.guard(slot, event.run);
    } else {
      const member = slot.member;
      this.snapshotCalls.unreachable(slot.id, slot.incarnation, event.peer);
      this.guard(slot, () => member.reportUnreachable(event.peer));
    }
  }

  /** Fires one tick of the node's Raft clock now (directed scripts own time). */
  tickNow(id: NodeId): void {
    const slot = this.slot(id);
    const tick = slot.tick;
    if (slot.member === undefined || slot.paused || tick === undefined) return;
    slot.ticksFired++;
    this.guard(slot, tick);
  }

  /** After every event: every running node's status goes through the checker. */
  observeAll(): void {
    for (const slot of this.slots.values()) {
      if (slot.member !== undefined) this.ctx.checker.observe(slot.id, slot.member.status());
    }
  }

  /** Puts messages a clogged link held back on their way, with fresh link delays. */
  release(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) {
      const { from, to } = delivery.message;
      for (const delay of this.network.deliveryDelaysMicros(from, to)) {
        this.ctx.queue.push(this.ctx.nowMicros + delay, delivery);
      }
    }
  }

  /** Runs `work` for the slot's member; a SimCrash from one of its ports discards it. */
  private guard<T>(slot: Slot, work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      if (!(error instanceof SimCrash)) throw error;
      this.discard(slot, `crashed at ${error.point}`, slot.powerLossArmed);
      return undefined;
    }
  }

  private deliver(event: Delivery): void {
    const message = event.message;
    const slot = this.slots.get(message.to);
    const call = event.call;
    const blocked = this.network.isBlocked(message.from, message.to); // Cut while in flight.
    if (slot === undefined || slot.member === undefined || blocked) {
      if (call !== undefined) this.snapshotCalls.decided(call, "failed");
      return;
    }
    if (this.network.holdIfClogged(message.from, message.to, event)) return;
    if (slot.paused) {
      slot.inbox.push(event);
      return;
    }
    const member = slot.member;
    const refusal = this.admissionRefusal(member, message);
    if (refusal !== undefined) {
      this.ctx.trace.line(this.ctx.nowMicros, message.to, () => `refuse ${describeMessage(message)}: ${refusal}`);
      if (call !== undefined) this.snapshotCalls.decided(call, "failed");
      return;
    }
    this.ctx.trace.line(this.ctx.nowMicros, message.to, () => `recv ${describeMessage(message)}`);
    if (message.type === "append-response" && message.success) {
      this.snapshotCalls.acknowledged(message.to, message.from, message.term, message.matchIndex);
    }
    this.guard(slot, () => member.deliver(message, event.chunks));
    // A receiver that crashed while taking the snapshot fails the call, as over gRPC.
    if (call !== undefined) this.snapshotCalls.decided(call, slot.member === member ? "finished" : "failed");
  }

  /**
   * The receiving transport's membership rule, applied on arrival as a real member's server
   * applies it (peer-envelope.ts checkVoter): a vote request from outside the receiver's
   * latest configuration is refused; the planted fault refuses every request so.
   */
  private admissionRefusal(member: SimMember, message: Message): string | undefined {
    const checked = message.type === "vote-request" ||
      (this.options.refuseRequestsFromNonMembers && !isResponse(message));
    if (!checked) return undefined;
    const context = {
      clusterId: 0, selfId: message.to,
      isKnownPeer: (id: NodeId) => isKnownPeerOf(member.node.membership(), id),
    };
    try {
      checkVoter({ from: message.from, to: message.to, term: message.term }, context);
      return undefined;
    } catch (error: unknown) {
      if (!(error instanceof PeerRequestError)) throw error;
      return error.message;
    }
  }

  /** A message leaves `slot`'s member through its transport port. */
  private send(slot: Slot, message: Message, snapshot: StoredSnapshot | undefined): void {
    this.ctx.checker.sent(slot.id, message, this.durableLog(slot.id));
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `send ${describeMessage(message)}`);
    // The production codec and protobuf serialization, both ways, for every message.
    const wire = roundTrip(message, snapshot);
    const call = message.type === "snapshot-request"
      ? this.snapshotCalls.start(slot.id, slot.incarnation, message)
      : undefined;
    const delivery: Delivery = { kind: "deliver", message: wire.message, chunks: wire.chunks, call };
    if (this.network.holdIfClogged(message.from, message.to, delivery)) return;
    const delays = this.network.deliveryDelaysMicros(message.from, message.to);
    for (const delay of delays) this.ctx.queue.push(this.ctx.nowMicros + delay, delivery);
    if (call !== undefined && delays.length === 0) this.snapshotCalls.decided(call, "failed");
    // A lost snapshot is reported as its call's failure (above), not also as unreachable.
    const probe = message.type === "append-request";
    if (delays.length === 0 && probe && this.network.isBlocked(message.from, message.to)) {
      if (this.random.chance(this.options.reportUnreachableProbability)) {
        const event: SimEvent = { kind: "unreachable", node: slot.id, peer: message.to, chain: slot.chain };
        this.ctx.queue.push(this.ctx.nowMicros + 50_000, event);
      }
    }
  }

  /** The simulated world as one incarnation's ports see it. */
  private host(slot: Slot, incarnation: number): MemberHost {
    const ctx = this.ctx;
    const live = (): boolean => slot.incarnation === incarnation && slot.member !== undefined;
    const { writeMicrosMin: min, writeMicrosMax: max } = this.options;
    const diskRandom = this.random.fork(`disk-${slot.id}-${slot.incarnation}`);
    const nominalTickMs = this.options.tickMicros / 1000;
    return {
      nowMicros: () => ctx.nowMicros,
      memberNowMs: this.options.memberClock === "ticks"
        ? () => slot.ticksFired * nominalTickMs
        : () => ((ctx.nowMicros - slot.startedMicros) / slot.tickMicros) * nominalTickMs,
      schedule: (delayMicros, run) => {
        ctx.queue.push(ctx.nowMicros + delayMicros, { kind: "task", node: slot.id, incarnation, run });
      },
      startTicking: (tick) => {
        slot.tick = tick;
        this.scheduleTick(slot, 1 + this.random.intBelow(this.options.tickMicros));
      },
      stopTicking: () => { slot.tick = undefined; },
      send: (message, snapshot) => { if (live()) this.send(slot, message, snapshot); },
      writeMicros: () => {
        const drawn = min + diskRandom.intBelow(max - min + 1); // Drawn always: determinism.
        return Math.max(drawn, slot.diskStalledUntilMicros - ctx.nowMicros);
      },
      answerHeld: (detail) => this.ctx.checker.answerHeld(slot.id, detail),
      persisted: (batch, lastIndexBefore) => this.persisted(slot, batch, lastIndexBefore),
      compacted: (snapshot) => this.compacted(slot, snapshot),
      applied: (entry, result) => this.applied(slot, entry, result),
      snapshotInstalled: (meta, appliedBefore) => this.snapshotInstalled(slot, meta, appliedBefore),
    };
  }

  private persisted(slot: Slot, batch: PersistBatch, lastIndexBefore: number): void {
    const status = slot.member?.status();
    if (status === undefined) return;
    this.ctx.checker.persisted(slot.id, batch, lastIndexBefore, status);
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => describePersist(batch));
  }

  private compacted(slot: Slot, snapshot: SnapshotMeta): void {
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `compact to ${snapshot.index}/${snapshot.term}`);
  }

  private applied(slot: Slot, entry: Entry, result: KvResult | undefined): void {
    const commit = slot.member?.status().commitIndex ?? 0;
    this.ctx.checker.applied(slot.id, entry, commit, result);
    this.powerLoss.applied(slot.id, entry.index);
  }

  private snapshotInstalled(slot: Slot, meta: SnapshotMeta, appliedBefore: number): void {
    this.ctx.checker.snapshotInstalled(slot.id, meta, appliedBefore);
    this.powerLoss.snapshotInstalled(slot.id, meta.index);
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `install snapshot ${meta.index}/${meta.term} (applied was ${appliedBefore})`);
  }

  private create(id: NodeId, log: MemoryLogStore): void {
    const slot: Slot = {
      id,
      member: undefined,
      durable: {
        log, kv: new SimKvStore(), snapshots: new MemorySnapshotStore({ retainCount: 2 }),
      },
      paused: false,
      inbox: [],
      chain: 0,
      incarnation: 0,
      tickMicros: this.options.tickMicros,
      tick: undefined,
      startedMicros: 0,
      ticksFired: 0,
      powerLossArmed: false,
      diskStalledUntilMicros: 0,
    };
    this.slots.set(id, slot);
    this.start(slot);
  }

  /** Starts a new incarnation over the slot's durable state. */
  private start(slot: Slot): void {
    assert(slot.member === undefined, "a node runs one incarnation at a time");
    slot.incarnation++;
    slot.chain++;
    slot.paused = false;
    slot.inbox = [];
    const drift = this.options.driftMax;
    const driftFactor = 1 - drift + 2 * drift * this.random.nextFloat();
    slot.tickMicros = Math.round(this.options.tickMicros * driftFactor);
    slot.startedMicros = this.ctx.nowMicros;
    slot.ticksFired = 0;
    const label = `node-${slot.id}-${slot.incarnation}`;
    // The planted fault's stream depends on the node alone, so every incarnation repeats it.
    const random = this.options.randomRepeatsAcrossRestarts
      ? new SeededRandom(slot.id).fork("repeating")
      : this.random.fork(label);
    const { snapshotEveryEntriesMin: everyMin, snapshotEveryEntriesMax: everyMax } = this.options;
    const every = everyMin + this.random.intBelow(everyMax - everyMin + 1);
    const checkpointEvery = this.checkpointEveryApplies();
    const appliedBefore = slot.durable.kv.appliedIndex;
    this.ctx.checker.registerIncarnation(slot.id, slot.durable.log, appliedBefore);
    const member = new SimMember({
      raftConfig: this.options.raftConfig(slot.id),
      durable: slot.durable,
      random,
      snapshotEveryEntries: every,
      tickIntervalMs: this.options.tickMicros / 1000,
      kvCheckpointEveryApplies: checkpointEvery,
      diskLiesAboutDurability: this.options.diskLiesAboutDurability,
      stallStepDownMs: this.options.stallStepDownMs,
      host: this.host(slot, slot.incarnation),
    });
    slot.member = member;
    // Startup reads the configuration entries only (RaftCore; LogReader.configEntries).
    this.ctx.checker.startupRead(slot.id, member.disk.entriesRead);
    if (slot.durable.kv.appliedIndex !== appliedBefore) this.powerLoss.recoveredFromSnapshot();
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `start incarnation ${slot.incarnation} (applied ${appliedBefore}, snapshot every ${every}, checkpoint every ${checkpointEvery})`);
    this.guard(slot, () => member.node.start());
  }

  /**
   * Discards the running incarnation. What survives: the disk's durable log (not the writes
   * still in flight), the snapshot store, and the state machine, which after a power loss
   * keeps only its synced part.
   */
  private discard(slot: Slot, why: string, powerLoss: boolean): void {
    const member = slot.member;
    assert(member !== undefined, "discarding a node that is not running");
    slot.durable = { ...slot.durable, log: member.disk.durable.clone() };
    slot.member = undefined;
    slot.tick = undefined;
    slot.paused = false;
    slot.inbox = [];
    slot.chain++;
    slot.powerLossArmed = false;
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => (powerLoss ? `${why} (power loss)` : why));
    if (powerLoss) this.losePower(slot);
    this.listener?.nodeCrashed(slot.id);
    this.onCrash?.(slot.id);
  }

  /** The power-loss model (power-loss.ts) on a crashed node's state machine. */
  private losePower(slot: Slot): void {
    const outcome = losePower(slot.durable.kv, this.random);
    const { appliedBefore, appliedAfter, syncedIndex } = outcome;
    this.ctx.checker.powerLost(slot.id, appliedBefore, appliedAfter);
    this.powerLoss.lostPower(outcome);
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `power loss: state machine back from applied ${appliedBefore} to ${appliedAfter} (checkpoint at ${syncedIndex})`);
  }

  /** Draws only when the range is wide, so that fixed settings leave the node stream alone. */
  private checkpointEveryApplies(): number {
    const { kvCheckpointEveryAppliesMin: min, kvCheckpointEveryAppliesMax: max } = this.options;
    assert(1 <= min && min <= max, "checkpoint interval range");
    return max > min ? min + this.random.intBelow(max - min + 1) : min;
  }

  private scheduleTick(slot: Slot, delayMicros: number): void {
    this.ctx.queue.push(this.ctx.nowMicros + delayMicros, { kind: "tick", node: slot.id, chain: slot.chain });
  }

  private slot(id: NodeId): Slot {
    const slot = this.slots.get(id);
    assert(slot !== undefined, `no node ${id}`);
    return slot;
  }
}

/** An inbox event replayed on resume belongs to the resumed chain. */
function rechain(event: SimEvent, chain: number): SimEvent {
  return event.kind === "unreachable" ? { ...event, chain } : event;
}
