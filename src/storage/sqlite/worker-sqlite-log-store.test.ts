// Goal: WorkerSqliteLogStore keeps the AsyncLogStore contract with its writes in a worker
// thread: onDurable runs in start order, once each, never inside the call; a persist shows
// in the reader view from its onDurable on and a compaction at once; what was reported
// durable survives close and reopen, and a killed worker leaves whole batches only; the
// main event loop runs while writes are in flight; a failed write is fatal, never ignored.
// Method: real worker threads (running the TypeScript sources through @swc/core, see
// startLogWriteWorker) on SQLite files in mkdtemp directories; a plain SqliteLogStore
// reopens each file afterwards to see what is on disk. Counts are asserted, never times.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssertionError } from "../../core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../../core/entry.js";
import { nodeId } from "../../core/ids.js";
import type { PersistBatch } from "../log-store.js";
import {
  IdentityMismatchError,
  SQLITE_LOG_STORE_SETTINGS,
  SqliteLogStore,
  type MemberIdentity,
} from "./sqlite-log-store.js";
import { LOG_WRITES_IN_FLIGHT_MAX, WorkerSqliteLogStore } from "./worker-sqlite-log-store.js";
import { entry, hardState, idx, run, snapshotAt } from "../../../test/harness/log-fixtures.js";

const IDENTITY: MemberIdentity = { clusterId: "test-cluster", memberId: nodeId(1) };

const directories: string[] = [];
const stores: WorkerSqliteLogStore[] = [];
/** What onFatal reported, per test; a test that expects none asserts it stayed empty. */
let fatalErrors: Error[] = [];
let fatalWaiters: (() => void)[] = [];

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "raftkv-worker-log-"));
  directories.push(directory);
  return join(directory, "raft.db");
}

async function openWorkerStore(path: string): Promise<WorkerSqliteLogStore> {
  const store = await WorkerSqliteLogStore.open({
    path,
    identity: IDENTITY,
    ...SQLITE_LOG_STORE_SETTINGS,
    onFatal: (error) => {
      fatalErrors.push(error);
      for (const waiter of fatalWaiters.splice(0)) waiter();
    },
  });
  stores.push(store);
  return store;
}

function nextFatal(): Promise<void> {
  return new Promise((resolve) => fatalWaiters.push(resolve));
}

interface DiskState {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMeta;
  readonly last: number;
  readonly entries: readonly Entry[];
}

/** What a plain SqliteLogStore finds in the file: the durable state, after close or a kill. */
function onDisk(path: string): DiskState {
  const store = SqliteLogStore.open({ path, identity: IDENTITY, ...SQLITE_LOG_STORE_SETTINGS });
  try {
    const first = store.firstIndex();
    const last = store.lastIndex();
    const entries = first <= last ? store.entries(first, idx(last + 1), Infinity) : [];
    return { ...store.initialState(), last, entries };
  } finally {
    store.close();
  }
}

/** Starts `batch` and resolves once it is durable. */
function persisted(store: WorkerSqliteLogStore, batch: PersistBatch): Promise<void> {
  return new Promise((resolve) => store.persist(batch, resolve));
}

const bytesOf = (entries: readonly Entry[]): number[][] =>
  entries.map((e) => [e.index, e.term, ...e.data]);

beforeEach(() => {
  fatalErrors = [];
  fatalWaiters = [];
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

describe("WorkerSqliteLogStore", () => {
  it("reports writes durable in start order, each once, never inside the call", async () => {
    const store = await openWorkerStore(databasePath());
    await persisted(store, { entries: run(1, [1, 1, 1, 1]), hardState: hardState(1, 4) });
    const done: string[] = [];
    let inCall = false;
    const record = (name: string) => (): void => {
      expect(inCall).toBe(false);
      done.push(name);
    };
    inCall = true;
    store.persist({ entries: run(5, [1]) }, record("p5"));
    store.compact(snapshotAt(3, 1), record("c3"));
    store.persist({ entries: run(6, [2]), hardState: hardState(2, 5) }, record("p6"));
    store.persist({ entries: [], hardState: hardState(3, 5) }, record("hs"));
    inCall = false;
    await store.close();
    expect(done).toEqual(["p5", "c3", "p6", "hs"]);
    expect(fatalErrors).toEqual([]);
  });

  it("shows a persisted batch from its onDurable on, and not before", async () => {
    const store = await openWorkerStore(databasePath());
    const seen: unknown[] = [];
    await new Promise<void>((resolve) => {
      store.persist({ entries: run(1, [1, 1, 2], 5), hardState: hardState(2, 2) }, () => {
        seen.push([store.lastIndex(), store.term(idx(3)), store.initialState().hardState]);
        seen.push(bytesOf(store.entries(idx(1), idx(4), Infinity)));
        resolve();
      });
      seen.push([store.lastIndex(), store.term(idx(3)), store.initialState().hardState]);
    });
    expect(seen).toEqual([
      [0, undefined, hardState(0, 0)],
      [3, 2, hardState(2, 2)],
      bytesOf(run(1, [1, 1, 2], 5)),
    ]);
    expect(fatalErrors).toEqual([]);
  });

  it("shows a compaction at once, and writes it after the persists started before it", async () => {
    const path = databasePath();
    const store = await openWorkerStore(path);
    const terms = [1, 1, 1, 1, 2, 2, 2, 2];
    await persisted(store, { entries: run(1, terms), hardState: hardState(2, 3) });
    const done: string[] = [];
    // The view shows the compaction over the caches until the worker has written it, after
    // this persist; the caches then match the writer's state after each of the two writes.
    store.persist({ entries: run(9, [2, 2]), hardState: hardState(2, 5) }, () => {
      done.push("persist");
      expect([store.firstIndex(), store.lastIndex(), store.snapshotMeta().index])
        .toEqual([9, 10, 8]);
      expect(store.initialState().hardState).toEqual(hardState(2, 5));
    });
    store.compact(snapshotAt(8, 2), () => done.push("compact"));
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(8)), store.term(idx(7))])
      .toEqual([9, 8, 2, undefined]);
    const { hardState: viewHardState, snapshot } = store.initialState();
    expect([viewHardState, snapshot]).toEqual([hardState(2, 3), snapshotAt(8, 2)]);
    expect(() => store.entries(idx(8), idx(9), Infinity)).toThrow(AssertionError);
    await store.close();
    expect(done).toEqual(["persist", "compact"]);
    const disk = onDisk(path);
    expect([disk.hardState, disk.snapshot]).toEqual([hardState(2, 5), snapshotAt(8, 2)]);
    expect(disk.entries.map((e) => e.index)).toEqual([9, 10]);
    expect(fatalErrors).toEqual([]);
  });

  it("keeps everything reported durable across close and reopen", async () => {
    const path = databasePath();
    const first = await openWorkerStore(path);
    first.persist({ entries: run(1, [1, 1, 2], 16), hardState: hardState(2, 1, 1) }, () => {});
    await persisted(first, { entries: run(3, [3, 3], 16), hardState: hardState(3, 4) });
    first.compact(snapshotAt(2, 1), () => {}); // Only what the view holds can be compacted.
    await first.close();
    const disk = onDisk(path);
    expect([disk.hardState, disk.snapshot]).toEqual([hardState(3, 4), snapshotAt(2, 1)]);
    expect(bytesOf(disk.entries)).toEqual(bytesOf(run(3, [3, 3], 16)));
    const second = await openWorkerStore(path); // And a worker store reopens it too.
    expect([second.firstIndex(), second.lastIndex(), second.term(idx(4))]).toEqual([3, 4, 3]);
    expect(fatalErrors).toEqual([]);
  });

  it("leaves whole batches only, and every reported one, when the worker is killed", async () => {
    const path = databasePath();
    const store = await openWorkerStore(path);
    const batchEntries = 3;
    const batches = 400;
    const killAfter = 100;
    let durable = 0;
    const killed = new Promise<void>((resolve) => {
      for (let b = 0; b < batches; b++) {
        const first = b * batchEntries + 1;
        const entries = Array.from({ length: batchEntries }, (_, i) => entry(first + i, 1, 64));
        store.persist({ entries, hardState: hardState(1, first + batchEntries - 1) }, () => {
          durable++;
          if (durable === killAfter) void store.kill().then(resolve);
        });
      }
    });
    await killed;
    expect(durable).toBe(killAfter); // No callback after the kill.
    const disk = onDisk(path);
    expect(disk.last).toBeGreaterThanOrEqual(killAfter * batchEntries);
    expect(disk.last % batchEntries).toBe(0); // Each batch whole or absent...
    expect(disk.hardState.commit).toBe(disk.last); // ...with its hard state.
    const expected = Array.from({ length: disk.last }, (_, i) => entry(i + 1, 1, 64));
    expect(bytesOf(disk.entries)).toEqual(bytesOf(expected));
    expect(fatalErrors).toEqual([]);
  });

  it("completes 2,000 pipelined one-entry persists, in order", async () => {
    const path = databasePath();
    const store = await openWorkerStore(path);
    const total = 2000;
    const window = 256; // Writes kept in flight, below LOG_WRITES_IN_FLIGHT_MAX.
    const completed: number[] = [];
    await new Promise<void>((resolve) => {
      let started = 0;
      const startOne = (): void => {
        const index = ++started;
        store.persist({ entries: [entry(index, 1, 256)], hardState: hardState(1, index) }, () => {
          completed.push(index);
          expect(store.lastIndex()).toBe(index);
          if (started < total) startOne();
          if (completed.length === total) resolve();
        });
      };
      for (let i = 0; i < window; i++) startOne();
    });
    expect(completed).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await store.close();
    expect(onDisk(path).last).toBe(total);
    expect(fatalErrors).toEqual([]);
  });

  it("keeps the main event loop running while a write is in flight", async () => {
    const store = await openWorkerStore(databasePath());
    const entries = Array.from({ length: 200 }, (_, i) => entry(i + 1, 1, 4096));
    let turns = 0;
    let turnsAtDurable = -1;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    await new Promise<void>((resolve) => {
      store.persist({ entries, hardState: hardState(1, 200) }, () => {
        turnsAtDurable = turns;
        spinning = false;
        resolve();
      });
      setImmediate(spin);
    });
    // A synchronous store would have finished the write inside persist(), before any turn.
    expect(turnsAtDurable).toBeGreaterThan(0);
    expect(fatalErrors).toEqual([]);
  });

  it("bounds the writes in flight", async () => {
    const store = await openWorkerStore(databasePath());
    let durable = 0;
    for (let i = 1; i <= LOG_WRITES_IN_FLIGHT_MAX; i++) {
      store.persist({ entries: [entry(i, 1)] }, () => durable++);
    }
    const oneTooMany = { entries: [entry(LOG_WRITES_IN_FLIGHT_MAX + 1, 1)] };
    expect(() => store.persist(oneTooMany, () => {})).toThrow(AssertionError);
    await store.close();
    expect(durable).toBe(LOG_WRITES_IN_FLIGHT_MAX);
    expect(fatalErrors).toEqual([]);
  });

  it("reports a failed write as fatal, runs no later callback, refuses more writes", async () => {
    const store = await openWorkerStore(databasePath());
    await persisted(store, { entries: run(1, [1, 1]) });
    const done: string[] = [];
    const failed = nextFatal();
    store.persist({ entries: run(5, [1]) }, () => done.push("gap")); // Not after index 2.
    store.persist({ entries: run(3, [1]) }, () => done.push("after"));
    await failed;
    expect(fatalErrors).toHaveLength(1);
    expect(fatalErrors[0]!.message).toMatch(/raft log write failed: .*entries from 5 do not fit/);
    expect(done).toEqual([]);
    expect(() => store.persist({ entries: run(3, [1]) }, () => {})).toThrow(AssertionError);
    await store.close(); // Only releases what is left.
    expect(fatalErrors).toHaveLength(1);
  });

  it("refuses another member's data directory", async () => {
    const path = databasePath();
    await (await openWorkerStore(path)).close();
    const identity = { clusterId: "test-cluster", memberId: nodeId(2) };
    await expect(
      WorkerSqliteLogStore.open({ path, identity, ...SQLITE_LOG_STORE_SETTINGS }),
    ).rejects.toThrow(IdentityMismatchError);
  });

  it("does not take the worker's own exit after close for a failure", async () => {
    const path = databasePath();
    for (let round = 1; round <= 10; round++) {
      const store = await openWorkerStore(path);
      store.persist({ entries: [entry(round, 1)] }, () => {});
      await store.close();
    }
    expect(fatalErrors).toEqual([]);
    expect(onDisk(path).last).toBe(10);
  });

  it("closes idempotently, once every write in flight is durable", async () => {
    const store = await openWorkerStore(databasePath());
    let durable = 0;
    for (let i = 1; i <= 10; i++) store.persist({ entries: [entry(i, 1)] }, () => durable++);
    const closing = store.close();
    expect(store.close()).toBe(closing);
    await closing;
    expect(durable).toBe(10);
    expect(() => store.persist({ entries: [entry(11, 1)] }, () => {})).toThrow(AssertionError);
    expect(fatalErrors).toEqual([]);
  });
});
