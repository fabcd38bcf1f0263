import { assert } from "../../src/core/assert.js";
import { bootstrapEntries } from "../../src/core/bootstrap.js";
import type { Entry, HardState, MembershipConfig, SnapshotMeta } from "../../src/core/entry.js";
import type { NodeId } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
import type { RaftConfig } from "../../src/core/raft-config.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { Ready } from "../../src/core/ready.js";
import { MemoryLogStore } from "../../src/storage/memory-log-store.js";
import { cloneDurableState, SnapshotStore, type DurableState } from "./durable-state.js";
import type { EventQueue } from "./event-queue.js";
import type { NemesisAction } from "./faults.js";
import type { SafetyChecker } from "./invariants.js";
import { KvStateMachine, type AppliedCommand, type KvSnapshot } from "./kv-state-machine.js";
import type { SimNetwork } from "./network.js";
import { losePower, PowerLossLedger } from "./power-loss.js";
import { SimNode, type ReadyCrashPoint, type SimNodeHooks } from "./sim-node.js";
import { describeMessage, describePersist, type Trace } from "./trace.js";

/** Everything the simulator schedules. Ticks carry their chain so stale chains die out. */
export type SimEvent =
  | { readonly kind: "tick"; readonly node: NodeId; readonly chain: number }
  | { readonly kind: "deliver"; readonly message: Message; readonly snapshot: KvSnapshot | undefined }
  | { readonly kind: "unreachable"; readonly node: NodeId; readonly peer: NodeId; readonly chain: number }
  | { readonly kind: "client-step"; readonly clientId: number }
  | { readonly kind: "client-timeout"; readonly clientId: number; readonly requestId: number }
  | { readonly kind: "nemesis"; readonly action: NemesisAction }
  | { readonly kind: "nemesis-decide" }
  | { readonly kind: "phase"; readonly phase: "heal" | "final" | "end" };

/** A message on its way, with the snapshot bytes a snapshot-request carries. */
export type Delivery = SimEvent & { readonly kind: "deliver" };

/** The clock, agenda, trace and checker every part of one run shares. */
export interface SimContext {
  nowMicros: number;
  readonly queue: EventQueue<SimEvent>;
  readonly trace: Trace;
  readonly checker: SafetyChecker;
}

/** Who hears about applied entries and reads (the workload). */
export interface ClientListener {
  /** `reapplied`: the node had applied this index before, and lost it in a power loss. */
  applied(
    node: SimNode, entry: Entry, outcome: AppliedCommand | undefined, reapplied: boolean,
  ): void;
  readServed(node: SimNode, requestId: number): void;
  readDropped(node: SimNode, requestId: number): void;
  nodeCrashed(node: NodeId): void;
}

export interface ClusterOptions {
  readonly founders: MembershipConfig;
  readonly raftConfig: (id: NodeId) => RaftConfig;
  readonly tickMicros: number;
  /** Per-node clock drift: a node's tick interval is tickMicros * (1 +- driftMax). */
  readonly driftMax: number;
  readonly snapshotEveryEntriesMin: number;
  readonly snapshotEveryEntriesMax: number;
  /** Per incarnation, the state machine checkpoints every N applies, N drawn from [min, max]. */
  readonly kvCheckpointEveryAppliesMin: number;
  readonly kvCheckpointEveryAppliesMax: number;
  readonly sendBeforePersist: boolean;
  /** Probability that a send into a partition is reported back as unreachable. */
  readonly reportUnreachableProbability: number;
}

/** One node id's life: its durable state, and the running incarnation if any. */
interface Slot {
  readonly id: NodeId;
  node: SimNode | undefined;
  durable: DurableState;
  paused: boolean;
  /** Deliveries that arrived while paused, in arrival order. */
  inbox: SimEvent[];
  /** Bumped on every restart and resume; ticks of an older chain are ignored. */
  chain: number;
  incarnation: number;
  /** This incarnation's tick interval: clocks drift apart between nodes. */
  tickMicros: number;
  /** The crash armed inside a Ready is a power loss. */
  powerLossArmed: boolean;
}

/**
 * The simulated cluster: node slots, their lifecycle (start, crash, restart, pause, resume),
 * the message path through the network, and the driver hooks that feed the checker.
 */
export class SimCluster implements SimNodeHooks {
  private readonly slots = new Map<NodeId, Slot>();
  listener: ClientListener | undefined;
  /** Called whenever a node crashed, whatever the cause (the nemesis restarts it). */
  onCrash: ((id: NodeId) => void) | undefined;
  readonly powerLoss = new PowerLossLedger();

  constructor(
    private readonly ctx: SimContext,
    private readonly options: ClusterOptions,
    private readonly network: SimNetwork<Delivery>,
    private readonly random: SeededRandom,
  ) {
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

  running(): SimNode[] {
    const out: SimNode[] = [];
    for (const slot of this.slots.values()) if (slot.node !== undefined) out.push(slot.node);
    return out;
  }

  isRunning(id: NodeId): boolean {
    return this.slots.get(id)?.node !== undefined;
  }

  isPaused(id: NodeId): boolean {
    return this.slots.get(id)?.paused ?? false;
  }

  /** Running and not paused: the nodes a client or the nemesis can call. */
  reachable(): SimNode[] {
    return this.running().filter((node) => !this.isPaused(node.id));
  }

  /** The reachable node that believes it leads in the highest term. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.reachable()) {
      const status = node.core.status();
      if (status.role === "leader" && (best === undefined || status.term > best.core.status().term)) best = node;
    }
    return best;
  }

  /** Runs `call` on a reachable node, then handles a crash it triggered. */
  invoke<T>(id: NodeId, call: (node: SimNode) => T): T | undefined {
    const slot = this.slot(id);
    const node = slot.node;
    if (node === undefined || slot.paused) return undefined;
    const result = call(node);
    if (node.crashed) {
      this.discard(slot, "crashed inside a Ready", slot.powerLossArmed);
      return undefined;
    }
    return result;
  }

  /** Crashes the node now; `powerLoss`: its state machine loses what it had not synced. */
  crash(id: NodeId, powerLoss: boolean): void {
    const slot = this.slot(id);
    if (slot.node !== undefined) this.discard(slot, "crashed", powerLoss);
  }

  restart(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.node === undefined) this.start(slot);
  }

  /** Makes the node crash at `point` of its next Ready; `powerLoss` as for crash(). */
  armCrash(id: NodeId, point: ReadyCrashPoint, powerLoss: boolean): void {
    const slot = this.slot(id);
    if (slot.node === undefined) return;
    slot.node.armCrash(point);
    slot.powerLossArmed = powerLoss;
  }

  disarmCrash(id: NodeId): void {
    const slot = this.slot(id);
    slot.node?.disarmCrash();
    slot.powerLossArmed = false;
  }

  pause(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.node !== undefined) slot.paused = true;
  }

  /** Resumes a paused node: it handles its queued deliveries, then ticks again (SIGCONT). */
  resume(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) return;
    slot.paused = false;
    slot.chain++;
    const inbox = slot.inbox;
    slot.inbox = [];
    for (const event of inbox) this.handle(event);
    if (slot.node !== undefined) this.scheduleTick(slot, 1);
  }

  /** Handles the node-bound events: ticks, deliveries and unreachable reports. */
  handle(event: SimEvent): void {
    if (event.kind === "tick") {
      const slot = this.slot(event.node);
      if (slot.node === undefined || slot.paused || event.chain !== slot.chain) return;
      this.invoke(slot.id, (node) => node.tick());
      // The tick may have crashed the node (inside a Ready), so ask again rather than narrow.
      if (this.isRunning(slot.id) && slot.chain === event.chain) {
        this.scheduleTick(slot, this.tickMicros(slot));
      }
    } else if (event.kind === "deliver") {
      this.deliver(event.message, event.snapshot, event);
    } else if (event.kind === "unreachable") {
      const slot = this.slot(event.node);
      if (slot.node === undefined || slot.paused || slot.chain !== event.chain) return;
      this.invoke(slot.id, (node) => node.reportUnreachable(event.peer));
    }
  }

  /** After every event: every running node's status goes through the checker. */
  observeAll(): void {
    for (const slot of this.slots.values()) {
      if (slot.node !== undefined) this.ctx.checker.observe(slot.id, slot.node.core.status());
    }
  }

  // SimNodeHooks: the driver calls these from inside its Ready loop.

  send(node: SimNode, message: Message, snapshot: KvSnapshot | undefined): void {
    this.ctx.checker.sent(node.id, message, node.durable.store);
    this.ctx.trace.line(this.ctx.nowMicros, node.id, () => `send ${describeMessage(message)}`);
    const delivery: Delivery = { kind: "deliver", message, snapshot };
    if (this.network.holdIfClogged(message.from, message.to, delivery)) return;
    const delays = this.network.deliveryDelaysMicros(message.from, message.to);
    for (const delay of delays) this.ctx.queue.push(this.ctx.nowMicros + delay, delivery);
    const probe = message.type === "append-request" || message.type === "snapshot-request";
    if (delays.length === 0 && probe && this.network.isBlocked(message.from, message.to)) {
      if (this.random.chance(this.options.reportUnreachableProbability)) {
        const slot = this.slot(node.id);
        const event: SimEvent = { kind: "unreachable", node: node.id, peer: message.to, chain: slot.chain };
        this.ctx.queue.push(this.ctx.nowMicros + 50_000, event);
      }
    }
  }

  hardStatePersisted(node: SimNode, hardState: HardState): void {
    this.ctx.checker.persistedHardState(node.id, hardState);
    this.ctx.trace.line(this.ctx.nowMicros, node.id, () => `persist hs=t${hardState.term} v${hardState.vote} c${hardState.commit} (before compaction)`);
  }

  persisted(node: SimNode, ready: Ready, lastIndexBefore: number): void {
    this.ctx.checker.persisted(node.id, ready, lastIndexBefore, node.core.status());
    if (ready.hardState !== undefined || ready.snapshot !== undefined || ready.entries.length > 0) {
      this.ctx.trace.line(this.ctx.nowMicros, node.id, () => describePersist(ready));
    }
  }

  applied(node: SimNode, entry: Entry, outcome: AppliedCommand | undefined): void {
    this.ctx.checker.applied(node.id, entry, node.core.status().commitIndex, outcome);
    const reapplied = this.powerLoss.applied(node.id, entry.index);
    this.listener?.applied(node, entry, outcome, reapplied);
  }

  snapshotInstalled(node: SimNode, meta: SnapshotMeta, appliedBefore: number): void {
    this.ctx.checker.snapshotInstalled(node.id, meta, appliedBefore);
    this.powerLoss.snapshotInstalled(node.id, meta.index);
    this.ctx.trace.line(this.ctx.nowMicros, node.id, () => `install snapshot ${meta.index}/${meta.term} (applied was ${appliedBefore})`);
  }

  readServed(node: SimNode, requestId: number): void {
    this.listener?.readServed(node, requestId);
  }

  readDropped(node: SimNode, requestId: number): void {
    this.listener?.readDropped(node, requestId);
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

  private deliver(message: Message, snapshot: KvSnapshot | undefined, event: Delivery): void {
    const slot = this.slots.get(message.to);
    if (slot === undefined || slot.node === undefined) return;
    if (this.network.isBlocked(message.from, message.to)) return; // Cut while in flight.
    if (this.network.holdIfClogged(message.from, message.to, event)) return;
    if (slot.paused) {
      slot.inbox.push(event);
      return;
    }
    this.ctx.trace.line(this.ctx.nowMicros, message.to, () => `recv ${describeMessage(message)}`);
    this.invoke(slot.id, (node) => node.receive(message, snapshot));
  }

  private create(id: NodeId, store: MemoryLogStore): void {
    const slot: Slot = {
      id,
      node: undefined,
      durable: { store, kv: new KvStateMachine(), snapshots: new SnapshotStore() },
      paused: false,
      inbox: [],
      chain: 0,
      incarnation: 0,
      tickMicros: this.options.tickMicros,
      powerLossArmed: false,
    };
    this.slots.set(id, slot);
    this.start(slot);
  }

  /** Starts a new incarnation over the slot's durable state. */
  private start(slot: Slot): void {
    assert(slot.node === undefined, "a node runs one incarnation at a time");
    slot.incarnation++;
    slot.chain++;
    slot.paused = false;
    slot.inbox = [];
    const drift = this.options.driftMax;
    const driftFactor = 1 - drift + 2 * drift * this.random.nextFloat();
    slot.tickMicros = Math.round(this.options.tickMicros * driftFactor);
    const label = `node-${slot.id}-${slot.incarnation}`;
    const { snapshotEveryEntriesMin: everyMin, snapshotEveryEntriesMax: everyMax } = this.options;
    const every = everyMin + this.random.intBelow(everyMax - everyMin + 1);
    const checkpointEvery = this.checkpointEveryApplies();
    const appliedBefore = slot.durable.kv.appliedIndex;
    this.ctx.checker.registerIncarnation(slot.id, slot.durable.store, appliedBefore);
    slot.node = new SimNode({
      raftConfig: this.options.raftConfig(slot.id),
      durable: slot.durable,
      random: this.random.fork(label),
      driverRandom: this.random.fork(`${label}-driver`),
      snapshotEveryEntries: every,
      kvCheckpointEveryApplies: checkpointEvery,
      sendBeforePersist: this.options.sendBeforePersist,
      hooks: this,
    });
    if (slot.durable.kv.appliedIndex !== appliedBefore) this.powerLoss.recoveredFromSnapshot();
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => `start incarnation ${slot.incarnation} (applied ${appliedBefore}, snapshot every ${every}, checkpoint every ${checkpointEvery})`);
    this.scheduleTick(slot, 1 + this.random.intBelow(this.options.tickMicros));
  }

  /**
   * Discards the running incarnation; only a clone of the durable state survives, and after
   * a power loss only the synced part of its state machine's.
   */
  private discard(slot: Slot, why: string, powerLoss: boolean): void {
    const node = slot.node;
    assert(node !== undefined, "discarding a node that is not running");
    slot.durable = cloneDurableState(node.durable);
    slot.node = undefined;
    slot.paused = false;
    slot.inbox = [];
    slot.chain++;
    slot.powerLossArmed = false;
    this.ctx.trace.line(this.ctx.nowMicros, slot.id, () => (powerLoss ? `${why} (power loss)` : why));
    if (powerLoss) this.losePower(slot);
    this.listener?.nodeCrashed(slot.id);
    this.onCrash?.(slot.id);
  }

  /** The power-loss model (power-loss.ts) on a crashed node's detached durable state. */
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

  private tickMicros(slot: Slot): number {
    return Math.max(1, slot.tickMicros);
  }

  private slot(id: NodeId): Slot {
    const slot = this.slots.get(id);
    assert(slot !== undefined, `no node ${id}`);
    return slot;
  }
}
