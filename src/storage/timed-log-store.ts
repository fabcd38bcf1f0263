import { entrySizeBytes } from "../core/entry.js";
import { withPersist, type AsyncLogStore } from "./async-log-store.js";

/** What one durable log write cost: its time to durable, entries and their bytes. */
export type LogWriteObserver = (durationMs: number, entries: number, bytes: number) => void;

/**
 * `store` with every persist() timed from start to durable (the write and its fsync on the
 * writer thread, plus the queue before it): the latency etcd reports as WAL fsync duration.
 * Everything else passes through unchanged.
 */
export function withWriteTiming(
  store: AsyncLogStore, observe: LogWriteObserver, nowMs: () => number,
): AsyncLogStore {
  return withPersist(store, (target, batch, onDurable) => {
    const startedMs = nowMs();
    target.persist(batch, () => {
      const bytes = batch.entries.reduce((sum, entry) => sum + entrySizeBytes(entry), 0);
      observe(nowMs() - startedMs, batch.entries.length, bytes);
      onDurable();
    });
  });
}
