/**
 * Goal: `raftkv recover` rewrites a stopped member's Raft state so that it is the only voter
 * (one durable `config` entry after its log, in the current term), changes nothing else,
 * refuses every directory it must not touch, and leaves a state from which the core elects
 * itself alone and commits the whole log.
 * Method: real raft.db files in temp directories, created as a member creates them
 * (SqliteLogStore + bootstrapEntries of a 3-voter cluster, then entries as replication
 * writes them); run recover(), reopen with SqliteLogStore and read the log back; for the
 * election, drive a RaftCore over the reopened store with the Ready loop (persist, advance,
 * persisted) and ticks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { bootstrapEntries } from "./core/bootstrap.js";
import type { Entry, MembershipConfig } from "./core/entry.js";
import { logIndex, nodeId, term } from "./core/ids.js";
import { decodeMembershipConfig, encodeMembershipConfig, makeConfig }
  from "./core/membership-config.js";
import { DEFAULT_RAFT_CONFIG } from "./core/raft-config.js";
import { RaftCore } from "./core/raft-core.js";
import { SeededRandom } from "./core/random.js";
import { recover, RecoverRefusal, runRecoverCommand, soleVoterConfig } from "./recover-command.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";

const CLUSTER_ID = "4242";

let root: string;
let dirCount = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "raftkv-recover-"));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function newDir(): string {
  dirCount += 1;
  return mkdtempSync(join(root, `member-${String(dirCount)}-`));
}

function openStore(dir: string, memberId = 1): SqliteLogStore {
  return SqliteLogStore.open({
    ...SQLITE_LOG_STORE_SETTINGS, path: join(dir, "raft.db"),
    identity: { clusterId: CLUSTER_ID, memberId: nodeId(memberId) },
  });
}

function command(index: number, entryTerm: number): Entry {
  return {
    index: logIndex(index), term: term(entryTerm), kind: "command",
    data: new TextEncoder().encode(`put k${String(index)}`),
  };
}

function configEntry(index: number, entryTerm: number, config: MembershipConfig): Entry {
  return { index: logIndex(index), term: term(entryTerm), kind: "config", data: encodeMembershipConfig(config) };
}

/**
 * A member of a 3-voter cluster as a crash leaves it: bootstrapped, then entries of terms 2
 * and 3 (commit at 4, the rest not yet committed), hard state term `hardTerm`.
 */
function memberDir(
  options: { memberId?: number; hardTerm?: number; voters?: number[] } = {},
): string {
  const dir = newDir();
  const store = openStore(dir, options.memberId ?? 1);
  store.persist(bootstrapEntries(makeConfig(options.voters ?? [1, 2, 3])));
  store.persist({
    entries: [command(2, 2), command(3, 2), command(4, 3), command(5, 3), command(6, 3)],
    hardState: { term: term(options.hardTerm ?? 3), vote: nodeId(2), commit: logIndex(4) },
  });
  store.close();
  return dir;
}

function readBack(dir: string, memberId = 1): {
  entries: Entry[]; hardState: ReturnType<SqliteLogStore["initialState"]>["hardState"];
} {
  const store = openStore(dir, memberId);
  try {
    const entries = store.entries(store.firstIndex(), logIndex(store.lastIndex() + 1), 1 << 30);
    return { entries, hardState: store.initialState().hardState };
  } finally {
    store.close();
  }
}

function captureIo(): {
  io: Parameters<typeof runRecoverCommand>[1]; out: () => string; err: () => string;
} {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
    out: () => stdout,
    err: () => stderr,
  };
}

describe("recover rewrites the membership", () => {
  it("appends voters = [self] at lastIndex + 1 in the current term, and nothing else", () => {
    const dir = memberDir({ hardTerm: 5 });
    const before = readBack(dir);
    const outcome = recover({ dataDir: dir });
    expect(outcome).toEqual({
      action: "recovered",
      identity: { clusterId: CLUSTER_ID, memberId: 1 },
      oldConfig: makeConfig([1, 2, 3]), newConfig: makeConfig([1]),
      index: 7, term: 5,
    });
    const after = readBack(dir);
    expect(after.entries.slice(0, -1)).toEqual(before.entries);
    const added = after.entries[after.entries.length - 1]!;
    expect(added).toMatchObject({ index: 7, term: 5, kind: "config" });
    expect(decodeMembershipConfig(added.data)).toEqual(makeConfig([1]));
    expect(after.hardState).toEqual(before.hardState);
  });

  it("takes the last entry's term when it is above the hard state's", () => {
    const dir = memberDir({ hardTerm: 2 });
    const outcome = recover({ dataDir: dir });
    expect(outcome).toMatchObject({ action: "recovered", index: 7, term: 3 });
  });

  it("starts from the latest config entry, committed or not", () => {
    const dir = memberDir({ memberId: 3 });
    const store = openStore(dir, 3);
    store.persist({ entries: [configEntry(7, 3, makeConfig([1, 2, 3], [4])), command(8, 3)] });
    store.close();
    const outcome = recover({ dataDir: dir });
    expect(outcome).toMatchObject({
      action: "recovered", identity: { memberId: 3 },
      oldConfig: makeConfig([1, 2, 3], [4]), newConfig: makeConfig([3]), index: 9, term: 3,
    });
  });

  it("starts from the snapshot's config when the log after it holds none", () => {
    const dir = memberDir();
    const store = openStore(dir);
    store.persist({ entries: [configEntry(7, 3, makeConfig([1, 2, 3, 5])), command(8, 3)] });
    store.compact({ index: logIndex(8), term: term(3), config: makeConfig([1, 2, 3, 5]) });
    store.close();
    const outcome = recover({ dataDir: dir });
    expect(outcome).toMatchObject({
      action: "recovered", oldConfig: makeConfig([1, 2, 3, 5]), index: 9, term: 3,
    });
    expect(readBack(dir).entries.map((entry) => entry.index)).toEqual([9]);
  });

  it("does nothing when the member already is the only voter, as after a recover", () => {
    const dir = memberDir();
    recover({ dataDir: dir });
    const before = readBack(dir);
    expect(recover({ dataDir: dir })).toEqual({
      action: "unchanged", identity: { clusterId: CLUSTER_ID, memberId: 1 }, config: makeConfig([1]),
    });
    expect(readBack(dir)).toEqual(before);
  });

  it("accepts --id that matches the recorded member", () => {
    const dir = memberDir({ memberId: 2 });
    expect(recover({ dataDir: dir, memberId: nodeId(2) })).toMatchObject({ action: "recovered" });
  });

  it("needs --id and --cluster-id only when raft.db does not record them", () => {
    const dir = memberDir({ memberId: 2 });
    const db = new Database(join(dir, "raft.db"));
    db.prepare("DELETE FROM identity").run(); // As no member ever leaves it; tests only.
    db.close();
    expect(() => recover({ dataDir: dir })).toThrow(/give --id and --cluster-id/);
    expect(recover({ dataDir: dir, memberId: nodeId(2), clusterId: CLUSTER_ID }))
      .toMatchObject({ action: "recovered", identity: { clusterId: CLUSTER_ID, memberId: 2 } });
  });

  it("keeps only this member's own address record", () => {
    const address = (id: number) => ({
      id: nodeId(id), peerAddress: `10.0.0.${String(id)}:7380`,
      clientAddress: `10.0.0.${String(id)}:7379`, autoPromote: false,
    });
    const old: MembershipConfig = {
      ...makeConfig([1, 2, 3]), addresses: [address(1), address(2), address(3)],
    };
    expect(soleVoterConfig(old, nodeId(2)))
      .toEqual({ voters: [2], learners: [], addresses: [address(2)] });
    expect(soleVoterConfig(makeConfig([1, 2]), nodeId(1))).toEqual({ voters: [1], learners: [] });

    const dir = newDir();
    const store = openStore(dir, 2);
    store.persist(bootstrapEntries(old));
    store.close();
    expect(recover({ dataDir: dir })).toMatchObject({ action: "recovered", index: 2, term: 1 });
    const added = readBack(dir, 2).entries[1]!;
    expect(decodeMembershipConfig(added.data))
      .toEqual({ voters: [2], learners: [], addresses: [address(2)] });
    // Alone with its own address is alone: a second run changes nothing.
    expect(recover({ dataDir: dir })).toMatchObject({ action: "unchanged" });
  });
});

describe("recover refuses", () => {
  const refusal = (run: () => unknown): string => {
    try {
      run();
    } catch (error: unknown) {
      if (error instanceof RecoverRefusal) return error.message;
      throw error;
    }
    throw new Error("recover did not refuse");
  };

  it("a directory without raft.db, and creates nothing there", () => {
    const dir = newDir();
    expect(refusal(() => recover({ dataDir: dir }))).toMatch(/no raft\.db here/);
    expect(refusal(() => recover({ dataDir: join(dir, "absent") }))).toMatch(/no such directory/);
    expect(() => openStore(dir).close()).not.toThrow(); // Nothing half-made was left behind.
  });

  it("a raft.db that a running member holds open", () => {
    const dir = memberDir();
    const running = openStore(dir); // A member keeps its connections open while it runs.
    try {
      expect(refusal(() => recover({ dataDir: dir }))).toMatch(/in use by another process: the member is running/);
    } finally {
      running.close();
    }
    expect(readBack(dir).entries).toHaveLength(6);
  });

  it("an --id that is not the recorded member's", () => {
    const dir = memberDir();
    expect(refusal(() => recover({ dataDir: dir, memberId: nodeId(2) })))
      .toMatch(/--id 2: raft\.db belongs to member 1 of cluster "4242"/);
  });

  it("a member that is not in its own membership", () => {
    const dir = memberDir({ memberId: 4, voters: [1, 2, 3] });
    expect(refusal(() => recover({ dataDir: dir }))).toMatch(/member 4 is not in the membership in force/);
  });
});

describe("after recover, the core", () => {
  it("campaigns alone, wins, and commits the whole log", () => {
    const dir = memberDir({ hardTerm: 4 });
    recover({ dataDir: dir });
    const store = openStore(dir);
    try {
      const core = new RaftCore({
        config: { ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1) }, storage: store,
        random: new SeededRandom(7),
      });
      expect(core.membership()).toEqual(makeConfig([1]));
      for (let tick = 0; tick < 10 * DEFAULT_RAFT_CONFIG.electionTicks; tick++) {
        core.tick();
        while (core.hasReady()) {
          const ready = core.ready();
          expect(ready.messages).toEqual([]); // Nobody else to ask.
          const write = ready.write;
          if (write !== undefined) {
            const { snapshot, entries, hardState } = write;
            store.persist({ snapshot, entries, hardState });
          }
          core.advance(ready);
          if (write !== undefined) core.persisted(write);
        }
      }
      const status = core.status();
      expect(status).toMatchObject({ role: "leader", leader: 1, term: 5 });
      // The leader's no-op follows the recovery entry (7) and commits everything before it.
      expect(status.lastIndex).toBe(8);
      expect(status.commitIndex).toBe(8);
    } finally {
      store.close();
    }
  });
});

describe("raftkv recover (command line)", () => {
  it("prints the old and new membership, the entry and the next step", () => {
    const dir = memberDir({ hardTerm: 3 });
    const { io, out, err } = captureIo();
    expect(runRecoverCommand(["--data-dir", dir], io)).toBe(0);
    expect(err()).toBe("");
    expect(out()).toContain('member 1 of cluster "4242" is now the only voter');
    expect(out()).toContain("old membership: voters [1, 2, 3], learners []");
    expect(out()).toContain("new membership: voters [1], learners []");
    expect(out()).toContain("appended config entry: index 7, term 3 (durable)");
    expect(out()).toContain("start the member with the same flags; it will elect itself; " +
      "then add members back with raftkvctl member add");
  });

  it("prints its usage for --help, exit 0", () => {
    const { io, out } = captureIo();
    expect(runRecoverCommand(["--help"], io)).toBe(0);
    expect(out()).toMatch(/^Usage: raftkv recover --data-dir <dir>/);
  });

  it("says nothing needed doing, exit 0, when the member is already alone", () => {
    const dir = memberDir();
    runRecoverCommand(["--data-dir", dir], captureIo().io);
    const { io, out } = captureIo();
    expect(runRecoverCommand(["--data-dir", dir], io)).toBe(0);
    expect(out()).toMatch(/^raftkv recover: nothing to do: member 1 .* is already the only voter/);
  });

  it("refuses with one line on stderr and exit 1", () => {
    const dir = newDir();
    const cases: [string[], RegExp][] = [
      [["--data-dir", dir], /^raftkv recover: --data-dir .*: no raft\.db here; is this a member's data directory\?\n$/],
      [["--data-dir", dir, "--id", "0"], /^raftkv recover: --id 0: must be a positive integer\n$/],
      [[], /^raftkv recover: --data-dir is required \(raftkv recover --help shows the usage\)\n$/],
      [["--data-dir", dir, "--bogus", "1"], /^raftkv recover: Unknown option '--bogus' \(.*\)\n$/],
      [["--data-dir", dir, "extra"], /^raftkv recover: Unexpected argument 'extra'.*\n$/],
    ];
    for (const [argv, expected] of cases) {
      const { io, out, err } = captureIo();
      expect(runRecoverCommand(argv, io)).toBe(1);
      expect(err()).toMatch(expected);
      expect(out()).toBe("");
    }
  });
});
