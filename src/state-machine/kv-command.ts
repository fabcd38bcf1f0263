import { assert } from "../core/assert.js";
import {
  CLIENT_ID_BYTES_MAX,
  type KeyValue,
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
 *   u8 version=1 | u8 type (1 put, 2 delete, 3 delete-range) | u8 flags (bit 0: session,
 *   bit 1: prevKv, put only) | [session: u8 idLength, id UTF-8, u64 sequence]
 *   | u32 keyLength, key | put: u32 valueLength, value | delete-range: u32 length, rangeEnd
 * Result, version 1:
 *   u8 version=1 | u8 type (1 put, 2 delete, 3 stale-sequence) | u64 revision
 *   | put: u8 hasPrevKv, [u32 keyLength, key, u32 valueLength, value, u64 createRevision,
 *     u64 modRevision, u64 version] | delete: u64 deleted | stale-sequence: u64 lastSequence
 *
 * Encoding asserts (our own callers must pass valid values); decoding throws KvCodecError,
 * because bytes can come from a bug, a newer member or a damaged disk (STYLE.md 2.7: the
 * pair of checks on both sides of the boundary).
 */
export const KV_CODEC_VERSION = 1;

/** Bytes that are not a valid encoding; `reason` says what was wrong. */
export class KvCodecError extends Error {
  override readonly name = "KvCodecError";
}

const COMMAND_TYPES = ["put", "delete", "delete-range"] as const;
const RESULT_TYPES = ["put", "delete", "stale-sequence", "invalid-command"] as const;
const resultText = new TextEncoder();
const resultTextDecoder = new TextDecoder();
const FLAG_SESSION = 1;
const FLAG_PREV_KV = 2;
const TWO_TO_32 = 2 ** 32;
const textEncoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the id instead of stripping it, so that decoding and
// re-encoding give the same bytes (one client id, one encoding).
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Encodes a command for a log entry. Asserts a non-empty key and a valid session. */
export function encodeKvCommand(command: KvCommand): Uint8Array {
  assert(command.key.byteLength > 0, "a command key must not be empty");
  const session = command.session;
  const clientId = session === undefined ? undefined : textEncoder.encode(session.clientId);
  if (session !== undefined && clientId !== undefined) assertSession(session, clientId);
  const tail = command.type === "put" ? command.value : command.type === "delete-range"
    ? command.rangeEnd : undefined;
  const writer = new ByteWriter(
    3 + (clientId === undefined ? 0 : 1 + clientId.byteLength + 8) +
      4 + command.key.byteLength + (tail === undefined ? 0 : 4 + tail.byteLength),
  );
  writer.u8(KV_CODEC_VERSION);
  writer.u8(COMMAND_TYPES.indexOf(command.type) + 1);
  const prevKv = command.type === "put" && command.prevKv === true;
  writer.u8((clientId === undefined ? 0 : FLAG_SESSION) | (prevKv ? FLAG_PREV_KV : 0));
  if (session !== undefined && clientId !== undefined) {
    writer.u8(clientId.byteLength);
    writer.bytes(clientId);
    writer.u64(session.sequence);
  }
  writer.lengthPrefixed(command.key);
  if (tail !== undefined) writer.lengthPrefixed(tail);
  return writer.finish();
}

/**
 * Decodes a command. The key, value and rangeEnd are views into `data` (no copy of a 1 MiB
 * value); a caller that keeps them beyond `data`'s lifetime must copy them.
 */
export function decodeKvCommand(data: Uint8Array): KvCommand {
  const reader = new ByteReader(data);
  reader.version();
  const type = COMMAND_TYPES[reader.u8() - 1];
  if (type === undefined) throw new KvCodecError("unknown command type");
  const flags = reader.u8();
  if ((flags & ~(FLAG_SESSION | FLAG_PREV_KV)) !== 0) throw new KvCodecError("unknown flags");
  if ((flags & FLAG_PREV_KV) !== 0 && type !== "put") throw new KvCodecError("prevKv on a delete");
  const session = (flags & FLAG_SESSION) !== 0 ? readSession(reader) : undefined;
  const key = reader.lengthPrefixed();
  if (key.byteLength === 0) throw new KvCodecError("empty key");
  const withSession = session === undefined ? {} : { session };
  let command: KvCommand;
  switch (type) {
    case "put": {
      const prevKv = (flags & FLAG_PREV_KV) !== 0 ? { prevKv: true } : {};
      command = { type, key, value: reader.lengthPrefixed(), ...prevKv, ...withSession };
      break;
    }
    case "delete":
      command = { type, key, ...withSession };
      break;
    case "delete-range":
      command = { type, key, rangeEnd: reader.lengthPrefixed(), ...withSession };
      break;
  }
  reader.end();
  return command;
}

/** Encodes a result, to remember it as a session's reply. */
export function encodeKvResult(result: KvResult): Uint8Array {
  const prev = result.type === "put" ? result.prevKv : undefined;
  const prevBytes = prev === undefined ? 0 : 8 + prev.key.byteLength + prev.value.byteLength + 24;
  const reason = result.type === "invalid-command" ? resultText.encode(result.reason) : undefined;
  const tailBytes = result.type === "put" ? 1 + prevBytes : 8 + (reason?.byteLength ?? 0);
  const writer = new ByteWriter(2 + 8 + tailBytes);
  writer.u8(KV_CODEC_VERSION);
  writer.u8(RESULT_TYPES.indexOf(result.type) + 1);
  writer.u64(result.revision);
  switch (result.type) {
    case "put":
      writer.u8(prev === undefined ? 0 : 1);
      if (prev !== undefined) {
        writer.lengthPrefixed(prev.key);
        writer.lengthPrefixed(prev.value);
        writer.u64(prev.createRevision);
        writer.u64(prev.modRevision);
        writer.u64(prev.version);
      }
      break;
    case "delete":
      writer.u64(result.deleted);
      break;
    case "stale-sequence":
      writer.u64(result.lastSequence);
      break;
    case "invalid-command":
      writer.lengthPrefixed(reason ?? new Uint8Array(0));
      break;
  }
  return writer.finish();
}

/** Decodes what encodeKvResult() wrote; byte fields are views into `data`. */
export function decodeKvResult(data: Uint8Array): KvResult {
  const reader = new ByteReader(data);
  reader.version();
  const type = RESULT_TYPES[reader.u8() - 1];
  if (type === undefined) throw new KvCodecError("unknown result type");
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
    case "delete":
      result = { type, revision, deleted: reader.u64() };
      break;
    case "stale-sequence":
      result = { type, revision, lastSequence: reader.u64() };
      break;
    case "invalid-command":
      result = { type, revision, reason: resultTextDecoder.decode(reader.lengthPrefixed()) };
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

function readKeyValue(reader: ByteReader): KeyValue {
  const key = reader.lengthPrefixed();
  const value = reader.lengthPrefixed();
  const createRevision = reader.u64();
  const modRevision = reader.u64();
  const version = reader.u64();
  return { key, value, createRevision, modRevision, version };
}

/** Writes into a buffer sized up front; finish() asserts it was filled exactly. */
class ByteWriter {
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(sizeBytes: number) {
    this.buffer = new Uint8Array(sizeBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  u8(value: number): void {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  u64(value: number): void {
    assert(Number.isSafeInteger(value) && value >= 0, `${String(value)} is not a safe u64`);
    this.view.setUint32(this.offset, Math.floor(value / TWO_TO_32));
    this.view.setUint32(this.offset + 4, value % TWO_TO_32);
    this.offset += 8;
  }

  bytes(data: Uint8Array): void {
    this.buffer.set(data, this.offset);
    this.offset += data.byteLength;
  }

  lengthPrefixed(data: Uint8Array): void {
    assert(data.byteLength < TWO_TO_32, "field too long for a u32 length");
    this.view.setUint32(this.offset, data.byteLength);
    this.offset += 4;
    this.bytes(data);
  }

  finish(): Uint8Array {
    assert(this.offset === this.buffer.byteLength, "encoded size differs from the computed one");
    return this.buffer;
  }
}

/** Reads with a bounds check on every field; any shortfall is a KvCodecError. */
class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  private readonly data: Uint8Array;

  constructor(data: Uint8Array) {
    // A plain Uint8Array view even over a Buffer, so decoded fields are never Buffers
    // (whose toJSON and slice() behave differently).
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  version(): void {
    const version = this.u8();
    if (version !== KV_CODEC_VERSION) {
      throw new KvCodecError(`unsupported encoding version ${String(version)}`);
    }
  }

  u8(): number {
    this.need(1);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u64(): number {
    this.need(8);
    const high = this.view.getUint32(this.offset);
    const value = high * TWO_TO_32 + this.view.getUint32(this.offset + 4);
    this.offset += 8;
    if (!Number.isSafeInteger(value)) throw new KvCodecError("integer beyond 2^53");
    return value;
  }

  take(lengthBytes: number): Uint8Array {
    this.need(lengthBytes);
    const slice = this.data.subarray(this.offset, this.offset + lengthBytes);
    this.offset += lengthBytes;
    return slice;
  }

  lengthPrefixed(): Uint8Array {
    this.need(4);
    const length = this.view.getUint32(this.offset);
    this.offset += 4;
    return this.take(length);
  }

  end(): void {
    if (this.offset !== this.data.byteLength) throw new KvCodecError("trailing bytes");
  }

  private need(lengthBytes: number): void {
    if (this.offset + lengthBytes > this.data.byteLength) {
      throw new KvCodecError("truncated: a field runs past the end");
    }
  }
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
