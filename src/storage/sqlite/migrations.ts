import type Database from "better-sqlite3";
import { assert } from "../../core/assert.js";

/**
 * One schema step. Migrations are append-only: a released migration is never edited or
 * removed, only followed by a new one, because data directories in the field already carry
 * its effect and its version number in `schema_version`.
 */
export interface Migration {
  /** 1, 2, 3, ... with no gaps, in the order they must run. */
  readonly version: number;
  readonly description: string;
  /** One or more SQL statements; they run inside the migration's transaction. */
  readonly sql: string;
}

/** The database was written by a newer raftkv (a schema this binary does not know). */
export class SchemaVersionError extends Error {
  override readonly name = "SchemaVersionError";
}

/**
 * Brings the schema up to the newest of `migrations`. Each pending migration runs in its
 * own transaction together with its `schema_version` row, so a crash leaves the schema at
 * exactly some version. Throws SchemaVersionError if the database is already past the
 * newest migration given (an older binary must not write a newer schema).
 * Precondition: versions are 1..n in order. Returns the schema version now in force.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number {
  migrations.forEach((migration, i) => {
    assert(migration.version === i + 1, `migration ${String(i + 1)} is missing or out of order`);
  });
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (" +
      "version INTEGER PRIMARY KEY, description TEXT NOT NULL) STRICT",
  );
  const current = currentSchemaVersion(db);
  if (current > migrations.length) {
    throw new SchemaVersionError(
      `schema version ${String(current)} is newer than this binary's ${String(migrations.length)}`,
    );
  }
  const record = db.prepare("INSERT INTO schema_version (version, description) VALUES (?, ?)");
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.description);
    }).immediate();
  }
  const after = currentSchemaVersion(db);
  assert(after === migrations.length, "migrations did not reach the newest version");
  return after;
}

/** The highest migration applied so far; 0 for a new database. */
export function currentSchemaVersion(db: Database.Database): number {
  const row = db.prepare("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version").get();
  const version = (row as { version: unknown }).version;
  assert(typeof version === "number" && Number.isSafeInteger(version), "bad schema_version");
  return version;
}

/**
 * The schema of a member's Raft database (src/storage/sqlite/sqlite-log-store.ts): the
 * log, the hard state, the snapshot metadata (whose `config` is the membership in force at
 * the snapshot; later configurations live in `config` entries of the log) and the identity
 * that ties the directory to one member of one cluster (docs/testing.md, Bad input).
 * Single-row tables enforce their one row with `CHECK (id = 1)`.
 */
export const RAFT_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "log entries, hard state, snapshot metadata, identity",
    sql: `
      CREATE TABLE log_entry (
        log_index INTEGER PRIMARY KEY CHECK (log_index >= 1),
        term INTEGER NOT NULL CHECK (term >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('command', 'noop', 'config')),
        data BLOB NOT NULL
      ) STRICT;
      CREATE TABLE hard_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        term INTEGER NOT NULL CHECK (term >= 0),
        vote INTEGER NOT NULL CHECK (vote >= 0),
        commit_index INTEGER NOT NULL CHECK (commit_index >= 0)
      ) STRICT;
      INSERT INTO hard_state (id, term, vote, commit_index) VALUES (1, 0, 0, 0);
      CREATE TABLE snapshot_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        snapshot_index INTEGER NOT NULL CHECK (snapshot_index >= 0),
        snapshot_term INTEGER NOT NULL CHECK (snapshot_term >= 0),
        config TEXT NOT NULL
      ) STRICT;
      INSERT INTO snapshot_meta (id, snapshot_index, snapshot_term, config)
        VALUES (1, 0, 0, '{"v":1,"voters":[],"learners":[]}');
      CREATE TABLE identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cluster_id TEXT NOT NULL,
        member_id INTEGER NOT NULL CHECK (member_id >= 1)
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: "index of config entries, so a restart reads only those",
    sql: "CREATE INDEX log_entry_config ON log_entry (log_index) WHERE kind = 'config';",
  },
];
