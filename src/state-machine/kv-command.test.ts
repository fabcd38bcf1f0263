// Goal: the KV log encoding is a faithful, versioned, binary round trip for every command
// and result, and decoding refuses every malformed input with a KvCodecError (never a
// RangeError from a DataView, never a silently wrong command): truncation at any byte,
// trailing bytes, unknown version, type or flags, an empty key or client id, invalid
// UTF-8, integers beyond 2^53.
// Method: fast-check properties (round trip for arbitrary commands and results; every
// strict prefix of a valid encoding fails; arbitrary bytes either decode to something that
// re-encodes to the same bytes or throw KvCodecError), plus hand-made malformed encodings.
import fc from "fast-check";
import { AssertionError } from "../core/assert.js";
import {
  decodeKvCommand,
  decodeKvResult,
  encodeKvCommand,
  encodeKvResult,
  KvCodecError,
} from "./kv-command.js";
import type {
  CompareOperator, KeyValue, KvCommand, KvCompare, KvResult, KvSession, TxnOp, TxnOpResult,
} from "./kv-types.js";

const OPERATORS: readonly CompareOperator[] = ["equal", "not-equal", "greater", "less"];

const bytes = (maxLength = 64): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: 0, maxLength });
const key = fc.uint8Array({ minLength: 1, maxLength: 40 });
const revision = fc.nat({ max: Number.MAX_SAFE_INTEGER });

const session: fc.Arbitrary<KvSession> = fc.record({
  clientId: fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
    .filter((id) => new TextEncoder().encode(id).byteLength <= 255),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
});

const compare: fc.Arbitrary<KvCompare> = fc.oneof(
  fc.record({
    key, operator: fc.constantFrom(...OPERATORS), target: fc.constant("value" as const), value: bytes(),
  }),
  fc.record({
    key, operator: fc.constantFrom(...OPERATORS),
    target: fc.constantFrom("version" as const, "create-revision" as const, "mod-revision" as const),
    number: revision,
  }),
);

const txnOp: fc.Arbitrary<TxnOp> = fc.oneof(
  fc.record({ type: fc.constant("put" as const), key, value: bytes(), prevKv: fc.constant(true) }, {
    requiredKeys: ["type", "key", "value"],
  }),
  fc.record({
    type: fc.constant("delete-range" as const), key, rangeEnd: bytes(), prevKv: fc.constant(true),
  }, { requiredKeys: ["type", "key", "rangeEnd"] }),
  fc.record({
    type: fc.constant("range" as const),
    request: fc.record({
      key, rangeEnd: bytes(), limit: revision,
      keysOnly: fc.constant(true), countOnly: fc.constant(true),
    }, { requiredKeys: ["key", "rangeEnd", "limit"] }),
  }),
);

const command: fc.Arbitrary<KvCommand> = fc.oneof(
  fc.record(
    { type: fc.constant("put" as const), key, value: bytes(), prevKv: fc.constant(true), session },
    { requiredKeys: ["type", "key", "value"] },
  ),
  fc.record({ type: fc.constant("delete" as const), key, prevKv: fc.constant(true), session }, {
    requiredKeys: ["type", "key"],
  }),
  fc.record({
    type: fc.constant("delete-range" as const), key, rangeEnd: bytes(), prevKv: fc.constant(true),
    session,
  }, { requiredKeys: ["type", "key", "rangeEnd"] }),
  fc.record({
    type: fc.constant("txn" as const),
    compares: fc.array(compare, { maxLength: 3 }),
    success: fc.array(txnOp, { maxLength: 3 }),
    failure: fc.array(txnOp, { maxLength: 3 }),
    session,
  }, { requiredKeys: ["type", "compares", "success", "failure"] }),
);

const keyValue: fc.Arbitrary<KeyValue> = fc.record({
  key, value: bytes(), createRevision: revision, modRevision: revision, version: revision,
});

const txnOpResult: fc.Arbitrary<TxnOpResult> = fc.oneof(
  fc.record({ type: fc.constant("put" as const), prevKv: keyValue }, { requiredKeys: ["type"] }),
  fc.record({
    type: fc.constant("delete" as const), deleted: revision, prevKvs: fc.array(keyValue, { maxLength: 3 }),
  }, { requiredKeys: ["type", "deleted"] }),
  fc.record({
    type: fc.constant("range" as const),
    result: fc.record({
      kvs: fc.array(keyValue, { maxLength: 3 }), more: fc.boolean(), count: revision,
    }),
  }),
);

const result: fc.Arbitrary<KvResult> = fc.oneof(
  fc.record(
    {
      type: fc.constant("put" as const),
      revision,
      prevKv: fc.record({
        key,
        value: bytes(),
        createRevision: revision,
        modRevision: revision,
        version: revision,
      }),
    },
    { requiredKeys: ["type", "revision"] },
  ),
  fc.record({
    type: fc.constant("delete" as const), revision, deleted: revision,
    prevKvs: fc.array(keyValue, { maxLength: 3 }),
  }, { requiredKeys: ["type", "revision", "deleted"] }),
  fc.record({ type: fc.constant("stale-sequence" as const), revision, lastSequence: revision }),
  fc.record({
    type: fc.constant("txn" as const), revision, succeeded: fc.boolean(),
    responses: fc.array(txnOpResult, { maxLength: 4 }),
  }),
);

/** Uint8Array views compare by content with toEqual only as plain arrays. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function expectCodecError(decode: () => unknown, reason: RegExp): void {
  expect(decode).toThrow(KvCodecError);
  expect(decode).toThrow(reason);
}

describe("KV command encoding", () => {
  it("round-trips every command", () => {
    fc.assert(
      fc.property(command, (original) => {
        expect(plain(decodeKvCommand(encodeKvCommand(original)))).toEqual(plain(original));
      }),
    );
  });

  it("refuses every truncation of a valid encoding", () => {
    fc.assert(
      fc.property(command, (original) => {
        const encoded = encodeKvCommand(original);
        for (let length = 0; length < encoded.byteLength; length++) {
          expect(() => decodeKvCommand(encoded.subarray(0, length))).toThrow(KvCodecError);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("either decodes arbitrary bytes canonically or throws KvCodecError", () => {
    fc.assert(
      fc.property(bytes(80), (data) => {
        let decoded: KvCommand;
        try {
          decoded = decodeKvCommand(data);
        } catch (error) {
          expect(error).toBeInstanceOf(KvCodecError);
          return;
        }
        expect(Array.from(encodeKvCommand(decoded))).toEqual(Array.from(data));
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes a valid encoding with one byte changed canonically, or refuses it", () => {
    fc.assert(
      fc.property(command, fc.nat(), fc.integer({ min: 0, max: 255 }), (original, at, byte) => {
        const data = encodeKvCommand(original).slice();
        data[at % data.byteLength] = byte;
        let decoded: KvCommand;
        try {
          decoded = decodeKvCommand(data);
        } catch (error) {
          expect(error).toBeInstanceOf(KvCodecError);
          return;
        }
        expect(Array.from(encodeKvCommand(decoded))).toEqual(Array.from(data));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses each specific malformation with a reason", () => {
    const valid = encodeKvCommand({ type: "put", key: Uint8Array.of(7), value: Uint8Array.of(8) });
    const patched = (offset: number, value: number): Uint8Array => {
      const copy = valid.slice();
      copy[offset] = value;
      return copy;
    };
    expectCodecError(() => decodeKvCommand(patched(0, 2)), /version 2/);
    expectCodecError(() => decodeKvCommand(patched(1, 5)), /unknown command type/);
    expectCodecError(() => decodeKvCommand(patched(2, 4)), /unknown flags/);
    expectCodecError(() => decodeKvCommand(Uint8Array.of(...valid, 0)), /trailing/);
    expectCodecError(() => decodeKvCommand(patched(6, 0)), /empty key|truncated/);
    expectCodecError(() => decodeKvCommand(patched(6, 9)), /truncated/); // length past the end
    const deleteWithPrevKv = Uint8Array.of(1, 2, 2, 0, 0, 0, 1, 7);
    expect(decodeKvCommand(deleteWithPrevKv)).toMatchObject({ type: "delete", prevKv: true });
    const txnWithPrevKv = Uint8Array.of(1, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    expectCodecError(() => decodeKvCommand(txnWithPrevKv), /prevKv on a txn/);
  });

  it("refuses a bad session: empty id, invalid UTF-8, sequence 0 or beyond 2^53", () => {
    const withSession = (id: number[], sequence: number[]): Uint8Array =>
      Uint8Array.of(1, 2, 1, id.length, ...id, ...sequence, 0, 0, 0, 1, 7);
    const one = [0, 0, 0, 0, 0, 0, 0, 1];
    expect(decodeKvCommand(withSession([0x61], one))).toMatchObject({
      session: { clientId: "a", sequence: 1 },
    });
    const bom = decodeKvCommand(withSession([0xef, 0xbb, 0xbf, 0x61], one));
    expect(bom).toMatchObject({ session: { clientId: "\ufeffa" } }); // kept, not stripped
    expectCodecError(() => decodeKvCommand(withSession([], one)), /empty client id/);
    expectCodecError(() => decodeKvCommand(withSession([0xff], one)), /not UTF-8/);
    expectCodecError(() => decodeKvCommand(withSession([0x61], [0, 0, 0, 0, 0, 0, 0, 0])), /positive/);
    const huge = [0, 0x20, 0, 0, 0, 0, 0, 0]; // 2^53
    expectCodecError(() => decodeKvCommand(withSession([0x61], huge)), /beyond 2\^53/);
  });

  it("asserts on encode what decode refuses", () => {
    const empty = new Uint8Array(0);
    expect(() => encodeKvCommand({ type: "delete", key: empty })).toThrow(AssertionError);
    const badSession = { clientId: "", sequence: 1 };
    const badSequence = { clientId: "c", sequence: 0 };
    const k = Uint8Array.of(1);
    expect(() => encodeKvCommand({ type: "delete", key: k, session: badSession })).toThrow(
      AssertionError,
    );
    expect(() => encodeKvCommand({ type: "delete", key: k, session: badSequence })).toThrow(
      AssertionError,
    );
  });

  it("stays compact for large values: a 1 MiB put costs 11 bytes of framing", () => {
    const value = new Uint8Array(1 << 20);
    const encoded = encodeKvCommand({ type: "put", key: Uint8Array.of(1), value });
    expect(encoded.byteLength).toBe(value.byteLength + 1 + 11);
  });
});

describe("KV result encoding", () => {
  it("round-trips every result", () => {
    fc.assert(
      fc.property(result, (original) => {
        expect(plain(decodeKvResult(encodeKvResult(original)))).toEqual(plain(original));
      }),
    );
  });

  it("refuses every truncation, trailing bytes and an unknown type", () => {
    fc.assert(
      fc.property(result, (original) => {
        const encoded = encodeKvResult(original);
        for (let length = 0; length < encoded.byteLength; length++) {
          expect(() => decodeKvResult(encoded.subarray(0, length))).toThrow(KvCodecError);
        }
        expect(() => decodeKvResult(Uint8Array.of(...encoded, 1))).toThrow(KvCodecError);
      }),
      { numRuns: 50 },
    );
    expectCodecError(() => decodeKvResult(Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0, 0, 0)), /type/);
  });

  it("still reads a version 1 reply, which a session table may hold from before txns", () => {
    const eight = (n: number): number[] => [0, 0, 0, 0, 0, 0, 0, n];
    expect(decodeKvResult(Uint8Array.of(1, 2, ...eight(7), ...eight(3))))
      .toEqual({ type: "delete", revision: 7, deleted: 3 });
    expectCodecError(() => decodeKvResult(Uint8Array.of(1, 5, ...eight(7), 0, 0, 0, 0, 0)), /type/);
  });
});
