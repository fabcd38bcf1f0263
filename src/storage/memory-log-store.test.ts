// Goal: pin down MemoryLogStore, the LogStore the simulator and unit tests stand on: the
// LogReader contract (ranges, terms, byte limits), persist()'s order and rules (a snapshot
// keeps the log only if it holds the snapshot's (index, term); entries replace a suffix;
// the hard state never regresses), atomic failure, compact(), clone() independence, and the
// bootstrap state of a founding member.
// Method: example-based unit tests; every write is followed by reads through the public
// LogReader methods, and every rejected write checks that nothing changed.
import { AssertionError } from "../core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../core/entry.js";
import { NO_NODE, nodeId } from "../core/ids.js";
import { decodeMembershipConfig, makeConfig } from "../core/membership-config.js";
import { bootstrapEntries, MemoryLogStore } from "./memory-log-store.js";
import { idx, entry, run, snapshotAt, hardState } from "../../test/harness/log-fixtures.js";






/** The whole readable log as [index, term] pairs, the snapshot's own index first. */
function view(store: MemoryLogStore): [number, number | undefined][] {
  const pairs: [number, number | undefined][] = [];
  for (let i = store.snapshotMeta().index; i <= store.lastIndex(); i++) {
    pairs.push([i, store.term(idx(i))]);
  }
  return pairs;
}

/** A store with snapshot (2, 1) and entries 3..6 with terms [1, 2, 2, 3], commit 3. */
function sampleStore(): MemoryLogStore {
  return new MemoryLogStore({
    snapshot: snapshotAt(2, 1),
    entries: run(3, [1, 2, 2, 3]),
    hardState: hardState(3, 3),
  });
}

describe("MemoryLogStore as a LogReader", () => {
  it("starts empty by default", () => {
    const store = new MemoryLogStore();
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(0))]).toEqual([1, 0, 0]);
    expect(store.term(idx(1))).toBeUndefined();
    expect(store.initialState()).toEqual({
      hardState: { term: 0, vote: NO_NODE, commit: 0 },
      snapshot: { index: 0, term: 0, config: { voters: [], learners: [] } },
    });
    expect(store.allEntries()).toEqual([]);
  });

  it("answers terms for [snapshot index, lastIndex] and undefined outside", () => {
    const store = sampleStore();
    expect([store.firstIndex(), store.lastIndex()]).toEqual([3, 6]);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => store.term(idx(i)))).toEqual([
      undefined, 1, 1, 2, 2, 3, undefined,
    ]);
  });

  it("returns entries in [low, high) within the byte limit, but at least one", () => {
    const store = sampleStore();
    const indexes = (low: number, high: number, maxBytes: number): number[] =>
      store.entries(idx(low), idx(high), maxBytes).map((e) => e.index);
    expect(indexes(3, 7, 1000)).toEqual([3, 4, 5, 6]);
    expect(indexes(4, 6, 1000)).toEqual([4, 5]);
    expect(indexes(5, 5, 1000)).toEqual([]);
    expect(indexes(3, 7, 48)).toEqual([3, 4]); // 24 bytes per empty entry.
    expect(indexes(3, 7, 0)).toEqual([3]);
  });

  it.each([
    [2, 4],
    [3, 8],
    [5, 4],
  ])("asserts the entries() precondition for [%d, %d)", (low, high) => {
    expect(() => sampleStore().entries(idx(low), idx(high), 1000)).toThrow(AssertionError);
  });

  it("asserts that initial entries follow the snapshot contiguously", () => {
    expect(() => new MemoryLogStore({ entries: run(2, [1]) })).toThrow(AssertionError);
    const gap = [entry(1, 1), entry(3, 1)];
    expect(() => new MemoryLogStore({ entries: gap })).toThrow(AssertionError);
  });
});

describe("MemoryLogStore.persist: entries", () => {
  it("appends after the last entry", () => {
    const store = sampleStore();
    store.persist({ entries: run(7, [3, 4]) });
    expect(store.lastIndex()).toBe(8);
    expect(store.term(idx(8))).toBe(4);
  });

  it("replaces the suffix from entries[0].index", () => {
    const store = sampleStore();
    store.persist({ entries: run(5, [4]) });
    expect(view(store)).toEqual([[2, 1], [3, 1], [4, 2], [5, 4]]);
  });

  it("replaces everything after the snapshot", () => {
    const store = sampleStore();
    store.persist({ entries: run(3, [4, 4]) });
    expect(view(store)).toEqual([[2, 1], [3, 4], [4, 4]]);
  });

  it.each<[string, Entry[]]>([
    ["a gap after the last entry", run(8, [3])],
    ["an entry at the snapshot index", run(2, [3])],
    ["non-contiguous indexes", [entry(7, 3), entry(9, 3)]],
    ["decreasing terms", [entry(7, 4), entry(8, 3)]],
  ])("rejects %s and changes nothing", (_name, entries) => {
    const store = sampleStore();
    expect(() => store.persist({ entries })).toThrow(AssertionError);
    expect(view(store)).toEqual(view(sampleStore()));
  });

  it("copies entry data, so a caller reusing its buffer cannot rewrite the log", () => {
    const store = new MemoryLogStore();
    const written = entry(1, 1, 4);
    store.persist({ entries: [written] });
    const original = Array.from(written.data);
    written.data.fill(7);
    expect(Array.from(store.entries(idx(1), idx(2), 1000)[0]!.data)).toEqual(original);
  });
});

describe("MemoryLogStore.persist: snapshot, then entries, then hard state", () => {
  it("keeps the entries after a snapshot whose (index, term) the log holds", () => {
    const store = sampleStore();
    store.persist({ snapshot: snapshotAt(4, 2), entries: [] });
    expect(store.snapshotMeta()).toEqual(snapshotAt(4, 2));
    expect(view(store)).toEqual([[4, 2], [5, 2], [6, 3]]);
    expect(store.firstIndex()).toBe(5);
  });

  it("drops the whole log when it holds the snapshot's index with another term", () => {
    const store = sampleStore();
    store.persist({ snapshot: snapshotAt(4, 3), entries: [] });
    expect(view(store)).toEqual([[4, 3]]);
  });

  it("drops the whole log for a snapshot beyond it", () => {
    const store = sampleStore();
    store.persist({ snapshot: snapshotAt(10, 4), entries: [] });
    expect(view(store)).toEqual([[10, 4]]);
    expect([store.firstIndex(), store.lastIndex()]).toEqual([11, 10]);
  });

  it("applies the batch in order: snapshot, entries after it, hard state", () => {
    const store = sampleStore();
    store.persist({
      snapshot: snapshotAt(10, 4),
      entries: run(11, [4, 5]),
      hardState: hardState(5, 10),
    });
    expect(view(store)).toEqual([[10, 4], [11, 4], [12, 5]]);
    expect(store.initialState().hardState).toEqual(hardState(5, 10));
  });

  it("leaves the hard state alone when the batch has none", () => {
    const store = sampleStore();
    store.persist({ entries: run(7, [3]) });
    expect(store.initialState().hardState).toEqual(hardState(3, 3));
  });

  it.each<[string, HardState]>([
    ["a lower term", hardState(2, 3)],
    ["a lower commit", hardState(3, 2)],
    ["a commit beyond the stored log", hardState(3, 7)],
  ])("rejects %s and changes nothing", (_name, rejected) => {
    const store = sampleStore();
    const batch = { snapshot: snapshotAt(4, 2), entries: run(5, [4]), hardState: rejected };
    expect(() => store.persist(batch)).toThrow(AssertionError);
    expect(view(store)).toEqual(view(sampleStore()));
    expect(store.initialState()).toEqual(sampleStore().initialState());
  });

  it("rejects a snapshot older than the stored one", () => {
    const store = sampleStore();
    expect(() => store.persist({ snapshot: snapshotAt(1, 1), entries: [] })).toThrow(
      AssertionError,
    );
  });
});

describe("MemoryLogStore.compact", () => {
  it("drops entries up to the snapshot and keeps those after it", () => {
    const store = sampleStore();
    store.compact(snapshotAt(3, 1));
    expect(view(store)).toEqual([[3, 1], [4, 2], [5, 2], [6, 3]]);
    expect(store.entries(idx(4), idx(7), 1000).map((e) => e.index)).toEqual([4, 5, 6]);
  });

  it.each<[string, SnapshotMeta]>([
    ["not past the stored snapshot", snapshotAt(2, 1)],
    ["a term the log does not hold there", snapshotAt(3, 2)],
  ])("rejects a snapshot %s", (_name, snapshot) => {
    const store = sampleStore();
    expect(() => store.compact(snapshot)).toThrow(AssertionError);
    expect(view(store)).toEqual(view(sampleStore()));
  });

  it("compacts past the stored commit and leaves the commit as it is", () => {
    // The driver writes no commit-only changes, so the stored commit may lag a snapshot;
    // the log counts the snapshot's index as committed when it is loaded (RaftLog).
    const store = sampleStore();
    const commit = store.initialState().hardState.commit;
    expect(commit).toBeLessThan(4);
    store.compact(snapshotAt(4, 2));
    expect(store.snapshotMeta()).toEqual(snapshotAt(4, 2));
    expect(store.initialState().hardState.commit).toBe(commit);
  });
});

describe("MemoryLogStore.clone", () => {
  it("is independent of the original in both directions", () => {
    const original = sampleStore();
    const copy = original.clone();
    original.persist({ entries: run(5, [4, 4]), hardState: hardState(4, 4) });
    original.compact(snapshotAt(4, 2));
    expect(view(copy)).toEqual(view(sampleStore()));
    expect(copy.initialState()).toEqual(sampleStore().initialState());

    copy.persist({ snapshot: snapshotAt(10, 5), entries: [] });
    expect(view(original)).toEqual([[4, 2], [5, 4], [6, 4]]);
  });

  it("hands out entry arrays that later writes never change", () => {
    const store = sampleStore();
    const before = store.allEntries();
    store.persist({ entries: run(4, [5]) });
    expect(before.map((e) => e.term)).toEqual([1, 2, 2, 3]);
    expect(store.allEntries().map((e) => e.term)).toEqual([1, 5]);
  });
});

describe("bootstrapEntries", () => {
  it("gives every founder the same committed config entry at (1, 1)", () => {
    const config = makeConfig([3, 1, 2], [4]);
    const { entries, hardState: founded } = bootstrapEntries(config);
    expect(entries).toHaveLength(1);
    expect([entries[0]!.index, entries[0]!.term, entries[0]!.kind]).toEqual([1, 1, "config"]);
    expect(decodeMembershipConfig(entries[0]!.data)).toEqual(config);
    expect(founded).toEqual({ term: 1, vote: NO_NODE, commit: 1 });
    expect(bootstrapEntries(makeConfig([1, 2, 3], [4]))).toEqual({ entries, hardState: founded });

    const store = new MemoryLogStore(bootstrapEntries(config));
    expect([store.firstIndex(), store.lastIndex(), store.term(idx(1))]).toEqual([1, 1, 1]);
  });

  it("asserts at least one voter", () => {
    const learnersOnly = { voters: [], learners: [nodeId(1)] };
    expect(() => bootstrapEntries(learnersOnly)).toThrow(AssertionError);
  });
});

describe("MemoryLogStore.configEntries", () => {
  it("returns only the config entries of the range, in order", () => {
    const boot = bootstrapEntries(makeConfig([1]));
    const store = new MemoryLogStore(boot);
    store.persist({ entries: run(2, [1, 1, 1]) });
    expect(store.configEntries(idx(1), idx(5)).map((e) => [e.index, e.kind]))
      .toEqual([[1, "config"]]);
    expect(store.configEntries(idx(2), idx(5))).toEqual([]);
  });
});
