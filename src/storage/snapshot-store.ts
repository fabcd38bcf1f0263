import type { SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";

/** A complete snapshot: its metadata, its bytes and their SHA-256 (hex), checked on read. */
export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
  readonly sha256: string;
}

/**
 * Durable snapshots (hashicorp/raft's SnapshotStore analogue). Synchronous, like LogStore.
 * A snapshot is saved whole and atomically (temp file, fsync, rename), so a crash leaves
 * either the old latest snapshot or the new one, never a torn one.
 *
 * Saving never deletes: between save() and the moment the log records the new snapshot
 * (compaction, or persisting a received one) a crash leaves the log naming the older one,
 * and recovery and snapshot sends need exactly that one. The driver calls prune() with the
 * log's snapshot index once the log has moved on.
 */
export interface SnapshotStore {
  /** Saves durably and returns the stored snapshot. Deletes nothing. */
  save(meta: SnapshotMeta, data: Uint8Array): StoredSnapshot;
  /** The snapshot at exactly `index`, checksum verified; undefined if absent or damaged. */
  get(index: LogIndex): StoredSnapshot | undefined;
  /** The newest complete snapshot, verified against its checksum; undefined when none. */
  latest(): StoredSnapshot | undefined;
  /**
   * Deletes snapshots older than `keepFromIndex` (the one the log names), except the newest
   * few kept as a fallback for latest() if a newer file is damaged.
   */
  prune(keepFromIndex: LogIndex): void;
}
