/**
 * Goal: `raftkv restore` turns a backup file into a data directory whose Raft log starts
 * with a snapshot of that state (index = the image's applied index, term 1, the founding
 * configuration of --initial-cluster), whose snapshot store holds the file, and whose state
 * machine is the backup's; and it refuses, with one line and exit 1, every command line or
 * directory it must not act on, leaving the directory without a raft.db.
 * Method: a backup is made as a member's kv.db is (SqliteKvStateMachine applying commands,
 * then closed); runRestoreCommand() runs with the member flags a member would get; the data
 * directory is reopened with the member's own stores and read back. The end-to-end run (a
 * cluster restored from `raftkvctl snapshot save` serving reads, writes and a new member)
 * is test/integration/restore-backup.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry } from "./core/entry.js";
import { logIndex, nodeId, term } from "./core/ids.js";
import { openSnapshotStore, openStateMachine } from "./member-storage.js";
import { runRestoreCommand } from "./restore-command.js";
import { clusterIdOf, parseInitialCluster } from "./settings.js";
import { encodeKvCommand } from "./state-machine/kv-command.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";

const INITIAL_CLUSTER = "1=127.0.0.1:17380,2=127.0.0.1:17480,3=127.0.0.1:17580";
const text = new TextEncoder();

let root: string;
let backup: string;

function put(index: number, key: string, value: string): Entry {
  return {
    index: logIndex(index), term: term(3), kind: "command",
    data: encodeKvCommand({ type: "put", key: text.encode(key), value: text.encode(value) }),
  };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "raftkv-restore-"));
  // The backup: a state machine that applied entries 1..12 (puts at 10, 11 and 12).
  const source = join(root, "source");
  mkdirSync(source);
  const machine = openStateMachine({ dataDir: source, historyRevisions: 100 });
  machine.apply([
    ...Array.from({ length: 9 }, (_, i): Entry =>
      ({ index: logIndex(i + 1), term: term(3), kind: "noop", data: new Uint8Array(0) })),
    put(10, "a", "1"), put(11, "b", "2"), put(12, "a", "3"),
  ]);
  machine.close();
  backup = join(source, "kv.db");
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function restore(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  let stdout = "";
  let stderr = "";
  const code = runRestoreCommand(args, {
    stdout: { write: (chunk: string) => { stdout += chunk; } },
    stderr: { write: (chunk: string) => { stderr += chunk; } },
  }, env);
  return { code, stdout, stderr };
}

function memberFlags(id: number, dataDir: string): string[] {
  return ["--id", String(id), "--initial-cluster", INITIAL_CLUSTER, "--data-dir", dataDir];
}

describe("raftkv restore", () => {
  test("prepares a data directory that starts from the backup's state", () => {
    const dataDir = join(root, "restored-2");
    const run = restore(["--from", backup, ...memberFlags(2, dataDir)]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("applied index 12, revision 12");
    expect(run.stdout).toContain("voters [1, 2, 3], learners []");

    const clusterId = String(clusterIdOf(parseInitialCluster(INITIAL_CLUSTER)));
    const log = SqliteLogStore.open({
      ...SQLITE_LOG_STORE_SETTINGS, path: join(dataDir, "raft.db"),
      identity: { clusterId, memberId: nodeId(2) },
    });
    try {
      expect(log.snapshotMeta()).toEqual({
        index: 12, term: 1, config: { voters: [1, 2, 3], learners: [] },
      });
      expect(log.lastIndex()).toBe(12);
      expect(log.initialState().hardState).toEqual({ term: 1, vote: 0, commit: 12 });
    } finally {
      log.close();
    }
    const stored = openSnapshotStore(dataDir).get(logIndex(12));
    expect(stored?.meta.term).toBe(1);
    const machine = openStateMachine({ dataDir, historyRevisions: 100 });
    try {
      expect(machine.appliedIndex()).toBe(12);
      expect(machine.revision()).toBe(12);
      expect(Buffer.from(machine.get(text.encode("a"))!.value).toString()).toBe("3");
      expect(Buffer.from(machine.get(text.encode("b"))!.value).toString()).toBe("2");
    } finally {
      machine.close();
    }
  });

  test("refuses a directory that already holds a member's data", () => {
    const dataDir = join(root, "twice");
    expect(restore(["--from", backup, ...memberFlags(1, dataDir)]).code).toBe(0);
    const again = restore(["--from", backup, ...memberFlags(1, dataDir)]);
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toMatch(/^raftkv restore: --data-dir .* holds a member's data \(raft\.db\); restore into an empty directory\n$/);
  });

  test.each([
    ["no --from", (dir: string) => memberFlags(1, dir), /--from is required/],
    ["a missing file", (dir: string) => ["--from", join(root, "nope.db"), ...memberFlags(1, dir)],
      /--from .*nope\.db: no such file/],
    ["a file that is not a backup", (dir: string) => {
      const junk = join(root, "junk.db");
      writeFileSync(junk, "not a database at all, just text");
      return ["--from", junk, ...memberFlags(1, dir)];
    }, /--from .*junk\.db: not a raftkv backup: /],
    ["--join", (dir: string) => ["--from", backup, "--id", "4", "--join", "127.0.0.1:7379",
      "--data-dir", dir], /--join: a restore founds a new cluster/],
    ["an id missing from --initial-cluster", (dir: string) => ["--from", backup, "--id", "9",
      "--initial-cluster", INITIAL_CLUSTER, "--data-dir", dir], /does not list this member's --id 9/],
    ["no --data-dir", () => ["--from", backup, "--id", "1", "--initial-cluster", INITIAL_CLUSTER],
      /--data-dir is required/],
    ["an unknown flag", (dir: string) => ["--from", backup, ...memberFlags(1, dir), "--nope", "1"],
      /--nope: unknown flag/],
  ])("refuses %s with one line and no raft.db", (_name, args, message) => {
    const dataDir = join(root, `refused-${String(Math.random()).slice(2)}`);
    const run = restore(args(dataDir));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^raftkv restore: [^\n]+\n$/);
    expect(run.stderr).toMatch(message);
    expect(existsSync(join(dataDir, "raft.db"))).toBe(false);
  });

  test("prints its usage for --help", () => {
    const run = restore(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: raftkv restore --from <backup file>/);
  });
});
