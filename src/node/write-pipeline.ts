import { assert } from "../core/assert.js";
import type { SnapshotMeta } from "../core/entry.js";
import { isEmptyWrite, type StorageWrite } from "../core/ready.js";
import type { AsyncLogStore } from "../storage/async-log-store.js";

interface PendingWrite {
  readonly write: StorageWrite;
  durable: boolean;
  /** When it was started (the pipeline's clock), for the stall watchdog. */
  readonly startedMs: number;
}

/**
 * The Ready's writes on their way to disk (src/core/ready.ts, rules 2 and 5): started in
 * order, reported durable in order. An empty write, which only orders its messages behind
 * the others, never touches storage; it is durable as soon as every earlier write is.
 *
 * Bounded: the core hands out at most one write per Ready, and the driver starts a Ready
 * only while fewer than `writesInFlightMax` writes are in flight (hasRoom()); the core
 * keeps batching what arrives meanwhile into the next write.
 */
export class WritePipeline {
  private readonly pending: PendingWrite[] = [];
  private flushing = false;

  constructor(
    private readonly logStore: AsyncLogStore,
    private readonly writesInFlightMax: number,
    /** Called once per write, in order, when it and every earlier write are durable. */
    private readonly onDurable: (write: StorageWrite) => void,
    private readonly nowMs: () => number,
    /**
     * Work a write that carries a snapshot also waits for (the state machine preparing its
     * restore); `done` once, possibly at once. Absent: nothing.
     */
    private readonly prepareSnapshot?: (snapshot: SnapshotMeta, done: () => void) => void,
  ) {
    assert(Number.isSafeInteger(writesInFlightMax) && writesInFlightMax > 0,
      "writesInFlightMax must be a positive integer");
  }

  get size(): number {
    return this.pending.length;
  }

  hasRoom(): boolean {
    return this.pending.length < this.writesInFlightMax;
  }

  /** Starts `write` behind every write already started. Never calls onDurable itself. */
  start(write: StorageWrite): void {
    assert(this.hasRoom(), "the driver starts a write only when the pipeline has room");
    const last = this.pending[this.pending.length - 1];
    assert(last === undefined || last.write.id < write.id, "writes start in id order");
    const pending: PendingWrite = { write, durable: isEmptyWrite(write), startedMs: this.nowMs() };
    this.pending.push(pending);
    if (pending.durable) return;
    const { snapshot, entries, hardState } = write;
    // The log write, and for a snapshot the preparation of its restore, run side by side.
    let outstanding = snapshot !== undefined && this.prepareSnapshot !== undefined ? 2 : 1;
    const finished = (): void => {
      outstanding -= 1;
      assert(outstanding >= 0, "each part of a write finishes once");
      if (outstanding > 0) return;
      pending.durable = true;
      this.flush();
    };
    this.logStore.persist({ snapshot, entries, hardState }, finished);
    if (snapshot !== undefined) this.prepareSnapshot?.(snapshot, finished);
  }

  /** How long the oldest write not yet durable has been in flight; 0 when none is. */
  oldestInFlightMs(): number {
    const oldest = this.pending.find((pending) => !pending.durable);
    return oldest === undefined ? 0 : this.nowMs() - oldest.startedMs;
  }

  /** Reports, in order, every write at the head of the pipeline that is durable. */
  flush(): void {
    if (this.flushing) return; // The outer call keeps going; onDurable may start writes.
    this.flushing = true;
    try {
      for (let head = this.pending[0]; head?.durable === true; head = this.pending[0]) {
        this.pending.shift();
        this.onDurable(head.write);
      }
    } finally {
      this.flushing = false;
    }
  }
}
