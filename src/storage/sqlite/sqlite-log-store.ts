import { assert } from "../../core/assert.js";
import type { Entry, EntryKind, HardState, SnapshotMeta } from "../../core/entry.js";
import { entrySizeBytes } from "../../core/entry.js";
import { logIndex, nodeId, term, type LogIndex, type NodeId, type Term } from "../../core/ids.js";
import {
  decodeMembershipConfig,
  encodeMembershipConfig,
} from "../../core/membership-config.js";
import { assertContiguousEntries } from "../../core/unstable-log.js";
import { assertCompactable, assertEntriesRange, type LogStore, type PersistBatch } from "../log-store.js";
import { RAFT_LOG_MIGRATIONS } from "./migrations.js";
import { openDatabase, type SqliteDatabase } from "./open-database.js";
import Database from "better-sqlite3";

/** Which member of which cluster a data directory belongs to (docs/testing.md, Bad input). */
export interface MemberIdentity {
  readonly clusterId: string;
  readonly memberId: NodeId;
}

/** The directory belongs to another member or cluster: refuse to start on it. */
export class IdentityMismatchError extends Error {
  override readonly name = "IdentityMismatchError";
}

/** How to open a SqliteLogStore. `synchronous` is not an option: the log is always FULL. */
export interface SqliteLogStoreOptions {
  /** The database file; the directory must exist. */
  readonly path: string;
  readonly identity: MemberIdentity;
  readonly busyTimeoutMs: number;
  readonly walAutocheckpointPages: number;
  readonly integrityCheck: "quick" | "none";
}

/** The settings production uses, to spread into SqliteLogStoreOptions. */
export const SQLITE_LOG_STORE_SETTINGS = {
  busyTimeoutMs: 5000,
  walAutocheckpointPages: 1000,
  integrityCheck: "quick",
} as const satisfies Partial<SqliteLogStoreOptions>;

interface EntryRow {
  readonly log_index: number;
  readonly term: number;
  readonly kind: string;
  readonly data: Buffer;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });
const ENTRY_KINDS: ReadonlySet<string> = new Set<EntryKind>(["command", "noop", "config"]);

/**
 * The production LogStore: the Raft log, hard state and snapshot metadata in one SQLite
 * database (WAL, synchronous=FULL), so persist() is durable against power loss when it
 * returns (Raft §5, thesis 3.8: a server must not forget a vote or an acknowledged entry).
 *
 * Behaves exactly like MemoryLogStore (the same contract tests run against both):
 * - persist() writes snapshot, truncation, inserts and hard state in ONE transaction, so a
 *   Ready costs one WAL fsync however many entries it carries (group commit);
 * - every check runs before the transaction, and the in-memory caches change only after it
 *   commits, so a failed assertion or I/O error leaves both disk and caches as they were;
 * - term(), firstIndex() and lastIndex() are answered from memory (they are on the hot
 *   path): the terms are kept as runs of equal terms, one small record per leader change;
 * - contiguity is asserted when writing, when loading and when reading back
 *   (docs/style.md, Checks on both sides of a boundary);
 * - the writing may be left to another connection on the same file (WorkerSqliteLogStore's
 *   worker thread): this one then only reads (WAL lets it read while the other writes), and
 *   applyWrittenToCache() / applyCompactionToCache() move its caches by the other's writes
 *   with the same planning code, so there is one copy of the validation.
 * Statements are prepared once; keys, values and entry data are bound BLOBs, never SQL text.
 */
export class SqliteLogStore implements LogStore {
  private snapshot: SnapshotMeta;
  private hardState: HardState;
  /** Invariant: covers exactly [snapshot.index + 1, lastIndex]; mirrors log_entry. */
  private readonly terms: TermRuns;
  private readonly statements: ReturnType<typeof prepareStatements>;

  private constructor(private readonly db: SqliteDatabase) {
    this.statements = prepareStatements(db);
    this.snapshot = this.loadSnapshotMeta();
    this.hardState = this.loadHardState();
    this.terms = this.loadTermRuns();
    assert(
      this.hardState.commit <= this.terms.lastIndex(),
      `stored commit ${String(this.hardState.commit)} is beyond the stored log`,
    );
  }

  /**
   * Opens or creates the store, refusing a directory that belongs to another member or
   * cluster (IdentityMismatchError) or whose database is unusable (DatabaseSetupError).
   */
  static open(options: SqliteLogStoreOptions): SqliteLogStore {
    const db = openDatabase(options.path, {
      synchronous: "FULL",
      busyTimeoutMs: options.busyTimeoutMs,
      walAutocheckpointPages: options.walAutocheckpointPages,
      integrityCheck: options.integrityCheck,
      migrations: RAFT_LOG_MIGRATIONS,
    });
    try {
      const store = new SqliteLogStore(db);
      store.assertIdentity(options.identity.clusterId, options.identity.memberId);
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * The cluster and member a data directory's log belongs to, read without changing the
   * file; undefined when the log was never opened as a member's (no identity recorded).
   */
  static storedIdentity(
    path: string,
  ): { readonly clusterId: string; readonly memberId: number } | undefined {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const hasTable = db.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identity'").get() !== undefined;
      if (!hasTable) return undefined;
      const row = db.prepare("SELECT cluster_id, member_id FROM identity WHERE id = 1").get() as
        | { cluster_id: string; member_id: number } | undefined;
      return row === undefined ? undefined : { clusterId: row.cluster_id, memberId: row.member_id };
    } finally {
      db.close();
    }
  }

  /**
   * Records the identity on first use; afterwards throws IdentityMismatchError unless it is
   * the same cluster and member, so a member never starts on another's data
   * (docs/testing.md, Bad input).
   */
  assertIdentity(clusterId: string, memberId: NodeId): void {
    assert(clusterId.length > 0, "a cluster id must not be empty");
    assert(memberId >= 1, "a member id must be positive");
    const row = this.statements.selectIdentity.get() as
      | { cluster_id: string; member_id: number }
      | undefined;
    if (row === undefined) {
      this.statements.insertIdentity.run(clusterId, memberId);
      return;
    }
    if (row.cluster_id !== clusterId || row.member_id !== memberId) {
      throw new IdentityMismatchError(
        `this data directory belongs to member ${String(row.member_id)} of cluster ` +
          `"${row.cluster_id}", not member ${String(memberId)} of cluster "${clusterId}"`,
      );
    }
  }

  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta } {
    return { hardState: this.hardState, snapshot: this.snapshot };
  }

  firstIndex(): LogIndex {
    return logIndex(this.snapshot.index + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.terms.lastIndex());
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index || index > this.terms.lastIndex()) return undefined;
    return term(this.terms.termAt(index));
  }

  configEntries(low: LogIndex, high: LogIndex): Entry[] {
    assertEntriesRange(this, low, high);
    const rows = this.statements.selectConfigRange.all(low, high) as EntryRow[];
    return rows.map((row) => {
      const entry = entryFromRow(row);
      assert(entry.kind === "config", "the config query returns config entries");
      assert(entry.term === this.terms.termAt(entry.index), "stored term disagrees with cache");
      return entry;
    });
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    assertEntriesRange(this, low, high);
    const result: Entry[] = [];
    if (low === high) return result;
    let totalBytes = 0;
    for (const row of this.statements.selectRange.iterate(low, high) as Iterable<EntryRow>) {
      const entry = entryFromRow(row);
      const expectedIndex = low + result.length;
      assert(entry.index === expectedIndex, `stored entry ${String(expectedIndex)} is missing`);
      assert(entry.term === this.terms.termAt(entry.index), "stored term disagrees with cache");
      totalBytes += entrySizeBytes(entry);
      if (result.length > 0 && totalBytes > maxBytes) break;
      result.push(entry);
    }
    assert(result.length > 0, `stored entry ${String(low)} is missing`);
    assertContiguousEntries(result); // Pairs with the checks on write and on load.
    return result;
  }

  snapshotMeta(): SnapshotMeta {
    return this.snapshot;
  }

  /**
   * Snapshot, then entries, then hard state, in one durable transaction (LogStore order).
   * A snapshot keeps the log after it only if the log holds the snapshot's own (index,
   * term), since only then do those entries extend the same history (Raft §7).
   */
  persist(batch: PersistBatch): void {
    const plan = this.planPersist(batch);
    this.writePersist(plan, batch);
    // Committed: now, and only now, the caches follow.
    this.followPersist(plan, batch);
  }

  /**
   * The caches follow a batch that another connection to this file has already committed
   * (WorkerSqliteLogStore's write worker), exactly as persist() would have moved them after
   * its own transaction; nothing is written. The batch is validated here against the caches
   * as it was in the writer against its own, so every batch is checked twice, independently.
   * Precondition: every earlier write of that connection was followed here, in order.
   */
  applyWrittenToCache(batch: PersistBatch): void {
    this.followPersist(this.planPersist(batch), batch);
  }

  /** Drops the log through snapshot.index; the stored commit is left alone (LogStore). */
  compact(snapshot: SnapshotMeta): void {
    assertCompactable(this, snapshot);
    const s = this.statements;
    this.db.transaction(() => {
      s.deleteThrough.run(snapshot.index);
      s.updateSnapshotMeta.run(...snapshotParams(snapshot));
    }).immediate();
    this.followCompaction(snapshot);
  }

  /**
   * The caches follow a compaction that another connection to this file has committed, as
   * compact() would have moved them; nothing is written. Same precondition as
   * applyWrittenToCache().
   */
  applyCompactionToCache(snapshot: SnapshotMeta): void {
    assertCompactable(this, snapshot);
    this.followCompaction(snapshot);
  }

  /** Closes the database (checkpointing the WAL). The store must not be used afterwards. */
  close(): void {
    this.db.close();
  }

  /**
   * Validates a batch against the current state exactly as MemoryLogStore does and says
   * what to write. Pure: it reads the caches and changes nothing.
   */
  private planPersist(batch: PersistBatch): PersistPlan {
    let snapshotIndex = this.snapshot.index;
    let snapshotTerm = this.snapshot.term;
    let lastIndex = this.terms.lastIndex();
    let keepAfterSnapshot = false;
    const snapshot = batch.snapshot;
    if (snapshot !== undefined) {
      assert(
        snapshot.index >= this.snapshot.index,
        `snapshot ${String(snapshot.index)} is older than the stored ${String(snapshotIndex)}`,
      );
      keepAfterSnapshot = this.term(snapshot.index) === snapshot.term;
      snapshotIndex = snapshot.index;
      snapshotTerm = snapshot.term;
      lastIndex = keepAfterSnapshot ? Math.max(lastIndex, snapshot.index) : snapshot.index;
    }
    let truncateFrom: LogIndex | undefined;
    const first = batch.entries[0];
    if (first !== undefined) {
      assertContiguousEntries(batch.entries);
      assert(
        snapshotIndex < first.index && first.index <= lastIndex + 1,
        `entries from ${String(first.index)} do not fit after ` +
          `(snapshot ${String(snapshotIndex)}, last ${String(lastIndex)})`,
      );
      const previousTerm =
        first.index - 1 === snapshotIndex ? snapshotTerm : this.terms.termAt(first.index - 1);
      assert(first.term >= previousTerm, "entries after the snapshot cannot have an older term");
      if (first.index <= lastIndex) truncateFrom = first.index;
      lastIndex = batch.entries[batch.entries.length - 1]!.index;
    }
    const hardState = batch.hardState ?? this.hardState;
    assert(hardState.term >= this.hardState.term, "the stored term must never decrease");
    assert(hardState.commit >= this.hardState.commit, "the stored commit must never decrease");
    assert(
      hardState.commit <= lastIndex,
      `commit ${String(hardState.commit)} beyond the stored log: entries must be durable first`,
    );
    const sameHardState =
      hardState.term === this.hardState.term &&
      hardState.vote === this.hardState.vote &&
      hardState.commit === this.hardState.commit;
    return {
      snapshot,
      keepAfterSnapshot,
      truncateFrom,
      hardState: sameHardState ? this.hardState : hardState,
    };
  }

  private writePersist(plan: PersistPlan, batch: PersistBatch): void {
    const s = this.statements;
    this.db.transaction(() => {
      if (plan.snapshot !== undefined) {
        if (plan.keepAfterSnapshot) s.deleteThrough.run(plan.snapshot.index);
        else s.deleteAll.run();
        s.updateSnapshotMeta.run(...snapshotParams(plan.snapshot));
      }
      if (plan.truncateFrom !== undefined) s.deleteFrom.run(plan.truncateFrom);
      for (const entry of batch.entries) {
        s.insertEntry.run(entry.index, entry.term, entry.kind, entry.data);
      }
      if (plan.hardState !== this.hardState) {
        const h = plan.hardState;
        s.updateHardState.run(h.term, h.vote, h.commit);
      }
    }).immediate();
  }

  /** Moves the caches by a planned batch that is committed (here or by another connection). */
  private followPersist(plan: PersistPlan, batch: PersistBatch): void {
    if (plan.snapshot !== undefined) {
      if (plan.keepAfterSnapshot) this.terms.dropThrough(plan.snapshot.index);
      else this.terms.reset(plan.snapshot.index);
      this.snapshot = plan.snapshot;
    }
    if (plan.truncateFrom !== undefined) this.terms.truncateFrom(plan.truncateFrom);
    for (const entry of batch.entries) this.terms.append(entry.index, entry.term);
    this.hardState = plan.hardState;
  }

  private followCompaction(snapshot: SnapshotMeta): void {
    this.terms.dropThrough(snapshot.index);
    this.snapshot = snapshot;
  }

  private loadSnapshotMeta(): SnapshotMeta {
    const row = this.statements.selectSnapshotMeta.get() as
      | { snapshot_index: number; snapshot_term: number; config: string }
      | undefined;
    assert(row !== undefined, "snapshot_meta row missing");
    return {
      index: logIndex(row.snapshot_index),
      term: term(row.snapshot_term),
      config: decodeMembershipConfig(textEncoder.encode(row.config)),
    };
  }

  private loadHardState(): HardState {
    const row = this.statements.selectHardState.get() as
      | { term: number; vote: number; commit_index: number }
      | undefined;
    assert(row !== undefined, "hard_state row missing");
    return { term: term(row.term), vote: nodeId(row.vote), commit: logIndex(row.commit_index) };
  }

  /** Reads the log's bounds and term runs, asserting the log is contiguous after the snapshot. */
  private loadTermRuns(): TermRuns {
    const bounds = this.statements.selectBounds.get() as {
      low: number | null;
      high: number | null;
      count: number;
    };
    const runs = new TermRuns(this.snapshot.index);
    if (bounds.count === 0) return runs;
    assert(bounds.low !== null && bounds.high !== null, "log bounds missing");
    assert(bounds.low === this.snapshot.index + 1, "the stored log does not follow the snapshot");
    assert(bounds.high - bounds.low + 1 === bounds.count, "the stored log has a gap");
    const starts = this.statements.selectTermRuns.all() as { log_index: number; term: number }[];
    assert(starts[0]?.log_index === bounds.low, "term runs do not start the log");
    assert(starts[0].term >= this.snapshot.term, "entries after the snapshot have an older term");
    for (const run of starts) runs.loadRun(logIndex(run.log_index), term(run.term));
    runs.extendTo(bounds.high);
    return runs;
  }
}

interface PersistPlan {
  readonly snapshot: SnapshotMeta | undefined;
  readonly keepAfterSnapshot: boolean;
  readonly truncateFrom: LogIndex | undefined;
  /** `this.hardState` itself when unchanged, so the write is skipped. */
  readonly hardState: HardState;
}

function prepareStatements(db: SqliteDatabase) {
  return {
    selectIdentity: db.prepare("SELECT cluster_id, member_id FROM identity WHERE id = 1"),
    insertIdentity: db.prepare("INSERT INTO identity (id, cluster_id, member_id) VALUES (1, ?, ?)"),
    selectHardState: db.prepare("SELECT term, vote, commit_index FROM hard_state WHERE id = 1"),
    updateHardState: db.prepare(
      "UPDATE hard_state SET term = ?, vote = ?, commit_index = ? WHERE id = 1",
    ),
    selectSnapshotMeta: db.prepare(
      "SELECT snapshot_index, snapshot_term, config FROM snapshot_meta WHERE id = 1",
    ),
    updateSnapshotMeta: db.prepare(
      "UPDATE snapshot_meta SET snapshot_index = ?, snapshot_term = ?, config = ? WHERE id = 1",
    ),
    insertEntry: db.prepare(
      "INSERT INTO log_entry (log_index, term, kind, data) VALUES (?, ?, ?, ?)",
    ),
    deleteFrom: db.prepare("DELETE FROM log_entry WHERE log_index >= ?"),
    deleteThrough: db.prepare("DELETE FROM log_entry WHERE log_index <= ?"),
    deleteAll: db.prepare("DELETE FROM log_entry"),
    selectRange: db.prepare(
      "SELECT log_index, term, kind, data FROM log_entry " +
        "WHERE log_index >= ? AND log_index < ? ORDER BY log_index",
    ),
    selectConfigRange: db.prepare(
      "SELECT log_index, term, kind, data FROM log_entry " +
        "WHERE kind = 'config' AND log_index >= ? AND log_index < ? ORDER BY log_index",
    ),
    selectBounds: db.prepare(
      "SELECT MIN(log_index) AS low, MAX(log_index) AS high, COUNT(*) AS count FROM log_entry",
    ),
    // The first entry of each run of equal terms: one row per leader change, not per entry.
    selectTermRuns: db.prepare(
      "SELECT log_index, term FROM (SELECT log_index, term, " +
        "LAG(term) OVER (ORDER BY log_index) AS previous FROM log_entry) " +
        "WHERE previous IS NULL OR previous <> term ORDER BY log_index",
    ),
  };
}

function snapshotParams(snapshot: SnapshotMeta): [number, number, string] {
  const config = textDecoder.decode(encodeMembershipConfig(snapshot.config));
  return [snapshot.index, snapshot.term, config];
}

function entryFromRow(row: EntryRow): Entry {
  assert(ENTRY_KINDS.has(row.kind), `unknown entry kind ${row.kind}`);
  const data = row.data;
  assert(data instanceof Uint8Array, `entry ${String(row.log_index)} data is not a BLOB`);
  return {
    index: logIndex(row.log_index),
    term: term(row.term),
    kind: row.kind as EntryKind,
    // A view, not a copy: better-sqlite3 hands each row a fresh buffer.
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * The terms of the stored log [first, last] as runs of equal terms: one record per leader
 * change instead of one per entry, so the cache stays tiny however long the log grows.
 * Invariant: starts ascending with starts[0] === first when the log is non-empty; terms
 * strictly ascending, because log terms never decrease along the log (Raft §5.3).
 */
class TermRuns {
  private starts: number[] = [];
  private terms: number[] = [];
  private first: number;
  private last: number;

  constructor(snapshotIndex: number) {
    this.first = snapshotIndex + 1;
    this.last = snapshotIndex;
  }

  lastIndex(): number {
    return this.last;
  }

  termAt(index: number): number {
    assert(this.first <= index && index <= this.last, `no cached term for ${String(index)}`);
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return this.terms[low]!;
  }

  append(index: number, entryTerm: number): void {
    assert(index === this.last + 1, `term cache: ${String(index)} does not follow the log`);
    const lastTerm = this.terms[this.terms.length - 1];
    if (lastTerm === undefined || entryTerm > lastTerm) {
      this.starts.push(index);
      this.terms.push(entryTerm);
    } else {
      assert(entryTerm === lastTerm, "log terms must not decrease");
    }
    this.last = index;
  }

  /** At load: the run of `entryTerm` starts at `start`; the previous run extends to it. */
  loadRun(start: number, entryTerm: number): void {
    const lastTerm = this.terms[this.terms.length - 1];
    assert(lastTerm === undefined || entryTerm > lastTerm, "stored log terms decrease");
    this.last = start - 1;
    this.append(start, entryTerm);
  }

  extendTo(lastIndex: number): void {
    assert(lastIndex >= this.last && this.starts.length > 0, "term cache cannot extend");
    this.last = lastIndex;
  }

  truncateFrom(index: number): void {
    assert(this.first <= index && index <= this.last, "truncation outside the log");
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! >= index) {
      this.starts.pop();
      this.terms.pop();
    }
    this.last = index - 1;
  }

  /** Entries up to `index` are gone (compaction, or a snapshot that matches the log). */
  dropThrough(index: number): void {
    assert(index >= this.first - 1 && index <= this.last, "compaction outside the log");
    if (index === this.last) {
      this.reset(index);
      return;
    }
    let keepFrom = 0;
    while (keepFrom + 1 < this.starts.length && this.starts[keepFrom + 1]! <= index + 1) {
      keepFrom++;
    }
    this.starts = this.starts.slice(keepFrom);
    this.terms = this.terms.slice(keepFrom);
    this.starts[0] = index + 1;
    this.first = index + 1;
  }

  /** The log is now empty after a snapshot at `snapshotIndex`. */
  reset(snapshotIndex: number): void {
    this.starts = [];
    this.terms = [];
    this.first = snapshotIndex + 1;
    this.last = snapshotIndex;
  }
}
