// Goal: the migration runner applies each pending migration exactly once and in order, each
// atomically with its schema_version row, and asserts that a migration list has no gaps;
// RAFT_LOG_MIGRATIONS builds the documented schema with its single-row defaults.
// Method: run migrate() on in-memory databases (the runner needs no WAL); a failing
// migration checks that its half-done statements rolled back with it.
import Database from "better-sqlite3";
import { AssertionError } from "../../core/assert.js";
import { currentSchemaVersion, migrate, RAFT_LOG_MIGRATIONS, type Migration } from "./migrations.js";

const first: Migration = { version: 1, description: "a", sql: "CREATE TABLE a (x INTEGER) STRICT" };
const second: Migration = {
  version: 2,
  description: "b",
  sql: "CREATE TABLE b (x INTEGER) STRICT; INSERT INTO b VALUES (1)",
};

function tables(db: Database.Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  return (rows as { name: string }[]).map((row) => row.name);
}

describe("migrate", () => {
  it("applies pending migrations once, in order, and records each", () => {
    const db = new Database(":memory:");
    expect(migrate(db, [first])).toBe(1);
    expect(migrate(db, [first, second])).toBe(2);
    expect(migrate(db, [first, second])).toBe(2); // nothing pending: nothing re-run
    expect(db.prepare("SELECT COUNT(*) AS n FROM b").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT version, description FROM schema_version").all()).toEqual([
      { version: 1, description: "a" },
      { version: 2, description: "b" },
    ]);
  });

  it("rolls a failing migration back whole, schema_version row included", () => {
    const db = new Database(":memory:");
    const broken: Migration = {
      version: 2,
      description: "broken",
      sql: "CREATE TABLE c (x INTEGER) STRICT; INSERT INTO missing VALUES (1)",
    };
    expect(() => migrate(db, [first, broken])).toThrow(/no such table: missing/);
    expect(currentSchemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["a", "schema_version"]);
  });

  it("asserts that versions run 1..n without gaps", () => {
    const db = new Database(":memory:");
    expect(() => migrate(db, [second])).toThrow(AssertionError);
    expect(() => migrate(db, [first, first])).toThrow(AssertionError);
  });
});

describe("RAFT_LOG_MIGRATIONS", () => {
  it("creates the log, hard state, snapshot meta and identity tables with their rows", () => {
    const db = new Database(":memory:");
    migrate(db, RAFT_LOG_MIGRATIONS);
    expect(tables(db)).toEqual(["hard_state", "identity", "log_entry", "schema_version", "snapshot_meta"]);
    expect(db.prepare("SELECT term, vote, commit_index FROM hard_state").all()).toEqual([
      { term: 0, vote: 0, commit_index: 0 },
    ]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM identity").get()).toEqual({ n: 0 });
    // Single-row tables keep one row; the CHECKs refuse nonsense a bug might write.
    expect(() => db.prepare("INSERT INTO hard_state VALUES (2, 0, 0, 0)").run()).toThrow();
    expect(() => db.prepare("INSERT INTO log_entry VALUES (1, 1, 'other', x'')").run()).toThrow();
    expect(() => db.prepare("INSERT INTO log_entry VALUES (1, 1, 'noop', 'text')").run()).toThrow();
  });
});
