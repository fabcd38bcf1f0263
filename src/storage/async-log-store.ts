import type { SnapshotMeta } from "../core/entry.js";
import type { LogReader } from "../core/log-reader.js";
import type { PersistBatch } from "./log-store.js";

/**
 * The log as the node driver sees it: synchronous reads of what is durable (the core's
 * LogReader) and asynchronous, ordered writes (etcd-io/raft's asynchronous storage writes).
 * The Ready contract that decides what waits for which write is in src/core/ready.ts.
 *
 * Contract an implementation keeps:
 * - writes (persist and compact) become durable in the order they were started, and their
 *   `onDurable` callbacks run in that order, each exactly once, never inside the call that
 *   started the write (the driver is not re-entered);
 * - persist: the reader view (every LogReader method) shows the batch from the moment its
 *   `onDurable` runs, not before. Until then the core serves those entries from its unstable
 *   log, and never reads storage at or after the first index the batch replaces;
 * - compact: the reader view drops the compacted entries at once (the core must not read
 *   them after asking for the compaction), while the durable change may land later; a crash
 *   before it lands leaves the log naming the older snapshot, which the driver keeps until
 *   `onDurable` (SnapshotStore.prune). The stored commit index is left as it is (LogStore);
 * - a write that cannot be made durable is fatal: the implementation ends the process (or,
 *   in a simulation, the member) rather than report an error the core cannot act on. Raft
 *   cannot continue once it may have lost an acknowledged entry.
 */
export interface AsyncLogStore extends LogReader {
  /** Starts an atomic, durable write of `batch` (one transaction, one fsync). */
  persist(batch: PersistBatch, onDurable: () => void): void;
  /** Records a locally taken snapshot and drops the log up to it (see the contract above). */
  compact(snapshot: SnapshotMeta, onDurable: () => void): void;
  /** Waits for every started write, then releases the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * `store` with persist() replaced by `persist`, which gets the original store to call;
 * every other method passes through unchanged. For decorators of the write path (timing,
 * test failpoints) that must not copy the rest of the interface.
 */
export function withPersist(
  store: AsyncLogStore,
  persist: (target: AsyncLogStore, batch: PersistBatch, onDurable: () => void) => void,
): AsyncLogStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "persist") {
        const replaced: AsyncLogStore["persist"] = (batch, onDurable) => {
          persist(target, batch, onDurable);
        };
        return replaced;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function"
        ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
