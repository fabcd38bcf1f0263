// Goal: SyncAsyncLogStore turns any synchronous LogStore into an AsyncLogStore that keeps
// the contract: onDurable in start order, once each, never inside the call, whatever order
// the scheduler runs the deferred calls in; a persist shows in the view from its onDurable
// on, a compaction at once (and reaches the store in its turn, after older persists); close
// completes what is pending; a refused write is fatal and nothing after it lands.
// Method: a hand-run scheduler (an array of deferred calls) over MemoryLogStore and
// SqliteLogStore (describe.each); SqliteLogStore is reopened to see what is on disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssertionError } from "../core/assert.js";
import { nodeId } from "../core/ids.js";
import type { LogStore } from "./log-store.js";
import { MemoryLogStore } from "./memory-log-store.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./sqlite/sqlite-log-store.js";
import { SyncAsyncLogStore } from "./sync-async-log-store.js";
import { entry, hardState, idx, run, snapshotAt } from "../../test/harness/log-fixtures.js";

const IDENTITY = { clusterId: "test-cluster", memberId: nodeId(1) };
const directories: string[] = [];
const sqliteStores: SqliteLogStore[] = [];

function openSqlite(path: string): SqliteLogStore {
  const store = SqliteLogStore.open({ path, identity: IDENTITY, ...SQLITE_LOG_STORE_SETTINGS });
  sqliteStores.push(store);
  return store;
}

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "raftkv-sync-async-"));
  directories.push(directory);
  return join(directory, "raft.db");
}

afterEach(() => {
  for (const store of sqliteStores.splice(0)) {
    try {
      store.close();
    } catch {
      // Closed by the test already.
    }
  }
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

/** A scheduler run by hand: `defer` queues, run*() call the queued functions. */
class HandScheduler {
  readonly queued: (() => void)[] = [];
  readonly defer = (complete: () => void): void => {
    this.queued.push(complete);
  };

  runOne(): void {
    const next = this.queued.shift();
    expect(next).toBeDefined();
    next!();
  }

  runAll(): void {
    while (this.queued.length > 0) this.runOne();
  }
}

const factories: [string, () => LogStore][] = [
  ["MemoryLogStore", () => new MemoryLogStore()],
  ["SqliteLogStore", () => openSqlite(databasePath())],
];

describe.each(factories)("SyncAsyncLogStore over %s", (_name, makeStore) => {
  function setUp(): { store: LogStore; async: SyncAsyncLogStore; scheduler: HandScheduler } {
    const store = makeStore();
    const scheduler = new HandScheduler();
    return { store, async: new SyncAsyncLogStore(store, { defer: scheduler.defer }), scheduler };
  }

  it("reports writes durable in start order, each once, never inside the call", () => {
    const { async, scheduler } = setUp();
    const done: string[] = [];
    async.persist({ entries: run(1, [1, 1, 1]), hardState: hardState(1, 3) }, () => done.push("a"));
    scheduler.runAll();
    async.persist({ entries: run(4, [1]) }, () => done.push("b"));
    async.compact(snapshotAt(2, 1), () => done.push("c"));
    async.persist({ entries: [], hardState: hardState(2, 3) }, () => done.push("d"));
    expect(done).toEqual(["a"]);
    scheduler.runOne();
    expect(done).toEqual(["a", "b"]);
    scheduler.runAll();
    expect(done).toEqual(["a", "b", "c", "d"]);
  });

  it("completes writes in start order whatever order the deferred calls run in", () => {
    const { async, scheduler } = setUp();
    const done: number[] = [];
    for (let i = 1; i <= 5; i++) async.persist({ entries: [entry(i, 1)] }, () => done.push(i));
    for (const complete of scheduler.queued.splice(0).reverse()) complete();
    expect(done).toEqual([1, 2, 3, 4, 5]);
    expect(async.lastIndex()).toBe(5);
  });

  it("shows a persisted batch from its onDurable on, and not before", () => {
    const { async, scheduler } = setUp();
    const seen: unknown[] = [];
    async.persist({ entries: run(1, [1, 2], 3), hardState: hardState(2, 1) }, () => {
      seen.push([async.lastIndex(), async.term(idx(2)), async.initialState().hardState]);
    });
    seen.push([async.lastIndex(), async.term(idx(2)), async.initialState().hardState]);
    scheduler.runAll();
    expect(seen).toEqual([
      [0, undefined, hardState(0, 0)],
      [2, 2, hardState(2, 1)],
    ]);
    expect(async.entries(idx(1), idx(3), Infinity).map((e) => [...e.data])).toEqual(
      run(1, [1, 2], 3).map((e) => [...e.data]),
    );
  });

  it("shows a compaction at once but writes it after the persists started before it", () => {
    const { store, async, scheduler } = setUp();
    const terms = [1, 1, 1, 1, 2, 2, 2, 2];
    async.persist({ entries: run(1, terms), hardState: hardState(2, 3) }, () => {});
    scheduler.runAll();
    // The view shows the compaction at once; the store gets the writes in start order.
    async.persist({ entries: run(9, [2, 2]), hardState: hardState(2, 5) }, () => {});
    async.compact(snapshotAt(8, 2), () => {});
    expect([async.firstIndex(), async.lastIndex(), async.term(idx(8)), async.term(idx(7))])
      .toEqual([9, 8, 2, undefined]);
    const viewState = async.initialState();
    expect([viewState.hardState, viewState.snapshot]).toEqual([hardState(2, 3), snapshotAt(8, 2)]);
    expect(async.snapshotMeta()).toEqual(snapshotAt(8, 2));
    expect(() => async.entries(idx(8), idx(9), Infinity)).toThrow(AssertionError);
    expect(async.entries(idx(9), idx(9), Infinity)).toEqual([]);
    expect(store.snapshotMeta().index).toBe(0); // Not in the store yet.
    scheduler.runOne();
    expect([async.firstIndex(), async.lastIndex(), store.snapshotMeta().index]).toEqual([9, 10, 0]);
    scheduler.runOne();
    const stored = store.initialState();
    expect([stored.hardState, stored.snapshot]).toEqual([hardState(2, 5), snapshotAt(8, 2)]);
    expect([store.firstIndex(), store.lastIndex()]).toEqual([9, 10]);
  });

  it("refuses a compaction of what the view does not hold", () => {
    const { async, scheduler } = setUp();
    async.persist({ entries: run(1, [1, 1]), hardState: hardState(1, 2) }, () => {});
    expect(() => async.compact(snapshotAt(1, 1), () => {})).toThrow(AssertionError);
    scheduler.runAll();
    async.compact(snapshotAt(1, 1), () => {});
    expect(() => async.compact(snapshotAt(1, 1), () => {})).toThrow(AssertionError);
    scheduler.runAll();
  });

  it("completes pending writes on close, including those their callbacks start", async () => {
    const { async, scheduler } = setUp();
    const done: number[] = [];
    async.persist({ entries: [entry(1, 1)] }, () => {
      done.push(1);
      async.persist({ entries: [entry(2, 1)] }, () => done.push(2));
    });
    await async.close();
    expect(done).toEqual([1, 2]);
    expect(async.lastIndex()).toBe(2);
    scheduler.runAll(); // The deferred calls still come; they find nothing to do.
    expect(done).toEqual([1, 2]);
    expect(() => async.persist({ entries: [entry(3, 1)] }, () => {})).toThrow(AssertionError);
    await async.close(); // Idempotent.
  });

  it("asserts that defer does not run the write inside the call", () => {
    const store = makeStore();
    const async = new SyncAsyncLogStore(store, { defer: (complete) => complete() });
    expect(() => async.persist({ entries: [entry(1, 1)] }, () => {})).toThrow(AssertionError);
  });

  it("throws a refused write out of the deferred call and accepts nothing after it", () => {
    const { async, scheduler } = setUp();
    const done: string[] = [];
    async.persist({ entries: run(3, [1]) }, () => done.push("gap"));
    async.persist({ entries: run(1, [1]) }, () => done.push("after"));
    expect(() => scheduler.runOne()).toThrow(AssertionError);
    expect(() => scheduler.runOne()).toThrow(AssertionError);
    expect(done).toEqual([]);
    expect(async.lastIndex()).toBe(0);
    expect(() => async.persist({ entries: run(1, [1]) }, () => {})).toThrow(AssertionError);
  });

  it("works with queueMicrotask", async () => {
    const { async } = setUp();
    const micro = new SyncAsyncLogStore(makeStore(), { defer: queueMicrotask });
    await new Promise<void>((resolve) => micro.persist({ entries: run(1, [1, 1]) }, resolve));
    expect(micro.lastIndex()).toBe(2);
    await Promise.all([micro.close(), async.close()]);
  });
});

describe("SyncAsyncLogStore over SqliteLogStore, on disk", () => {
  it("has written everything reported durable, and the compaction, by close", async () => {
    const path = databasePath();
    const store = openSqlite(path);
    const scheduler = new HandScheduler();
    const async = new SyncAsyncLogStore(store, { defer: scheduler.defer });
    async.persist({ entries: run(1, [1, 1, 2], 8), hardState: hardState(2, 1) }, () => {});
    scheduler.runAll();
    async.persist({ entries: run(4, [2]), hardState: hardState(2, 2) }, () => {});
    async.compact(snapshotAt(3, 2), () => {});
    await async.close();
    expect(() => store.entries(idx(4), idx(5), Infinity)).toThrow(/not open/); // Closed too.
    const reopened = openSqlite(path);
    const { hardState: storedHardState, snapshot } = reopened.initialState();
    expect([storedHardState, snapshot]).toEqual([hardState(2, 2), snapshotAt(3, 2)]);
    expect(reopened.entries(idx(4), idx(5), Infinity).map((e) => [e.term, ...e.data])).toEqual([
      [2, ...entry(4, 2, 0).data],
    ]);
  });
});
