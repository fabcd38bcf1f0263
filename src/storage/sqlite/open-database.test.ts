// Goal: openDatabase() gives every caller a database configured as stated (WAL,
// synchronous read back, foreign keys on) and refuses what must not be served: a
// configuration SQLite did not honour (docs/testing.md, Storage crash consistency), a WAL
// without its database, a file that is not a database, a schema newer than the binary
// (docs/testing.md, Bad input).
// Method: open real files in a mkdtemp directory; break them by hand; check the typed error.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Migration } from "./migrations.js";
import { DatabaseSetupError, openDatabase, type OpenDatabaseOptions } from "./open-database.js";

const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "one table", sql: "CREATE TABLE item (id INTEGER PRIMARY KEY) STRICT" },
];

const OPTIONS: OpenDatabaseOptions = {
  synchronous: "FULL",
  busyTimeoutMs: 1000,
  walAutocheckpointPages: 500,
  integrityCheck: "quick",
  migrations: MIGRATIONS,
};

let directory = "";
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "raftkv-open-db-"));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("openDatabase", () => {
  it("applies and reads back every pragma, then the schema", () => {
    for (const synchronous of ["FULL", "NORMAL"] as const) {
      const db = openDatabase(join(directory, `${synchronous}.db`), { ...OPTIONS, synchronous });
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(synchronous === "FULL" ? 2 : 1);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(db.pragma("busy_timeout", { simple: true })).toBe(1000);
      expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(500);
      expect(db.prepare("SELECT COUNT(*) AS n FROM item").get()).toEqual({ n: 0 });
      db.close();
    }
  });

  it("fails the configuration assertion where WAL cannot be had (an in-memory database)", () => {
    expect(() => openDatabase(":memory:", OPTIONS)).toThrow(/journal_mode is memory/);
  });

  it("refuses a WAL file without its database", () => {
    const path = join(directory, "raft.db");
    writeFileSync(`${path}-wal`, "x");
    expect(() => openDatabase(path, OPTIONS)).toThrow(DatabaseSetupError);
  });

  it("refuses a file that is not a SQLite database", () => {
    const path = join(directory, "raft.db");
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    expect(() => openDatabase(path, OPTIONS)).toThrow(DatabaseSetupError);
  });

  it("refuses a schema newer than the binary, and reopens a current one", () => {
    const path = join(directory, "raft.db");
    const newer: Migration = { version: 2, description: "later", sql: "CREATE TABLE later (x INTEGER) STRICT" };
    openDatabase(path, { ...OPTIONS, migrations: [...MIGRATIONS, newer] }).close();
    expect(() => openDatabase(path, OPTIONS)).toThrow(/newer than this binary/);
    const db = openDatabase(path, { ...OPTIONS, migrations: [...MIGRATIONS, newer] });
    db.close();
  });

  it("refuses nonsensical settings", () => {
    const path = join(directory, "raft.db");
    expect(() => openDatabase(path, { ...OPTIONS, busyTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => openDatabase(path, { ...OPTIONS, walAutocheckpointPages: 0 })).toThrow(RangeError);
  });
});
