import { assert } from "../core/assert.js";

/**
 * The binary reader and writer under the KV codecs (kv-command.ts, kv-txn-codec.ts):
 * big-endian integers, u64 as two u32 (high first) holding a safe integer, and u32
 * length-prefixed byte fields. Writing asserts (our own callers pass valid values); reading
 * throws KvCodecError, because the bytes may come from a bug, a newer member or a damaged disk.
 */

/** Bytes that are not a valid encoding; the message says what was wrong. */
export class KvCodecError extends Error {
  override readonly name = "KvCodecError";
}

const TWO_TO_32 = 2 ** 32;

/** Writes into a buffer sized up front; finish() asserts it was filled exactly. */
export class ByteWriter {
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

  u32(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value < TWO_TO_32, `${String(value)} is not a u32`);
    this.view.setUint32(this.offset, value);
    this.offset += 4;
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
export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  private readonly data: Uint8Array;

  constructor(data: Uint8Array) {
    // A plain Uint8Array view even over a Buffer, so decoded fields are never Buffers
    // (whose toJSON and slice() behave differently).
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reads the leading version byte; any other than `expected` is refused. */
  version(expected: number): void {
    const version = this.u8();
    if (version !== expected) {
      throw new KvCodecError(`unsupported encoding version ${String(version)}`);
    }
  }

  u8(): number {
    this.need(1);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
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
