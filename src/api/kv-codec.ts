import type { DeleteRequest__Output } from "../gen/raftkv/kv/v1/DeleteRequest.js";
import type { GetRequest__Output } from "../gen/raftkv/kv/v1/GetRequest.js";
import type { KeyValue as ProtoKeyValue } from "../gen/raftkv/kv/v1/KeyValue.js";
import type { PutRequest__Output } from "../gen/raftkv/kv/v1/PutRequest.js";
import type { RangeRequest__Output } from "../gen/raftkv/kv/v1/RangeRequest.js";
import type { ResponseHeader } from "../gen/raftkv/kv/v1/ResponseHeader.js";
import type { RangeResponse } from "../gen/raftkv/kv/v1/RangeResponse.js";
import type {
  KeyValue, KvCommand, KvSession, RangeRequest, RangeResult,
} from "../state-machine/kv-types.js";
import { CLIENT_ID_BYTES_MAX } from "../state-machine/kv-types.js";
import { InvalidArgumentError } from "./errors.js";

/** Limits every request is checked against before anything else happens. */
export interface KvLimits {
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  /** The largest page a Range returns; `limit` 0 or above it means this. */
  readonly rangeLimitMax: number;
}

export type ReadConsistency = "linearizable" | "serializable";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * proto <-> domain for the client API. Decoding validates everything a client controls and
 * throws InvalidArgumentError with a message that names the field and the limit; nothing
 * unvalidated reaches the node.
 */
export function decodePut(request: PutRequest__Output, limits: KvLimits): KvCommand {
  const key = decodeKey(request.key, limits, "key");
  if (request.value.byteLength > limits.valueBytesMax) {
    throw new InvalidArgumentError(
      `value is ${String(request.value.byteLength)} bytes; the limit is ${String(limits.valueBytesMax)}`,
    );
  }
  const session = decodeSession(request.client_id, request.sequence);
  return {
    type: "put", key, value: new Uint8Array(request.value), prevKv: request.prev_kv,
    ...(session === undefined ? {} : { session }),
  };
}

export function decodeDelete(request: DeleteRequest__Output, limits: KvLimits): KvCommand {
  const key = decodeKey(request.key, limits, "key");
  const session = decodeSession(request.client_id, request.sequence);
  const extra = {
    ...(session === undefined ? {} : { session }), ...(request.prev_kv ? { prevKv: true } : {}),
  };
  if (request.range_end === "") return { type: "delete", key, ...extra };
  const rangeEnd = decodeRangeEnd(request.range_end, key, limits);
  return { type: "delete-range", key, rangeEnd, ...extra };
}

export function decodeGet(request: GetRequest__Output, limits: KvLimits): {
  key: Uint8Array; consistency: ReadConsistency; revision: number;
} {
  return {
    key: decodeKey(request.key, limits, "key"), consistency: decodeConsistency(request.consistency),
    revision: decodeUint64(request.revision, "revision"),
  };
}

export function decodeRange(request: RangeRequest__Output, limits: KvLimits): {
  range: RangeRequest; consistency: ReadConsistency; revision: number;
} {
  const key = decodeKey(request.key, limits, "key");
  const rangeEnd = decodeRangeEnd(request.range_end, key, limits);
  const requested = decodeUint64(request.limit, "limit");
  const pageMax = limits.rangeLimitMax;
  const limit = requested === 0 || requested > pageMax ? pageMax : requested;
  return {
    range: { key, rangeEnd, limit, keysOnly: request.keys_only, countOnly: request.count_only },
    consistency: decodeConsistency(request.consistency),
    revision: decodeUint64(request.revision, "revision"),
  };
}

export function encodeKeyValue(kv: KeyValue, keysOnly = false): ProtoKeyValue {
  return {
    key: fromUtf8.decode(kv.key),
    value: keysOnly
      ? Buffer.alloc(0)
      : Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength),
    create_revision: String(kv.createRevision),
    mod_revision: String(kv.modRevision),
    version: String(kv.version),
  };
}

/** A page of a range; `next_key` (where the next page starts) is set when more remain. */
export function encodeRangeResult(
  result: RangeResult, keysOnly: boolean,
): Omit<RangeResponse, "header"> {
  const last = result.kvs.at(-1);
  const nextKey = result.more && last !== undefined
    ? { next_key: `${fromUtf8.decode(last.key)}\0` }
    : {};
  return {
    kvs: result.kvs.map((kv) => encodeKeyValue(kv, keysOnly)),
    more: result.more,
    count: String(result.count),
    ...nextKey,
  };
}

export function encodeHeader(header: {
  clusterId: number; memberId: number; term: number; revision: number;
}): ResponseHeader {
  return {
    cluster_id: String(header.clusterId), member_id: String(header.memberId),
    raft_term: String(header.term), revision: String(header.revision),
  };
}

export function decodeKey(text: string, limits: KvLimits, field: string): Uint8Array {
  if (text === "") throw new InvalidArgumentError(`${field} is empty`);
  const bytes = utf8.encode(text);
  if (bytes.byteLength > limits.keyBytesMax) {
    throw new InvalidArgumentError(
      `${field} is ${String(bytes.byteLength)} bytes; the limit is ${String(limits.keyBytesMax)}`,
    );
  }
  return bytes;
}

/**
 * A range's end: empty (the key alone), "\0" (every key >= key) or a key after `key`. An
 * end at or before the key would select nothing; it is refused as the mistake it is.
 */
export function decodeRangeEnd(text: string, key: Uint8Array, limits: KvLimits): Uint8Array {
  if (text === "") return new Uint8Array(0);
  const end = decodeKey(text, limits, "range_end");
  const everyKeyFrom = end.byteLength === 1 && end[0] === 0;
  if (!everyKeyFrom && Buffer.compare(end, key) <= 0) {
    throw new InvalidArgumentError(
      "range_end must be after key, or \"\\0\" for every key >= key; an empty range_end means the key alone");
  }
  return end;
}

function decodeConsistency(value: unknown): ReadConsistency {
  // An unknown level is rejected, never silently treated as the weakest
  // (docs/testing.md, Bad input).
  if (value === 0 || value === "LINEARIZABLE") return "linearizable";
  if (value === 1 || value === "SERIALIZABLE") return "serializable";
  throw new InvalidArgumentError(
    `consistency ${String(value)} is unknown; use LINEARIZABLE (0) or SERIALIZABLE (1)`,
  );
}

export function decodeSession(clientId: string, sequenceText: string): KvSession | undefined {
  const sequence = decodeUint64(sequenceText, "sequence");
  if (clientId === "" && sequence === 0) return undefined;
  if (clientId === "" || sequence === 0) {
    throw new InvalidArgumentError("client_id and sequence must be given together (sequence > 0)");
  }
  if (utf8.encode(clientId).byteLength > CLIENT_ID_BYTES_MAX) {
    throw new InvalidArgumentError(`client_id is longer than ${String(CLIENT_ID_BYTES_MAX)} bytes`);
  }
  return { clientId, sequence };
}

export function decodeUint64(text: string, field: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${field} must be an integer below 2^53, got ${text}`);
  }
  return value;
}
