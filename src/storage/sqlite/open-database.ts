import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AssertionError } from "../../core/assert.js";
import { migrate, type Migration } from "./migrations.js";

/** A better-sqlite3 connection; the one type the SQLite adapters pass around. */
export type SqliteDatabase = Database.Database;

/**
 * SQLite's `synchronous` levels that raftkv may use in WAL mode. FULL fsyncs the WAL on every
 * commit, so a committed transaction survives power loss; NORMAL fsyncs only at checkpoints,
 * so a commit survives a process crash but power loss may drop the newest commits (never
 * tear one). docs/decisions/0005-sqlite-durability.md says which store uses which.
 */
export type SynchronousLevel = "FULL" | "NORMAL";

/**
 * Every setting openDatabase() applies; all explicit, none defaulted (docs/style.md,
 * Everything has a limit).
 */
export interface OpenDatabaseOptions {
  readonly synchronous: SynchronousLevel;
  /** How long a statement waits for a lock held by another connection before SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
  /**
   * The WAL size, in pages, at which a commit also checkpoints the WAL into the database.
   * SQLite's default is 1000; it is stated here so the latency spike it causes is a choice.
   */
  readonly walAutocheckpointPages: number;
  /** "quick" runs PRAGMA quick_check at open and refuses a damaged file; "none" skips it. */
  readonly integrityCheck: "quick" | "none";
  /** The schema this database must have; applied in order (see migrations.ts). */
  readonly migrations: readonly Migration[];
}

/**
 * The settings read back did not match what was asked for, or the files on disk are not a
 * usable database. The process must not serve from such a database (docs/testing.md,
 * "Bad input" and "Storage crash consistency").
 */
export class DatabaseSetupError extends Error {
  override readonly name = "DatabaseSetupError";
}

const SYNCHRONOUS_CODES: Readonly<Record<SynchronousLevel, number>> = { NORMAL: 1, FULL: 2 };

/**
 * Opens (creating if needed) the SQLite database at `path` in WAL mode with every pragma
 * stated explicitly, reads back journal_mode and synchronous and throws DatabaseSetupError
 * if SQLite did not honour them (docs/testing.md, Storage crash consistency: the
 * configuration assertion), optionally runs quick_check, then brings the schema up to date.
 *
 * It refuses a write-ahead log without its database (`<path>-wal` present, `<path>`
 * absent): opening would silently start from an empty database and discard the log.
 * A newly created database file has its directory fsynced, so the file itself survives a
 * power loss (SQLite fsyncs the directory for the WAL it creates, not for the database).
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): SqliteDatabase {
  assertValidOptions(options);
  const existed = existsSync(path);
  if (!existed && existsSync(`${path}-wal`)) {
    throw new DatabaseSetupError(`${path}-wal exists without its database ${path}`);
  }
  const db = new Database(path);
  try {
    applyPragmas(db, options);
    if (options.integrityCheck === "quick") quickCheck(db, path);
    migrate(db, options.migrations);
  } catch (error) {
    db.close();
    // A garbage file fails here with SQLITE_NOTADB; a newer schema with SchemaVersionError.
    // Both mean "do not serve from this directory"; broken invariants stay assertions.
    if (error instanceof AssertionError || error instanceof DatabaseSetupError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatabaseSetupError(`cannot use ${path}: ${detail}`, { cause: error });
  }
  if (!existed) fsyncDirectory(dirname(path));
  return db;
}

/** Makes a directory entry (a created or renamed file) durable. */
export function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` (replacing it) and fsyncs the file before returning. The caller
 * renames it into place and then fsyncs the directory (fsyncDirectory) to make it durable.
 */
export function writeFileDurably(path: string, data: Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    let written = 0;
    while (written < data.byteLength) {
      written += writeSync(fd, data, written, data.byteLength - written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function assertValidOptions(options: OpenDatabaseOptions): void {
  if (!Number.isSafeInteger(options.busyTimeoutMs) || options.busyTimeoutMs < 0) {
    throw new RangeError(`busyTimeoutMs must be a non-negative integer`);
  }
  if (!Number.isSafeInteger(options.walAutocheckpointPages) || options.walAutocheckpointPages < 1) {
    throw new RangeError(`walAutocheckpointPages must be a positive integer`);
  }
}

function applyPragmas(db: SqliteDatabase, options: OpenDatabaseOptions): void {
  // busy_timeout first: switching to WAL needs a lock that another connection may hold.
  db.pragma(`busy_timeout = ${String(options.busyTimeoutMs)}`);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma("foreign_keys = ON");
  db.pragma(`wal_autocheckpoint = ${String(options.walAutocheckpointPages)}`);
  // Raft data never needs SQLite to trust functions named in the schema.
  db.pragma("trusted_schema = OFF");

  const journalMode = db.pragma("journal_mode", { simple: true });
  if (journalMode !== "wal") {
    throw new DatabaseSetupError(`journal_mode is ${String(journalMode)}, expected wal`);
  }
  const synchronous = db.pragma("synchronous", { simple: true });
  if (synchronous !== SYNCHRONOUS_CODES[options.synchronous]) {
    throw new DatabaseSetupError(
      `synchronous is ${String(synchronous)}, expected ${options.synchronous}`,
    );
  }
  const foreignKeys = db.pragma("foreign_keys", { simple: true });
  if (foreignKeys !== 1) throw new DatabaseSetupError("foreign_keys did not switch on");
}

function quickCheck(db: SqliteDatabase, path: string): void {
  const rows = db.pragma("quick_check") as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((text) => text !== "ok");
  if (problems.length > 0) {
    throw new DatabaseSetupError(`${path} failed quick_check: ${problems.join("; ")}`);
  }
}
