import { assert } from "../core/assert.js";
import { entrySizeBytes, type Entry, type SnapshotMeta } from "../core/entry.js";
import { logIndex, type LogIndex } from "../core/ids.js";
import type { Status } from "../core/ready.js";
import type { SnapshotOutcome, StateMachine } from "../state-machine/state-machine.js";
import type { AsyncLogStore } from "../storage/async-log-store.js";
import type { SnapshotDraft, SnapshotStore, StoredSnapshot } from "../storage/snapshot-store.js";
import { NodeStoppedError } from "./errors.js";
import type { NodeEvent } from "./node-events.js";
import type { Scheduler } from "./scheduler.js";

/** What SnapshotProduction needs of its RaftNode; limits as RaftNodeParts states them. */
export interface SnapshotProductionParts {
  readonly stateMachine: StateMachine<unknown>;
  readonly snapshotStore: SnapshotStore;
  readonly logStore: AsyncLogStore;
  readonly scheduler: Scheduler;
  /** 0: no trigger by count. */
  readonly snapshotEveryEntries: number;
  /** 0: no trigger by size. */
  readonly snapshotEveryBytes: number;
  readonly logTailEntries: number;
  /** The core's status and snapshot metadata (RaftCore.status, RaftCore.snapshotMetaAt). */
  readonly status: () => Status;
  readonly snapshotMetaAt: (index: LogIndex) => SnapshotMeta;
  readonly emit: (event: NodeEvent) => void;
  readonly stopped: () => boolean;
}

/** A snapshot being produced by the state machine, and the take() calls awaiting it. */
interface Production {
  /** appliedBytes when it started: what it will cover, at least. */
  readonly bytesAtStart: number;
  readonly waiters: { resolve: (s: StoredSnapshot) => void; reject: (e: Error) => void }[];
  /** The scheduler's clock when the state machine was asked for its copy. */
  readonly startedMs: number;
}

/**
 * Log compaction (Raft section 7) for one RaftNode: when to take a snapshot (entries or
 * bytes applied since the last one), taking it without stalling the event loop (the state
 * machine copies itself off it and reports the index its copy reflects, one production at a
 * time), committing it with that index's metadata, and compacting the log to the snapshot
 * logTailEntries behind the applied index, so slightly slow followers catch up from the log.
 *
 * A copy may finish after the member moved past it: a newer snapshot installed from the
 * leader (the core's log already starts beyond the copy), a newer one taken, a crash (the
 * report never comes, and the draft is debris the store removes at open). Such a copy is
 * discarded: only a snapshot above every one the log or the core holds is committed.
 */
export class SnapshotProduction {
  /** The newest snapshot taken or installed (the log may name an older one: the tail). */
  private lastSnapshotIndex: LogIndex;
  /** Bytes (entrySizeBytes) of entries applied since that snapshot, roughly. */
  private appliedBytes = 0;
  private production: Production | undefined;
  /** A production failed at this applied index: the next try waits for a newer one. */
  private failedAt = -1;
  private compactionInFlight = false;

  constructor(private readonly parts: SnapshotProductionParts) {
    this.lastSnapshotIndex = parts.logStore.snapshotMeta().index;
  }

  /** Entries were applied: they count towards the size trigger. */
  applied(entries: readonly Entry[]): void {
    for (const entry of entries) this.appliedBytes += entrySizeBytes(entry);
  }

  /** A snapshot from the leader was installed: it is the newest, and nothing is since. */
  installed(index: LogIndex): void {
    this.lastSnapshotIndex = index;
    this.appliedBytes = 0;
  }

  /** Starts a production if a trigger fired and none is running. */
  maybeStart(applied: LogIndex): void {
    if (this.production !== undefined || this.parts.stopped() || applied <= this.failedAt) return;
    const every = this.parts.snapshotEveryEntries;
    const everyBytes = this.parts.snapshotEveryBytes;
    const byEntries = every > 0 && applied - this.lastSnapshotIndex >= every;
    const byBytes = everyBytes > 0 && applied > this.lastSnapshotIndex &&
      this.appliedBytes >= everyBytes;
    if (byEntries || byBytes) this.start();
  }

  /** See RaftNode.takeSnapshot(). */
  take(): Promise<StoredSnapshot> {
    const applied = this.parts.status().appliedIndex;
    if (this.production === undefined && applied <= this.lastSnapshotIndex) {
      const newest = this.parts.snapshotStore.get(this.lastSnapshotIndex);
      if (newest !== undefined) return Promise.resolve(newest);
    }
    return new Promise((resolve, reject) => {
      const production = this.production ?? this.start();
      production.waiters.push({ resolve, reject });
    });
  }

  private start(): Production {
    assert(this.production === undefined, "one snapshot is produced at a time");
    const production: Production = {
      bytesAtStart: this.appliedBytes, waiters: [], startedMs: this.parts.scheduler.nowMs(),
    };
    this.production = production;
    const draft = this.parts.snapshotStore.create();
    // Handled on a turn of our own, whenever and however the state machine reports.
    this.parts.stateMachine.snapshotTo(draft, (outcome) => {
      this.parts.scheduler.soon(() => this.produced(production, draft, outcome));
    });
    return production;
  }

  /**
   * The state machine reported the index its copy reflects: commit it with that index's
   * metadata and compact the log to the tail's snapshot, or discard it (see the class).
   */
  private produced(production: Production, draft: SnapshotDraft, outcome: SnapshotOutcome): void {
    assert(this.production === production, "the production in flight reports");
    this.production = undefined;
    const settle = (result: StoredSnapshot | Error): void => {
      for (const waiter of production.waiters) {
        if (result instanceof Error) waiter.reject(result);
        else waiter.resolve(result);
      }
    };
    const status = this.parts.status();
    if (this.parts.stopped() || !outcome.ok) {
      draft.discard();
      if (!outcome.ok) this.failedAt = status.appliedIndex;
      return settle(outcome.ok ? new NodeStoppedError("the member is shutting down") : outcome.error);
    }
    const index = outcome.index;
    // The core's log starts past the log store's once it took a snapshot from the leader
    // whose write is still in flight; a copy below either one's start is stale.
    const newerHeld = Math.max(status.firstIndex - 1, status.snapshotIndex,
      this.parts.logStore.snapshotMeta().index, this.lastSnapshotIndex);
    if (index <= newerHeld) {
      draft.discard();
      const newest = this.parts.snapshotStore.get(this.lastSnapshotIndex);
      return settle(newest ?? new Error("no snapshot: nothing is applied yet"));
    }
    const stored = draft.commit(this.parts.snapshotMetaAt(index), outcome.sha256);
    this.lastSnapshotIndex = index;
    this.appliedBytes = Math.max(0, this.appliedBytes - production.bytesAtStart);
    this.compactToTail(status.appliedIndex);
    const durationMs = this.parts.scheduler.nowMs() - production.startedMs;
    this.parts.emit({ type: "snapshot-taken", index, bytes: stored.sizeBytes, durationMs });
    settle(stored);
  }

  /**
   * Compacts the log to the newest stored snapshot at or below applied - logTailEntries.
   * The log store's view drops the entries at once; the snapshot the log named before is
   * pruned only once the compaction is durable.
   */
  private compactToTail(applied: LogIndex): void {
    if (this.compactionInFlight) return;
    const tailEnd = logIndex(Math.max(0, applied - this.parts.logTailEntries));
    const target = this.parts.snapshotStore.latest(tailEnd);
    const logSnapshotIndex = this.parts.logStore.snapshotMeta().index;
    if (target === undefined || target.meta.index <= logSnapshotIndex) return;
    this.compactionInFlight = true;
    this.parts.logStore.compact(target.meta, () => {
      this.compactionInFlight = false;
      this.parts.snapshotStore.prune(target.meta.index);
    });
  }
}
