import { assert } from "../../src/core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../../src/core/entry.js";
import type { LogIndex, Term } from "../../src/core/ids.js";
import type { AsyncLogStore } from "../../src/storage/async-log-store.js";
import type { PersistBatch } from "../../src/storage/log-store.js";
import { MemoryLogStore } from "../../src/storage/memory-log-store.js";
import type { CrashSwitch } from "./crash-points.js";

/** What the simulator hears from a disk, to feed the checker and the trace. */
export interface DiskObserver {
  /** `batch` is durable; `lastIndexBefore`: the durable log's end before it. */
  persisted(batch: PersistBatch, lastIndexBefore: number): void;
  /** A compaction is durable. */
  compacted(snapshot: SnapshotMeta): void;
}

export interface SimDiskOptions {
  readonly nowMicros: () => number;
  /** Schedules `task` on this incarnation after `delayMicros` of virtual time. */
  readonly schedule: (delayMicros: number, task: () => void) => void;
  /** How long one write takes to become durable (drawn per write by the caller). */
  readonly writeMicros: () => number;
  readonly crash: CrashSwitch;
  readonly observer: DiskObserver;
  /**
   * Planted bug (a faulty port, not a branch in the driver): the disk reports a write
   * durable when it starts, and makes it durable only `writeMicros` later. A crash in
   * between loses a write the driver already answered for.
   */
  readonly liesAboutDurability: boolean;
  /** Called after each write's durability report returned (the driver released it). */
  readonly afterReport?: () => void;
}

/**
 * A simulated disk under the real driver: an AsyncLogStore whose writes complete late, in
 * order, on the virtual clock. `durable` is what survives a crash (the simulator restarts
 * the member on a clone of it); `view` is what the member reads, which includes a write from
 * the moment its onDurable runs (for an honest disk that is the moment it is durable).
 */
export class SimDisk implements AsyncLogStore {
  private readonly view: MemoryLogStore;
  /** The end of the queue of writes, in virtual time from now: writes complete in order. */
  private busyUntilMicros = 0;
  private closed = false;
  /** Writes handed to persist() and writes reported durable, by this incarnation. */
  persistsStarted = 0;
  persistsReported = 0;
  /** Entries handed out by entries(), for the simulator's startup-read check. */
  entriesRead = 0;

  constructor(readonly durable: MemoryLogStore, private readonly options: SimDiskOptions) {
    this.view = durable.clone();
  }

  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta } {
    return this.view.initialState();
  }

  firstIndex(): LogIndex {
    return this.view.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.view.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.view.term(index);
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    const entries = this.view.entries(low, high, maxBytes);
    this.entriesRead += entries.length;
    return entries;
  }

  configEntries(low: LogIndex, high: LogIndex): Entry[] {
    return this.view.configEntries(low, high);
  }

  snapshotMeta(): SnapshotMeta {
    return this.view.snapshotMeta();
  }

  persist(batch: PersistBatch, onDurable: () => void): void {
    assert(!this.closed, "a closed disk takes no writes");
    this.options.crash.check("before-write");
    this.persistsStarted += 1;
    const land = (): void => {
      const lastIndexBefore = this.durable.lastIndex();
      this.durable.persist(batch);
      this.options.observer.persisted(batch, lastIndexBefore);
    };
    const report = (): void => {
      this.view.persist(batch);
      this.persistsReported += 1;
      onDurable();
      this.options.afterReport?.();
    };
    const delay = this.nextCompletionMicros();
    if (this.options.liesAboutDurability) {
      this.options.schedule(0, report);
      this.options.schedule(delay, land);
      return;
    }
    this.options.schedule(delay, () => {
      land();
      this.options.crash.check("after-write");
      report();
    });
  }

  compact(snapshot: SnapshotMeta, onDurable: () => void): void {
    assert(!this.closed, "a closed disk takes no writes");
    this.view.compact(snapshot);
    this.options.schedule(this.nextCompletionMicros(), () => {
      if (this.durable.snapshotMeta().index < snapshot.index) {
        this.durable.compact(snapshot);
        this.options.observer.compacted(snapshot);
      }
      onDurable();
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The delay after which the next write completes: after every earlier one. */
  private nextCompletionMicros(): number {
    const nowMicros = this.options.nowMicros();
    const start = Math.max(nowMicros, this.busyUntilMicros);
    this.busyUntilMicros = start + this.options.writeMicros();
    return this.busyUntilMicros - nowMicros;
  }
}
