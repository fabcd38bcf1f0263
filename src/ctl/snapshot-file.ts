import { status as GrpcCode } from "@grpc/grpc-js";
import { createHash, type Hash } from "node:crypto";
import { link, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { CallError, LocalError } from "./errors.js";
import type { SnapshotChunk } from "./rpcs.js";

/** What a saved snapshot covers, from its first message, checked against its bytes. */
export interface SavedSnapshot {
  /** The last log index and term the snapshot covers (decimal, as on the wire). */
  readonly index: string;
  readonly term: string;
  readonly sizeBytes: number;
  /** Lowercase hex SHA-256 of the whole file; equal to what the server announced. */
  readonly sha256: string;
}

export interface SnapshotFileOptions {
  /** The file to write; `${path}.part` holds the bytes until they are all checked. */
  readonly path: string;
  /** Replace `path` if it exists; without it an existing file makes the save fail. */
  readonly overwrite: boolean;
  /** Named in the errors about what the server sent. */
  readonly endpoint: string;
}

/** A backup holds every key: readable by its owner only, as etcdctl's snapshot file is. */
const SNAPSHOT_FILE_MODE = 0o600;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The suffix of the file a snapshot is written to before it is complete and checked. */
export const PART_SUFFIX = ".part";

/**
 * Writes the chunks of a Cluster/Snapshot stream to `path`, atomically: the bytes go to
 * `path.part` as they arrive (one chunk in memory at a time), and only once the offsets
 * were contiguous, the size is the announced one and the SHA-256 matches is the part file
 * fsynced and renamed to `path` (or, without `overwrite`, hard-linked, which fails rather
 * than replace a file that appeared meanwhile), and the directory fsynced. On any failure
 * the part file is removed and `path` is untouched.
 *
 * Rejects with a CallError DATA_LOSS when the stream is malformed or does not match its
 * metadata, with the stream's own CallError when it fails, and with a LocalError when a
 * file cannot be written.
 */
export async function saveSnapshot(
  chunks: AsyncIterable<SnapshotChunk>,
  options: SnapshotFileOptions,
): Promise<SavedSnapshot> {
  const partPath = `${options.path}${PART_SUFFIX}`;
  const handle = await fileStep(options.path, "create",
    () => open(partPath, "w", SNAPSHOT_FILE_MODE));
  let closed = false;
  try {
    const saved = await receive(chunks, handle, options);
    await fileStep(options.path, "fsync", () => handle.sync());
    closed = true;
    await fileStep(options.path, "close", () => handle.close());
    await fileStep(options.path, "rename", () => options.overwrite
      ? rename(partPath, options.path)
      : link(partPath, options.path).then(() => unlink(partPath)));
    await syncDirectory(options.path);
    return saved;
  } catch (error: unknown) {
    if (!closed) await handle.close().catch(() => undefined);
    // Best effort: the error being reported matters more than a part file left behind.
    await unlink(partPath).catch(() => undefined);
    throw error;
  }
}

/** Reads every chunk into `handle`, checking each against the first message's metadata. */
async function receive(
  chunks: AsyncIterable<SnapshotChunk>,
  handle: FileHandle,
  options: SnapshotFileOptions,
): Promise<SavedSnapshot> {
  const corrupt = (what: string): CallError =>
    new CallError(GrpcCode.DATA_LOSS, `snapshot stream: ${what}`, options.endpoint);
  let announced: SavedSnapshot | undefined;
  let hash: Hash | undefined;
  let receivedBytes = 0;
  for await (const chunk of chunks) {
    if (announced === undefined) {
      announced = snapshotInfo(chunk, corrupt);
      hash = createHash("sha256");
    } else if (chunk.info !== null) {
      throw corrupt(`a message after the first carries metadata (offset ${chunk.offset})`);
    }
    if (chunk.offset !== String(receivedBytes)) {
      throw corrupt(`expected offset ${receivedBytes}, got ${chunk.offset}`);
    }
    if (receivedBytes + chunk.data.length > announced.sizeBytes) {
      throw corrupt(`more than the announced ${announced.sizeBytes} bytes`);
    }
    hash!.update(chunk.data);
    await fileStep(options.path, "write", () => writeFully(handle, chunk.data));
    receivedBytes += chunk.data.length;
  }
  if (announced === undefined) throw corrupt("it ended before its first message");
  if (receivedBytes !== announced.sizeBytes) {
    throw corrupt(`it ended after ${receivedBytes} of ${announced.sizeBytes} bytes`);
  }
  const sha256 = hash!.digest("hex");
  if (sha256 !== announced.sha256) {
    throw corrupt(`the bytes have sha256 ${sha256}, not the announced ${announced.sha256}`);
  }
  return announced;
}

/** The first message's metadata, checked: it must be there and make sense. */
function snapshotInfo(
  chunk: SnapshotChunk,
  corrupt: (what: string) => CallError,
): SavedSnapshot {
  const { info } = chunk;
  if (info === null) throw corrupt("the first message carries no metadata");
  const sizeBytes = Number(info.size_bytes);
  if (!Number.isSafeInteger(sizeBytes)) throw corrupt(`size ${info.size_bytes} is too large`);
  if (!SHA256_HEX.test(info.sha256)) {
    throw corrupt(`sha256 "${info.sha256}" is not 64 lowercase hex digits`);
  }
  return { index: info.index, term: info.term, sizeBytes, sha256: info.sha256 };
}

async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

/** fsyncs the directory holding `path`, so that the rename survives a crash. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await fileStep(path, "open the directory of", () => open(dirname(path), "r"));
  try {
    await fileStep(path, "fsync the directory of", () => directory.sync());
  } finally {
    await directory.close();
  }
}

/** Runs one file operation; its failure becomes a LocalError naming the file and the step. */
async function fileStep<T>(path: string, step: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error: unknown) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === "EEXIST" && step === "rename") {
      throw new LocalError(`${path} exists (it appeared during the save); pass --overwrite ` +
        "to replace it");
    }
    if (typeof message !== "string") throw error;
    throw new LocalError(`cannot ${step} ${path}${PART_SUFFIX}: ${message}`);
  }
}
