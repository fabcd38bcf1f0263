import { assert } from "../core/assert.js";
import { entrySizeBytes, type Entry, type HardState, type SnapshotMeta } from "../core/entry.js";
import { logIndex, NO_NODE, TERM_ZERO, INDEX_ZERO, type LogIndex, type Term } from "../core/ids.js";
import { EMPTY_CONFIG } from "../core/membership-config.js";
import { assertContiguousEntries } from "../core/unstable-log.js";
import { assertCompactable, assertEntriesRange, type LogStore, type PersistBatch } from "./log-store.js";

// bootstrapEntries() lives in core (any store, and the driver, need it); it is re-exported
// here because the simulator and tests build a founding member's MemoryLogStore from it.
export { bootstrapEntries } from "../core/bootstrap.js";

const NO_SNAPSHOT: SnapshotMeta = { index: INDEX_ZERO, term: TERM_ZERO, config: EMPTY_CONFIG };
const INITIAL_HARD_STATE: HardState = { term: TERM_ZERO, vote: NO_NODE, commit: INDEX_ZERO };

/** What a MemoryLogStore starts from; every part defaults to empty. */
export interface MemoryLogStoreOptions {
  readonly snapshot?: SnapshotMeta;
  /** Entries right after the snapshot: entries[0].index === snapshot.index + 1. */
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
}

/**
 * An in-memory LogStore for unit tests and the simulator (hashicorp/raft's InmemStore
 * analogue). "Durable" means "in this object": a crash is modelled by keeping a clone()
 * taken at persist time and dropping everything else.
 *
 * Writes never mutate the arrays or entries they replace, so clone() and allEntries() can
 * share them; entry data is copied on the way in, so a caller that later reuses a buffer
 * cannot change what was "written to disk".
 */
export class MemoryLogStore implements LogStore {
  private snapshot: SnapshotMeta;
  /** Invariant: stored[i].index === snapshot.index + 1 + i; never mutated in place. */
  private stored: readonly Entry[];
  private hardState: HardState;

  constructor(options: MemoryLogStoreOptions = {}) {
    this.snapshot = options.snapshot ?? NO_SNAPSHOT;
    this.stored = (options.entries ?? []).map(copyEntry);
    this.hardState = options.hardState ?? INITIAL_HARD_STATE;
    const first = this.stored[0];
    assert(
      first === undefined || first.index === this.snapshot.index + 1,
      "initial entries must start right after the snapshot",
    );
    this.assertInvariants();
  }

  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta } {
    return { hardState: this.hardState, snapshot: this.snapshot };
  }

  firstIndex(): LogIndex {
    return logIndex(this.snapshot.index + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.snapshot.index + this.stored.length);
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index) return undefined;
    return this.stored[index - this.firstIndex()]?.term;
  }

  configEntries(low: LogIndex, high: LogIndex): Entry[] {
    assertEntriesRange(this, low, high);
    const from = low - this.firstIndex();
    return this.stored.slice(from, from + (high - low)).filter((entry) => entry.kind === "config");
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assertEntriesRange(this, low, high);
    const result: Entry[] = [];
    let totalBytes = 0;
    for (let index = low; index < high; index++) {
      const entry = this.stored[index - this.firstIndex()];
      assert(entry?.index === index, `stored entry ${String(index)} is missing`);
      totalBytes += entrySizeBytes(entry);
      if (result.length > 0 && totalBytes > maxBytes) break;
      result.push(entry);
    }
    assertContiguousEntries(result); // Pairs with the check on write.
    return result;
  }

  snapshotMeta(): SnapshotMeta {
    return this.snapshot;
  }

  /**
   * Applies the batch in the LogStore order (snapshot, then entries, then hard state). The
   * new state is computed in full before any field changes, so a failed assertion leaves
   * the store as it was: the write is atomic, like the SQLite transaction it stands for.
   */
  persist(batch: PersistBatch): void {
    let snapshot = this.snapshot;
    let stored = this.stored;
    if (batch.snapshot !== undefined) {
      ({ snapshot, stored } = this.withSnapshot(batch.snapshot));
    }
    stored = withEntries(snapshot, stored, batch.entries);
    // Check the whole candidate log (terms never go back across the old/new boundary)
    // before assigning anything, so a refused write leaves the store as it was.
    assertValidLog(snapshot, stored);
    const hardState = batch.hardState ?? this.hardState;
    assert(hardState.term >= this.hardState.term, "the stored term must never decrease");
    assert(hardState.commit >= this.hardState.commit, "the stored commit must never decrease");
    assert(
      hardState.commit <= snapshot.index + stored.length,
      `commit ${String(hardState.commit)} beyond the stored log: entries must be durable first`,
    );
    this.snapshot = snapshot;
    this.stored = stored;
    this.hardState = hardState;
    this.assertInvariants();
  }

  compact(snapshot: SnapshotMeta): void {
    assertCompactable(this, snapshot);
    this.stored = this.stored.slice(snapshot.index - this.snapshot.index);
    this.snapshot = snapshot;
    this.assertInvariants();
  }

  /** An independent copy: later writes to either store do not affect the other. */
  clone(): MemoryLogStore {
    const copy = new MemoryLogStore({ snapshot: this.snapshot, hardState: this.hardState });
    copy.stored = this.stored; // Safe to share: writes replace the array, never mutate it.
    return copy;
  }

  /** Every stored entry after the snapshot, for checkers. Never mutated by later writes. */
  allEntries(): readonly Entry[] {
    return this.stored;
  }

  /**
   * The snapshot step of persist(): keep the entries after it only if the log holds the
   * snapshot's own (index, term), since only then do they extend the same history (Log
   * Matching); otherwise the whole log is discarded (Raft §7).
   */
  private withSnapshot(snapshot: SnapshotMeta): {
    snapshot: SnapshotMeta;
    stored: readonly Entry[];
  } {
    assert(
      snapshot.index >= this.snapshot.index,
      `snapshot ${String(snapshot.index)} is older than the stored ${String(this.snapshot.index)}`,
    );
    const keep = this.term(snapshot.index) === snapshot.term;
    const stored = keep ? this.stored.slice(snapshot.index - this.snapshot.index) : [];
    return { snapshot, stored };
  }

  private assertInvariants(): void {
    assertValidLog(this.snapshot, this.stored);
  }
}

/** The stored log's invariants, checked on a candidate state before it is assigned. */
function assertValidLog(snapshot: SnapshotMeta, stored: readonly Entry[]): void {
  assertContiguousEntries(stored);
  const first = stored[0];
  assert(first === undefined || first.index === snapshot.index + 1, "entries follow the snapshot");
  assert(
    first === undefined || first.term >= snapshot.term,
    "entries after the snapshot cannot have an older term",
  );
}

/**
 * The entries step of persist(): `entries` replace any stored suffix from entries[0].index.
 * Preconditions: snapshot.index < entries[0].index <= lastIndex + 1, indexes contiguous.
 */
function withEntries(
  snapshot: SnapshotMeta,
  stored: readonly Entry[],
  entries: readonly Entry[],
): readonly Entry[] {
  const first = entries[0];
  if (first === undefined) return stored;
  assertContiguousEntries(entries);
  const lastIndex = snapshot.index + stored.length;
  assert(
    snapshot.index < first.index && first.index <= lastIndex + 1,
    `entries from ${String(first.index)} do not fit after ` +
      `(snapshot ${String(snapshot.index)}, last ${String(lastIndex)})`,
  );
  return [...stored.slice(0, first.index - snapshot.index - 1), ...entries.map(copyEntry)];
}

function copyEntry(entry: Entry): Entry {
  return { term: entry.term, index: entry.index, kind: entry.kind, data: entry.data.slice() };
}
