import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { assert, assertNever } from "../../core/assert.js";
import type { Entry, EntryKind, HardState, SnapshotMeta } from "../../core/entry.js";
import { logIndex, term } from "../../core/ids.js";
import type { PersistBatch } from "../log-store.js";
import { SqliteLogStore, type SqliteLogStoreOptions } from "./sqlite-log-store.js";

/**
 * The log write worker: the worker thread behind WorkerSqliteLogStore that owns the Raft
 * log's write connection, so SQLite's writes and fsyncs happen off the main event loop.
 * This file is the worker's entry point and the protocol both sides speak; it starts the
 * worker only when loaded as one (see the end of the file), so the main thread imports it
 * for the codec without side effects.
 *
 * Protocol: requests carry consecutive sequence numbers from 1 and are handled strictly in
 * arrival order, one SqliteLogStore transaction (one fsync) each; every request is answered
 * once it is committed, in the same order. A write that fails throws out of the handler: the
 * worker dies with the error and the main thread treats that as fatal. Nothing is retried.
 */

/** Marks workerData as a log write worker's, so that no other thread starts one. */
export const LOG_WRITE_WORKER_ROLE = "raftkv-log-write-worker";

export interface LogWriteWorkerData {
  readonly role: typeof LOG_WRITE_WORKER_ROLE;
  readonly store: SqliteLogStoreOptions;
}

/** Main thread to worker. */
export type LogWriteRequest =
  | { readonly kind: "persist"; readonly seq: number; readonly batch: WireBatch }
  | { readonly kind: "compact"; readonly seq: number; readonly snapshot: SnapshotMeta }
  /** Close the connection after every earlier request, then answer "closed". */
  | { readonly kind: "close" };

/** Worker to main thread. */
export type LogWriteReply =
  | { readonly kind: "ready" }
  | { readonly kind: "written"; readonly seq: number; readonly after: StoreSummary }
  | { readonly kind: "closed" };

/** The writer's state after a write, which the main thread's caches must then equal. */
export interface StoreSummary {
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  readonly hardState: HardState;
}

/**
 * A PersistBatch as it crosses the thread boundary: every entry's data packed back to back
 * into one ArrayBuffer that is transferred, not copied, and the entries' numbers in one
 * Float64Array (indexes and terms are safe integers, so exact in a double). Packing is the
 * one copy: cloning the entries as they are would copy each data view's whole backing
 * buffer (a pooled Buffer slab, or a whole decoded gRPC message), once per entry.
 */
export interface WireBatch {
  readonly snapshot: SnapshotMeta | undefined;
  readonly hardState: HardState | undefined;
  readonly kinds: readonly EntryKind[];
  /** Per entry, three numbers: index, term, and where its data ends in `bytes`. */
  readonly numbers: Float64Array;
  readonly bytes: ArrayBuffer;
}

const NUMBERS_PER_ENTRY = 3;
const ENTRY_KINDS: ReadonlySet<string> = new Set<EntryKind>(["command", "noop", "config"]);

/** Packs `batch` for postMessage; `transfer` lists the buffers to move with it. */
export function encodeBatch(batch: PersistBatch): {
  readonly wire: WireBatch;
  readonly transfer: ArrayBuffer[];
} {
  const entries = batch.entries;
  let totalBytes = 0;
  for (const entry of entries) totalBytes += entry.data.byteLength;
  const bytes = new Uint8Array(totalBytes);
  const numbers = new Float64Array(entries.length * NUMBERS_PER_ENTRY);
  let offset = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    bytes.set(entry.data, offset);
    offset += entry.data.byteLength;
    numbers[i * NUMBERS_PER_ENTRY] = entry.index;
    numbers[i * NUMBERS_PER_ENTRY + 1] = entry.term;
    numbers[i * NUMBERS_PER_ENTRY + 2] = offset;
  }
  assert(offset === totalBytes, "every entry's data is packed");
  const kinds = entries.map((entry) => entry.kind);
  const { snapshot, hardState } = batch;
  const wire = { snapshot, hardState, kinds, numbers, bytes: bytes.buffer };
  return { wire, transfer: [bytes.buffer, numbers.buffer] };
}

/** Unpacks what encodeBatch() packed; entries' data are views into the transferred buffer. */
export function decodeBatch(wire: WireBatch): PersistBatch {
  const count = wire.kinds.length;
  assert(wire.numbers.length === count * NUMBERS_PER_ENTRY, "wire batch numbers do not match its kinds");
  const entries: Entry[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const kind = wire.kinds[i]!;
    const end = wire.numbers[i * NUMBERS_PER_ENTRY + 2]!;
    assert(ENTRY_KINDS.has(kind), `unknown entry kind ${kind}`);
    assert(Number.isSafeInteger(end) && start <= end, "wire batch data offsets go back");
    entries.push({
      index: logIndex(wire.numbers[i * NUMBERS_PER_ENTRY]!),
      term: term(wire.numbers[i * NUMBERS_PER_ENTRY + 1]!),
      kind,
      data: new Uint8Array(wire.bytes, start, end - start),
    });
    start = end;
  }
  assert(start === wire.bytes.byteLength, "wire batch data has bytes no entry owns");
  return { snapshot: wire.snapshot, entries, hardState: wire.hardState };
}

function summarize(store: SqliteLogStore): StoreSummary {
  const { hardState, snapshot } = store.initialState();
  return { snapshotIndex: snapshot.index, lastIndex: store.lastIndex(), hardState };
}

/** The worker's loop: one request at a time, in order, each answered once committed. */
function runLogWriteWorker(port: MessagePort, data: LogWriteWorkerData): void {
  const store = SqliteLogStore.open(data.store);
  let lastSeq = 0;
  const expectNext = (seq: number): void => {
    assert(seq === lastSeq + 1, `log write ${String(seq)} arrived after ${String(lastSeq)}`);
    lastSeq = seq;
  };
  port.on("message", (request: LogWriteRequest) => {
    switch (request.kind) {
      case "persist":
        expectNext(request.seq);
        store.persist(decodeBatch(request.batch));
        break;
      case "compact":
        expectNext(request.seq);
        store.compact(request.snapshot);
        break;
      case "close":
        store.close();
        port.postMessage({ kind: "closed" } satisfies LogWriteReply);
        port.close();
        return;
      default:
        assertNever(request, "log write request");
    }
    port.postMessage({ kind: "written", seq: request.seq, after: summarize(store) } satisfies LogWriteReply);
  });
  port.postMessage({ kind: "ready" } satisfies LogWriteReply);
}

function isLogWriteWorkerData(data: unknown): data is LogWriteWorkerData {
  return typeof data === "object" && data !== null &&
    (data as { role?: unknown }).role === LOG_WRITE_WORKER_ROLE;
}

// The entry point: only in a worker thread started with a log write worker's workerData.
if (!isMainThread && parentPort !== null && isLogWriteWorkerData(workerData)) {
  runLogWriteWorker(parentPort, workerData);
}
