import { createHash, type Hash } from "node:crypto";
import { appendFileSync, closeSync, fsyncSync, openSync, readSync } from "node:fs";
import { assert } from "../../core/assert.js";

/**
 * Byte-range file access for snapshot files: the store never reads a whole snapshot into
 * memory, only buffers of at most HASH_BUFFER_BYTES (docs/style.md, Everything has a limit).
 */

/** How much of a file one read takes when hashing or copying it. */
export const HASH_BUFFER_BYTES = 1024 * 1024;

/** Feeds the first `length` bytes of `path` to `hash`, a buffer at a time. */
export function hashFilePrefix(path: string, length: number, hash: Hash): void {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(Math.min(HASH_BUFFER_BYTES, Math.max(length, 1)));
    let offset = 0;
    while (offset < length) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.byteLength, length - offset), offset);
      if (read === 0) throw new Error(`${path} ends at ${offset} of ${length} B`);
      hash.update(buffer.subarray(0, read));
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 (lowercase hex) of the first `length` bytes of `path`, by streaming. */
export function sha256OfFile(path: string, length: number): string {
  const hash = createHash("sha256");
  hashFilePrefix(path, length, hash);
  return hash.digest("hex");
}

/** Bytes [offset, offset + length) of `path`, fewer at its end. Throws if it is missing. */
export function readFileRange(path: string, offset: number, length: number): Uint8Array {
  assert(Number.isSafeInteger(offset) && offset >= 0, "a byte offset");
  assert(Number.isSafeInteger(length) && length >= 0, "a byte length");
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const read = readSync(fd, buffer, filled, length - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
  } finally {
    closeSync(fd);
  }
}

/** Appends `bytes` to `path` (creating it). Not fsynced: the commit fsyncs the whole file. */
export function appendToFile(path: string, bytes: Uint8Array): void {
  appendFileSync(path, bytes);
}

/** fsyncs a file's data, before it is renamed into place. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
