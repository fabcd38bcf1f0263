import { assert } from "./assert.js";
import type { Entry, SnapshotMeta } from "./entry.js";
import { logIndex, type LogIndex, type Term } from "./ids.js";

/**
 * The tail of the log that the core has accepted but the driver has not yet persisted: new
 * entries (proposed by a leader, or received from one) and a snapshot received from the
 * leader. It reaches storage through Ready, and the driver then reports it durable through
 * stableTo() / stableSnapshotTo(). Modelled on etcd-io/raft log_unstable.go.
 *
 * Entries below `offset` live in storage; a pending snapshot replaces everything up to and
 * including its index.
 */
export class UnstableLog {
  /** A snapshot received from the leader and not yet persisted, if any. */
  snapshot: SnapshotMeta | undefined;
  /**
   * Index of the first unstable entry. Invariant: entries[i].index === offset + i, and
   * offset >= snapshot.index + 1 while a snapshot is pending.
   */
  offset: LogIndex;
  /** Not yet persisted entries, contiguous from `offset`. */
  entries: Entry[];
  /**
   * One past the last entry already handed to storage in a write that has not completed
   * (etcd's offsetInProgress): the next Ready writes only entries from here on. Invariant:
   * offset <= inProgressEnd <= offset + entries.length.
   */
  inProgressEnd: LogIndex;
  /** The pending snapshot was handed to storage and its write has not completed. */
  snapshotInProgress: boolean;

  /** `offset` is storage.lastIndex() + 1: everything before it is already durable. */
  constructor(offset: LogIndex) {
    assert(offset >= 1, "the first log index is 1, so the unstable offset is at least 1");
    this.snapshot = undefined;
    this.offset = offset;
    this.entries = [];
    this.inProgressEnd = offset;
    this.snapshotInProgress = false;
  }

  /** Entries not yet handed to storage: what the next Ready's write must carry. */
  entriesToWrite(): Entry[] {
    return this.entries.slice(this.inProgressEnd - this.offset);
  }

  /** The snapshot the next Ready's write must carry, if it was not handed out yet. */
  snapshotToWrite(): SnapshotMeta | undefined {
    return this.snapshotInProgress ? undefined : this.snapshot;
  }

  /** A Ready handed storage the entries up to `lastIndex` and the pending snapshot. */
  markInProgress(lastIndex: LogIndex | undefined, snapshot: boolean): void {
    if (lastIndex !== undefined) {
      assert(
        this.inProgressEnd <= lastIndex + 1 && lastIndex < this.offset + this.entries.length,
        `entries up to ${String(lastIndex)} were not waiting to be written`,
      );
      this.inProgressEnd = logIndex(lastIndex + 1);
    }
    if (snapshot) {
      assert(this.snapshot !== undefined, "no pending snapshot to hand out");
      this.snapshotInProgress = true;
    }
  }

  /** The first log index when a snapshot is pending (the one after it); else undefined. */
  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot === undefined ? undefined : logIndex(this.snapshot.index + 1);
  }

  /**
   * The last unstable entry's index, else (while a snapshot is pending) offset - 1, which is
   * the snapshot's index unless stableTo() already accepted entries after it; else undefined.
   * The driver may report the entries of a Ready stable before its snapshot.
   */
  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return logIndex(this.offset + this.entries.length - 1);
    return this.snapshot === undefined ? undefined : logIndex(this.offset - 1);
  }

  /**
   * The term at `index` if the unstable part knows it: an unstable entry, or the pending
   * snapshot's own (index, term). Undefined otherwise (the caller then asks storage).
   */
  maybeTerm(index: LogIndex): Term | undefined {
    if (index < this.offset) {
      return this.snapshot !== undefined && this.snapshot.index === index
        ? this.snapshot.term
        : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /**
   * The driver persisted entries up to (index, term). Drops the unstable entries up to
   * `index`, but only if the entry there still has `term`: if it was replaced since the
   * Ready was built (a conflicting append truncated it), the newer entry is not yet durable
   * and must stay unstable. Indexes below `offset` or beyond the tail are ignored likewise.
   */
  stableTo(index: LogIndex, term: Term): void {
    if (index < this.offset) return; // Already stable, or covered by a pending snapshot.
    const entry = this.entries[index - this.offset];
    if (entry === undefined || entry.term !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = logIndex(index + 1);
    if (this.inProgressEnd < this.offset) this.inProgressEnd = this.offset;
    this.assertContiguous();
  }

  /** The driver persisted the snapshot at `index`; forget it unless a newer one replaced it. */
  stableSnapshotTo(index: LogIndex): void {
    if (this.snapshot !== undefined && this.snapshot.index === index) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  /** Replaces the whole log with `snapshot`: nothing before or after it survives in memory. */
  restore(snapshot: SnapshotMeta): void {
    this.snapshot = snapshot;
    this.snapshotInProgress = false;
    this.offset = logIndex(snapshot.index + 1);
    this.entries = [];
    this.inProgressEnd = this.offset;
  }

  /**
   * Appends `entries`, first truncating everything at or after entries[0].index (etcd's
   * three cases: plain append after the tail; a replacement that starts at or before
   * `offset`, which also supersedes stored entries; or a cut inside the unstable tail).
   * The caller (RaftLog) guarantees no committed entry is replaced.
   */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assertContiguousEntries(entries);
    const fromIndex = first.index;
    const tailEnd = this.offset + this.entries.length; // One past the last unstable entry.
    assert(
      fromIndex <= tailEnd,
      `append at ${String(fromIndex)} leaves a gap after ${String(tailEnd - 1)}`,
    );
    assert(
      this.snapshot === undefined || fromIndex > this.snapshot.index,
      "entries cannot replace a pending snapshot",
    );
    if (fromIndex === tailEnd) {
      for (const entry of entries) this.entries.push(entry); // No spread: batches can be long.
    } else if (fromIndex <= this.offset) {
      // Truncating below the unstable part: storage will replace its suffix from fromIndex.
      this.offset = fromIndex;
      this.entries = [...entries];
    } else {
      this.entries = [...this.slice(this.offset, fromIndex), ...entries];
    }
    // Replaced entries must be written again, even if an older write still carries them.
    if (fromIndex < this.inProgressEnd) this.inProgressEnd = logIndex(fromIndex);
    this.assertContiguous();
  }

  /** Unstable entries in [low, high). Precondition: offset <= low <= high <= last + 1. */
  slice(low: LogIndex, high: LogIndex): Entry[] {
    const tailEnd = this.offset + this.entries.length;
    assert(low <= high, `invalid unstable slice [${String(low)}, ${String(high)})`);
    assert(
      this.offset <= low && high <= tailEnd,
      `unstable slice [${String(low)}, ${String(high)}) outside ` +
        `[${String(this.offset)}, ${String(tailEnd)})`,
    );
    return this.entries.slice(low - this.offset, high - this.offset);
  }

  private assertContiguous(): void {
    const first = this.entries[0];
    assert(first === undefined || first.index === this.offset, "unstable entries start at offset");
    assertContiguousEntries(this.entries);
    assert(
      this.snapshot === undefined || this.offset > this.snapshot.index,
      "unstable offset must be after a pending snapshot",
    );
    assert(
      this.offset <= this.inProgressEnd &&
        this.inProgressEnd <= this.offset + this.entries.length,
      "entries in progress lie within the unstable tail",
    );
  }
}

/** Asserts that entry indexes increase by one and terms never decrease (log matching). */
export function assertContiguousEntries(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const previous = entries[i - 1]!;
    const entry = entries[i]!;
    const where = `entry ${String(entry.index)} after ${String(previous.index)}`;
    assert(entry.index === previous.index + 1, `${where}: indexes must be contiguous`);
    assert(entry.term >= previous.term, `${where}: terms must not decrease`);
  }
}
