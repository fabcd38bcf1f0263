import { assert } from "../core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../core/entry.js";
import { logIndex, type LogIndex, type Term } from "../core/ids.js";
import type { AsyncLogStore } from "./async-log-store.js";
import {
  assertCompactable,
  assertEntriesRange,
  type LogStore,
  type PersistBatch,
} from "./log-store.js";

/** How a SyncAsyncLogStore decides when each started write happens. */
export interface SyncAsyncLogStoreOptions {
  /**
   * Runs `complete` later, never inside the call (queueMicrotask, Scheduler.soon, or a test
   * scheduler's step). Called once per started write. The order in which the deferred
   * functions run does not matter: each one completes the oldest write still pending.
   */
  readonly defer: (complete: () => void) => void;
}

type PendingWrite =
  | { readonly kind: "persist"; readonly batch: PersistBatch; readonly onDurable: () => void }
  | { readonly kind: "compact"; readonly snapshot: SnapshotMeta; readonly onDurable: () => void };

/**
 * An AsyncLogStore over a synchronous LogStore (MemoryLogStore, SqliteLogStore), for tests,
 * simulation and embedded use, and the ordering half of WorkerSqliteLogStore (whose "store"
 * is its main thread's caches and whose `defer` is "when the worker replies").
 *
 * Writes wait in one FIFO and reach the store in the order they were started, one per
 * deferred call, each immediately followed by its onDurable; so the store goes through
 * exactly the states a durable log would, in the same order, and the reader view (the
 * store's) shows a persisted batch from its onDurable on, never before.
 *
 * compact() must change the view at once, even behind pending persists, yet reaches the
 * store in its turn: applied early, it would reorder the store's writes, so the store would
 * pass through states the durable log never does, and WorkerSqliteLogStore's caches would
 * no longer match its writer's after each write. So the view lays the newest pending
 * compaction over the store (`compaction`) until the store has it.
 *
 * A write the store refuses or cannot make durable throws out of the deferred function, to
 * whoever runs it: with queueMicrotask or setImmediate that is an uncaught exception, which
 * ends the process; a simulation's scheduler ends the member. Nothing is retried.
 */
export class SyncAsyncLogStore implements AsyncLogStore {
  private readonly pending: PendingWrite[] = [];
  /** The newest compaction started and not yet in the store; the view already shows it. */
  private compaction: SnapshotMeta | undefined;
  /** Deferred calls still to come for writes that close() completed itself; they do nothing. */
  private completedByClose = 0;
  /** True while persist() or compact() runs: a deferred call then is a synchronous `defer`. */
  private starting = false;
  private state: "open" | "closed" | "failed" = "open";

  /** `store` is this adapter's from now on: close() closes it, when it has a close(). */
  constructor(
    private readonly store: LogStore & { close?: () => void },
    private readonly options: SyncAsyncLogStoreOptions,
  ) {}

  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta } {
    const stored = this.store.initialState();
    const compaction = this.pendingCompaction();
    // A compaction leaves the stored commit as it is (LogStore).
    return compaction === undefined ? stored : { ...stored, snapshot: compaction };
  }

  firstIndex(): LogIndex {
    const compaction = this.pendingCompaction();
    return compaction === undefined ? this.store.firstIndex() : logIndex(compaction.index + 1);
  }

  lastIndex(): LogIndex {
    return this.store.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    const compaction = this.pendingCompaction();
    if (compaction !== undefined && index <= compaction.index) {
      return index === compaction.index ? compaction.term : undefined;
    }
    return this.store.term(index);
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assertEntriesRange(this, low, high); // Against the view: nothing compacted is read.
    return this.store.entries(low, high, maxBytes);
  }

  configEntries(low: LogIndex, high: LogIndex): Entry[] {
    assertEntriesRange(this, low, high); // Against the view: nothing compacted is read.
    return this.store.configEntries(low, high);
  }

  snapshotMeta(): SnapshotMeta {
    return this.pendingCompaction() ?? this.store.snapshotMeta();
  }

  persist(batch: PersistBatch, onDurable: () => void): void {
    this.start({ kind: "persist", batch, onDurable });
  }

  compact(snapshot: SnapshotMeta, onDurable: () => void): void {
    assert(this.state === "open", `compact() on a ${this.state} log store`);
    assertCompactable(this, snapshot); // Against the view, as the caller sees the log.
    this.start({ kind: "compact", snapshot, onDurable });
    this.compaction = snapshot;
  }

  /**
   * Completes every pending write now, in order (their onDurable run inside this call),
   * then refuses further writes and closes the store (SqliteLogStore.close()). Idempotent.
   */
  close(): Promise<void> {
    // The executor runs now; a write that throws rejects the promise.
    return new Promise((resolve) => {
      if (this.state === "open") {
        // onDurable may start more writes; they are completed here too.
        while (this.pending.length > 0) {
          this.completeOldest();
          this.completedByClose++;
        }
        this.state = "closed";
        this.store.close?.();
      }
      resolve();
    });
  }

  private start(write: PendingWrite): void {
    assert(this.state === "open", `${write.kind}() on a ${this.state} log store`);
    this.pending.push(write);
    this.starting = true;
    try {
      this.options.defer(() => this.completeDeferred());
    } finally {
      this.starting = false;
    }
  }

  private completeDeferred(): void {
    assert(!this.starting, "defer ran a write inside the call that started it");
    if (this.pending.length === 0) {
      // close() completed this write already; exactly one deferred call per write remains.
      assert(this.completedByClose > 0, "a deferred completion ran with no write pending");
      this.completedByClose--;
      return;
    }
    this.completeOldest();
  }

  private completeOldest(): void {
    assert(this.state === "open", `a write completed on a ${this.state} log store`);
    const write = this.pending.shift();
    assert(write !== undefined, "no write pending");
    try {
      if (write.kind === "persist") this.store.persist(write.batch);
      else this.store.compact(write.snapshot);
    } catch (error) {
      this.state = "failed"; // Fatal (AsyncLogStore contract): no later write may land.
      throw error;
    }
    if (write.kind === "compact" && this.compaction === write.snapshot) {
      this.compaction = undefined;
    }
    write.onDurable();
  }

  /** The pending compaction the view lays over the store, asserted to be ahead of it. */
  private pendingCompaction(): SnapshotMeta | undefined {
    const compaction = this.compaction;
    if (compaction === undefined) return undefined;
    const stored = this.store.snapshotMeta().index;
    assert(
      compaction.index > stored && compaction.index <= this.store.lastIndex(),
      `pending compaction to ${String(compaction.index)} is not inside the stored log ` +
        `(${String(stored)}, ${String(this.store.lastIndex())}]`,
    );
    return compaction;
  }
}
