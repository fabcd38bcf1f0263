import { assert } from "../../src/core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../../src/core/entry.js";
import type { ProposeResult, RequestResult } from "../../src/core/errors.js";
import type { NodeId } from "../../src/core/ids.js";
import type { ConfigChange } from "../../src/core/membership-config.js";
import type { Message } from "../../src/core/message.js";
import type { RaftConfig } from "../../src/core/raft-config.js";
import { RaftCore } from "../../src/core/raft-core.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { Ready, ReadState } from "../../src/core/ready.js";
import { earlyMessages } from "../../src/node/send-order.js";
import type { DurableState } from "./durable-state.js";
import type { AppliedCommand, KvSnapshot, KvStateMachine } from "./kv-state-machine.js";

/**
 * Where inside one Ready a crash can strike (TESTING.md 2.1.4). The stages are counted in the
 * order the driver runs them, so with the planted "send-before-persist" bug the window
 * "after-first-io" is the one between sending and persisting.
 */
export type ReadyCrashPoint = "before-io" | "after-first-io" | "before-apply";

export const READY_CRASH_POINTS: readonly ReadyCrashPoint[] = ["before-io", "after-first-io", "before-apply"];

/** What the simulator observes of a node's driver; the checkers hang off these calls. */
export interface SimNodeHooks {
  /** Every message at the moment it leaves, with the snapshot bytes a snapshot-request carries. */
  send(node: SimNode, message: Message, snapshot: KvSnapshot | undefined): void;
  /** After the Ready's durable part was written (`lastIndexBefore`: the log's end before it). */
  persisted(node: SimNode, ready: Ready, lastIndexBefore: number): void;
  /** After a hard state was written outside a Ready (the commit a compaction needs). */
  hardStatePersisted(node: SimNode, hardState: HardState): void;
  /** After each committed entry is applied; `outcome` is set for client commands. */
  applied(node: SimNode, entry: Entry, outcome: AppliedCommand | undefined): void;
  snapshotInstalled(node: SimNode, meta: SnapshotMeta, appliedBefore: number): void;
  readServed(node: SimNode, requestId: number): void;
  readDropped(node: SimNode, requestId: number): void;
}

export interface SimNodeOptions {
  readonly raftConfig: RaftConfig;
  readonly durable: DurableState;
  /** The core's own stream (election jitter). */
  readonly random: SeededRandom;
  /** The driver's own decisions (which snapshot to compact to). */
  readonly driverRandom: SeededRandom;
  /** Take a snapshot once this many entries were applied since the last compaction. */
  readonly snapshotEveryEntries: number;
  /**
   * Checkpoint the state machine (make it survive power loss) once this many entries were
   * applied since its last checkpoint, as SQLite's WAL autocheckpoint does by page count.
   */
  readonly kvCheckpointEveryApplies: number;
  /** Driver-side planted bug (TESTING.md 2.1.9 #1): send a Ready's messages before persisting. */
  readonly sendBeforePersist: boolean;
  readonly hooks: SimNodeHooks;
}

/**
 * The simulator's per-node driver. It mirrors the production Ready loop (persist -> send ->
 * apply -> advance, src/core/ready.ts), with the durable part in `durable` and everything
 * else (the RaftCore, pending reads) volatile: a crash discards this object, and a restart
 * builds a new one over a clone of `durable`.
 */
export class SimNode {
  readonly id: NodeId;
  readonly core: RaftCore;
  readonly durable: DurableState;
  /** True once the node crashed inside a Ready; the simulator must discard it. */
  crashed = false;
  private crashPoint: ReadyCrashPoint | undefined;
  /** Reads the leader confirmed, waiting for the state machine to reach their index. */
  private pendingReads: ReadState[] = [];
  private readonly options: SimNodeOptions;

  constructor(options: SimNodeOptions) {
    this.options = options;
    this.id = options.raftConfig.nodeId;
    this.durable = options.durable;
    const appliedBefore = this.durable.kv.appliedIndex;
    const recovered = this.recoverStateMachine();
    this.core = new RaftCore({
      config: options.raftConfig,
      storage: this.durable.store,
      random: options.random,
      appliedIndex: this.durable.kv.appliedIndex,
    });
    assert(this.core.id === this.id, "the core runs under the configured id");
    if (recovered !== undefined) options.hooks.snapshotInstalled(this, recovered, appliedBefore);
  }

  get kv(): KvStateMachine {
    return this.durable.kv;
  }

  /** Makes the next Ready handled crash the node at `point`. */
  armCrash(point: ReadyCrashPoint): void {
    this.crashPoint = point;
  }

  disarmCrash(): void {
    this.crashPoint = undefined;
  }

  tick(): void {
    this.core.tick();
    this.drain();
  }

  /** Delivers a message; a snapshot's bytes are stored durably before its metadata is stepped. */
  receive(message: Message, snapshot: KvSnapshot | undefined): void {
    assert(message.to === this.id, "message delivered to the wrong node");
    if (message.type === "snapshot-request") {
      assert(snapshot !== undefined, "a snapshot-request travels with its bytes");
      this.durable.snapshots.save(snapshot);
    }
    this.core.step(message);
    this.drain();
  }

  propose(data: Uint8Array): ProposeResult {
    const result = this.core.propose(data);
    this.drain();
    return result;
  }

  proposeConfigChange(change: ConfigChange): ProposeResult {
    const result = this.core.proposeConfigChange(change);
    this.drain();
    return result;
  }

  readIndex(requestId: number): RequestResult {
    const result = this.core.readIndex(requestId);
    this.drain();
    return result;
  }

  transferLeadership(target: NodeId): RequestResult {
    const result = this.core.transferLeadership(target);
    this.drain();
    return result;
  }

  reportUnreachable(peer: NodeId): void {
    this.core.reportUnreachable(peer);
    this.drain();
  }

  /**
   * Handles every pending Ready: persist (one atomic write) -> send -> apply -> advance,
   * then maybe takes a snapshot. Stops dead if an armed crash point is reached.
   */
  private drain(): void {
    assert(!this.crashed, "a crashed node handles nothing");
    while (this.core.hasReady()) {
      const ready = this.core.ready();
      if (this.crashHere("before-io")) return;
      if (this.options.sendBeforePersist) {
        this.send(ready, () => true);
        if (this.crashHere("after-first-io")) return;
        this.persist(ready);
      } else {
        // As in production (src/node/handle-ready.ts): a leader's replication traffic
        // leaves before its write (thesis 10.2.1), everything else after it. A crash at
        // "after-first-io" lands between the two.
        const early = earlyMessages(ready, this.durable.store.initialState().hardState);
        this.send(ready, early);
        if (this.crashHere("after-first-io")) return;
        this.persist(ready);
        this.send(ready, (message) => !early(message));
      }
      if (this.crashHere("before-apply")) return;
      this.apply(ready);
      this.core.advance(ready);
    }
    this.maybeSnapshot();
  }

  private crashHere(point: ReadyCrashPoint): boolean {
    if (this.crashPoint !== point) return false;
    this.crashPoint = undefined;
    this.crashed = true;
    return true;
  }

  private persist(ready: Ready): void {
    if (!this.needsPersist(ready)) return;
    const lastIndexBefore = this.durable.store.lastIndex();
    const { snapshot, entries, hardState } = ready;
    this.durable.store.persist({ snapshot, entries, hardState });
    this.options.hooks.persisted(this, ready, lastIndexBefore);
  }

  /**
   * As production's needsPersist() (src/node/handle-ready.ts): the commit index is volatile
   * (Raft paper, Figure 2), so a Ready whose only durable change is a higher commit index is
   * not written; a restart lifts commit back to the state machine's applied index.
   */
  private needsPersist(ready: Ready): boolean {
    if (ready.snapshot !== undefined || ready.entries.length > 0) return true;
    const next = ready.hardState;
    if (next === undefined) return false;
    const durable = this.durable.store.initialState().hardState;
    return next.term !== durable.term || next.vote !== durable.vote;
  }

  private send(ready: Ready, which: (message: Message) => boolean): void {
    for (const message of ready.messages) {
      if (!which(message)) continue;
      let snapshot: KvSnapshot | undefined;
      if (message.type === "snapshot-request") {
        snapshot = this.durable.snapshots.get(message.snapshot.index);
        assert(snapshot !== undefined, `node ${this.id} has no snapshot bytes at ${message.snapshot.index}`);
        assert(snapshot.meta.term === message.snapshot.term, "snapshot bytes and meta disagree on the term");
      }
      this.options.hooks.send(this, message, snapshot);
    }
  }

  private apply(ready: Ready): void {
    const kv = this.durable.kv;
    if (ready.snapshot !== undefined) {
      const snapshot = this.durable.snapshots.get(ready.snapshot.index);
      assert(snapshot !== undefined, `snapshot ${ready.snapshot.index} was never received`);
      assert(snapshot.meta.term === ready.snapshot.term, "installed snapshot has another term");
      const appliedBefore = kv.appliedIndex;
      kv.restore(snapshot);
      this.options.hooks.snapshotInstalled(this, ready.snapshot, appliedBefore);
    }
    for (const entry of ready.committedEntries) {
      const outcome = kv.apply(entry);
      if (kv.unsyncedCount >= this.options.kvCheckpointEveryApplies) kv.checkpoint();
      this.options.hooks.applied(this, entry, outcome);
    }
    this.pendingReads.push(...ready.readStates);
    const waiting: ReadState[] = [];
    for (const read of this.pendingReads) {
      if (read.index <= kv.appliedIndex) this.options.hooks.readServed(this, read.requestId);
      else waiting.push(read);
    }
    this.pendingReads = waiting;
    for (const requestId of ready.droppedReads) this.options.hooks.readDropped(this, requestId);
  }

  /**
   * Log compaction (Raft §7): every `snapshotEveryEntries` applied entries, save the state
   * machine at its applied index, then compact the log either to that snapshot or to an
   * older saved one, which keeps a few trailing entries for slow followers.
   */
  private maybeSnapshot(): void {
    const store = this.durable.store;
    const applied = this.durable.kv.appliedIndex;
    const compacted = store.snapshotMeta().index;
    if (applied - compacted < this.options.snapshotEveryEntries) return;
    const meta = this.core.snapshotMetaAt(applied);
    assert(meta.index === applied, "snapshotMetaAt returns the meta of the asked index");
    this.durable.snapshots.save({ meta, data: this.durable.kv.copyData() });
    const candidates = this.durable.snapshots.indexes().filter((index) => index > compacted);
    const keepTrailing = candidates.length > 1 && this.options.driverRandom.chance(0.5);
    const target = keepTrailing ? candidates[candidates.length - 2]! : applied;
    const targetSnapshot = this.durable.snapshots.get(target);
    assert(targetSnapshot !== undefined, "compaction target has saved bytes");
    // As production's maybeSnapshot (src/node/raft-node.ts): commit-only changes are not
    // written, so the durable commit may lag the applied index; compaction needs it covered.
    const durable = store.initialState().hardState;
    if (durable.commit < applied) {
      const hardState = { ...durable, commit: applied };
      store.persist({ entries: [], hardState });
      this.options.hooks.hardStatePersisted(this, hardState);
    }
    store.compact(targetSnapshot.meta);
    this.durable.snapshots.pruneBelow(store.snapshotMeta().index);
  }

  /**
   * Production's recoverStateMachine (src/node/raft-node.ts). The log can start after a
   * snapshot the state machine has not reached: after a crash between persisting a received
   * snapshot and installing it, or after a power loss took the state machine back below the
   * index the log was compacted to (ADR 0005). Install that snapshot from the snapshot
   * store; the core is then created at the state machine's applied index and hands out the
   * committed entries after it again (re-applying them is deterministic).
   */
  private recoverStateMachine(): SnapshotMeta | undefined {
    const meta = this.durable.store.snapshotMeta();
    const kv = this.durable.kv;
    if (meta.index <= kv.appliedIndex) return undefined;
    const snapshot = this.durable.snapshots.get(meta.index);
    assert(snapshot !== undefined, `restart: snapshot ${meta.index} bytes missing`);
    kv.restore(snapshot);
    return meta;
  }
}
