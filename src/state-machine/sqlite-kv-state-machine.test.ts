// Goal: the KV state machine follows etcd's KeyValue rules (revision = the write's log
// index, create/mod revision, version reset on delete, range semantics of rangeEnd, byte
// order), applies each batch atomically with its applied index and skips re-delivered
// entries, gives exactly-once replies per client session within its bounded table (thesis
// 6.3), and moves whole states through snapshotTo()/restoreFrom(). SQLite-only: state
// survives reopening, a snapshot is a VACUUM INTO copy made on a worker thread while applies
// go on, consistent at the index it reports, a bad snapshot file is refused without
// touching the current state, and restore leaves no WAL or temporary debris.
// Method: one example suite runs against SqliteKvStateMachine and MemoryKvStateMachine;
// a fast-check model test applies the same random batches to both and requires identical
// results and reads; SQLite-only cases reopen files in a mkdtemp directory.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { AssertionError } from "../core/assert.js";
import type { Entry, SnapshotMeta } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { encodeKvCommand } from "./kv-command.js";
import type { KvCommand, KvCompare, KvStateMachine, RangeRequest, TxnOp } from "./kv-types.js";
import { MemoryKvStateMachine } from "./memory-kv-state-machine.js";
import { SqliteKvStateMachine, type SqliteKvStateMachineOptions } from "./sqlite-kv-state-machine.js";
import type { SnapshotOutcome } from "./state-machine.js";
import { FileSnapshotStore } from "../storage/sqlite/sqlite-snapshot-store.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";

const text = new TextEncoder();
const k = (s: string): Uint8Array => text.encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const NONE = new Uint8Array(0);
const ALL = Uint8Array.of(0);

function command(index: number, c: KvCommand): Entry {
  return { index: logIndex(index), term: term(1), kind: "command", data: encodeKvCommand(c) };
}

function noop(index: number): Entry {
  return { index: logIndex(index), term: term(1), kind: "noop", data: NONE };
}

const put = (key: string, value: string, extra: Partial<KvCommand> = {}): KvCommand =>
  ({ type: "put", key: k(key), value: k(value), ...extra }) as KvCommand;

function metaAt(index: number): SnapshotMeta {
  return { index: logIndex(index), term: term(1), config: makeConfig([1]) };
}

const directories: string[] = [];

function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "raftkv-kv-"));
  directories.push(directory);
  return directory;
}

/**
 * A snapshot of `machine` committed in a FileSnapshotStore, labelled with the index the
 * machine reports, or with `labelIndex` to make a mislabelled one.
 */
async function snapshotOf(machine: KvStateMachine, labelIndex?: number): Promise<StoredSnapshot> {
  const store = FileSnapshotStore.open({ directory: newDirectory(), retainCount: 2 });
  const draft = store.create();
  const outcome = await new Promise<SnapshotOutcome>((done) => {
    machine.snapshotTo(draft, done);
  });
  if (!outcome.ok) throw outcome.error;
  return draft.commit(metaAt(labelIndex ?? outcome.index));
}
const opened: SqliteKvStateMachine[] = [];

function openSqlite(
  sessionsMax = 100,
  path?: string,
  synchronous: SqliteKvStateMachineOptions["synchronous"] = "FULL",
  historyRevisionsMax = 10_000,
): SqliteKvStateMachine {
  let file = path;
  if (file === undefined) {
    const directory = mkdtempSync(join(tmpdir(), "raftkv-kv-"));
    directories.push(directory);
    file = join(directory, "kv.db");
  }
  const machine = SqliteKvStateMachine.open({
    path: file,
    synchronous,
    sessionsMax,
    historyRevisionsMax,
    busyTimeoutMs: 1000,
    walAutocheckpointPages: 1000,
  });
  opened.push(machine);
  return machine;
}

afterEach(() => {
  for (const machine of opened.splice(0)) {
    try {
      machine.close();
    } catch {
      // closed by the test
    }
  }
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

/** Everything readable, as plain data. */
function dump(machine: KvStateMachine): unknown {
  const all = machine.range({ key: ALL, rangeEnd: ALL, limit: 0 });
  return {
    applied: machine.appliedIndex(),
    revision: machine.revision(),
    count: all.count,
    kvs: all.kvs.map((kv) => [
      str(kv.key), str(kv.value), kv.createRevision, kv.modRevision, kv.version,
    ]),
    historyStart: machine.historyStart(),
    events: machine.events({ revision: machine.historyStart() - 1, position: -1 }, 1_000)
      .map((event) => [
        event.type, event.position, str(event.kv.key), str(event.kv.value), event.kv.modRevision,
        event.kv.version, event.prevKv === undefined ? null : str(event.prevKv.value),
      ]),
  };
}

const factories: [string, (sessionsMax?: number) => KvStateMachine][] = [
  ["SqliteKvStateMachine", (sessionsMax) => openSqlite(sessionsMax)],
  ["MemoryKvStateMachine", (sessionsMax) => new MemoryKvStateMachine(sessionsMax ?? 100)],
];

describe.each(factories)("the KV state machine: %s", (_name, make) => {
  it("answers an undecodable command with invalid-command and keeps applying", () => {
    const m = make();
    const garbage: Entry = {
      term: term(1), index: logIndex(1), kind: "command", data: new Uint8Array([1, 99, 0]),
    };
    const result = m.apply([garbage, command(2, put("a", "1"))]);
    expect(result.get(logIndex(1))).toMatchObject({ type: "invalid-command", revision: 0 });
    expect(result.get(logIndex(2))).toEqual({ type: "put", revision: 2 });
    expect(m.appliedIndex()).toBe(2);
  });

  it("puts with etcd bookkeeping: revision is the log index, version counts puts", () => {
    const m = make();
    const created = m.apply([command(1, put("a", "1"))]).get(logIndex(1));
    expect(created).toEqual({ type: "put", revision: 1 });
    m.apply([noop(2), command(3, put("a", "2", { prevKv: true }))]);
    const kv = m.get(k("a"))!;
    expect([str(kv.value), kv.createRevision, kv.modRevision, kv.version]).toEqual(["2", 1, 3, 2]);
    expect([m.revision(), m.appliedIndex()]).toEqual([3, 3]);
    const results = m.apply([command(4, put("a", "3", { prevKv: true })), command(5, put("b", "x"))]);
    const prev = results.get(logIndex(4));
    expect(prev?.type === "put" ? str(prev.prevKv?.value ?? k("none")) : "").toBe("2");
    expect(results.get(logIndex(5))).toEqual({ type: "put", revision: 5 }); // no prevKv asked
  });

  it("deletes: version restarts after re-creation; a no-op delete keeps the revision", () => {
    const m = make();
    m.apply([command(1, put("a", "1")), command(2, put("a", "2"))]);
    const deleted = m.apply([command(3, { type: "delete", key: k("a") })]);
    expect(deleted.get(logIndex(3))).toEqual({ type: "delete", revision: 3, deleted: 1 });
    expect(m.get(k("a"))).toBeUndefined();
    const none = m.apply([command(4, { type: "delete", key: k("a") })]);
    expect(none.get(logIndex(4))).toEqual({ type: "delete", revision: 3, deleted: 0 });
    expect([m.revision(), m.appliedIndex()]).toEqual([3, 4]);
    m.apply([command(5, put("a", "again"))]);
    const kv = m.get(k("a"))!;
    expect([kv.createRevision, kv.modRevision, kv.version]).toEqual([5, 5, 1]);
  });

  it("deletes ranges with etcd's rangeEnd rules", () => {
    const m = make();
    const keys = ["a", "b", "ba", "c", "d"];
    m.apply(keys.map((key, i) => command(i + 1, put(key, key))));
    const remaining = (): string[] =>
      m.range({ key: ALL, rangeEnd: ALL, limit: 0 }).kvs.map((kv) => str(kv.key));
    const range = (index: number, key: string, rangeEnd: Uint8Array): unknown => {
      const entry = command(index, { type: "delete-range", key: k(key), rangeEnd });
      return m.apply([entry]).get(logIndex(index));
    };
    expect(range(6, "b", k("c"))).toEqual({ type: "delete", revision: 6, deleted: 2 });
    expect(remaining()).toEqual(["a", "c", "d"]);
    expect(range(7, "d", NONE)).toEqual({ type: "delete", revision: 7, deleted: 1 });
    expect(range(8, "c", k("a"))).toEqual({ type: "delete", revision: 7, deleted: 0 }); // end <= key
    expect(range(9, "b", ALL)).toEqual({ type: "delete", revision: 9, deleted: 1 });
    expect(remaining()).toEqual(["a"]);
  });

  it("ranges in byte order with limit, more, count and keysOnly", () => {
    const m = make();
    const sql = k("'; DROP TABLE kv; --");
    const keys = [k("b"), k("a"), Uint8Array.of(0x61, 0), k("ab"), Uint8Array.of(0xff), sql];
    m.apply(keys.map((key, i) => command(i + 1, { type: "put", key, value: k(`v${String(i)}`) })));
    const keysOf = (request: RangeRequest): string[] =>
      m.range(request).kvs.map((kv) => str(kv.key));
    expect(keysOf({ key: ALL, rangeEnd: ALL, limit: 0 })).toEqual([
      "'; DROP TABLE kv; --", "a", "a\0", "ab", "b", "\xff",
    ]);
    const limited = m.range({ key: k("a"), rangeEnd: k("b"), limit: 2 });
    expect(limited).toMatchObject({ more: true, count: 3 });
    expect(keysOf({ key: k("a"), rangeEnd: k("b"), limit: 2 })).toEqual(["a", "a\0"]);
    const whole = m.range({ key: k("a"), rangeEnd: k("b"), limit: 3 });
    expect(whole).toMatchObject({ more: false, count: 3 });
    expect(keysOf({ key: k("ab"), rangeEnd: NONE, limit: 0 })).toEqual(["ab"]);
    expect(keysOf({ key: k("zz"), rangeEnd: NONE, limit: 0 })).toEqual([]);
    expect(keysOf({ key: k("b"), rangeEnd: k("a"), limit: 0 })).toEqual([]);
    const keysOnly = m.range({ key: k("a"), rangeEnd: ALL, limit: 0, keysOnly: true });
    expect(keysOnly.kvs.every((kv) => kv.value.byteLength === 0 && kv.version === 1)).toBe(true);
    expect(keysOnly.count).toBe(5);
    expect(str(m.get(k("'; DROP TABLE kv; --"))!.value)).toBe("v5");
  });

  it("runs a txn's success branch when every compare holds, all at the entry's revision", () => {
    const machine = make();
    machine.apply([command(1, put("a", "1")), command(2, put("b", "2"))]);
    const txn: KvCommand = {
      type: "txn",
      compares: [
        { key: k("a"), operator: "equal", target: "value", value: k("1") },
        { key: k("a"), operator: "equal", target: "version", number: 1 },
        { key: k("missing"), operator: "equal", target: "version", number: 0 },
        { key: k("missing"), operator: "equal", target: "create-revision", number: 0 },
        { key: k("b"), operator: "less", target: "mod-revision", number: 3 },
      ],
      success: [
        { type: "put", key: k("a"), value: k("x"), prevKv: true },
        { type: "range", request: { key: k("a"), rangeEnd: NONE, limit: 0 } },
        { type: "delete-range", key: k("b"), rangeEnd: NONE, prevKv: true },
        { type: "put", key: k("c"), value: k("3") },
      ],
      failure: [{ type: "put", key: k("failed"), value: k("!") }],
    };
    const result = machine.apply([command(3, txn)]).get(logIndex(3));
    expect(result).toMatchObject({ type: "txn", revision: 3, succeeded: true });
    const responses = result?.type === "txn" ? result.responses : [];
    expect(responses.map((r) => r.type)).toEqual(["put", "range", "delete", "put"]);
    expect(responses[0]).toMatchObject({ prevKv: { value: k("1"), version: 1 } });
    // A read inside the txn sees the txn's earlier writes.
    expect(responses[1]).toMatchObject({ result: { kvs: [{ value: k("x"), version: 2, modRevision: 3 }] } });
    expect(responses[2]).toMatchObject({ deleted: 1, prevKvs: [{ key: k("b"), value: k("2") }] });
    expect(dump(machine)).toMatchObject({
      revision: 3, kvs: [["a", "x", 1, 3, 2], ["c", "3", 3, 3, 1]],
    });
  });

  it("runs a txn's failure branch when a compare fails; a value compare on a missing key fails", () => {
    const machine = make();
    machine.apply([command(1, put("a", "1"))]);
    const failing = (compare: KvCompare): KvCommand => ({
      type: "txn",
      compares: [compare],
      success: [{ type: "put", key: k("won"), value: k("1") }],
      failure: [{ type: "range", request: { key: k("a"), rangeEnd: NONE, limit: 0, countOnly: true } }],
    });
    const results = machine.apply([
      command(2, failing({ key: k("missing"), operator: "not-equal", target: "value", value: k("1") })),
      command(3, failing({ key: k("a"), operator: "greater", target: "value", value: k("1") })),
      command(4, failing({ key: k("a"), operator: "not-equal", target: "create-revision", number: 1 })),
    ]);
    for (const index of [2, 3, 4]) {
      expect(results.get(logIndex(index))).toEqual({
        type: "txn", revision: 1, succeeded: false,
        responses: [{ type: "range", result: { kvs: [], more: false, count: 1 } }],
      });
    }
    expect(machine.get(k("won"))).toBeUndefined();
    expect(machine.revision()).toBe(1); // A txn that wrote nothing leaves the revision.
  });

  it("deletes with the previous key-values on request, and counts without reading values", () => {
    const machine = make();
    machine.apply([command(1, put("a", "1")), command(2, put("b", "2"))]);
    const results = machine.apply([
      command(3, { type: "delete-range", key: k("a"), rangeEnd: ALL, prevKv: true }),
    ]);
    expect(results.get(logIndex(3))).toMatchObject({
      type: "delete", revision: 3, deleted: 2, prevKvs: [{ key: k("a") }, { key: k("b") }],
    });
    machine.apply([command(4, put("c", "3"))]);
    expect(machine.range({ key: k("a"), rangeEnd: ALL, limit: 0, countOnly: true }))
      .toEqual({ kvs: [], more: false, count: 1 });
  });

  it("keeps a history of every change, with previous values, read from any cursor", () => {
    const machine = make();
    machine.apply([
      command(1, put("a", "1")),
      command(2, put("a", "2")),
      noop(3),
      command(4, { type: "delete-range", key: k("a"), rangeEnd: ALL }),
    ]);
    const events = machine.events({ revision: 0, position: -1 }, 10);
    const described = events.map((e) =>
      [e.type, str(e.kv.key), str(e.kv.value), e.kv.modRevision, e.position]);
    expect(described)
      .toEqual([["put", "a", "1", 1, 0], ["put", "a", "2", 2, 0], ["delete", "a", "", 4, 0]]);
    expect(events[0]?.prevKv).toBeUndefined();
    expect(events[1]?.prevKv).toMatchObject({ value: k("1"), modRevision: 1, version: 1 });
    expect(events[2]?.prevKv).toMatchObject({ value: k("2"), modRevision: 2, version: 2 });
    const revisionsAfter = (revision: number, position: number): number[] =>
      machine.events({ revision, position }, 10).map((e) => e.kv.modRevision);
    expect(revisionsAfter(2, -1)).toEqual([2, 4]);
    expect(revisionsAfter(2, 0)).toEqual([4]);
    expect(machine.events({ revision: 0, position: -1 }, 1)).toHaveLength(1);
    expect(machine.historyStart()).toBe(1);
  });

  it("skips entries at or below the applied index and asserts contiguity", () => {
    const m = make();
    m.apply([command(1, put("a", "1")), command(2, put("a", "2"))]);
    const again = m.apply([command(1, put("a", "1")), command(2, put("a", "2")), noop(3)]);
    expect([...again.keys()]).toEqual([]);
    expect(m.get(k("a"))!.version).toBe(2);
    expect(m.appliedIndex()).toBe(3);
    expect(() => m.apply([noop(5)])).toThrow(AssertionError);
    expect(() => m.apply([noop(4), noop(6)])).toThrow(AssertionError);
    expect(m.appliedIndex()).toBe(3);
  });

  it("applies a batch atomically: a broken batch leaves everything as it was", () => {
    const m = make();
    m.apply([command(1, put("a", "1"))]);
    const before = dump(m);
    // Index 4 after 2 leaves a gap: the batch is refused before anything of it changes.
    expect(() => m.apply([command(2, put("b", "2")), command(4, put("c", "3"))]))
      .toThrow(AssertionError);
    expect(dump(m)).toEqual(before);
  });

  it("answers a retried session command from memory, refuses an older one", () => {
    const m = make();
    const session = { clientId: "client-1", sequence: 1 };
    const first = m.apply([command(1, put("a", "1", { session }))]).get(logIndex(1));
    const retry = m.apply([command(2, put("a", "1", { session }))]).get(logIndex(2));
    expect(retry).toEqual(first);
    expect(m.get(k("a"))!.version).toBe(1); // not applied twice
    m.apply([command(3, put("a", "2", { session: { clientId: "client-1", sequence: 5 } }))]);
    const old = m.apply([command(4, { type: "delete", key: k("a"), session })]).get(logIndex(4));
    expect(old).toEqual({ type: "stale-sequence", revision: 3, lastSequence: 5 });
    expect(m.get(k("a"))!.version).toBe(2);
  });

  it("opens a session at sequence 1 only: a higher first sequence is a session that expired", () => {
    const m = make(1);
    const s = (clientId: string, sequence: number) => ({ session: { clientId, sequence } });
    const results = m.apply([
      command(1, put("x", "1", s("new", 3))), // never seen: refused, not applied
      command(2, put("x", "1", s("a", 1))),
      command(3, put("x", "2", s("b", 1))), // evicts "a" (sessionsMax 1)
      command(4, put("x", "3", s("a", 2))), // "a" was evicted: refused, not applied again
    ]);
    expect(results.get(logIndex(1))).toEqual({ type: "session-expired", revision: 0 });
    expect(results.get(logIndex(4))).toEqual({ type: "session-expired", revision: 3 });
    expect(m.get(k("x"))!.version).toBe(2);
  });

  it("forgets the least recently used session beyond sessionsMax", () => {
    const m = make(2);
    const s = (clientId: string, sequence = 1) => ({ session: { clientId, sequence } });
    m.apply([
      command(1, put("x", "1", s("a"))),
      command(2, put("x", "2", s("b"))),
      command(3, put("x", "1", s("a"))), // a retry: counts as a use of "a"
      command(4, put("x", "3", s("c"))), // evicts "b", the least recently used
    ]);
    expect(m.get(k("x"))!.version).toBe(3);
    m.apply([command(5, put("x", "1", s("a")))]); // still remembered: not applied
    expect(m.get(k("x"))!.version).toBe(3);
    m.apply([command(6, put("x", "2", s("b")))]); // forgotten: applied again
    expect(m.get(k("x"))!.version).toBe(4);
  });

  it("moves the whole state, sessions included, through snapshotTo() and restoreFrom()", async () => {
    const source = make();
    source.apply([
      command(1, put("a", "1", { session: { clientId: "c", sequence: 1 } })),
      command(2, put("b", "2")),
      command(3, { type: "delete", key: k("b") }),
      noop(4),
    ]);
    const target = make();
    target.apply([command(1, put("stale", "x"))]);
    const snapshot = await snapshotOf(source);
    expect(snapshot.meta.index).toBe(4);
    target.restoreFrom(snapshot);
    expect(dump(target)).toEqual(dump(source));
    const session = { clientId: "c", sequence: 1 };
    const retry = target.apply([command(5, put("a", "1", { session }))]);
    expect(retry.get(logIndex(5))).toEqual({ type: "put", revision: 1 });
    const mislabelled = await snapshotOf(source, 3);
    expect(() => target.restoreFrom(mislabelled)).toThrow(AssertionError);
    expect(target.appliedIndex()).toBe(5);
  });
});

describe("SqliteKvStateMachine against MemoryKvStateMachine, on random batches", () => {
  const keyArb = fc.constantFrom("a", "ab", "b", "\0", "\xff", "c").map(k);
  const txnOpArb: fc.Arbitrary<TxnOp> = fc.oneof(
    fc.record({ key: keyArb, value: fc.string().map(k), prevKv: fc.boolean() })
      .map((c): TxnOp => ({ type: "put", ...c })),
    fc.record({ key: keyArb, rangeEnd: fc.constantFrom("", "\0", "c").map(k), prevKv: fc.boolean() })
      .map((c): TxnOp => ({ type: "delete-range", ...c })),
    fc.record({ key: keyArb, rangeEnd: fc.constantFrom("", "\0").map(k), limit: fc.nat(2) })
      .map((request): TxnOp => ({ type: "range", request })),
  );
  const sessionArb = fc.option(
    fc.record({ clientId: fc.constantFrom("p", "q", "r"), sequence: fc.integer({ min: 1, max: 4 }) }),
    { nil: undefined },
  );
  const write: fc.Arbitrary<KvCommand> = fc.oneof(
    fc.record({ key: keyArb, value: fc.string().map(k), prevKv: fc.boolean() }).map(
      (c): KvCommand => ({ type: "put", ...c }),
    ),
    keyArb.map((key): KvCommand => ({ type: "delete", key })),
    fc.record({
      key: keyArb, rangeEnd: fc.constantFrom("", "\0", "b", "c").map(k), prevKv: fc.boolean(),
    }).map((c): KvCommand => ({ type: "delete-range", ...c })),
    fc.record({
      compares: fc.array(fc.oneof(
        fc.record({
          key: keyArb, operator: fc.constantFrom("equal" as const, "greater" as const),
          target: fc.constant("value" as const), value: fc.string().map(k),
        }),
        fc.record({
          key: keyArb, operator: fc.constantFrom("equal" as const, "less" as const, "not-equal" as const),
          target: fc.constantFrom("version" as const, "mod-revision" as const), number: fc.nat(6),
        }),
      ), { maxLength: 2 }),
      success: fc.array(txnOpArb, { maxLength: 3 }),
      failure: fc.array(txnOpArb, { maxLength: 3 }),
    }).map((c): KvCommand => ({ type: "txn", ...c })),
  );
  const commandArb = fc
    .tuple(write, sessionArb)
    .map(([c, session]): KvCommand => (session === undefined ? c : { ...c, session }));
  const plain = (results: Map<unknown, unknown>): unknown =>
    JSON.parse(
      JSON.stringify([...results], (_key, v: unknown) => (v instanceof Uint8Array ? str(v) : v)),
    );

  it("gives the same results and reads after every batch", () => {
    fc.assert(
      fc.property(fc.array(fc.array(commandArb, { maxLength: 6 }), { maxLength: 8 }), (batches) => {
        // Semantics, not durability: fast. A short history window, so it is compacted.
        const sqlite = openSqlite(2, undefined, "NORMAL", 5);
        const memory = new MemoryKvStateMachine(2, 5);
        let index = 1;
        for (const batch of batches) {
          const entries = batch.map((c) => command(index++, c));
          expect(plain(sqlite.apply(entries))).toEqual(plain(memory.apply(entries)));
          expect(dump(sqlite)).toEqual(dump(memory));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("the history window", () => {
  it.each([
    ["SqliteKvStateMachine", () => openSqlite(10, undefined, "NORMAL", 3)],
    ["MemoryKvStateMachine", () => new MemoryKvStateMachine(10, 3)],
  ] as const)("%s keeps the last historyRevisionsMax revisions", (_name, make) => {
    const machine = make();
    machine.apply([1, 2, 3, 4, 5, 6].map((i) => command(i, put("k", String(i)))));
    expect(machine.historyStart()).toBe(4);
    expect(machine.events({ revision: 3, position: -1 }, 10).map((e) => e.kv.modRevision))
      .toEqual([4, 5, 6]);
    expect(() => machine.events({ revision: 2, position: -1 }, 10)).toThrow(AssertionError);
  });
});

describe("SqliteKvStateMachine on disk", () => {
  it("keeps its state across close and reopen", () => {
    const m = openSqlite();
    m.apply([command(1, put("a", "1", { session: { clientId: "c", sequence: 1 } })), noop(2)]);
    const before = dump(m);
    m.close();
    const path = join(directories[0]!, "kv.db");
    const reopened = openSqlite(100, path);
    expect(dump(reopened)).toEqual(before);
    reopened.apply([command(3, put("a", "1", { session: { clientId: "c", sequence: 1 } }))]);
    expect(reopened.get(k("a"))!.version).toBe(1);
  });

  it("stores 1 MiB values", () => {
    const m = openSqlite();
    const value = Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff);
    m.apply([command(1, { type: "put", key: k("big"), value })]);
    expect(Buffer.compare(m.get(k("big"))!.value, value)).toBe(0);
  });

  it("snapshots as a plain SQLite file and restores without WAL or temp debris", async () => {
    const source = openSqlite();
    source.apply([command(1, put("a", "1")), command(2, put("b", "2"))]);
    const image = await snapshotOf(source);
    const plain = new Database(image.path ?? "", { readonly: true });
    expect(plain.prepare("SELECT COUNT(*) AS n FROM kv").get()).toEqual({ n: 2 });
    expect(plain.pragma("journal_mode", { simple: true })).toBe("delete");
    plain.close();
    const target = openSqlite();
    const path = join(directories[directories.length - 1]!, "kv.db");
    target.apply([command(1, put("z", "9"))]);
    target.restoreFrom(image);
    expect(dump(target)).toEqual(dump(source));
    expect(existsSync(`${path}.restore.tmp`)).toBe(false);
    target.apply([command(3, put("c", "3"))]);
    target.close();
    expect(dump(openSqlite(100, path))).toMatchObject({ applied: 3, count: 3 });
  });

  it("restores from the copy prepareRestore() made ahead, and clears its debris", async () => {
    const source = openSqlite();
    source.apply([command(1, put("a", "1")), command(2, put("b", "2"))]);
    const older = await snapshotOf(source); // Prepared, then passed over.
    source.apply([noop(3)]);
    const image = await snapshotOf(source);
    const mislabelled = await snapshotOf(source, 7);
    const target = openSqlite();
    const directory = directories[directories.length - 1]!;
    const path = join(directory, "kv.db");
    target.apply([command(1, put("z", "9"))]);
    await new Promise<void>((done) => { target.prepareRestore(older, done); });
    await new Promise<void>((done) => { target.prepareRestore(image, done); });
    const prepared = `${path}.restore-3-1.tmp`;
    expect(existsSync(prepared)).toBe(true);
    expect(existsSync(`${path}.restore-2-1.tmp`)).toBe(true);
    // The prepared copy is what gets renamed into place: the store's file may go meanwhile.
    rmSync(image.path!);
    target.restoreFrom(image);
    expect(dump(target)).toEqual(dump(source));
    expect(existsSync(prepared)).toBe(false);
    expect(existsSync(`${path}.restore-2-1.tmp`)).toBe(false); // At or below the restore.

    // A preparation that fails (its file is gone, or holds another index than its label)
    // still calls done and keeps nothing: restoreFrom would do the work itself and refuse.
    const missing = { ...image, path: join(directory, "gone.bin") };
    await new Promise<void>((done) => { target.prepareRestore(missing, done); });
    expect(existsSync(prepared)).toBe(false);
    await new Promise<void>((done) => { target.prepareRestore(mislabelled, done); });
    expect(existsSync(`${path}.restore-7-1.tmp`)).toBe(false);
    expect(() => target.restoreFrom(mislabelled)).toThrow(AssertionError);
    expect(target.appliedIndex()).toBe(3);
    // The open after a crash removes a copy left half made.
    writeFileSync(`${path}.restore-9-2.tmp`, "half a copy");
    target.close();
    openSqlite(100, path);
    expect(existsSync(`${path}.restore-9-2.tmp`)).toBe(false);
  });

  it("refuses a snapshot image for another index and keeps serving the current state", async () => {
    const m = openSqlite();
    m.apply([command(1, put("a", "1"))]);
    const image = await snapshotOf(m, 5);
    m.apply([command(2, put("a", "2"))]);
    expect(() => m.restoreFrom(image)).toThrow(AssertionError);
    expect(existsSync(`${join(directories[0]!, "kv.db")}.restore.tmp`)).toBe(false);
    expect(str(m.get(k("a"))!.value)).toBe("2");
    m.apply([command(3, put("a", "3"))]);
    expect(m.appliedIndex()).toBe(3);
  });

  it("copies off the event loop, consistent at the index it reports while applies go on", async () => {
    const m = openSqlite();
    const reference = new MemoryKvStateMachine(100);
    let next = 1;
    const applyBatch = (): void => {
      const batch = Array.from({ length: 50 }, () => {
        const index = next++;
        return command(index, put(`k${index % 97}`, `v${index}`));
      });
      m.apply(batch);
      reference.apply(batch);
    };
    for (let i = 0; i < 20; i++) applyBatch();
    const appliedAtCall = m.appliedIndex();
    const store = FileSnapshotStore.open({ directory: newDirectory(), retainCount: 2 });
    const draft = store.create();
    let outcome: SnapshotOutcome | undefined;
    m.snapshotTo(draft, (result) => { outcome = result; });
    const snapshots: { index: number; state: unknown }[] = [];
    // The main thread keeps applying while the worker copies; remember each state.
    while (outcome === undefined) {
      snapshots.push({ index: m.appliedIndex(), state: dump(reference) });
      applyBatch();
      await new Promise((done) => setImmediate(done));
    }
    if (!outcome.ok) throw outcome.error;
    const reported = outcome.index;
    expect(reported).toBeGreaterThanOrEqual(appliedAtCall);
    expect(next - 1).toBeGreaterThan(appliedAtCall); // Applies went on meanwhile.
    const expected = snapshots.find((seen) => seen.index === reported);
    expect(expected).toBeDefined(); // The copy sits on a batch boundary: one transaction.
    const restored = openSqlite();
    restored.restoreFrom(draft.commit(metaAt(reported)));
    expect(dump(restored)).toEqual(expected!.state);
  });

  it("removes the temporary file of a restore that crashed before its rename", () => {
    const m = openSqlite();
    m.apply([command(1, put("a", "1"))]);
    m.close();
    const path = join(directories[0]!, "kv.db");
    writeFileSync(`${path}.restore.tmp`, "half a snapshot");
    expect(openSqlite(100, path).appliedIndex()).toBe(1);
    expect(existsSync(`${path}.restore.tmp`)).toBe(false);
  });
});
