import { ByteReader, ByteWriter, KvCodecError } from "./byte-codec.js";
import type {
  CompareOperator, KeyValue, KvCompare, RangeResult, TxnOp, TxnOpResult,
} from "./kv-types.js";

/**
 * The transaction parts of the KV codec (kv-command.ts writes the envelope: version, type,
 * session). Integers and byte fields as in byte-codec.ts.
 *
 * Txn body: u32 compareCount, compares | u32 successCount, ops | u32 failureCount, ops
 *   compare: u8 target (1 value, 2 version, 3 create-revision, 4 mod-revision)
 *            | u8 operator (1 equal, 2 not-equal, 3 greater, 4 less) | key
 *            | value: value bytes; otherwise u64 number
 *   op: u8 type (1 put, 2 delete-range, 3 range) | u8 flags (bit 0 prevKv; range: bit 1
 *       keysOnly, bit 2 countOnly) | key | put: value | delete-range: rangeEnd
 *       | range: rangeEnd, u64 limit
 * Txn result body: u8 succeeded | u32 count, results
 *   result: u8 type (1 put, 2 delete, 3 range)
 *           | put: u8 hasPrevKv, [kv] | delete: u64 deleted, u8 hasPrevKvs, [u32 n, kvs]
 *           | range: u8 more, u64 count, u32 n, kvs
 *   kv: key, value, u64 createRevision, u64 modRevision, u64 version
 */

const TARGETS = ["value", "version", "create-revision", "mod-revision"] as const;
const OPERATORS: readonly CompareOperator[] = ["equal", "not-equal", "greater", "less"];
const OP_TYPES = ["put", "delete-range", "range"] as const;
const RESULT_TYPES = ["put", "delete", "range"] as const;
const OP_PREV_KV = 1;
const OP_KEYS_ONLY = 2;
const OP_COUNT_ONLY = 4;

type Txn = {
  readonly compares: readonly KvCompare[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
};

/** Bytes the txn body takes (for ByteWriter's size up front). */
export function txnBodyBytes(txn: Txn): number {
  let bytes = 12;
  for (const compare of txn.compares) {
    bytes += 2 + 4 + compare.key.byteLength +
      (compare.target === "value" ? 4 + compare.value.byteLength : 8);
  }
  for (const op of [...txn.success, ...txn.failure]) bytes += opBytes(op);
  return bytes;
}

function opBytes(op: TxnOp): number {
  switch (op.type) {
    case "put":
      return 2 + 4 + op.key.byteLength + 4 + op.value.byteLength;
    case "delete-range":
      return 2 + 4 + op.key.byteLength + 4 + op.rangeEnd.byteLength;
    case "range":
      return 2 + 4 + op.request.key.byteLength + 4 + op.request.rangeEnd.byteLength + 8;
  }
}

export function writeTxnBody(writer: ByteWriter, txn: Txn): void {
  writer.u32(txn.compares.length);
  for (const compare of txn.compares) {
    writer.u8(TARGETS.indexOf(compare.target) + 1);
    writer.u8(OPERATORS.indexOf(compare.operator) + 1);
    writer.lengthPrefixed(compare.key);
    if (compare.target === "value") writer.lengthPrefixed(compare.value);
    else writer.u64(compare.number);
  }
  for (const branch of [txn.success, txn.failure]) {
    writer.u32(branch.length);
    for (const op of branch) writeOp(writer, op);
  }
}

function writeOp(writer: ByteWriter, op: TxnOp): void {
  writer.u8(OP_TYPES.indexOf(op.type) + 1);
  switch (op.type) {
    case "put":
      writer.u8(op.prevKv === true ? OP_PREV_KV : 0);
      writer.lengthPrefixed(op.key);
      writer.lengthPrefixed(op.value);
      return;
    case "delete-range":
      writer.u8(op.prevKv === true ? OP_PREV_KV : 0);
      writer.lengthPrefixed(op.key);
      writer.lengthPrefixed(op.rangeEnd);
      return;
    case "range":
      writer.u8((op.request.keysOnly === true ? OP_KEYS_ONLY : 0) |
        (op.request.countOnly === true ? OP_COUNT_ONLY : 0));
      writer.lengthPrefixed(op.request.key);
      writer.lengthPrefixed(op.request.rangeEnd);
      writer.u64(op.request.limit);
      return;
  }
}

export function readTxnBody(reader: ByteReader): Txn {
  const compares: KvCompare[] = [];
  for (let i = reader.u32(); i > 0; i--) compares.push(readCompare(reader));
  const success = readOps(reader);
  const failure = readOps(reader);
  return { compares, success, failure };
}

function readCompare(reader: ByteReader): KvCompare {
  const target = TARGETS[reader.u8() - 1];
  const operator = OPERATORS[reader.u8() - 1];
  if (target === undefined) throw new KvCodecError("unknown compare target");
  if (operator === undefined) throw new KvCodecError("unknown compare operator");
  const key = reader.lengthPrefixed();
  if (target === "value") return { key, operator, target, value: reader.lengthPrefixed() };
  return { key, operator, target, number: reader.u64() };
}

function readOps(reader: ByteReader): TxnOp[] {
  const ops: TxnOp[] = [];
  for (let i = reader.u32(); i > 0; i--) {
    const type = OP_TYPES[reader.u8() - 1];
    if (type === undefined) throw new KvCodecError("unknown txn operation");
    const flags = reader.u8();
    const allowed = type === "range" ? OP_KEYS_ONLY | OP_COUNT_ONLY : OP_PREV_KV;
    if ((flags & ~allowed) !== 0) throw new KvCodecError(`unknown flags on a txn ${type}`);
    const key = reader.lengthPrefixed();
    if (key.byteLength === 0) throw new KvCodecError("empty key in a txn operation");
    const prevKv = (flags & OP_PREV_KV) !== 0 ? { prevKv: true } : {};
    if (type === "put") ops.push({ type, key, value: reader.lengthPrefixed(), ...prevKv });
    else if (type === "delete-range") ops.push({ type, key, rangeEnd: reader.lengthPrefixed(), ...prevKv });
    else {
      const rangeEnd = reader.lengthPrefixed();
      const limit = reader.u64();
      const keysOnly = (flags & OP_KEYS_ONLY) !== 0 ? { keysOnly: true } : {};
      const countOnly = (flags & OP_COUNT_ONLY) !== 0 ? { countOnly: true } : {};
      ops.push({ type, request: { key, rangeEnd, limit, ...keysOnly, ...countOnly } });
    }
  }
  return ops;
}

/** Bytes a txn result body takes. */
export function txnResultBodyBytes(responses: readonly TxnOpResult[]): number {
  let bytes = 1 + 4;
  for (const response of responses) {
    bytes += 1;
    switch (response.type) {
      case "put":
        bytes += 1 + (response.prevKv === undefined ? 0 : keyValueBytes(response.prevKv));
        break;
      case "delete":
        bytes += 8 + 1 + (response.prevKvs === undefined ? 0 : keyValuesBytes(response.prevKvs));
        break;
      case "range":
        bytes += 1 + 8 + keyValuesBytes(response.result.kvs);
        break;
    }
  }
  return bytes;
}

export function writeTxnResultBody(
  writer: ByteWriter, succeeded: boolean, responses: readonly TxnOpResult[],
): void {
  writer.u8(succeeded ? 1 : 0);
  writer.u32(responses.length);
  for (const response of responses) {
    writer.u8(RESULT_TYPES.indexOf(response.type) + 1);
    switch (response.type) {
      case "put":
        writer.u8(response.prevKv === undefined ? 0 : 1);
        if (response.prevKv !== undefined) writeKeyValue(writer, response.prevKv);
        break;
      case "delete":
        writer.u64(response.deleted);
        writer.u8(response.prevKvs === undefined ? 0 : 1);
        if (response.prevKvs !== undefined) writeKeyValues(writer, response.prevKvs);
        break;
      case "range":
        writer.u8(response.result.more ? 1 : 0);
        writer.u64(response.result.count);
        writeKeyValues(writer, response.result.kvs);
        break;
    }
  }
}

export function readTxnResultBody(
  reader: ByteReader,
): { succeeded: boolean; responses: TxnOpResult[] } {
  const succeeded = readFlag(reader, "succeeded");
  const responses: TxnOpResult[] = [];
  for (let i = reader.u32(); i > 0; i--) {
    const type = RESULT_TYPES[reader.u8() - 1];
    if (type === undefined) throw new KvCodecError("unknown txn result type");
    if (type === "put") {
      responses.push(readFlag(reader, "prevKv") ? { type, prevKv: readKeyValue(reader) } : { type });
    } else if (type === "delete") {
      const deleted = reader.u64();
      responses.push(readFlag(reader, "prevKvs")
        ? { type, deleted, prevKvs: readKeyValues(reader) }
        : { type, deleted });
    } else {
      const more = readFlag(reader, "more");
      const count = reader.u64();
      const result: RangeResult = { kvs: readKeyValues(reader), more, count };
      responses.push({ type, result });
    }
  }
  return { succeeded, responses };
}

function readFlag(reader: ByteReader, name: string): boolean {
  const flag = reader.u8();
  if (flag > 1) throw new KvCodecError(`bad ${name} marker`);
  return flag === 1;
}

export function keyValueBytes(kv: KeyValue): number {
  return 8 + kv.key.byteLength + kv.value.byteLength + 24;
}

export function keyValuesBytes(kvs: readonly KeyValue[]): number {
  return kvs.reduce((sum, kv) => sum + keyValueBytes(kv), 4);
}

export function writeKeyValue(writer: ByteWriter, kv: KeyValue): void {
  writer.lengthPrefixed(kv.key);
  writer.lengthPrefixed(kv.value);
  writer.u64(kv.createRevision);
  writer.u64(kv.modRevision);
  writer.u64(kv.version);
}

export function writeKeyValues(writer: ByteWriter, kvs: readonly KeyValue[]): void {
  writer.u32(kvs.length);
  for (const kv of kvs) writeKeyValue(writer, kv);
}

export function readKeyValue(reader: ByteReader): KeyValue {
  const key = reader.lengthPrefixed();
  const value = reader.lengthPrefixed();
  const createRevision = reader.u64();
  const modRevision = reader.u64();
  const version = reader.u64();
  return { key, value, createRevision, modRevision, version };
}

export function readKeyValues(reader: ByteReader): KeyValue[] {
  const kvs: KeyValue[] = [];
  for (let i = reader.u32(); i > 0; i--) kvs.push(readKeyValue(reader));
  return kvs;
}
