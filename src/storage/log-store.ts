import { assert } from "../core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";
import type { LogReader } from "../core/log-reader.js";

/** The durable part of one Ready, written atomically (one transaction, one fsync). */
export interface PersistBatch {
  /**
   * A snapshot received from the leader. The log keeps the entries after it only when it
   * holds the snapshot's own (index, term); otherwise the whole log is discarded.
   */
  readonly snapshot?: SnapshotMeta | undefined;
  /** New entries; any existing entries at or after entries[0].index are replaced. */
  readonly entries: readonly Entry[];
  readonly hardState?: HardState | undefined;
}

/**
 * Durable storage for the Raft log, hard state and snapshot metadata (the analogue of
 * hashicorp/raft's LogStore + StableStore). Every method is synchronous: the driver relies on
 * "persist before send" holding within one event-loop turn.
 */
export interface LogStore extends LogReader {
  /** Writes the batch durably and atomically. On return it survives a crash or power loss. */
  persist(batch: PersistBatch): void;
  /**
   * Records a locally taken snapshot and drops entries up to `snapshot.index`. The stored
   * commit index is left alone: it may lag the snapshot (the driver writes no commit-only
   * changes), and a snapshot's index counts as committed when the log is loaded (RaftLog).
   * Preconditions: the log holds `snapshot.index` with `snapshot.term`, and
   * snapshot.index > snapshotMeta().index. Entries after snapshot.index are kept.
   */
  compact(snapshot: SnapshotMeta): void;
}

/**
 * The preconditions of LogStore.compact(), shared by every implementation: the new snapshot
 * is past the current one and its (index, term) is in the log. That it covers only
 * committed entries is the caller's promise (the core's snapshotMetaAt() checks it).
 */
export function assertCompactable(store: LogReader, snapshot: SnapshotMeta): void {
  const current = store.snapshotMeta().index;
  assert(
    snapshot.index > current,
    `compaction to ${String(snapshot.index)} is not past the snapshot at ${String(current)}`,
  );
  assert(store.term(snapshot.index) === snapshot.term, "compaction point not in the log");
}

/** LogReader.entries()'s precondition, shared by every implementation: [low, high) is held. */
export function assertEntriesRange(store: LogReader, low: LogIndex, high: LogIndex): void {
  const first = store.firstIndex();
  const end = store.lastIndex() + 1;
  assert(
    first <= low && low <= high && high <= end,
    `entries [${String(low)}, ${String(high)}) outside [${String(first)}, ${String(end)})`,
  );
}
