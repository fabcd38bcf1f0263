import { assert } from "../core/assert.js";
import { ByteReader, ByteWriter, KvCodecError } from "./byte-codec.js";
import {
  keyValueBytes, keyValuesBytes, readKeyValue, readKeyValues, readTxnBody, readTxnResultBody,
  txnBodyBytes, txnResultBodyBytes, writeKeyValue, writeKeyValues, writeTxnBody,
  writeTxnResultBody,
} from "./kv-txn-codec.js";
import {
  CLIENT_ID_BYTES_MAX,
  type KvCommand,
  type KvResult,
  type KvSession,
} from "./kv-types.js";

/**
 * The bytes of a KV log entry, and of a remembered session reply. Binary, never JSON:
 * values reach 1 MiB and must not be inflated by base64. Every encoding starts with a
 * version byte, so a later format can be read next to this one.
 *
 * Command, version 1 (integers big-endian; u64 = two u32, high first, a safe integer):
 *   u8 version=1 | u8 type (1 put, 2 delete, 3 delete-range, 4 txn) | u8 flags (bit 0:
 *   session, bit 1: prevKv, not on a txn) | [session: u8 idLength, id UTF-8, u64 sequence]
 *   | txn: the txn body (kv-txn-codec.ts) | otherwise u32 keyLength, key
 *   | put: u32 valueLength, value | delete-range: u32 length, rangeEnd
 * Result, version 2 (version 1, which stored replies may still hold, differs only in a
 * delete, which had no hasPrevKvs byte, and has no txn):
 *   u8 version=2 | u8 type (1 put, 2 delete, 3 stale-sequence, 4 invalid-command, 5 txn,
 *   6 session-expired) | u64 revision | put: u8 hasPrevKv, [kv (kv-txn-codec.ts)]
 *   | delete: u64 deleted, u8 hasPrevKvs, [u32 n, the deleted kvs]
 *   | stale-sequence: u64 lastSequence | invalid-command: reason | txn: the txn result body
 *
 * Encoding asserts (our own callers must pass valid values); decoding throws KvCodecError,
 * because bytes can come from a bug, a newer member or a damaged disk (docs/style.md,
 * Checks on both sides of a boundary).
 */
export const KV_CODEC_VERSION = 1;
/** Results are at version 2; version 1 replies are still read (see above). */
export const KV_RESULT_CODEC_VERSION = 2;

export { KvCodecError };

const COMMAND_TYPES = ["put", "delete", "delete-range", "txn"] as const;
const RESULT_TYPES = [
  "put", "delete", "stale-sequence", "invalid-command", "txn", "session-expired",
] as const;
const resultText = new TextEncoder();
const resultTextDecoder = new TextDecoder();
const FLAG_SESSION = 1;
const FLAG_PREV_KV = 2;
const textEncoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the id instead of stripping it, so that decoding and
// re-encoding give the same bytes (one client id, one encoding).
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Encodes a command for a log entry. Asserts non-empty keys and a valid session. */
export function encodeKvCommand(command: KvCommand): Uint8Array {
  const session = command.session;
  const clientId = session === undefined ? undefined : textEncoder.encode(session.clientId);
  if (session !== undefined && clientId !== undefined) assertSession(session, clientId);
  const writer = new ByteWriter(
    3 + (clientId === undefined ? 0 : 1 + clientId.byteLength + 8) + commandBodyBytes(command),
  );
  writer.u8(KV_CODEC_VERSION);
  writer.u8(COMMAND_TYPES.indexOf(command.type) + 1);
  const prevKv = command.type !== "txn" && command.prevKv === true;
  writer.u8((clientId === undefined ? 0 : FLAG_SESSION) | (prevKv ? FLAG_PREV_KV : 0));
  if (session !== undefined && clientId !== undefined) {
    writer.u8(clientId.byteLength);
    writer.bytes(clientId);
    writer.u64(session.sequence);
  }
  if (command.type === "txn") {
    writeTxnBody(writer, command);
    return writer.finish();
  }
  assert(command.key.byteLength > 0, "a command key must not be empty");
  writer.lengthPrefixed(command.key);
  if (command.type === "put") writer.lengthPrefixed(command.value);
  if (command.type === "delete-range") writer.lengthPrefixed(command.rangeEnd);
  return writer.finish();
}

function commandBodyBytes(command: KvCommand): number {
  switch (command.type) {
    case "txn":
      return txnBodyBytes(command);
    case "put":
      return 4 + command.key.byteLength + 4 + command.value.byteLength;
    case "delete":
      return 4 + command.key.byteLength;
    case "delete-range":
      return 4 + command.key.byteLength + 4 + command.rangeEnd.byteLength;
  }
}

/**
 * Decodes a command. The key, value and rangeEnd are views into `data` (no copy of a 1 MiB
 * value); a caller that keeps them beyond `data`'s lifetime must copy them.
 */
export function decodeKvCommand(data: Uint8Array): KvCommand {
  const reader = new ByteReader(data);
  reader.version(KV_CODEC_VERSION);
  const type = COMMAND_TYPES[reader.u8() - 1];
  if (type === undefined) throw new KvCodecError("unknown command type");
  const flags = reader.u8();
  if ((flags & ~(FLAG_SESSION | FLAG_PREV_KV)) !== 0) throw new KvCodecError("unknown flags");
  if ((flags & FLAG_PREV_KV) !== 0 && type === "txn") throw new KvCodecError("prevKv on a txn");
  const session = (flags & FLAG_SESSION) !== 0 ? readSession(reader) : undefined;
  const withSession = session === undefined ? {} : { session };
  if (type === "txn") {
    const command: KvCommand = { type, ...readTxnBody(reader), ...withSession };
    reader.end();
    return command;
  }
  const key = reader.lengthPrefixed();
  if (key.byteLength === 0) throw new KvCodecError("empty key");
  const prevKv = (flags & FLAG_PREV_KV) !== 0 ? { prevKv: true } : {};
  let command: KvCommand;
  switch (type) {
    case "put":
      command = { type, key, value: reader.lengthPrefixed(), ...prevKv, ...withSession };
      break;
    case "delete":
      command = { type, key, ...prevKv, ...withSession };
      break;
    case "delete-range":
      command = { type, key, rangeEnd: reader.lengthPrefixed(), ...prevKv, ...withSession };
      break;
  }
  reader.end();
  return command;
}

/** Encodes a result, to remember it as a session's reply. */
export function encodeKvResult(result: KvResult): Uint8Array {
  const reason = result.type === "invalid-command" ? resultText.encode(result.reason) : undefined;
  const writer = new ByteWriter(2 + 8 + resultBodyBytes(result, reason));
  writer.u8(KV_RESULT_CODEC_VERSION);
  writer.u8(RESULT_TYPES.indexOf(result.type) + 1);
  writer.u64(result.revision);
  switch (result.type) {
    case "put":
      writer.u8(result.prevKv === undefined ? 0 : 1);
      if (result.prevKv !== undefined) writeKeyValue(writer, result.prevKv);
      break;
    case "delete":
      writer.u64(result.deleted);
      writer.u8(result.prevKvs === undefined ? 0 : 1);
      if (result.prevKvs !== undefined) writeKeyValues(writer, result.prevKvs);
      break;
    case "stale-sequence":
      writer.u64(result.lastSequence);
      break;
    case "invalid-command":
      writer.lengthPrefixed(reason ?? new Uint8Array(0));
      break;
    case "txn":
      writeTxnResultBody(writer, result.succeeded, result.responses);
      break;
    case "session-expired":
      break;
  }
  return writer.finish();
}

function resultBodyBytes(result: KvResult, reason: Uint8Array | undefined): number {
  switch (result.type) {
    case "put":
      return 1 + (result.prevKv === undefined ? 0 : keyValueBytes(result.prevKv));
    case "delete":
      return 8 + 1 + (result.prevKvs === undefined ? 0 : keyValuesBytes(result.prevKvs));
    case "stale-sequence":
      return 8;
    case "invalid-command":
      return 4 + (reason?.byteLength ?? 0);
    case "txn":
      return txnResultBodyBytes(result.responses);
    case "session-expired":
      return 0;
  }
}

/** Decodes what encodeKvResult() wrote; byte fields are views into `data`. */
export function decodeKvResult(data: Uint8Array): KvResult {
  const reader = new ByteReader(data);
  const version = reader.u8();
  if (version !== 1 && version !== KV_RESULT_CODEC_VERSION) {
    throw new KvCodecError(`unsupported encoding version ${String(version)}`);
  }
  const type = RESULT_TYPES[reader.u8() - 1];
  if (type === undefined || (version === 1 && (type === "txn" || type === "session-expired"))) {
    throw new KvCodecError("unknown result type");
  }
  const revision = reader.u64();
  let result: KvResult;
  switch (type) {
    case "put": {
      const hasPrev = reader.u8();
      if (hasPrev > 1) throw new KvCodecError("bad prevKv marker");
      result =
        hasPrev === 1 ? { type, revision, prevKv: readKeyValue(reader) } : { type, revision };
      break;
    }
    case "delete": {
      const deleted = reader.u64();
      const hasPrevKvs = version === 1 ? 0 : reader.u8();
      if (hasPrevKvs > 1) throw new KvCodecError("bad prevKvs marker");
      result = hasPrevKvs === 1
        ? { type, revision, deleted, prevKvs: readKeyValues(reader) }
        : { type, revision, deleted };
      break;
    }
    case "stale-sequence":
      result = { type, revision, lastSequence: reader.u64() };
      break;
    case "invalid-command":
      result = { type, revision, reason: resultTextDecoder.decode(reader.lengthPrefixed()) };
      break;
    case "txn":
      result = { type, revision, ...readTxnResultBody(reader) };
      break;
    case "session-expired":
      result = { type, revision };
      break;
  }
  reader.end();
  return result;
}

function assertSession(session: KvSession, clientId: Uint8Array): void {
  assert(
    clientId.byteLength >= 1 && clientId.byteLength <= CLIENT_ID_BYTES_MAX,
    `a client id must be 1..${String(CLIENT_ID_BYTES_MAX)} UTF-8 bytes`,
  );
  assert(
    Number.isSafeInteger(session.sequence) && session.sequence >= 1,
    "a session sequence must be a positive safe integer",
  );
}

function readSession(reader: ByteReader): KvSession {
  const idBytes = reader.take(reader.u8());
  if (idBytes.byteLength === 0) throw new KvCodecError("empty client id");
  let clientId: string;
  try {
    clientId = textDecoder.decode(idBytes);
  } catch {
    throw new KvCodecError("client id is not UTF-8");
  }
  const sequence = reader.u64();
  if (sequence < 1) throw new KvCodecError("session sequence must be positive");
  return { clientId, sequence };
}

/**
 * Decodes a command, or returns why it cannot be decoded. The state machines use this on
 * apply: a malformed entry gets a deterministic `invalid-command` result on every member.
 */
export function decodeOrReason(data: Uint8Array): KvCommand | string {
  try {
    return decodeKvCommand(data);
  } catch (error: unknown) {
    if (error instanceof KvCodecError) return error.message;
    throw error;
  }
}
