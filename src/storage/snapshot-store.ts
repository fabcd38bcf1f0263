import type { SnapshotMeta } from "../core/entry.js";

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
 */
export interface SnapshotStore {
  /** Saves and returns the stored snapshot; older ones beyond the retention count are pruned. */
  save(meta: SnapshotMeta, data: Uint8Array): StoredSnapshot;
  /** The newest complete snapshot, verified against its checksum; undefined when none. */
  latest(): StoredSnapshot | undefined;
}
