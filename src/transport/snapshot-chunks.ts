import { crc32 } from "node:zlib";
import { assert } from "../core/assert.js";
import type { MembershipConfig, SnapshotMeta } from "../core/entry.js";
import { logIndex, nodeId, term, type NodeId } from "../core/ids.js";
import { decodeMembershipConfig, encodeMembershipConfig } from "../core/membership-config.js";
import type { SnapshotRequest } from "../core/message.js";
import type { InstallSnapshotChunk } from "../gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type {
  SnapshotMetadata, SnapshotMetadata__Output,
} from "../gen/raftkv/raft/v1/SnapshotMetadata.js";
import type { IncomingSnapshotKey, StoredSnapshot } from "../storage/snapshot-store.js";
import { envelopeOf, invalid, parseUint64 } from "./peer-envelope.js";

/**
 * InstallSnapshot as a client stream of chunks (Raft paper §7), the sender's half and the
 * metadata codec both halves use. The sender reads a stored snapshot a chunk at a time, as
 * the stream has room, never whole; the first chunk carries the metadata (index, term, the
 * whole configuration, total size, SHA-256), every chunk its offset and its bytes' CRC-32,
 * the last one `done`. A stream starts at 0 or at the offset the receiver said it holds
 * (SnapshotOffset), so a broken stream resumes. The receiver's half is
 * snapshot-receiver.ts; only once every byte arrived and matched does the core see the
 * metadata-only snapshot-request.
 */

/** The largest chunk a sender may be configured to send; gRPC messages stay well under 16 MiB. */
export const SNAPSHOT_CHUNK_BYTES_MAX = 1024 * 1024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** CRC-32 of a chunk's data, as InstallSnapshotChunk.crc32 carries it. */
export function chunkCrc32(data: Uint8Array): number {
  return crc32(data);
}

/** The wire metadata of a snapshot; the config travels whole and as id lists. */
export function encodeSnapshotMetadata(
  meta: SnapshotMeta, sizeBytes: number, sha256: string,
): SnapshotMetadata {
  assert(SHA256_HEX.test(sha256), "a stored snapshot's sha256 is lowercase hex");
  assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, "a snapshot size");
  return {
    index: meta.index, term: meta.term, voters: [...meta.config.voters],
    learners: [...meta.config.learners], size_bytes: sizeBytes, sha256,
    config: encodeMembershipConfig(meta.config),
  };
}

/** What a snapshot's wire metadata says; typed errors for anything malformed. */
export interface DecodedSnapshotMetadata {
  readonly meta: SnapshotMeta;
  readonly key: IncomingSnapshotKey;
}

export function decodeSnapshotMetadata(
  wire: SnapshotMetadata__Output, rpc: string,
): DecodedSnapshotMetadata {
  if (!SHA256_HEX.test(wire.sha256)) {
    throw invalid(`${rpc}.metadata.sha256 is not 64 lowercase hex digits`);
  }
  const ids = (values: readonly string[], field: string): NodeId[] =>
    values.map((value, i) => nodeId(parseUint64(value, `${rpc}.metadata.${field}[${i}]`)));
  const listed = {
    voters: ids(wire.voters, "voters"), learners: ids(wire.learners, "learners"),
  };
  const meta: SnapshotMeta = {
    index: logIndex(parseUint64(wire.index, `${rpc}.metadata.index`)),
    term: term(parseUint64(wire.term, `${rpc}.metadata.term`)),
    config: wire.config.byteLength === 0 ? listed : decodeConfig(wire.config, listed, rpc),
  };
  const sizeBytes = parseUint64(wire.size_bytes, `${rpc}.metadata.size_bytes`);
  return {
    meta, key: { index: meta.index, term: meta.term, sizeBytes, sha256: wire.sha256 },
  };
}

/** The whole config from its encoded bytes, which must list the same ids as the lists. */
function decodeConfig(
  bytes: Uint8Array, listed: MembershipConfig, rpc: string,
): MembershipConfig {
  let config: MembershipConfig;
  try {
    // decodeMembershipConfig asserts (it reads our own log); from a peer, a throw is a
    // malformed request, not a broken invariant of ours.
    config = decodeMembershipConfig(bytes);
  } catch (error) {
    throw invalid(`${rpc}.metadata.config does not decode: ${(error as Error).message}`);
  }
  // The lists exactly as the config has them (ascending): what an older reader relies on.
  const same = (a: readonly NodeId[], b: readonly NodeId[]): boolean =>
    a.length === b.length && a.every((id, i) => id === b[i]);
  if (!same(config.voters, listed.voters) || !same(config.learners, listed.learners)) {
    throw invalid(`${rpc}.metadata.config lists other members than voters and learners`);
  }
  return config;
}

/**
 * The chunks of one InstallSnapshot stream, read from the stored snapshot one at a time:
 * next() reads the next chunk's bytes only when the stream has room for it, so a sender
 * holds at most a chunk or two of any snapshot. Precondition: `snapshot` is the one
 * `message` describes.
 */
export class SnapshotChunkReader {
  private offset: number;
  private first = true;
  private finished = false;

  constructor(
    private readonly message: SnapshotRequest,
    private readonly snapshot: StoredSnapshot,
    private readonly clusterId: number,
    private readonly chunkBytesMax: number,
    /** Where the stream starts: 0, or what the receiver said it holds already. */
    startOffset: number,
  ) {
    assert(
      Number.isSafeInteger(chunkBytesMax) && chunkBytesMax >= 1 &&
        chunkBytesMax <= SNAPSHOT_CHUNK_BYTES_MAX,
      `snapshot chunks are 1 B to ${SNAPSHOT_CHUNK_BYTES_MAX} B, got ${chunkBytesMax}`,
    );
    const meta = message.snapshot;
    assert(
      snapshot.meta.index === meta.index && snapshot.meta.term === meta.term,
      "the attached snapshot is the one the snapshot-request describes",
    );
    assert(
      Number.isSafeInteger(startOffset) && startOffset >= 0 && startOffset <= snapshot.sizeBytes,
      "a stream starts within the snapshot",
    );
    this.offset = startOffset;
  }

  /** Bytes of the snapshot the chunks so far covered, from 0 (including a resumed prefix). */
  get position(): number {
    return this.offset;
  }

  /** The next chunk, or undefined after the one marked done. Reads its bytes now. */
  next(): InstallSnapshotChunk | undefined {
    if (this.finished) return undefined;
    const size = this.snapshot.sizeBytes;
    const length = Math.min(this.chunkBytesMax, size - this.offset);
    const data = this.snapshot.readChunk(this.offset, length);
    assert(data.byteLength > 0 || this.offset === size, "a stored snapshot reads back whole");
    const chunk: InstallSnapshotChunk = {
      ...envelopeOf(this.message, this.clusterId),
      offset: this.offset, data, done: this.offset + data.byteLength === size,
      crc32: chunkCrc32(data),
      ...(this.first
        ? { metadata: encodeSnapshotMetadata(this.message.snapshot, size, this.snapshot.sha256) }
        : {}),
    };
    this.first = false;
    this.offset += data.byteLength;
    this.finished = chunk.done === true;
    return chunk;
  }
}
