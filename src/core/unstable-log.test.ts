// Goal: pin down UnstableLog, the not-yet-persisted tail of the log, case by case.
// Method: table-driven unit tests in the spirit of etcd-io/raft log_unstable_test.go; each
// case builds an UnstableLog from (snapshot, offset, entries) and checks one method's result
// and the resulting (offset, entries, snapshot).
import { AssertionError } from "./assert.js";
import type { Entry, SnapshotMeta } from "./entry.js";
import { logIndex, term } from "./ids.js";
import { assertContiguousEntries, UnstableLog } from "./unstable-log.js";
import { idx, entry, snapshotAt } from "../../test/harness/log-fixtures.js";



/** An unstable log at `offset` holding entries with the given terms, and maybe a snapshot. */
function unstable(offset: number, terms: number[], snapshot?: SnapshotMeta): UnstableLog {
  const log = new UnstableLog(logIndex(offset));
  log.snapshot = snapshot;
  log.entries = terms.map((entryTerm, i) => entry(offset + i, entryTerm));
  return log;
}

function indexTerms(entries: readonly Entry[]): [number, number][] {
  return entries.map((e) => [e.index, e.term]);
}


describe("UnstableLog.maybeFirstIndex / maybeLastIndex", () => {
  it.each([
    ["entries, no snapshot", unstable(5, [1]), undefined, 5],
    ["no entries, no snapshot", unstable(1, []), undefined, undefined],
    ["entries and snapshot", unstable(5, [1], snapshotAt(4, 1)), 5, 5],
    ["snapshot only", unstable(5, [], snapshotAt(4, 1)), 5, 4],
  ])("%s", (_name, log, first, last) => {
    expect(log.maybeFirstIndex()).toBe(first);
    expect(log.maybeLastIndex()).toBe(last);
  });

  it("reports entries accepted stable ahead of their snapshot as the last index", () => {
    const log = unstable(5, [1, 1, 2], snapshotAt(4, 1));
    log.stableTo(idx(7), term(2)); // The driver may acknowledge entries before the snapshot.
    expect(log.snapshot).toBeDefined();
    expect(log.maybeLastIndex()).toBe(7);
    expect(log.maybeTerm(idx(4))).toBe(1);
  });
});

describe("UnstableLog.maybeTerm", () => {
  it.each([
    ["inside the entries", unstable(5, [1]), 5, 1],
    ["past the entries", unstable(5, [1]), 6, undefined],
    ["before the entries, no snapshot", unstable(5, [1]), 4, undefined],
    ["the snapshot's own index", unstable(5, [1], snapshotAt(4, 1)), 4, 1],
    ["below the snapshot", unstable(5, [1], snapshotAt(4, 1)), 3, undefined],
    ["snapshot only, at it", unstable(5, [], snapshotAt(4, 1)), 4, 1],
    ["snapshot only, after it", unstable(5, [], snapshotAt(4, 1)), 5, undefined],
    ["empty", unstable(1, []), 1, undefined],
  ])("%s", (_name, log, index, expected) => {
    expect(log.maybeTerm(idx(index))).toBe(expected);
  });
});

describe("UnstableLog.restore", () => {
  it("replaces everything with the snapshot and moves the offset after it", () => {
    const log = unstable(5, [1, 1], snapshotAt(4, 1));
    log.restore(snapshotAt(6, 2));
    expect(log.offset).toBe(7);
    expect(log.entries).toEqual([]);
    expect(log.snapshot).toEqual(snapshotAt(6, 2));
    expect(log.maybeLastIndex()).toBe(6);
  });
});

describe("UnstableLog.stableTo", () => {
  it.each([
    ["empty log: ignored", unstable(1, []), 0, 0, 1, 0],
    ["stable to the first entry", unstable(5, [1]), 5, 1, 6, 0],
    ["stable to the first of two", unstable(5, [1, 1]), 5, 1, 6, 1],
    ["term mismatch: entry replaced since", unstable(6, [2]), 6, 1, 6, 1],
    ["below the offset: already stable", unstable(5, [1]), 4, 1, 5, 1],
    ["beyond the tail: ignored", unstable(5, [1]), 6, 1, 5, 1],
    ["snapshot's index: not an entry", unstable(5, [1], snapshotAt(4, 1)), 4, 1, 5, 1],
    ["after a snapshot", unstable(5, [1, 1], snapshotAt(4, 1)), 5, 1, 6, 1],
    ["mismatch after a snapshot", unstable(6, [2], snapshotAt(5, 1)), 6, 1, 6, 1],
  ])("%s", (_name, log, index, entryTerm, offset, remaining) => {
    log.stableTo(idx(index), term(entryTerm));
    expect(log.offset).toBe(offset);
    expect(log.entries).toHaveLength(remaining);
  });
});

describe("UnstableLog.stableSnapshotTo", () => {
  it("clears the snapshot only when it is the one persisted", () => {
    const log = unstable(5, [], snapshotAt(4, 1));
    log.stableSnapshotTo(idx(3));
    expect(log.snapshot).toBeDefined();
    log.stableSnapshotTo(idx(4));
    expect(log.snapshot).toBeUndefined();
    log.stableSnapshotTo(idx(4)); // Idempotent.
    expect(log.snapshot).toBeUndefined();
  });
});

describe("UnstableLog.truncateAndAppend", () => {
  it.each([
    // Case 1: plain append right after the tail.
    ["append to the end", unstable(5, [1]), [[6, 1], [7, 1]], 5, [[5, 1], [6, 1], [7, 1]]],
    // Case 2: replacement starting at the offset or before it (stored entries superseded).
    ["replace the unstable entries", unstable(5, [1]), [[5, 2], [6, 2]], 5, [[5, 2], [6, 2]]],
    [
      "replace from below the offset",
      unstable(5, [1]),
      [[4, 2], [5, 2], [6, 2]],
      4,
      [[4, 2], [5, 2], [6, 2]],
    ],
    // Case 3: cut inside the unstable tail, keep the prefix.
    ["truncate inside, then append", unstable(5, [1, 1, 1]), [[6, 2]], 5, [[5, 1], [6, 2]]],
    [
      "truncate at the last, append more",
      unstable(5, [1, 1, 1]),
      [[7, 2], [8, 2]],
      5,
      [[5, 1], [6, 1], [7, 2], [8, 2]],
    ],
    ["empty input is a no-op", unstable(5, [1]), [], 5, [[5, 1]]],
  ])("%s", (_name, log, appended, offset, expected) => {
    log.truncateAndAppend(appended.map(([i, t]) => entry(i!, t!)));
    expect(log.offset).toBe(offset);
    expect(indexTerms(log.entries)).toEqual(expected);
  });

  it("appends after a restored snapshot", () => {
    const log = unstable(1, []);
    log.restore(snapshotAt(10, 3));
    log.truncateAndAppend([entry(11, 3), entry(12, 4)]);
    expect(log.offset).toBe(11);
    expect(log.maybeLastIndex()).toBe(12);
  });

  it("does not alias the caller's array", () => {
    const appended = [entry(5, 1)];
    const log = unstable(5, []);
    log.truncateAndAppend(appended);
    appended.push(entry(6, 1));
    expect(log.entries).toHaveLength(1);
  });

  it("rejects a gap after the tail", () => {
    expect(() => unstable(5, [1]).truncateAndAppend([entry(7, 1)])).toThrow(AssertionError);
  });

  it("rejects entries that would replace a pending snapshot", () => {
    const log = unstable(5, [1], snapshotAt(4, 1));
    expect(() => log.truncateAndAppend([entry(4, 2)])).toThrow(AssertionError);
  });

  it("rejects non-contiguous or term-decreasing input", () => {
    const gap = [entry(6, 1), entry(8, 1)];
    const termDown = [entry(6, 2), entry(7, 1)];
    expect(() => unstable(5, [1]).truncateAndAppend(gap)).toThrow(AssertionError);
    expect(() => unstable(5, [1]).truncateAndAppend(termDown)).toThrow(AssertionError);
  });
});

describe("UnstableLog.slice", () => {
  const log = unstable(5, [1, 2, 3]);

  it.each([
    [5, 8, [[5, 1], [6, 2], [7, 3]]],
    [6, 7, [[6, 2]]],
    [6, 6, []],
    [8, 8, []],
  ])("[%d, %d)", (low, high, expected) => {
    expect(indexTerms(log.slice(idx(low), idx(high)))).toEqual(expected);
  });

  it.each([
    [4, 6],
    [5, 9],
    [7, 6],
  ])("asserts [%d, %d) is within the unstable range", (low, high) => {
    expect(() => log.slice(idx(low), idx(high))).toThrow(AssertionError);
  });
});

describe("assertContiguousEntries", () => {
  it("accepts empty, single and contiguous runs", () => {
    expect(() => assertContiguousEntries([])).not.toThrow();
    expect(() => assertContiguousEntries([entry(3, 1), entry(4, 1), entry(5, 2)])).not.toThrow();
  });
});
