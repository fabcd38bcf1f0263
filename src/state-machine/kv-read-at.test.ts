// Goal: a read at a past revision answers exactly what a read at that revision answered
// then (keys, values, revisions, versions, count), for every revision the history window
// covers; older revisions are refused as compacted, later ones as future.
// Method: fast-check applies random puts, deletes and range deletes one entry at a time to
// a MemoryKvStateMachine and to a SqliteKvStateMachine (in memory), records a full range
// after each, then compares rangeAt() at every revision against the recording.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { logIndex, term } from "../core/ids.js";
import { encodeKvCommand } from "./kv-command.js";
import { rangeAt, RevisionUnavailableError } from "./kv-read-at.js";
import type { KvCommand, KvStateMachine, RangeResult } from "./kv-types.js";
import { MemoryKvStateMachine } from "./memory-kv-state-machine.js";
import { SqliteKvStateMachine } from "./sqlite-kv-state-machine.js";

const k = (s: string): Uint8Array => new TextEncoder().encode(s);
const ALL = { key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0), limit: 0 };

const keyArb = fc.constantFrom("a", "b", "c", "d").map(k);
const commandArb: fc.Arbitrary<KvCommand> = fc.oneof(
  fc.record({ key: keyArb, value: fc.string({ maxLength: 3 }).map(k) })
    .map((c): KvCommand => ({ type: "put", ...c })),
  keyArb.map((key): KvCommand => ({ type: "delete", key })),
  fc.record({ key: keyArb, rangeEnd: fc.constantFrom("c", "\0").map(k) })
    .map((c): KvCommand => ({ type: "delete-range", ...c })),
);

function plain(result: RangeResult): unknown {
  return JSON.parse(JSON.stringify(result, (_k, v: unknown) =>
    (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v)));
}

const directory = mkdtempSync(join(tmpdir(), "raftkv-read-at-"));
const opened: SqliteKvStateMachine[] = [];
let files = 0;

afterAll(() => {
  for (const machine of opened) machine.close();
  rmSync(directory, { recursive: true, force: true });
});

const machines: [string, (window: number) => KvStateMachine][] = [
  ["MemoryKvStateMachine", (window) => new MemoryKvStateMachine(10, window)],
  ["SqliteKvStateMachine", (window) => {
    const machine = SqliteKvStateMachine.open({
      path: join(directory, `kv-${++files}.db`), synchronous: "NORMAL", sessionsMax: 10,
      historyRevisionsMax: window, busyTimeoutMs: 100, walAutocheckpointPages: 100,
    });
    opened.push(machine);
    return machine;
  }],
];

describe.each(machines)("rangeAt on %s", (_name, make) => {
  it("answers every revision in the window as it was answered then", () => {
    fc.assert(fc.property(fc.array(commandArb, { minLength: 1, maxLength: 25 }), (commands) => {
      const window = 10;
      const machine = make(window);
      const seen = new Map<number, unknown>([[0, plain(machine.range(ALL))]]);
      commands.forEach((command, i) => {
        machine.apply([{ index: logIndex(i + 1), term: term(1), kind: "command", data: encodeKvCommand(command) }]);
        seen.set(machine.revision(), plain(machine.range(ALL)));
      });
      for (const [revision, then] of seen) {
        if (revision < machine.historyStart() - 1) {
          expect(() => rangeAt(machine, ALL, revision)).toThrow(RevisionUnavailableError);
        } else {
          expect(plain(rangeAt(machine, ALL, revision))).toEqual(then);
        }
      }
      expect(() => rangeAt(machine, ALL, machine.revision() + 1)).toThrow(/in the future/);
    }), { numRuns: 40 });
  });

  it("limits, counts and reads one key at a past revision", () => {
    const machine = make(100);
    const put = (i: number, key: string, value: string): void => {
      machine.apply([{
        index: logIndex(i), term: term(1), kind: "command",
        data: encodeKvCommand({ type: "put", key: k(key), value: k(value) }),
      }]);
    };
    put(1, "a", "1");
    put(2, "b", "1");
    put(3, "a", "2");
    const page = rangeAt(machine, { ...ALL, limit: 1 }, 2);
    expect(plain(page)).toEqual({
      kvs: [{ key: "a", value: "1", createRevision: 1, modRevision: 1, version: 1 }], more: true, count: 2,
    });
    expect(rangeAt(machine, { key: k("a"), rangeEnd: new Uint8Array(0), limit: 0, countOnly: true }, 1).count).toBe(1);
    expect(rangeAt(machine, { key: k("b"), rangeEnd: new Uint8Array(0), limit: 0 }, 1).kvs).toEqual([]);
  });
});
