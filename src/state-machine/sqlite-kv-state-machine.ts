import {
  appendFileSync, closeSync, copyFileSync, fsyncSync, openSync, renameSync, rmSync,
} from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { assert } from "../core/assert.js";
import type { Entry } from "../core/entry.js";
import { logIndex, type LogIndex } from "../core/ids.js";
import { currentSchemaVersion, type Migration } from "../storage/sqlite/migrations.js";
import {
  fsyncDirectory,
  openDatabase,
  type SqliteDatabase,
  type SynchronousLevel,
} from "../storage/sqlite/open-database.js";
import type { SnapshotDraft, StoredSnapshot } from "../storage/snapshot-store.js";
import { applyKvWrite, type KvApplyStore } from "./kv-apply.js";
import { decodeKvResult, decodeOrReason, encodeKvResult } from "./kv-command.js";
import { applyWithSession, expireSessions, type SessionTable } from "./kv-sessions.js";
import { RestorePreparations } from "./restore-preparation.js";
import { produceSqliteSnapshot } from "./sqlite-snapshot-producer.js";
import type { SnapshotOutcome } from "./state-machine.js";
import {
  keyRange,
  type HistoryCursor,
  type KeyValue,
  type KvEvent,
  type KvCommand,
  type KvResult,
  type KvStateMachine,
  type RangeRequest,
  type RangeResult,
} from "./kv-types.js";

/** The KV database schema; append-only like every migration list (see migrations.ts). */
export const KV_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "kv rows, applied index and revision, client sessions",
    sql: `
      CREATE TABLE kv (
        key BLOB PRIMARY KEY,
        value BLOB NOT NULL,
        create_revision INTEGER NOT NULL,
        mod_revision INTEGER NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE kv_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        applied_index INTEGER NOT NULL CHECK (applied_index >= 0),
        revision INTEGER NOT NULL CHECK (revision >= 0)
      ) STRICT;
      INSERT INTO kv_meta (id, applied_index, revision) VALUES (1, 0, 0);
      CREATE TABLE client_session (
        client_id TEXT PRIMARY KEY,
        sequence INTEGER NOT NULL,
        last_used_index INTEGER NOT NULL,
        reply BLOB NOT NULL
      ) STRICT;
      CREATE INDEX client_session_by_use ON client_session (last_used_index);
    `,
  },
  {
    version: 2,
    description: "the history of changes (watch), from history_start on",
    sql: `
      CREATE TABLE kv_event (
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        type INTEGER NOT NULL CHECK (type IN (1, 2)),
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        create_revision INTEGER NOT NULL,
        version INTEGER NOT NULL,
        prev_value BLOB,
        prev_create_revision INTEGER,
        prev_mod_revision INTEGER,
        prev_version INTEGER,
        PRIMARY KEY (revision, position)
      ) STRICT, WITHOUT ROWID;
      ALTER TABLE kv_meta ADD COLUMN history_start INTEGER NOT NULL DEFAULT 1;
      UPDATE kv_meta SET history_start = applied_index + 1;
    `,
  },
];

/** How to open a SqliteKvStateMachine; every field explicit. */
export interface SqliteKvStateMachineOptions {
  /** The database file (separate from the Raft log's); its directory must exist. */
  readonly path: string;
  /**
   * FULL unless docs/decisions/0005-sqlite-durability.md's conditions for NORMAL hold: the
   * state may then lose its newest applied entries on power loss, and recovery relies on
   * the driver re-applying them from the log.
   */
  readonly synchronous: SynchronousLevel;
  /** The session table's bound (CLIENT_SESSIONS_MAX); the same on every member. */
  readonly sessionsMax: number;
  /** How many revisions of history to keep (KV_HISTORY_REVISIONS_DEFAULT). */
  readonly historyRevisionsMax: number;
  readonly busyTimeoutMs: number;
  readonly walAutocheckpointPages: number;
}

interface KvRow {
  readonly key: Buffer;
  readonly value?: Buffer;
  readonly create_revision: number;
  readonly mod_revision: number;
  readonly version: number;
}

/** Mutable state of one apply() batch; copied into the fields only after it commits. */
interface ApplyProgress {
  applied: number;
  revision: number;
  sessions: number;
  historyStart: number;
}

interface EventRow {
  readonly revision: number;
  readonly position: number;
  readonly type: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly create_revision: number;
  readonly version: number;
  readonly prev_value: Buffer | null;
  readonly prev_create_revision: number | null;
  readonly prev_mod_revision: number | null;
  readonly prev_version: number | null;
}

const EVENT_PUT = 1;
const EVENT_DELETE = 2;

const EMPTY = new Uint8Array(0);

/**
 * The KV service's state machine on its own SQLite file (hashicorp/raft FSM analogue).
 *
 * Durability: apply() writes a batch's rows, session replies, applied index and revision in
 * ONE transaction, so appliedIndex() always names exactly what the rows reflect; entries at
 * or below it are skipped, so re-delivery after a crash is a no-op, never a double apply.
 * Keys are BLOBs compared byte-wise (SQLite compares BLOBs with memcmp).
 *
 * Exactly-once (thesis 6.3): a command with a session whose sequence equals the client's
 * last applied one returns the remembered reply without applying; a lower one returns
 * `stale-sequence`. At most `sessionsMax` sessions are kept; a new one beyond that evicts
 * the session with the lowest last-use log index (deterministic on every member).
 *
 * Snapshots are database files made by VACUUM INTO on a worker thread (snapshotTo);
 * restoreFrom() copies one file to file and swaps it in atomically (temp file, fsync,
 * rename, fsync directory) and reopens it; prepareRestore() makes that copy ahead, off the
 * event loop, and restoreFrom() then uses it. None holds a snapshot in memory.
 */
export class SqliteKvStateMachine implements KvStateMachine {
  private db: SqliteDatabase;
  private statements: Statements;
  /** Invariant: equals kv_meta.applied_index on disk (fields change only after commit). */
  private applied: number;
  /** Invariant: equals kv_meta.revision; <= applied. */
  private currentRevision: number;
  /** Invariant: equals COUNT(*) of client_session; <= sessionsMax. */
  private sessions: number;
  /** Invariant: equals kv_meta.history_start; no kv_event row is older. */
  private firstHistoryRevision: number;
  private readonly preparations: RestorePreparations;

  private constructor(private readonly options: SqliteKvStateMachineOptions) {
    assert(
      Number.isSafeInteger(options.sessionsMax) && options.sessionsMax >= 1,
      "sessionsMax must be a positive integer",
    );
    assert(
      Number.isSafeInteger(options.historyRevisionsMax) && options.historyRevisionsMax >= 1,
      "historyRevisionsMax must be a positive integer",
    );
    rmSync(restoreTemporaryPath(options.path), { force: true }); // debris of a crashed restore
    this.preparations = new RestorePreparations(options.path);
    this.db = openKvDatabase(options);
    this.statements = prepareStatements(this.db);
    const state = loadState(this.statements);
    this.applied = state.applied;
    this.currentRevision = state.revision;
    this.sessions = state.sessions;
    this.firstHistoryRevision = state.historyStart;
  }

  /** Opens or creates the state machine database (see openDatabase for what it refuses). */
  static open(options: SqliteKvStateMachineOptions): SqliteKvStateMachine {
    return new SqliteKvStateMachine(options);
  }

  appliedIndex(): LogIndex {
    return logIndex(this.applied);
  }

  revision(): number {
    return this.currentRevision;
  }

  apply(entries: readonly Entry[]): Map<LogIndex, KvResult> {
    const results = new Map<LogIndex, KvResult>();
    const first = entries[0];
    if (first === undefined) return results;
    assert(
      first.index <= this.applied + 1,
      `entries from ${String(first.index)} leave a gap after applied ${String(this.applied)}`,
    );
    const progress: ApplyProgress = {
      applied: this.applied,
      revision: this.currentRevision,
      sessions: this.sessions,
      historyStart: this.firstHistoryRevision,
    };
    const sessions = this.sessionTable(progress); // One view of the session rows per batch.
    this.db.transaction(() => {
      for (const entry of entries) {
        if (entry.index <= progress.applied) continue; // applied before a crash or restart
        assert(entry.index === progress.applied + 1, "entries must be contiguous");
        if (entry.kind === "command") {
          const command = decodeOrReason(entry.data);
          results.set(entry.index, typeof command === "string"
            ? { type: "invalid-command", revision: progress.revision, reason: command }
            : this.applyCommand(command, entry.index, progress, sessions));
        }
        progress.applied = entry.index;
      }
      if (progress.applied !== this.applied) {
        expireSessions(sessions, progress.applied);
        // The window of history, decided by the applied index: the same on every member.
        const start = Math.max(
          progress.historyStart, progress.applied - this.options.historyRevisionsMax + 1);
        if (start !== progress.historyStart) {
          this.statements.deleteEventsBefore.run(start);
          progress.historyStart = start;
        }
        this.statements.updateMeta.run(progress.applied, progress.revision, progress.historyStart);
      }
    }).immediate();
    this.applied = progress.applied;
    this.currentRevision = progress.revision;
    this.sessions = progress.sessions;
    this.firstHistoryRevision = progress.historyStart;
    return results;
  }

  historyStart(): number {
    return this.firstHistoryRevision;
  }

  events(after: HistoryCursor, limit: number): KvEvent[] {
    assert(after.revision + 1 >= this.firstHistoryRevision, "that history was compacted");
    const rows = this.statements.selectEvents.all({
      revision: after.revision, position: after.position, limit,
    }) as EventRow[];
    return rows.map(eventFromRow);
  }

  get(key: Uint8Array): KeyValue | undefined {
    const row = this.statements.selectKey.get(key) as KvRow | undefined;
    return row === undefined ? undefined : keyValueFromRow(row);
  }

  range(request: RangeRequest): RangeResult {
    assert(Number.isSafeInteger(request.limit) && request.limit >= 0, "limit must be >= 0");
    const range = keyRange(request.key, request.rangeEnd);
    if (range.type === "single") {
      const kv = this.get(range.key);
      const count = kv === undefined ? 0 : 1;
      if (request.countOnly === true) return { kvs: [], more: false, count };
      const kvs = kv === undefined ? [] : [request.keysOnly === true ? withoutValue(kv) : kv];
      return { kvs, more: false, count: kvs.length };
    }
    const end = range.type === "between" ? range.end : null;
    const s = this.statements;
    const counted = s.countRange.get({ low: range.key, high: end }) as { count: number };
    if (request.countOnly === true) return { kvs: [], more: false, count: counted.count };
    const limit = request.limit === 0 ? -1 : request.limit; // SQLite: LIMIT -1 is no limit
    const select = request.keysOnly === true ? s.selectRangeKeys : s.selectRange;
    const rows = select.all({ low: range.key, high: end, limit }) as KvRow[];
    const kvs = rows.map(keyValueFromRow);
    return { kvs, more: counted.count > kvs.length, count: counted.count };
  }

  /**
   * Copies the database into `draft.path` on a worker thread (VACUUM INTO in one read
   * transaction, sqlite-snapshot-worker.ts), so the event loop keeps applying and serving
   * while it runs; `done` gets the applied index inside the copy. Needs a file-backed draft.
   */
  snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void {
    assert(draft.path !== undefined, "a SQLite snapshot is written to a file-backed draft");
    produceSqliteSnapshot(
      { source: this.options.path, target: draft.path, busyTimeoutMs: this.options.busyTimeoutMs },
      done,
    );
  }

  /**
   * Replaces the state with a snapshot's database, copied file to file (never loaded whole),
   * or taken from prepareRestore() when it finished one. The copy is checked before it
   * replaces anything (schema not newer than ours, applied index === the snapshot's), so a
   * bad snapshot leaves the current state untouched. Then:
   * fsync the copy, close, delete the old WAL (already checkpointed), rename over, fsync the
   * directory, reopen. A crash before the rename leaves the old state, after it the new one.
   */
  restoreFrom(snapshot: StoredSnapshot): void {
    const path = this.options.path;
    const prepared = this.preparations.take(snapshot.meta);
    const temporary = prepared ?? restoreTemporaryPath(path);
    if (prepared === undefined) copySnapshotFile(snapshot, temporary);
    try {
      checkImage(temporary, snapshot.meta.index);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.close();
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    renameSync(temporary, path);
    fsyncDirectory(dirname(path));
    this.preparations.discardThrough(snapshot.meta.index);
    // A prepared copy was quick_check-ed on the worker; scanning it again here would stall.
    this.db = openKvDatabase(this.options, prepared === undefined ? "quick" : "none");
    this.statements = prepareStatements(this.db);
    const state = loadState(this.statements);
    assert(state.applied === snapshot.meta.index,
      "restored applied index differs from the snapshot's");
    this.applied = state.applied;
    this.currentRevision = state.revision;
    this.sessions = state.sessions;
    this.firstHistoryRevision = state.historyStart;
  }

  /**
   * Copies the snapshot's file beside the database off the event loop (RestorePreparations),
   * so that restoreFrom(snapshot) only checks it and renames it into place.
   */
  prepareRestore(snapshot: StoredSnapshot, done: () => void): void {
    this.preparations.prepare(snapshot, done);
  }

  /** Closes the database. The state machine must not be used afterwards. */
  close(): void {
    this.db.close();
  }

  /** Applies one command at `index` inside apply()'s transaction; updates `progress`. */
  private applyCommand(
    command: KvCommand, index: number, progress: ApplyProgress, sessions: SessionTable,
  ): KvResult {
    return applyWithSession(sessions, this.options.sessionsMax, command,
      index, progress.revision, () => this.applyWrite(command, index, progress));
  }

  /** The session rows as the shared exactly-once rules (kv-sessions.ts) use them. */
  private sessionTable(progress: ApplyProgress): SessionTable {
    const s = this.statements;
    return {
      get: (clientId) => {
        const row = s.selectSession.get(clientId) as
          { sequence: number; reply: Buffer } | undefined;
        if (row === undefined) return undefined;
        return { sequence: row.sequence, reply: () => decodeKvResult(row.reply) };
      },
      touch: (clientId, index) => { s.touchSession.run(index, clientId); },
      remember: (clientId, sequence, index, reply, added) => {
        s.upsertSession.run(clientId, sequence, index, encodeKvResult(reply));
        if (added) progress.sessions += 1;
      },
      size: () => progress.sessions,
      evictLeastRecentlyUsed: () => {
        progress.sessions -= s.evictOldestSession.run().changes;
      },
      expireUsedBefore: (index) => {
        progress.sessions -= s.expireSessions.run(index).changes;
      },
    };
  }

  /** The etcd rules for a write (kv-apply.ts) over this database's rows. */
  private applyWrite(command: KvCommand, index: number, progress: ApplyProgress): KvResult {
    const applied = applyKvWrite(this.store, command, index, progress.revision);
    progress.revision = applied.revision;
    return applied.result;
  }

  /** The rows as the shared write rules change them, inside apply()'s transaction. */
  private readonly store: KvApplyStore = {
    get: (key) => this.get(key),
    range: (request) => this.range(request),
    put: (kv) => {
      const { key, value, createRevision, modRevision, version } = kv;
      this.statements.upsertKey.run(key, value, createRevision, modRevision, version);
    },
    deleteRange: (range) => {
      const s = this.statements;
      if (range.type === "single") {
        const previous = this.get(range.key);
        if (previous === undefined) return [];
        s.deleteKey.run(range.key);
        return [previous];
      }
      const bounds = { low: range.key, high: range.type === "between" ? range.end : null };
      const removed = (s.selectRange.all({ ...bounds, limit: -1 }) as KvRow[]).map(keyValueFromRow);
      if (removed.length > 0) s.deleteRange.run(bounds);
      return removed;
    },
    recordEvent: (revision, event) => {
      const { kv, prevKv } = event;
      this.statements.insertEvent.run(
        revision, event.position, event.type === "put" ? EVENT_PUT : EVENT_DELETE, kv.key,
        kv.value, kv.createRevision, kv.version, prevKv?.value ?? null,
        prevKv?.createRevision ?? null, prevKv?.modRevision ?? null, prevKv?.version ?? null,
      );
    },
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: SqliteDatabase) {
  const kvColumns = "key, value, create_revision, mod_revision, version";
  // A NULL @high selects every key >= @low (etcd's rangeEnd "\0"); the planner still seeks
  // the primary key to @low and stops at the limit.
  const inRange = "key >= @low AND (@high IS NULL OR key < @high)";
  return {
    selectMeta: db.prepare(
      "SELECT applied_index, revision, history_start FROM kv_meta WHERE id = 1"),
    updateMeta: db.prepare(
      "UPDATE kv_meta SET applied_index = ?, revision = ?, history_start = ? WHERE id = 1"),
    insertEvent: db.prepare(
      "INSERT INTO kv_event (revision, position, type, key, value, create_revision, version, " +
        "prev_value, prev_create_revision, prev_mod_revision, prev_version) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    selectEvents: db.prepare(
      "SELECT * FROM kv_event WHERE (revision, position) > (@revision, @position) " +
        "ORDER BY revision, position LIMIT @limit"),
    deleteEventsBefore: db.prepare("DELETE FROM kv_event WHERE revision < ?"),
    countSessions: db.prepare("SELECT COUNT(*) AS count FROM client_session"),
    selectKey: db.prepare(`SELECT ${kvColumns} FROM kv WHERE key = ?`),
    upsertKey: db.prepare(
      `INSERT INTO kv (${kvColumns}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET ` +
        "value = excluded.value, mod_revision = excluded.mod_revision, version = excluded.version",
    ),
    deleteKey: db.prepare("DELETE FROM kv WHERE key = ?"),
    deleteRange: db.prepare(`DELETE FROM kv WHERE ${inRange}`),
    countRange: db.prepare(`SELECT COUNT(*) AS count FROM kv WHERE ${inRange}`),
    selectRange: db.prepare(`SELECT ${kvColumns} FROM kv WHERE ${inRange} ORDER BY key LIMIT @limit`),
    selectRangeKeys: db.prepare(
      "SELECT key, create_revision, mod_revision, version FROM kv " +
        `WHERE ${inRange} ORDER BY key LIMIT @limit`,
    ),
    selectSession: db.prepare("SELECT sequence, reply FROM client_session WHERE client_id = ?"),
    touchSession: db.prepare("UPDATE client_session SET last_used_index = ? WHERE client_id = ?"),
    upsertSession: db.prepare(
      "INSERT INTO client_session (client_id, sequence, last_used_index, reply) " +
        "VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET sequence = excluded.sequence, " +
        "last_used_index = excluded.last_used_index, reply = excluded.reply",
    ),
    expireSessions: db.prepare("DELETE FROM client_session WHERE last_used_index < ?"),
    evictOldestSession: db.prepare(
      "DELETE FROM client_session WHERE client_id = " +
        "(SELECT client_id FROM client_session ORDER BY last_used_index, client_id LIMIT 1)",
    ),
  };
}

function openKvDatabase(
  options: SqliteKvStateMachineOptions, integrityCheck: "quick" | "none" = "quick",
): SqliteDatabase {
  return openDatabase(options.path, {
    synchronous: options.synchronous,
    busyTimeoutMs: options.busyTimeoutMs,
    walAutocheckpointPages: options.walAutocheckpointPages,
    integrityCheck,
    migrations: KV_MIGRATIONS,
  });
}

function loadState(statements: Statements): Readonly<ApplyProgress> {
  const meta = statements.selectMeta.get() as {
    applied_index: number; revision: number; history_start: number;
  };
  const sessions = (statements.countSessions.get() as { count: number }).count;
  const applied = logIndex(meta.applied_index);
  assert(meta.revision <= applied, "kv revision is beyond the applied index");
  assert(meta.history_start <= applied + 1, "kv history starts beyond the applied index");
  return { applied, revision: meta.revision, sessions, historyStart: meta.history_start };
}

function eventFromRow(row: EventRow): KvEvent {
  const kv: KeyValue = {
    key: view(row.key), value: view(row.value), createRevision: row.create_revision,
    modRevision: row.revision, version: row.version,
  };
  const prevKv = row.prev_value === null ? undefined : {
    key: kv.key, value: view(row.prev_value), createRevision: row.prev_create_revision ?? 0,
    modRevision: row.prev_mod_revision ?? 0, version: row.prev_version ?? 0,
  };
  return {
    type: row.type === EVENT_PUT ? "put" : "delete", kv, position: row.position,
    ...(prevKv === undefined ? {} : { prevKv }),
  };
}

/** What a state-machine image (a snapshot or backup file) says about itself. */
export interface KvImageInfo {
  /** The last log index whose effects the image holds. */
  readonly appliedIndex: number;
  /** The key-value revision at that index. */
  readonly revision: number;
}

/**
 * Reads a state-machine image without changing it: throws unless it is a SQLite database
 * with our tables and a schema no newer than ours (an image from a newer raftkv may hold
 * what this one cannot read).
 */
export function readKvImage(path: string): KvImageInfo {
  const probe = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const schema = currentSchemaVersion(probe);
    if (schema > KV_MIGRATIONS.length) {
      throw new Error(`its schema version ${String(schema)} is newer than this raftkv's ` +
        `(${String(KV_MIGRATIONS.length)})`);
    }
    const row = probe.prepare("SELECT applied_index, revision FROM kv_meta WHERE id = 1").get() as
      | { applied_index: number; revision: number }
      | undefined;
    if (row === undefined) throw new Error("its kv_meta table has no row");
    return { appliedIndex: row.applied_index, revision: row.revision };
  } finally {
    probe.close();
  }
}

/** Checks a snapshot database file before it replaces anything: readable, ours, at `index`. */
function checkImage(path: string, index: number): void {
  const { appliedIndex } = readKvImage(path);
  assert(appliedIndex === index,
    `snapshot image is at ${String(appliedIndex)}, its metadata at ${String(index)}`);
}

/**
 * Copies a stored snapshot to `target` and fsyncs it: the file as it is when the store has
 * one, else a range at a time. Either way no more than one buffer is in memory.
 */
function copySnapshotFile(snapshot: StoredSnapshot, target: string): void {
  rmSync(target, { force: true });
  if (snapshot.path !== undefined) {
    copyFileSync(snapshot.path, target);
  } else {
    for (let offset = 0; offset < snapshot.sizeBytes; offset += RESTORE_CHUNK_BYTES) {
      appendFileSync(target, snapshot.readChunk(offset, RESTORE_CHUNK_BYTES));
    }
  }
  const fd = openSync(target, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** How much of a snapshot one read takes when a restore copies it by ranges. */
const RESTORE_CHUNK_BYTES = 1024 * 1024;

function restoreTemporaryPath(path: string): string {
  return `${path}.restore.tmp`;
}

function keyValueFromRow(row: KvRow): KeyValue {
  return {
    key: view(row.key),
    value: row.value === undefined ? EMPTY : view(row.value),
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
    version: row.version,
  };
}

function withoutValue(kv: KeyValue): KeyValue {
  return { ...kv, value: EMPTY };
}

/** A plain Uint8Array over a Buffer's bytes (no copy). */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

