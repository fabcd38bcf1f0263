// Goal: SqliteLogStore keeps every promise it made across crashes
// (docs/testing.md, Storage crash consistency).
// 1. Mid-write kill: a child process (crash-child.ts) appends entries and hard state with
//    the production store and reports each write only after persist() returned; the parent
//    kills it with SIGKILL at random moments, reopens the same database every time and
//    checks: the log is contiguous, every byte of every entry is what was written, every
//    acknowledged entry is there with its term (or compacted into the snapshot), and the
//    hard state is never older than the last acknowledged one.
// 2. Lost WAL tail: copies of the database and its WAL, with the WAL truncated at random
//    offsets or damaged by one flipped byte (an unsynced or torn tail), must open to exactly
//    one of the states the writer went through, never a mixture, never an error.
// Method: real processes and files in a mkdtemp directory. The child runs from dist/ (it
// needs JavaScript); beforeAll rebuilds dist/ with tsconfig.build.json when any source is
// newer than the compiled child. RAFTKV_CRASH_ITERATIONS sets the number of kills (default
// 40; CI's larger tier uses about 200); the seed is printed so a failure can be replayed
// with RAFTKV_CRASH_SEED.
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { HardState } from "../../src/core/entry.js";
import { logIndex, nodeId, term, type LogIndex } from "../../src/core/ids.js";
import { SeededRandom } from "../../src/core/random.js";
import { assertContiguousEntries } from "../../src/core/unstable-log.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "../../src/storage/sqlite/sqlite-log-store.js";
import { CRASH_IDENTITY, crashEntryData } from "./crash-child.js";

const ROOT = resolve(__dirname, "../..");
const CHILD = join(ROOT, "dist/test/storage/crash-child.js");
const ITERATIONS = Number(process.env["RAFTKV_CRASH_ITERATIONS"] ?? "40");
const SEED = Number(process.env["RAFTKV_CRASH_SEED"] ?? String(Date.now() % 1_000_000));

interface Ack {
  readonly lastIndex: number;
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
}

let directory = "";

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "raftkv-crash-"));
  buildChildIfStale();
}, 300_000);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The newest modification time among the sources the child is compiled from. */
function newestSourceMs(path: string): number {
  if (!statSync(path).isDirectory()) return path.endsWith(".ts") ? statSync(path).mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((name) => newestSourceMs(join(path, name))));
}

function buildChildIfStale(): void {
  const sources = ["src/core", "src/storage", "test/storage"].map((p) => join(ROOT, p));
  const newest = Math.max(...sources.map(newestSourceMs));
  if (existsSync(CHILD) && statSync(CHILD).mtimeMs >= newest) return;
  // tsc emits even when unrelated files have type errors; what matters is the child's file.
  const build = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
  if (!existsSync(CHILD) || statSync(CHILD).mtimeMs < newest) {
    throw new Error(`could not build ${CHILD}:\n${build.stdout}${build.stderr}`);
  }
}

/** Runs the child until `killAfterMs` after it reported ready, SIGKILLs it, returns its acks. */
async function runAndKill(path: string, seed: number, killAfterMs: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [CHILD, path, String(seed)], {
    env: { ...process.env, RAFTKV_CRASH_CHILD: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((done) => {
    child.on("exit", (_code, signal) => done(signal));
  });
  child.stdout.on("data", (chunk: string) => {
    const wasReady = stdout.includes("ready");
    stdout += chunk;
    if (!wasReady && stdout.includes("ready")) {
      setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    }
  });
  const signal = await exited;
  if (signal !== "SIGKILL") throw new Error(`child ended without being killed:\n${stderr}`);
  // Only complete lines count: a line cut by the kill was never fully reported.
  const lines = stdout.split("\n").slice(0, -1);
  return lines
    .filter((line) => line.startsWith("ack "))
    .map((line) => {
      const [lastIndex, ackTerm, vote, commit] = line.split(" ").slice(1).map(Number);
      return { lastIndex: lastIndex!, term: ackTerm!, vote: vote!, commit: commit! };
    });
}

/** Opens the database and checks everything it holds against how the child writes. */
function openAndCheck(path: string): SqliteLogStore {
  const settings = { path, identity: CRASH_IDENTITY, ...SQLITE_LOG_STORE_SETTINGS };
  const store = SqliteLogStore.open(settings);
  const first = store.firstIndex();
  const last = store.lastIndex();
  if (first <= last) {
    const entries = store.entries(first, logIndex(last + 1), Infinity);
    expect(entries.length).toBe(last - first + 1);
    assertContiguousEntries(entries);
    for (const entry of entries) {
      expect(Buffer.compare(entry.data, crashEntryData(entry.index, entry.term))).toBe(0);
    }
  }
  return store;
}

function expectKeeps(store: SqliteLogStore, ack: Ack): void {
  const hardState: HardState = store.initialState().hardState;
  expect(store.lastIndex()).toBeGreaterThanOrEqual(ack.lastIndex);
  if (ack.lastIndex > store.snapshotMeta().index) {
    expect(store.term(logIndex(ack.lastIndex))).toBe(ack.term);
  }
  expect(hardState.term).toBeGreaterThanOrEqual(ack.term);
  expect(hardState.commit).toBeGreaterThanOrEqual(ack.commit);
  if (hardState.term === ack.term) expect(hardState.vote).toBe(ack.vote);
}

describe("SqliteLogStore under SIGKILL", () => {
  it("keeps every acknowledged write, contiguous and intact, across repeated kills", async () => {
    const path = join(directory, "killed.db");
    const random = new SeededRandom(SEED);
    let lastAck: Ack | undefined;
    let acknowledged = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const acks = await runAndKill(path, SEED + iteration, random.intBelow(60));
      acknowledged += acks.length;
      lastAck = acks[acks.length - 1] ?? lastAck;
      const store = openAndCheck(path);
      try {
        if (lastAck !== undefined) expectKeeps(store, lastAck);
      } finally {
        store.close();
      }
    }
    console.log(
      `crash test (seed ${String(SEED)}): ${String(ITERATIONS)} kills, ` +
        `${String(acknowledged)} acknowledged writes, all kept`,
    );
    expect(acknowledged).toBeGreaterThan(0); // the kills must land in the write loop
  }, 600_000);
});

describe("SqliteLogStore with a lost or torn WAL tail", () => {
  interface State {
    readonly lastIndex: LogIndex;
    readonly hardState: HardState;
  }

  /** Writes batches: the first ten are checkpointed into the database, the rest stay in the WAL. */
  function writeHistory(path: string): { states: State[]; walBytes: number } {
    const store = SqliteLogStore.open({
      path,
      identity: CRASH_IDENTITY,
      ...SQLITE_LOG_STORE_SETTINGS,
      walAutocheckpointPages: 1_000_000, // nothing leaves the WAL unless we say so
    });
    const states: State[] = [];
    const random = new SeededRandom(SEED);
    for (let batch = 0; batch < 80; batch++) {
      const last = store.lastIndex();
      const batchTerm = term(1 + Math.floor(batch / 10));
      const count = 1 + random.intBelow(4);
      const entries = Array.from({ length: count }, (_, i) => ({
        index: logIndex(last + 1 + i),
        term: batchTerm,
        kind: "command" as const,
        data: crashEntryData(last + 1 + i, batchTerm),
      }));
      const hardState = { term: batchTerm, vote: nodeId(1 + (batch % 3)), commit: logIndex(last) };
      store.persist({ entries, hardState });
      states.push({ lastIndex: store.lastIndex(), hardState });
      if (batch === 9) {
        const side = new Database(path); // a second connection only checkpoints
        side.pragma("wal_checkpoint(TRUNCATE)");
        side.close();
      }
    }
    copyFileSync(path, `${path}.copy`);
    copyFileSync(`${path}-wal`, `${path}-wal.copy`);
    store.close();
    return { states: states.slice(9), walBytes: statSync(`${path}-wal.copy`).size };
  }

  /** Opens a copy whose WAL went through `damage`; returns the state it recovered. */
  function recover(source: string, name: string, damage: (wal: string) => void): State {
    const path = join(directory, name);
    copyFileSync(`${source}.copy`, path);
    copyFileSync(`${source}-wal.copy`, `${path}-wal`);
    damage(`${path}-wal`);
    const store = openAndCheck(path);
    try {
      return { lastIndex: store.lastIndex(), hardState: store.initialState().hardState };
    } finally {
      store.close();
    }
  }

  it("recovers exactly one earlier state, later for longer WALs", () => {
    const source = join(directory, "history.db");
    const { states, walBytes } = writeHistory(source);
    const byLastIndex = new Map(states.map((s) => [s.lastIndex as number, s]));
    const random = new SeededRandom(SEED + 1);
    const randomOffsets = Array.from({ length: 30 }, () => random.intBelow(walBytes));
    const offsets = [0, 32, walBytes, ...randomOffsets];
    offsets.sort((a, b) => a - b);
    let previous = 0;
    offsets.forEach((offset, i) => {
      const truncate = (wal: string): void => truncateSync(wal, offset);
      const recovered = recover(source, `truncated-${String(i)}.db`, truncate);
      // A state the writer went through, entries and hard state together, never a mixture.
      expect(recovered).toEqual(byLastIndex.get(recovered.lastIndex));
      expect(recovered.lastIndex).toBeGreaterThanOrEqual(previous);
      previous = recovered.lastIndex;
    });
    expect(previous).toBe(states[states.length - 1]!.lastIndex); // the whole WAL: everything
  });

  it("stops at a damaged frame: a flipped byte loses that commit and what follows", () => {
    const source = join(directory, "flipped.db");
    const { states, walBytes } = writeHistory(source);
    const byLastIndex = new Map(states.map((s) => [s.lastIndex as number, s]));
    const random = new SeededRandom(SEED + 2);
    for (let i = 0; i < 10; i++) {
      const offset = 32 + random.intBelow(walBytes - 32); // past the WAL header
      const recovered = recover(source, `flipped-${String(i)}.db`, (wal) => {
        const bytes = readFileSync(wal);
        bytes[offset] = bytes[offset]! ^ 0x5a;
        writeFileSync(wal, bytes);
      });
      expect(recovered).toEqual(byLastIndex.get(recovered.lastIndex));
    }
  });
});
