// Goal: SqliteLogStore keeps the LogStore contract exactly as MemoryLogStore (the reference)
// does, durably: what persist() wrote is there after close and reopen, caches agree with
// the disk, a data directory refuses another member's identity, and a damaged log (a gap)
// is refused at load rather than served.
// Method: one contract suite runs against both stores (describe.each); a fast-check model
// test drives both with the same random operation sequences and requires identical
// observable state after every step (or the same refusal); SQLite-only cases reopen the file
// or tamper with it through a second connection. Each store lives in its own mkdtemp dir.
// The last case prints persist() latency (p50/p99) for the record; it asserts only that
// every write landed, never a time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { AssertionError } from "../../core/assert.js";
import { NO_NODE, nodeId, term } from "../../core/ids.js";
import type { Entry, SnapshotMeta } from "../../core/entry.js";
import { encodeMembershipConfig, makeConfig } from "../../core/membership-config.js";
import type { LogStore, PersistBatch } from "../log-store.js";
import { MemoryLogStore } from "../memory-log-store.js";
import {
  IdentityMismatchError,
  SQLITE_LOG_STORE_SETTINGS,
  SqliteLogStore,
  type MemberIdentity,
} from "./sqlite-log-store.js";
import { idx, entry, run, snapshotAt, hardState } from "../../../test/harness/log-fixtures.js";

const IDENTITY: MemberIdentity = { clusterId: "test-cluster", memberId: nodeId(1) };





const temporaryDirectories: string[] = [];
const openStores: SqliteLogStore[] = [];

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "raftkv-log-store-"));
  temporaryDirectories.push(directory);
  return directory;
}

function openSqlite(path: string, identity: MemberIdentity = IDENTITY): SqliteLogStore {
  const store = SqliteLogStore.open({ path, identity, ...SQLITE_LOG_STORE_SETTINGS });
  openStores.push(store);
  return store;
}

function closeQuietly(store: SqliteLogStore): void {
  try {
    store.close();
  } catch {
    // Already closed by the test itself.
  }
}

afterEach(() => {
  for (const store of openStores.splice(0)) closeQuietly(store);
  for (const directory of temporaryDirectories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

/** Every observable fact about a store, for comparing two stores or a store before/after. */
function observe(store: LogStore): unknown {
  const first = store.firstIndex();
  const last = store.lastIndex();
  const entries = first <= last ? store.entries(first, idx(last + 1), Infinity) : [];
  return {
    initial: store.initialState(),
    first,
    last,
    terms: Array.from({ length: last - first + 2 }, (_, i) => store.term(idx(first - 1 + i))),
    beyond: store.term(idx(last + 1)),
    entries: entries.map((e) => ({ ...e, data: Array.from(e.data) })),
  };
}

const factories: [string, () => LogStore][] = [
  ["MemoryLogStore", () => new MemoryLogStore()],
  ["SqliteLogStore", () => openSqlite(join(temporaryDirectory(), "raft.db"))],
];

describe.each(factories)("the LogStore contract: %s", (name, makeStore) => {
  /** Snapshot (2, 1), entries 3..6 with terms [1, 2, 2, 3] and 10 data bytes, commit 3. */
  function sampleStore(): LogStore {
    const store = makeStore();
    store.persist({
      snapshot: snapshotAt(2, 1),
      entries: run(3, [1, 2, 2, 3], 10),
      hardState: hardState(3, 3),
    });
    return store;
  }

  function expectRefusedUnchanged(store: LogStore, write: () => void): void {
    const before = observe(store);
    expect(write).toThrow(AssertionError);
    expect(observe(store)).toEqual(before);
  }

  it("starts empty", () => {
    const store = makeStore();
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(0))]).toEqual([1, 0, 0]);
    expect(store.term(idx(1))).toBeUndefined();
    expect(store.initialState()).toEqual({
      hardState: { term: 0, vote: NO_NODE, commit: 0 },
      snapshot: { index: 0, term: 0, config: { voters: [], learners: [] } },
    });
  });

  it("answers terms for [snapshot index, lastIndex] and undefined outside", () => {
    const store = sampleStore();
    expect([store.firstIndex(), store.lastIndex()]).toEqual([3, 6]);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => store.term(idx(i)))).toEqual([
      undefined, 1, 1, 2, 2, 3, undefined,
    ]);
  });

  it("returns entries in [low, high) within the byte budget, but at least one", () => {
    const store = sampleStore();
    const indexes = (low: number, high: number, maxBytes: number): number[] =>
      store.entries(idx(low), idx(high), maxBytes).map((e) => e.index);
    const size = 24 + 10; // entrySizeBytes of one sample entry
    expect(indexes(3, 7, Infinity)).toEqual([3, 4, 5, 6]);
    expect(indexes(4, 6, Infinity)).toEqual([4, 5]);
    expect(indexes(3, 7, 0)).toEqual([3]);
    expect(indexes(3, 7, 2 * size)).toEqual([3, 4]);
    expect(indexes(3, 7, 2 * size + 1)).toEqual([3, 4]);
    expect(indexes(3, 7, 3 * size - 1)).toEqual([3, 4]);
    expect(indexes(5, 5, Infinity)).toEqual([]);
    expect(Array.from(store.entries(idx(4), idx(5), Infinity)[0]!.data)).toEqual(
      Array.from(entry(4, 2, 10).data),
    );
  });

  it("asserts the entries() range precondition", () => {
    const store = sampleStore();
    expect(() => store.entries(idx(2), idx(4), Infinity)).toThrow(AssertionError);
    expect(() => store.entries(idx(3), idx(8), Infinity)).toThrow(AssertionError);
    expect(() => store.entries(idx(5), idx(4), Infinity)).toThrow(AssertionError);
  });

  it("appends after the last entry and replaces a suffix from entries[0].index", () => {
    const store = sampleStore();
    store.persist({ entries: run(7, [3, 3]) });
    expect(store.lastIndex()).toBe(8);
    store.persist({ entries: run(5, [4]) });
    expect([store.lastIndex(), store.term(idx(4)), store.term(idx(5))]).toEqual([5, 2, 4]);
    expect(store.term(idx(6))).toBeUndefined();
    store.persist({ entries: run(3, [5, 5]) });
    expect([store.lastIndex(), store.term(idx(3)), store.term(idx(4))]).toEqual([4, 5, 5]);
  });

  it("refuses entries that leave a gap, overlap the snapshot or go back in term", () => {
    const store = sampleStore();
    expectRefusedUnchanged(store, () => store.persist({ entries: run(8, [3]) }));
    expectRefusedUnchanged(store, () => store.persist({ entries: run(2, [1]) }));
    expectRefusedUnchanged(store, () => store.persist({ entries: run(7, [4, 3]) }));
    const gap = [entry(7, 3), entry(9, 3)];
    expectRefusedUnchanged(store, () => store.persist({ entries: gap }));
  });

  it("refuses entries with an older term than the entry before them", () => {
    const store = sampleStore();
    expectRefusedUnchanged(store, () => store.persist({ entries: run(7, [2]) }));
    expectRefusedUnchanged(store, () => store.persist({ entries: run(6, [1]) }));
  });

  it("stores the hard state and never lets term or commit go back", () => {
    const store = sampleStore();
    store.persist({ entries: [], hardState: hardState(4, 5, 2) });
    expect(store.initialState().hardState).toEqual(hardState(4, 5, 2));
    store.persist({ entries: run(7, [4]) });
    expect(store.initialState().hardState).toEqual(hardState(4, 5, 2));
    expectRefusedUnchanged(store, () => store.persist({ entries: [], hardState: hardState(3, 5) }));
    expectRefusedUnchanged(store, () => store.persist({ entries: [], hardState: hardState(4, 4) }));
    expectRefusedUnchanged(store, () => store.persist({ entries: [], hardState: hardState(4, 8) }));
  });

  it("is atomic: a batch refused for its hard state writes none of its entries", () => {
    const store = sampleStore();
    const bad: PersistBatch = { entries: run(7, [3, 3]), hardState: hardState(2, 8) };
    expectRefusedUnchanged(store, () => store.persist(bad));
  });

  it("accepts a commit up to the entries of the same batch", () => {
    const store = sampleStore();
    store.persist({ entries: run(7, [3, 3]), hardState: hardState(3, 8) });
    expect(store.initialState().hardState.commit).toBe(8);
  });

  it("keeps the entries after a snapshot whose (index, term) the log holds", () => {
    const store = sampleStore();
    store.persist({ snapshot: snapshotAt(4, 2), entries: [] });
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(4))]).toEqual([5, 6, 2]);
    expect(store.entries(idx(5), idx(7), Infinity).map((e) => e.term)).toEqual([2, 3]);
  });

  it("drops the whole log for a snapshot with another term or beyond it", () => {
    const other = sampleStore();
    other.persist({ snapshot: snapshotAt(5, 3), entries: [] });
    expect([other.firstIndex(), other.lastIndex(), other.term(idx(5))]).toEqual([6, 5, 3]);
    const beyond = sampleStore();
    beyond.persist({
      snapshot: snapshotAt(9, 4),
      entries: run(10, [4]),
      hardState: hardState(4, 9),
    });
    expect([beyond.firstIndex(), beyond.lastIndex(), beyond.term(idx(10))]).toEqual([10, 10, 4]);
    expect(beyond.initialState().snapshot).toEqual(snapshotAt(9, 4));
  });

  it("refuses a snapshot older than the stored one", () => {
    const store = sampleStore();
    expectRefusedUnchanged(store, () => store.persist({ snapshot: snapshotAt(1, 1), entries: [] }));
  });

  it("compacts committed entries and keeps those after the compaction point", () => {
    const store = sampleStore();
    store.persist({ entries: [], hardState: hardState(3, 5) });
    store.compact(snapshotAt(4, 2));
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(4))]).toEqual([5, 6, 2]);
    expect(store.term(idx(3))).toBeUndefined();
    expect(store.snapshotMeta()).toEqual(snapshotAt(4, 2));
    store.compact(snapshotAt(5, 2));
    expect(store.entries(idx(6), idx(7), Infinity).map((e) => e.term)).toEqual([3]);
  });

  it("refuses compaction that is not past the snapshot or not in the log", () => {
    const store = sampleStore();
    expectRefusedUnchanged(store, () => store.compact(snapshotAt(2, 1)));
    expectRefusedUnchanged(store, () => store.compact(snapshotAt(1, 1)));
    expectRefusedUnchanged(store, () => store.compact(snapshotAt(3, 2)));
    expectRefusedUnchanged(store, () => store.compact(snapshotAt(7, 3)));
  });

  it("compacts past the stored commit and leaves the commit as it is", () => {
    const store = sampleStore(); // commit 3
    // A snapshot covers only committed entries (the caller's promise); the stored commit
    // may lag it, because the driver writes no commit-only changes.
    store.compact(snapshotAt(5, 2));
    const { hardState: stored, snapshot } = store.initialState();
    expect([stored, snapshot]).toEqual([hardState(3, 3), snapshotAt(5, 2)]);
    expect([store.firstIndex(), store.lastIndex()]).toEqual([6, 6]);
    store.persist({ entries: [], hardState: hardState(3, 4) });
    expect(store.initialState().hardState).toEqual(hardState(3, 4));
  });

  it("serves the config entries of a range alone, across truncation and compaction", () => {
    const store = makeStore();
    const config = (index: number, entryTerm: number): Entry => ({
      ...entry(index, entryTerm), kind: "config",
      data: encodeMembershipConfig(makeConfig([1, 2, 3], [index + 10])),
    });
    store.persist({ entries: [entry(1, 1), config(2, 1), entry(3, 1), config(4, 1)] });
    const indexes = (low: number, high: number): number[] =>
      store.configEntries(idx(low), idx(high)).map((e) => e.index);
    expect(indexes(1, 5)).toEqual([2, 4]);
    expect(indexes(3, 4)).toEqual([]);
    store.persist({ entries: [entry(4, 2), config(5, 2)] }); // Replaces config 4.
    expect(indexes(1, 6)).toEqual([2, 5]);
    expect(store.configEntries(idx(5), idx(6))[0]!.data).toEqual(config(5, 2).data);
    store.persist({ entries: [], hardState: hardState(2, 5) });
    store.compact(snapshotAt(3, 1));
    expect(indexes(4, 6)).toEqual([5]);
  });

  it("copies entry data, so a caller reusing its buffer cannot rewrite the log", () => {
    const store = makeStore();
    const data = new Uint8Array([1, 2, 3]);
    store.persist({ entries: [{ index: idx(1), term: term(1), kind: "noop", data }] });
    data[0] = 99;
    const stored = store.entries(idx(1), idx(2), Infinity)[0]!;
    expect([stored.kind, ...stored.data]).toEqual(["noop", 1, 2, 3]);
  });
});

describe("SqliteLogStore against MemoryLogStore, on random operation sequences", () => {
  type Operation =
    | { readonly type: "append"; readonly from: number; readonly terms: number[]; readonly bytes: number }
    | { readonly type: "hard-state"; readonly termBump: number; readonly commitStep: number }
    | { readonly type: "snapshot"; readonly offset: number; readonly termBump: number }
    | { readonly type: "compact"; readonly offset: number };

  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({
      type: fc.constant("append" as const),
      from: fc.integer({ min: -3, max: 1 }),
      terms: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 5 }),
      bytes: fc.integer({ min: 0, max: 40 }),
    }),
    fc.record({
      type: fc.constant("hard-state" as const),
      termBump: fc.integer({ min: -1, max: 1 }),
      commitStep: fc.integer({ min: -1, max: 3 }),
    }),
    fc.record({
      type: fc.constant("snapshot" as const),
      offset: fc.integer({ min: -2, max: 3 }),
      termBump: fc.integer({ min: 0, max: 1 }),
    }),
    fc.record({ type: fc.constant("compact" as const), offset: fc.integer({ min: -3, max: 1 }) }),
  );

  type Write =
    | { readonly type: "persist"; readonly batch: PersistBatch }
    | { readonly type: "compact"; readonly snapshot: SnapshotMeta };

  /** Turns an abstract operation into a concrete write for `store` (valid or not). */
  function concrete(store: LogStore, op: Operation): Write {
    const last = store.lastIndex();
    const { hardState: hs } = store.initialState();
    const lastTerm = store.term(last) ?? 0;
    switch (op.type) {
      case "append": {
        const from = Math.max(1, last + 1 + op.from);
        let entryTerm = Math.max(lastTerm, hs.term);
        const entries = op.terms.map((bump, i) => entry(from + i, (entryTerm += bump), op.bytes));
        return { type: "persist", batch: { entries } };
      }
      case "hard-state": {
        const next = hardState(
          Math.max(0, hs.term + op.termBump),
          Math.max(0, hs.commit + op.commitStep),
        );
        return { type: "persist", batch: { entries: [], hardState: next } };
      }
      case "snapshot": {
        const index = Math.max(0, last + op.offset);
        const snapshotTerm = (store.term(idx(index)) ?? lastTerm) + op.termBump;
        return { type: "persist", batch: { snapshot: snapshotAt(index, snapshotTerm), entries: [] } };
      }
      case "compact": {
        const index = Math.max(0, hs.commit + op.offset);
        return { type: "compact", snapshot: snapshotAt(index, store.term(idx(index)) ?? 0) };
      }
    }
  }

  /** Performs `write` on `store`; returns the error it was refused with, if any. */
  function perform(store: LogStore, write: Write): unknown {
    try {
      if (write.type === "persist") store.persist(write.batch);
      else store.compact(write.snapshot);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** What a reader connection does for a write another connection committed. */
  function follow(reader: SqliteLogStore, write: Write): void {
    if (write.type === "persist") reader.applyWrittenToCache(write.batch);
    else reader.applyCompactionToCache(write.snapshot);
  }

  it("observes the same state after every operation, or the same refusal", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 30 }), (operations) => {
        const memory = new MemoryLogStore();
        const path = join(temporaryDirectory(), "raft.db");
        const sqlite = openSqlite(path);
        // A second connection on the same file that only reads and follows sqlite's writes
        // in its caches, as WorkerSqliteLogStore's main thread follows its worker.
        const reader = openSqlite(path);
        for (const op of operations) {
          const write = concrete(memory, op);
          const memoryError = perform(memory, write);
          const sqliteError = perform(sqlite, write);
          expect((sqliteError as object | undefined)?.constructor).toBe(
            (memoryError as object | undefined)?.constructor,
          );
          if (sqliteError === undefined) follow(reader, write);
          expect(observe(sqlite)).toEqual(observe(memory));
          expect(observe(reader)).toEqual(observe(memory));
        }
        sqlite.close();
        reader.close();
        expect(observe(openSqlite(path))).toEqual(observe(memory)); // and durably so
      }),
      { numRuns: 60 },
    );
  });
});

describe("SqliteLogStore on disk", () => {
  it("reloads exactly what was written after close and reopen", () => {
    const path = join(temporaryDirectory(), "raft.db");
    const store = openSqlite(path);
    store.persist({ snapshot: snapshotAt(2, 1), entries: run(3, [1, 2, 2, 3], 7) });
    store.persist({ entries: run(7, [3, 3, 4]), hardState: hardState(4, 8, 3) });
    store.compact(snapshotAt(4, 2));
    store.compact(snapshotAt(9, 4)); // Past the stored commit (8), which stays.
    const before = observe(store);
    expect(store.initialState().hardState).toEqual(hardState(4, 8, 3));
    store.close();
    expect(observe(openSqlite(path))).toEqual(before);
  });

  it("refuses a data directory of another member or another cluster", () => {
    const path = join(temporaryDirectory(), "raft.db");
    openSqlite(path).close();
    expect(() => openSqlite(path, { clusterId: "test-cluster", memberId: nodeId(2) })).toThrow(
      IdentityMismatchError,
    );
    expect(() => openSqlite(path, { clusterId: "other", memberId: nodeId(1) })).toThrow(
      IdentityMismatchError,
    );
    expect(openSqlite(path).lastIndex()).toBe(0);
  });

  it("refuses at load a log with a gap, or terms that go back", () => {
    const gapPath = join(temporaryDirectory(), "raft.db");
    const store = openSqlite(gapPath);
    store.persist({ entries: run(1, [1, 1, 2, 2]) });
    store.close();
    const raw = new Database(gapPath);
    raw.prepare("DELETE FROM log_entry WHERE log_index = 2").run();
    raw.close();
    expect(() => openSqlite(gapPath)).toThrow(AssertionError);

    const termPath = join(temporaryDirectory(), "raft.db");
    openSqlite(termPath).persist({ entries: run(1, [1, 2, 2]) });
    const rawTerms = new Database(termPath);
    rawTerms.prepare("UPDATE log_entry SET term = 1 WHERE log_index = 3").run();
    rawTerms.close();
    expect(() => openSqlite(termPath)).toThrow(AssertionError);
  });

  it("reports persist() latency for single entries and 64-entry batches", () => {
    const store = openSqlite(join(temporaryDirectory(), "raft.db"));
    const percentiles = (samples: number[]): string => {
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (p: number): string => sorted[Math.floor(p * (sorted.length - 1))]!.toFixed(3);
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
    };
    const measure = (count: number, batchSize: number): number[] => {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const first = store.lastIndex() + 1;
        const entries = Array.from({ length: batchSize }, (_, j) => entry(first + j, 1, 256));
        const started = process.hrtime.bigint();
        store.persist({ entries, hardState: hardState(1, first + batchSize - 1) });
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return samples;
    };
    const single = measure(1000, 1);
    const batched = measure(200, 64);
    expect(store.lastIndex()).toBe(1000 + 200 * 64);
    console.log(
      `SqliteLogStore.persist (256 B entries, synchronous=FULL): 1 entry ${percentiles(single)}; ` +
        `64 entries ${percentiles(batched)}`,
    );
  });
});
