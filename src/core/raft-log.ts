import { assert } from "./assert.js";
import { entrySizeBytes, type Entry, type SnapshotMeta } from "./entry.js";
import { logIndex, TERM_ZERO, type LogIndex, type Term } from "./ids.js";
import type { LogReader } from "./log-reader.js";
import { assertContiguousEntries, UnstableLog } from "./unstable-log.js";

/**
 * The core's view of the Raft log: what storage already holds (read through LogReader) plus
 * the unstable tail that the next Ready will persist. It keeps the commit and apply indexes
 * and implements the log rules of Raft §5.3 (consistency check, conflict truncation) and
 * §5.4 (election restriction, commit rule). Modelled on etcd-io/raft log.go.
 *
 * Every read looks at the unstable part first: entries at or after `unstable.offset`, or
 * covered by a pending snapshot, may differ from what storage still holds.
 */
export class RaftLog {
  readonly storage: LogReader;
  readonly unstable: UnstableLog;
  /**
   * The highest index known committed. Invariant: applied <= committed <= lastIndex(), and
   * committed never decreases: committed entries never change (Raft §5.4, Log Matching).
   */
  committed: LogIndex;
  /** The highest index the state machine has applied (or is applying). */
  applied: LogIndex;
  /** Bytes of committed entries handed out per nextCommittedEntries() call. */
  private readonly entriesMaxBytes: number;

  /**
   * Loads the log from durable state: applied from the snapshot (the driver restores the
   * state machine from it), commit from the hard state but at least the snapshot's index (a
   * snapshot holds only committed entries, and the driver writes no commit-only changes, so
   * a compaction may leave the stored commit behind it), unstable tail empty.
   */
  constructor(storage: LogReader, options: { entriesMaxBytes: number }) {
    assert(
      Number.isSafeInteger(options.entriesMaxBytes) && options.entriesMaxBytes > 0,
      "entriesMaxBytes must be a positive integer",
    );
    this.storage = storage;
    this.entriesMaxBytes = options.entriesMaxBytes;
    const { hardState, snapshot } = storage.initialState();
    this.unstable = new UnstableLog(logIndex(storage.lastIndex() + 1));
    this.committed = logIndex(Math.max(hardState.commit, snapshot.index));
    this.applied = snapshot.index;
    assert(
      snapshot.index <= this.committed && this.committed <= this.lastIndex(),
      `stored commit ${String(this.committed)} outside [${String(snapshot.index)}, ` +
        `${String(this.lastIndex())}]`,
    );
  }

  /** The first index still held as an entry (the one after the newest snapshot). */
  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): Term {
    const lastTerm = this.term(this.lastIndex());
    assert(lastTerm !== undefined, "the last index always has a known term");
    return lastTerm;
  }

  /**
   * The term at `index`, for index in [firstIndex() - 1, lastIndex()]: the snapshot's own
   * term is kept for the consistency check of the first entry after it (§5.3, §7).
   * Undefined outside that range (compacted, or beyond the log).
   */
  term(index: LogIndex): Term | undefined {
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== undefined) return unstableTerm;
    if (index + 1 < this.firstIndex() || index > this.lastIndex()) return undefined;
    if (index >= this.unstable.offset) return undefined; // Unstable, and unknown to it.
    return this.storage.term(index);
  }

  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /**
   * §5.4.1 election restriction: (lastTerm, lastIndex) at least as up to date as ours. A
   * later last term wins; with equal last terms, the longer log wins.
   */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower append (§5.3). Returns the index of the last new entry (prevIndex +
   * entries.length) when the log matches at (prevIndex, prevTerm), else undefined. Skips
   * entries already present, truncates from the first conflict (assert conflict >
   * committed: committed entries never change), appends the rest, and commits
   * min(leaderCommit, lastNewIndex).
   *
   * Entries already present are skipped rather than rewritten: a delayed, shorter append
   * must not truncate entries a newer append of the same leader added (§5.3 "if an existing
   * entry conflicts"). Committing only up to lastNewIndex keeps us from committing entries
   * we hold that the leader's log may not (Figure 7).
   */
  maybeAppend(
    prevIndex: LogIndex,
    prevTerm: Term,
    leaderCommit: LogIndex,
    entries: readonly Entry[],
  ): LogIndex | undefined {
    assert(
      entries[0] === undefined || entries[0].index === prevIndex + 1,
      "appended entries must start right after prevIndex",
    );
    assertContiguousEntries(entries);
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;

    const lastNewIndex = logIndex(prevIndex + entries.length);
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      assert(
        conflictIndex > this.committed,
        `conflict at ${String(conflictIndex)} would change committed ${String(this.committed)}`,
      );
      this.unstable.truncateAndAppend(entries.slice(conflictIndex - (prevIndex + 1)));
    }
    this.commitTo(logIndex(Math.min(leaderCommit, lastNewIndex)));
    return lastNewIndex;
  }

  /**
   * Leader append: the entries extend the log right after lastIndex() (a leader never
   * overwrites its own log, §5.3 Leader Append-Only). Returns the new lastIndex().
   */
  append(entries: readonly Entry[]): LogIndex {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(
      first.index === this.lastIndex() + 1,
      `leader append at ${String(first.index)} after last ${String(this.lastIndex())}`,
    );
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The first index whose term differs from the given entry's, or that is beyond our log;
   * 0 when every entry matches. Entries must be contiguous.
   */
  findConflict(entries: readonly Entry[]): LogIndex {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return logIndex(0);
  }

  /**
   * Fast back-tracking (etcd findConflictByTerm; the optimisation the paper sketches at the
   * end of §5.3): the largest index <= `index` whose term is <= `term`, with its term. No
   * entry at or below such an index can carry a term above `term`, so a log whose last term
   * is `term` cannot match us beyond it. When our term at an index is unknown (compacted or
   * beyond our log) that index is returned with TERM_ZERO: a possible match, not a proof.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    for (let probe = index; probe > 0; probe--) {
      const ourTerm = this.term(logIndex(probe));
      if (ourTerm === undefined) return { index: logIndex(probe), term: TERM_ZERO };
      if (ourTerm <= term) return { index: logIndex(probe), term: ourTerm };
    }
    return { index: logIndex(0), term: TERM_ZERO };
  }

  /**
   * Entries in [low, high), at most maxBytes in total by entrySizeBytes() (but at least one
   * when low < high). Returns undefined if low < firstIndex(): compacted, so the caller must
   * send a snapshot instead. Precondition: high <= lastIndex() + 1.
   */
  slice(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] | undefined {
    assert(low <= high, `invalid slice [${String(low)}, ${String(high)})`);
    assert(high <= this.lastIndex() + 1, `slice end ${String(high)} beyond the log`);
    if (low < this.firstIndex()) return undefined;
    if (low === high) return [];

    const offset = this.unstable.offset;
    let result: Entry[] = [];
    if (low < offset) {
      const storedHigh = logIndex(Math.min(high, offset));
      result = this.storage.entries(low, storedHigh, maxBytes);
      assertSliceFrom(result, low);
      if (result.length < storedHigh - low) return result; // The byte limit cut it short.
    }
    if (high > offset) {
      const unstableEntries = this.unstable.slice(logIndex(Math.max(low, offset)), high);
      result = [...result, ...unstableEntries];
    }
    return limitSizeBytes(result, maxBytes);
  }

  /**
   * Entries in (applied, min(committed, lastStableIndex())], at most entriesMaxBytes (at
   * least one). Only persisted entries are handed out for applying (etcd #14370): an entry
   * may be committed by a quorum of others before our own copy is durable, and a crash
   * must not lose an entry the state machine has applied. Nothing while a snapshot is
   * pending: the state machine must install it first.
   */
  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const low = logIndex(this.applied + 1);
    const high = logIndex(this.maxApplicableIndex() + 1);
    const entries = this.slice(low, high, this.entriesMaxBytes);
    assert(entries !== undefined, "applied below firstIndex: a snapshot was not marked applied");
    return entries;
  }

  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === undefined && this.maxApplicableIndex() > this.applied;
  }

  /**
   * The highest index up to which our log is durable: unstable.offset - 1, never above
   * lastIndex(). While a snapshot is pending, only the stored snapshot is known to agree
   * with our log (the rest of storage is about to be replaced), so its index is returned.
   */
  lastStableIndex(): LogIndex {
    if (this.unstable.snapshot !== undefined) return this.storage.snapshotMeta().index;
    return logIndex(Math.min(this.unstable.offset - 1, this.lastIndex()));
  }

  /** A copy of every entry not yet reported durable, including those being written. */
  unstableEntries(): Entry[] {
    return [...this.unstable.entries];
  }

  /** The entries the next Ready's write must carry: unstable and not yet handed out. */
  entriesToWrite(): Entry[] {
    return this.unstable.entriesToWrite();
  }

  /** Raises committed to `index` (never lowers it). Precondition: index <= lastIndex(). */
  commitTo(index: LogIndex): void {
    if (index <= this.committed) return;
    assert(
      index <= this.lastIndex(),
      `commit ${String(index)} beyond last index ${String(this.lastIndex())}`,
    );
    this.committed = index;
  }

  /**
   * Commits `index` if it is above committed and its term is `term`. The caller passes its
   * currentTerm: a leader only commits entries of its own term by counting replicas
   * (§5.4.2, Figure 8); earlier entries commit with them.
   */
  maybeCommit(index: LogIndex, term: Term): boolean {
    if (index <= this.committed || !this.matchTerm(index, term)) return false;
    this.commitTo(index);
    return true;
  }

  /** The state machine has applied up to `index`. Precondition: applied <= index <= committed. */
  appliedTo(index: LogIndex): void {
    assert(
      this.applied <= index && index <= this.committed,
      `applied ${String(index)} outside [${String(this.applied)}, ${String(this.committed)}]`,
    );
    this.applied = index;
  }

  /** The driver persisted entries up to (index, term); see UnstableLog.stableTo(). */
  stableTo(index: LogIndex, term: Term): void {
    this.unstable.stableTo(index, term);
  }

  /** The driver persisted the snapshot at `index`. */
  stableSnapshotTo(index: LogIndex): void {
    this.unstable.stableSnapshotTo(index);
  }

  /**
   * Installs a snapshot from the leader (§7): the whole log is replaced by it and committed
   * becomes snapshot.index (a snapshot only holds committed entries). `applied` stays:
   * raft-core raises it when it hands the snapshot to the driver.
   * Precondition: snapshot.index >= committed (committed never decreases).
   */
  restore(snapshot: SnapshotMeta): void {
    assert(
      snapshot.index >= this.committed,
      `snapshot ${String(snapshot.index)} below committed ${String(this.committed)}`,
    );
    this.unstable.restore(snapshot);
    this.committed = snapshot.index;
  }

  /** Asserts the log's invariants; cheap enough to call after every step. */
  checkInvariants(): void {
    const lastIndex = this.lastIndex();
    assert(this.applied <= this.committed, "applied must not exceed committed");
    assert(this.committed <= lastIndex, "committed must not exceed lastIndex");
    assert(this.firstIndex() <= lastIndex + 1, "firstIndex must not exceed lastIndex + 1");
    assert(this.unstable.offset <= lastIndex + 1, "unstable offset must not exceed lastIndex + 1");
  }

  toString(): string {
    const snapshot = this.unstable.snapshot;
    const pending =
      snapshot === undefined ? "none" : `${String(snapshot.index)}@${String(snapshot.term)}`;
    return (
      `committed=${String(this.committed)} applied=${String(this.applied)} ` +
      `first=${String(this.firstIndex())} last=${String(this.lastIndex())} ` +
      `unstable.offset=${String(this.unstable.offset)} ` +
      `unstable.entries=${String(this.unstable.entries.length)} unstable.snapshot=${pending}`
    );
  }

  /** min(committed, lastStableIndex()): what may be applied without risking its loss. */
  private maxApplicableIndex(): LogIndex {
    return logIndex(Math.min(this.committed, this.lastStableIndex()));
  }
}

/**
 * The longest prefix whose total entrySizeBytes() stays within maxBytes, but at least one
 * entry: a single oversized entry must still make progress.
 */
export function limitSizeBytes(entries: Entry[], maxBytes: number): Entry[] {
  let totalBytes = 0;
  for (let i = 0; i < entries.length; i++) {
    totalBytes += entrySizeBytes(entries[i]!);
    if (i > 0 && totalBytes > maxBytes) return entries.slice(0, i);
  }
  return entries;
}

/** Pairs with storage's write-side check: what it returns starts at `low` and is contiguous. */
function assertSliceFrom(entries: readonly Entry[], low: LogIndex): void {
  assert(entries.length > 0, `storage returned no entries from ${String(low)}`);
  assert(entries[0]?.index === low, `storage returned entries not starting at ${String(low)}`);
  assertContiguousEntries(entries);
}
