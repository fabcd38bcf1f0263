import type { SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";

/**
 * A complete, durable snapshot: its metadata, size and SHA-256 (lowercase hex), and a way to
 * read its bytes a range at a time. It never holds the whole snapshot in memory, so a sender
 * or a restore reads it chunk by chunk (docs/style.md, Everything has a limit).
 */
export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly sizeBytes: number;
  readonly sha256: string;
  /**
   * The file that holds the bytes, for a reader that copies it whole without loading it
   * (the SQLite restore); undefined for an in-memory store.
   */
  readonly path: string | undefined;
  /**
   * The bytes in [offset, offset + length), fewer at the end. Throws (a plain Error, an
   * expected condition) if the snapshot was pruned meanwhile: a sender then fails its stream.
   */
  readChunk(offset: number, length: number): Uint8Array;
}

/**
 * A snapshot a local producer (the state machine) is writing. Either write() appends bytes,
 * or, for a file-backed store, the producer writes the file at `path` itself (SQLite's
 * VACUUM INTO). Then the driver either commit()s it with the metadata of the index the
 * producer reported, or discard()s it. Until committed it is not a snapshot: a crash leaves
 * debris the store removes when it opens.
 */
export interface SnapshotDraft {
  /** The temporary file to write (file-backed stores), or undefined (use write()). */
  readonly path: string | undefined;
  /** Appends bytes (the producer's alternative to writing `path`). */
  write(bytes: Uint8Array): void;
  /**
   * Makes it durable and atomic (fsync, checksum by streaming, rename, manifest). With
   * `sha256`, computed by the producer from the finished file, the store skips hashing.
   */
  commit(meta: SnapshotMeta, sha256?: string): StoredSnapshot;
  /** Forgets it; idempotent. */
  discard(): void;
}

/** What identifies a leader's snapshot on its way: what partial files are keyed by. */
export interface IncomingSnapshotKey {
  readonly index: LogIndex;
  readonly term: number;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/**
 * A snapshot arriving from the leader, written as its chunks arrive, possibly across several
 * streams (a broken stream resumes at receivedBytes). It is never taken for a snapshot until
 * commit(), which verifies the whole first.
 */
export interface IncomingSnapshot {
  readonly key: IncomingSnapshotKey;
  /** Bytes held so far, a prefix of the snapshot; a resumed stream starts here. */
  readonly receivedBytes: number;
  /** Appends the bytes at receivedBytes. Precondition: they fit within key.sizeBytes. */
  append(bytes: Uint8Array): void;
  /** True when every byte arrived and they hash to key.sha256 (size and SHA-256 checked). */
  intact(): boolean;
  /** Makes it a stored snapshot, durably and atomically. Precondition: intact(). */
  commit(meta: SnapshotMeta): StoredSnapshot;
  /**
   * Optional: writes what was received to disk (fsync) off the event loop, so that commit(),
   * which fsyncs on it, has nothing left to wait for. An in-memory store has none.
   */
  flush?(): Promise<void>;
  /** Deletes what was received; idempotent. */
  discard(): void;
}

/**
 * Durable snapshots (hashicorp/raft's SnapshotStore analogue). Synchronous, like LogStore,
 * but no call holds a whole snapshot in memory: bytes come in through drafts and incoming
 * snapshots and go out through StoredSnapshot.readChunk(). A snapshot is committed
 * atomically (temp file, fsync, rename, manifest), so a crash leaves either the old latest
 * snapshot or the new one, never a torn one.
 *
 * Committing never deletes: between a commit and the moment the log records the new
 * snapshot (compaction, or persisting a received one) a crash leaves the log naming the
 * older one, and recovery and snapshot sends need exactly that one. The driver calls prune()
 * with the log's snapshot index once the log has moved on.
 *
 * Partial (incoming) snapshots are bounded: receive() deletes every other partial except the
 * newest complete one (its driver may be about to commit it), so at most two exist, and
 * their size is bounded by the receiver's snapshot limit.
 */
export interface SnapshotStore {
  /** A new draft for a locally produced snapshot. */
  create(): SnapshotDraft;
  /**
   * The partial snapshot for `key`, resumed if one is held (its prefix is kept) or started
   * empty; partials of other snapshots are deleted (see the interface comment).
   */
  receive(key: IncomingSnapshotKey): IncomingSnapshot;
  /** Bytes held of the partial snapshot for `key`; 0 if none. Reads nothing but metadata. */
  receivedBytes(key: IncomingSnapshotKey): number;
  /** The snapshot at exactly `index`, checksum verified; undefined if absent or damaged. */
  get(index: LogIndex): StoredSnapshot | undefined;
  /**
   * The newest complete snapshot (at or below `atOrBelow` when given), verified against its
   * checksum; undefined when none.
   */
  latest(atOrBelow?: LogIndex): StoredSnapshot | undefined;
  /**
   * Deletes snapshots older than `keepFromIndex` (the one the log names), except the newest
   * few kept as a fallback for latest() if a newer file is damaged.
   */
  prune(keepFromIndex: LogIndex): void;
}

/**
 * Saves `data` as a snapshot through a draft: for tests, examples and small state machines
 * whose whole state is one buffer anyway.
 */
export function saveSnapshotBytes(
  store: SnapshotStore, meta: SnapshotMeta, data: Uint8Array,
): StoredSnapshot {
  const draft = store.create();
  draft.write(data);
  return draft.commit(meta);
}

/**
 * The whole of a stored snapshot in one buffer: only for tests and small state machines.
 * Production paths read ranges (readChunk) or copy the file.
 */
export function readSnapshotBytes(snapshot: StoredSnapshot): Uint8Array {
  return snapshot.readChunk(0, snapshot.sizeBytes);
}
