// Goal: specify RaftLog, the core's view of persisted entries plus the unstable tail: the
// §5.3 consistency check and conflict truncation, the §5.4 election and commit rules, the
// storage/unstable and snapshot boundaries, and the rule that only durable entries apply.
// Method: table-driven unit tests in the spirit of etcd-io/raft log_test.go over a
// MemoryLogStore (persisting a Ready is store.persist() then stableTo()), then a fast-check
// property test that drives maybeAppend with
// appends cut from random leader logs (interleaved with persisting and applying) and
// compares every step against a deliberately naive oracle: a plain array of terms.
import fc from "fast-check";
import { AssertionError } from "./assert.js";
import { MemoryLogStore } from "../storage/memory-log-store.js";
import type { Entry } from "./entry.js";
import { NO_NODE, term, type LogIndex } from "./ids.js";
import type { LogReader } from "./log-reader.js";
import { RaftLog } from "./raft-log.js";
import { idx, entry, run, snapshotAt } from "../../test/harness/log-fixtures.js";





interface LogSetup {
  snapshot?: [number, number];
  storedTerms?: number[];
  unstableTerms?: number[];
  commit?: number;
  entriesMaxBytes?: number;
}

/** A RaftLog over storage holding `storedTerms` after the snapshot, plus unstable entries. */
function makeLog(setup: LogSetup): { log: RaftLog; storage: MemoryLogStore } {
  const [snapshotIndex, snapshotTerm] = setup.snapshot ?? [0, 0];
  const stored = run(snapshotIndex + 1, setup.storedTerms ?? []);
  const commit = Math.min(setup.commit ?? snapshotIndex, snapshotIndex + stored.length);
  const storage = new MemoryLogStore({
    snapshot: snapshotAt(snapshotIndex, snapshotTerm),
    entries: stored,
    hardState: { term: term(0), vote: NO_NODE, commit: idx(commit) },
  });
  const log = new RaftLog(storage, { entriesMaxBytes: setup.entriesMaxBytes ?? 1 << 20 });
  log.append(run(log.lastIndex() + 1, setup.unstableTerms ?? []));
  if (setup.commit !== undefined) log.commitTo(idx(setup.commit));
  return { log, storage };
}

function indexTerms(entries: readonly Entry[] | undefined): [number, number][] | undefined {
  return entries?.map((e) => [e.index, e.term]);
}

describe("RaftLog construction and term()", () => {
  it("takes committed from the hard state and applied from the snapshot", () => {
    const { log } = makeLog({ snapshot: [3, 1], storedTerms: [1, 2], commit: 4 });
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([4, 5, 2]);
    expect([log.committed, log.applied, log.unstable.offset]).toEqual([4, 3, 6]);
    expect(log.toString()).toContain("committed=4 applied=3 first=4 last=5");
  });

  it("answers terms in [firstIndex - 1, lastIndex] across storage and unstable", () => {
    const { log } = makeLog({ snapshot: [3, 1], storedTerms: [1, 2], unstableTerms: [3] });
    const terms = [2, 3, 4, 5, 6, 7].map((i) => log.term(idx(i)));
    expect(terms).toEqual([undefined, 1, 1, 2, 3, undefined]);
  });

  it("rejects a stored commit beyond the stored log", () => {
    const store = new MemoryLogStore({ entries: run(1, [1]) });
    const hardState = { term: term(1), vote: NO_NODE, commit: idx(2) };
    const lying: LogReader = Object.assign(Object.create(store) as MemoryLogStore, {
      initialState: () => ({ hardState, snapshot: store.snapshotMeta() }),
    });
    expect(() => new RaftLog(lying, { entriesMaxBytes: 100 })).toThrow(AssertionError);
  });
});

describe("RaftLog.findConflict", () => {
  const existing = [1, 2, 3];
  it.each<[string, [number, number][], number]>([
    ["no entries", [], 0],
    ["all match", [[1, 1], [2, 2], [3, 3]], 0],
    ["suffix matches", [[2, 2], [3, 3]], 0],
    ["new entries after a match", [[2, 2], [3, 3], [4, 4], [5, 4]], 4],
    ["only new entries", [[4, 4], [5, 4]], 4],
    ["conflict at the first", [[1, 4], [2, 4]], 1],
    ["conflict in the middle", [[2, 1], [3, 4], [4, 4]], 2],
    ["conflict at the last", [[3, 1], [4, 2]], 3],
  ])("%s", (_name, entries, expected) => {
    const { log } = makeLog({ storedTerms: existing });
    expect(log.findConflict(entries.map(([i, t]) => entry(i, t)))).toBe(expected);
  });
});

describe("RaftLog.findConflictByTerm", () => {
  // Cases from etcd's TestFindConflictByTerm: (log, index, term) -> (index, term).
  const full: LogSetup = { storedTerms: [2, 2, 5, 5, 5] };
  const compacted: LogSetup = { snapshot: [10, 3], storedTerms: [3, 3, 4, 4, 4] };
  it.each<[string, LogSetup, number, number, number, number]>([
    ["full", full, 100, 2, 100, 0], // Beyond our log: unknown term, a possible match.
    ["full", full, 5, 6, 5, 5],
    ["full", full, 5, 5, 5, 5],
    ["full", full, 5, 4, 2, 2],
    ["full", full, 5, 2, 2, 2],
    ["full", full, 5, 1, 0, 0],
    ["full", full, 1, 2, 1, 2],
    ["full", full, 1, 1, 0, 0],
    ["full", full, 0, 0, 0, 0],
    ["compacted", compacted, 30, 3, 30, 0],
    ["compacted", compacted, 14, 9, 14, 4],
    ["compacted", compacted, 14, 4, 14, 4],
    ["compacted", compacted, 14, 3, 12, 3],
    ["compacted", compacted, 14, 2, 9, 0], // Walks into the compacted prefix: unknown there.
    ["compacted", compacted, 11, 5, 11, 3],
    ["compacted", compacted, 10, 5, 10, 3],
    ["compacted", compacted, 10, 3, 10, 3],
    ["compacted", compacted, 10, 2, 9, 0],
    ["compacted", compacted, 9, 2, 9, 0],
    ["compacted", compacted, 4, 2, 4, 0],
  ])("%s log, index %d term %d", (_name, setup, index, hint, wantIndex, wantTerm) => {
    const { log } = makeLog(setup);
    expect(log.findConflictByTerm(idx(index), term(hint))).toEqual({
      index: wantIndex,
      term: wantTerm,
    });
  });
});

describe("RaftLog.isUpToDate (§5.4.1)", () => {
  const { log } = makeLog({ storedTerms: [1, 2, 3] });
  it.each([
    [2, 4, true], // Higher last term wins even with a shorter log.
    [3, 4, true],
    [4, 4, true],
    [2, 2, false], // Lower last term loses even with a longer log.
    [3, 2, false],
    [4, 2, false],
    [2, 3, false], // Equal last terms: the longer log wins, ties count as up to date.
    [3, 3, true],
    [4, 3, true],
  ])("(lastIndex %d, lastTerm %d) -> %s", (lastIndex, lastTerm, expected) => {
    expect(log.isUpToDate(idx(lastIndex), term(lastTerm))).toBe(expected);
  });
});

describe("RaftLog.append (leader)", () => {
  it("extends the log and keeps the new entries unstable", () => {
    const { log } = makeLog({ storedTerms: [1, 2] });
    expect(log.append([])).toBe(2);
    expect(log.append(run(3, [2, 3]))).toBe(4);
    expect(indexTerms(log.unstableEntries())).toEqual([[3, 2], [4, 3]]);
    expect(log.lastTerm()).toBe(3);
  });

  it.each([[2], [4]])("asserts the first index is lastIndex + 1 (got %d)", (first) => {
    const { log } = makeLog({ storedTerms: [1, 2] });
    expect(() => log.append([entry(first, 3)])).toThrow(AssertionError);
  });
});

describe("RaftLog.maybeAppend (§5.3)", () => {
  // etcd's TestLogMaybeAppend: the log holds terms [1, 2, 3] with commit 1. Columns: prev
  // index, prev term, leader commit, entries -> result, committed, lastIndex.
  type Pairs = [number, number][];
  type Case = [string, number, number, number, Pairs, number | undefined, number, number];
  it.each<Case>([
    ["prev term mismatch", 3, 2, 3, [[4, 4]], undefined, 1, 3],
    ["prev beyond our log", 4, 3, 3, [[5, 4]], undefined, 1, 3],
    ["heartbeat at the last entry", 3, 3, 3, [], 3, 3, 3],
    ["commit capped at the last new entry", 3, 3, 4, [], 3, 3, 3],
    ["commit up to the leader's", 3, 3, 2, [], 3, 2, 3],
    ["commit never decreases", 3, 3, 0, [], 3, 1, 3],
    ["empty prefix", 0, 0, 3, [], 0, 1, 3],
    ["append one", 3, 3, 3, [[4, 4]], 4, 3, 4],
    ["append one, commit it", 3, 3, 4, [[4, 4]], 4, 4, 4],
    ["append one, commit capped", 3, 3, 5, [[4, 4]], 4, 4, 4],
    ["append two, commit both", 3, 3, 5, [[4, 4], [5, 4]], 5, 5, 5],
    ["replace the last", 2, 2, 3, [[3, 4]], 3, 3, 3],
    ["replace from the middle, truncating", 1, 1, 3, [[2, 4]], 2, 2, 2],
    ["replace two", 1, 1, 3, [[2, 4], [3, 4]], 3, 3, 3],
  ])("%s", (_name, prevIndex, prevTerm, leaderCommit, entries, expected, wantCommit, wantLast) => {
    const { log } = makeLog({ storedTerms: [1, 2], unstableTerms: [3], commit: 1 });
    const appended = entries.map(([i, t]) => entry(i, t));
    const result = log.maybeAppend(idx(prevIndex), term(prevTerm), idx(leaderCommit), appended);
    expect([result, log.committed, log.lastIndex()]).toEqual([expected, wantCommit, wantLast]);
    const wantTerms = expected === undefined ? [] : appended;
    expect(wantTerms.map((e) => log.term(e.index))).toEqual(wantTerms.map((e) => e.term));
  });

  it("asserts instead of truncating a committed entry", () => {
    const { log } = makeLog({ storedTerms: [1, 2, 3], commit: 1 });
    const before = log.toString();
    expect(() => log.maybeAppend(idx(0), term(0), idx(3), [entry(1, 4)])).toThrow(AssertionError);
    expect(log.toString()).toBe(before); // Nothing changed before the assertion fired.
  });

  it("keeps entries a shorter, delayed append already covers", () => {
    const { log } = makeLog({ storedTerms: [1, 1, 1, 1] });
    expect(log.maybeAppend(idx(1), term(1), idx(0), run(2, [1]))).toBe(2);
    expect(log.lastIndex()).toBe(4); // No conflict, so nothing after index 2 is dropped.
  });

  it("truncates stored entries and keeps reading the stable prefix from storage", () => {
    const { log, storage } = makeLog({ storedTerms: [1, 1, 1, 1], commit: 1 });
    expect(log.maybeAppend(idx(2), term(1), idx(2), run(3, [2, 2]))).toBe(4);
    expect([log.unstable.offset, log.lastStableIndex()]).toEqual([3, 2]);
    expect([1, 2, 3, 4].map((i) => log.term(idx(i)))).toEqual([1, 1, 2, 2]);
    storage.persist({ entries: log.unstableEntries() });
    log.stableTo(idx(4), term(2));
    expect([log.unstable.offset, log.lastStableIndex()]).toEqual([5, 4]);
  });

  it("asserts that entries start right after prevIndex", () => {
    const { log } = makeLog({ storedTerms: [1] });
    expect(() => log.maybeAppend(idx(1), term(1), idx(0), [entry(3, 1)])).toThrow(AssertionError);
  });
});

describe("RaftLog commit and apply", () => {
  it("commitTo never lowers committed and asserts beyond lastIndex", () => {
    const { log } = makeLog({ storedTerms: [1, 2, 3], commit: 2 });
    log.commitTo(idx(1));
    expect(log.committed).toBe(2);
    log.commitTo(idx(3));
    expect(log.committed).toBe(3);
    expect(() => log.commitTo(idx(4))).toThrow(AssertionError);
  });

  it("maybeCommit commits only an entry of the given term (§5.4.2)", () => {
    const { log } = makeLog({ storedTerms: [1, 2, 2], commit: 1 });
    expect(log.maybeCommit(idx(2), term(1))).toBe(false); // Not that term: counting is unsafe.
    expect(log.maybeCommit(idx(3), term(2))).toBe(true);
    expect(log.committed).toBe(3);
    expect(log.maybeCommit(idx(2), term(2))).toBe(false); // Already committed.
  });

  it("appliedTo asserts applied <= index <= committed", () => {
    const { log } = makeLog({ storedTerms: [1, 2, 3], commit: 2 });
    log.appliedTo(idx(2));
    expect(log.applied).toBe(2);
    expect(() => log.appliedTo(idx(3))).toThrow(AssertionError);
    expect(() => log.appliedTo(idx(1))).toThrow(AssertionError);
  });

  it("hands out only committed entries that are durable (etcd #14370)", () => {
    const { log, storage } = makeLog({ storedTerms: [1, 1], unstableTerms: [1, 1], commit: 4 });
    expect(indexTerms(log.nextCommittedEntries())).toEqual([[1, 1], [2, 1]]);
    log.appliedTo(idx(2));
    expect(log.hasNextCommittedEntries()).toBe(false);
    storage.persist({ entries: log.unstableEntries() });
    log.stableTo(idx(4), term(1));
    expect(log.hasNextCommittedEntries()).toBe(true);
    expect(indexTerms(log.nextCommittedEntries())).toEqual([[3, 1], [4, 1]]);
  });

  it("limits the bytes handed out, but always hands out one entry", () => {
    const { log } = makeLog({ storedTerms: [1, 1, 1], commit: 3, entriesMaxBytes: 50 });
    expect(indexTerms(log.nextCommittedEntries())).toEqual([[1, 1], [2, 1]]);
    const tiny = makeLog({ storedTerms: [1, 1, 1], commit: 3, entriesMaxBytes: 1 }).log;
    expect(indexTerms(tiny.nextCommittedEntries())).toEqual([[1, 1]]);
  });
});

describe("RaftLog.slice", () => {
  const setup: LogSetup = { snapshot: [3, 1], storedTerms: [1, 2, 2], unstableTerms: [3, 3] };
  it.each<[number, number, number, [number, number][] | undefined]>([
    [3, 5, 1000, undefined], // Compacted: the caller must send a snapshot.
    [4, 4, 1000, []],
    [4, 9, 1000, [[4, 1], [5, 2], [6, 2], [7, 3], [8, 3]]],
    [5, 7, 1000, [[5, 2], [6, 2]]], // Storage only.
    [7, 9, 1000, [[7, 3], [8, 3]]], // Unstable only.
    [6, 8, 1000, [[6, 2], [7, 3]]], // Across the boundary.
    [4, 9, 72, [[4, 1], [5, 2], [6, 2]]], // Byte limit inside storage: 3 x 24 bytes.
    [5, 9, 72, [[5, 2], [6, 2], [7, 3]]], // Byte limit crossing into unstable.
    [4, 9, 0, [[4, 1]]], // Always at least one entry.
    [7, 9, 0, [[7, 3]]],
  ])("[%d, %d) within %d bytes", (low, high, maxBytes, expected) => {
    const { log } = makeLog(setup);
    expect(indexTerms(log.slice(idx(low), idx(high), maxBytes))).toEqual(expected);
  });

  it("asserts that the slice ends within the log", () => {
    const { log } = makeLog(setup);
    expect(() => log.slice(idx(4), idx(10), 1000)).toThrow(AssertionError);
  });
});

describe("RaftLog.restore (§7)", () => {
  it("replaces the log with the snapshot until the driver persists it", () => {
    const { log, storage } = makeLog({ storedTerms: [1, 1, 2], commit: 2 });
    log.appliedTo(idx(2));
    log.restore(snapshotAt(10, 3));
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([11, 10, 3]);
    expect([log.committed, log.applied]).toEqual([10, 2]);
    const terms = [3, 9, 10].map((i) => log.term(idx(i)));
    expect(terms).toEqual([undefined, undefined, 3]);
    expect(log.hasNextCommittedEntries()).toBe(false); // The snapshot must be installed first.
    expect(log.lastStableIndex()).toBe(0); // Only the stored snapshot agrees with our log.
    expect(log.slice(idx(3), idx(4), 1000)).toBeUndefined();
    expect(log.maybeAppend(idx(10), term(3), idx(11), run(11, [3]))).toBe(11);

    storage.persist({ snapshot: snapshotAt(10, 3), entries: log.unstableEntries() });
    log.stableTo(idx(11), term(3)); // Entries may be acknowledged before the snapshot.
    expect(log.lastIndex()).toBe(11);
    log.stableSnapshotTo(idx(10));
    log.appliedTo(idx(10));
    expect([log.firstIndex(), log.lastIndex(), log.lastStableIndex()]).toEqual([11, 11, 11]);
    expect(indexTerms(log.nextCommittedEntries())).toEqual([[11, 3]]);
    log.checkInvariants();
  });

  it("asserts the snapshot is not below committed", () => {
    const { log } = makeLog({ storedTerms: [1, 1, 2], commit: 3 });
    expect(() => log.restore(snapshotAt(2, 1))).toThrow(AssertionError);
  });
});

// The oracle: a log is a plain array of terms (terms[i] is the term of index i + 1), and an
// append checks prev, then overwrites from the first conflict. It reports "committed" when
// the conflict would replace a committed entry, which RaftLog must refuse by assertion.
class NaiveLog {
  terms: number[] = [];
  committed = 0;

  append(
    prevIndex: number,
    prevTerm: number,
    leaderCommit: number,
    entries: readonly number[],
  ): number | undefined | "committed" {
    const termAt = (index: number): number | undefined =>
      index === 0 ? 0 : this.terms[index - 1];
    if (termAt(prevIndex) !== prevTerm) return undefined;
    const conflict = entries.findIndex((t, i) => termAt(prevIndex + 1 + i) !== t);
    if (conflict >= 0) {
      if (prevIndex + 1 + conflict <= this.committed) return "committed";
      this.terms = [...this.terms.slice(0, prevIndex + conflict), ...entries.slice(conflict)];
    }
    const lastNew = prevIndex + entries.length;
    this.committed = Math.max(this.committed, Math.min(leaderCommit, lastNew));
    return lastNew;
  }
}

/**
 * Leader logs (as terms) shaped the way Raft shapes them, so that they obey Log Matching:
 * the leader of term k keeps a prefix of an earlier leader's log and appends entries of
 * term k. Each step is (which earlier leader, how much of its log to keep, how many new).
 */
const leaderLogsArbitrary = fc
  .array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 5 })), {
    minLength: 1,
    maxLength: 5,
  })
  .map((steps) => {
    const logs: number[][] = [];
    steps.forEach(([parent, keep, added], k) => {
      const base = logs.length === 0 ? [] : logs[parent % logs.length]!;
      const kept = base.slice(0, keep % (base.length + 1));
      logs.push([...kept, ...Array.from({ length: added }, () => k + 1)]);
    });
    return logs;
  });

/** One step of the property: an append cut from a leader log, a persist, or an apply. */
type Op =
  | { kind: "append"; leader: number; prev: number; count: number; commit: number; near: boolean }
  | { kind: "persist" }
  | { kind: "apply" };

const appendArbitrary = fc.record({
  kind: fc.constant("append" as const),
  leader: fc.nat(),
  prev: fc.nat(),
  count: fc.nat(),
  commit: fc.nat(),
  near: fc.boolean(),
});
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: appendArbitrary },
  { weight: 2, arbitrary: fc.constant({ kind: "persist" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "apply" as const }) },
);

interface World {
  log: RaftLog;
  storage: MemoryLogStore;
  oracle: NaiveLog;
  /** index -> the term the state machine saw there; must never change afterwards. */
  applied: Map<number, number>;
  /** The longest prefix on which every leader log agrees: committed in a real cluster. */
  safeCommit: number;
}

function commonPrefixLength(logs: readonly (readonly number[])[]): number {
  const first = logs[0] ?? [];
  let length = 0;
  while (length < first.length && logs.every((l) => l[length] === first[length])) length++;
  return length;
}

/**
 * An AppendEntries cut from `leader`. Half the time prev is where a real leader's probing
 * ends (the last index at which the oracle agrees with the leader) and the rest of the
 * leader's log follows, so that conflicts are frequent; otherwise anywhere. leaderCommit
 * is usually safe (no leader's log differs up to it), and sometimes arbitrary, so that the
 * committed-entry assertion is reached too.
 */
function stepAppend(world: World, leader: readonly number[], op: Op & { kind: "append" }): void {
  const ours = world.oracle.terms;
  let probe = Math.min(leader.length, ours.length);
  while (probe > 0 && ours[probe - 1] !== leader[probe - 1]) probe--;
  const prevIndex = op.near ? probe : op.prev % (leader.length + 1);
  const available = leader.length - prevIndex;
  const count = op.near && op.count % 2 === 0 ? available : op.count % (available + 1);
  const entries = leader.slice(prevIndex, prevIndex + count);
  const prevTerm = prevIndex === 0 ? 0 : leader[prevIndex - 1]!;
  const arbitraryCommit = op.commit % 4 === 0;
  const leaderCommit = arbitraryCommit ? (op.commit >> 2) % (leader.length + 1) : world.safeCommit;
  const expected = world.oracle.append(prevIndex, prevTerm, leaderCommit, entries);
  const call = (): LogIndex | undefined =>
    world.log.maybeAppend(
      idx(prevIndex),
      term(prevTerm),
      idx(leaderCommit),
      run(prevIndex + 1, entries),
    );
  if (expected === "committed") {
    expect(call).toThrow(AssertionError);
  } else {
    expect(call()).toBe(expected);
  }
}

function step(world: World, leaders: readonly number[][], op: Op): void {
  const { log, storage } = world;
  if (op.kind === "append") {
    stepAppend(world, leaders[op.leader % leaders.length]!, op);
  } else if (op.kind === "persist") {
    storage.persist({ entries: log.unstableEntries() });
    const last = log.unstable.entries.at(-1);
    if (last !== undefined) log.stableTo(last.index, last.term);
  } else {
    for (const e of log.nextCommittedEntries()) {
      expect(e.index).toBeLessThanOrEqual(log.lastStableIndex());
      world.applied.set(e.index, e.term);
      log.appliedTo(e.index);
    }
  }
}

function expectAgreement(world: World): void {
  const { log, oracle } = world;
  log.checkInvariants();
  const ours = Array.from({ length: log.lastIndex() }, (_, i) => log.term(idx(i + 1)));
  expect(ours).toEqual(oracle.terms);
  expect(log.committed).toBe(oracle.committed);
  for (const [index, appliedTerm] of world.applied) expect(log.term(idx(index))).toBe(appliedTerm);
}

describe("RaftLog.maybeAppend against a naive oracle (property)", () => {
  it("agrees on the result, every term and committed; applies only durable entries", () => {
    const ops = fc.array(opArbitrary, { maxLength: 40 });
    fc.assert(
      fc.property(leaderLogsArbitrary, ops, (leaders, steps) => {
        const world: World = {
          ...makeLog({}),
          oracle: new NaiveLog(),
          applied: new Map(),
          safeCommit: commonPrefixLength(leaders),
        };
        for (const op of steps) {
          step(world, leaders, op);
          expectAgreement(world);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
