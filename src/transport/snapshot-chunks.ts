import { createHash, type Hash } from "node:crypto";
import { assert } from "../core/assert.js";
import { logIndex, nodeId, term, type NodeId } from "../core/ids.js";
import type { SnapshotRequest } from "../core/message.js";
import type {
  InstallSnapshotChunk, InstallSnapshotChunk__Output,
} from "../gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";
import {
  checked, decodeRequestEnvelope, envelopeOf, invalid, parseUint64, PeerRequestError,
  type InboundContext,
} from "./peer-envelope.js";

/**
 * InstallSnapshot as a client stream of chunks (Raft paper §7). The sender cuts a stored
 * snapshot into chunks of at most `chunkBytesMax` bytes; the first chunk carries the
 * metadata (index, term, configuration, total size, SHA-256), every chunk its offset, the
 * last one `done`. The receiver accepts exactly that shape and nothing else: chunks in
 * order with no gap or overlap, no byte past the announced size, a size within its limit,
 * and bytes that hash to the announced SHA-256. Only then does the core see the
 * metadata-only snapshot-request (docs/design.md, "How requests map onto messages").
 */

/** The largest chunk a sender may be configured to send; gRPC messages stay well under 16 MiB. */
export const SNAPSHOT_CHUNK_BYTES_MAX = 1024 * 1024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The chunks of one InstallSnapshot stream. They are views into `snapshot.data`, not copies.
 * Precondition: `snapshot` is the one `message` describes, as a stored snapshot it is
 * checksummed already.
 */
export function encodeSnapshotChunks(
  message: SnapshotRequest, snapshot: StoredSnapshot, clusterId: number, chunkBytesMax: number,
): InstallSnapshotChunk[] {
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
  assert(SHA256_HEX.test(snapshot.sha256), "a stored snapshot's sha256 is lowercase hex");
  const envelope = envelopeOf(message, clusterId);
  const data = snapshot.data;
  const chunks: InstallSnapshotChunk[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + chunkBytesMax, data.byteLength);
    const done = end === data.byteLength;
    chunks.push({ ...envelope, offset, data: data.subarray(offset, end), done });
    offset = end;
  } while (offset < data.byteLength);
  chunks[0] = {
    ...chunks[0],
    metadata: {
      index: meta.index, term: meta.term, voters: [...meta.config.voters],
      learners: [...meta.config.learners], size_bytes: data.byteLength, sha256: snapshot.sha256,
    },
  };
  return chunks;
}

/** What the first chunk of a stream announces; the bytes follow in chunks. */
export interface SnapshotHeader {
  /** The metadata-only message to step once every byte arrived and matched its checksum. */
  readonly message: SnapshotRequest;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** Decodes the first chunk of an InstallSnapshot stream, which must carry the metadata. */
export function decodeSnapshotHeader(
  wire: InstallSnapshotChunk__Output, context: InboundContext,
): SnapshotHeader {
  const envelope = decodeRequestEnvelope(wire, context, "InstallSnapshot");
  const meta = wire.metadata;
  if (meta === null) throw invalid("InstallSnapshot: the first chunk carries the metadata");
  if (!SHA256_HEX.test(meta.sha256)) {
    throw invalid("InstallSnapshot.metadata.sha256 is not 64 lowercase hex digits");
  }
  const ids = (values: readonly string[], field: string): NodeId[] =>
    values.map((value, i) => nodeId(parseUint64(value, `${field}[${i}]`)));
  const message = checked<SnapshotRequest>({
    type: "snapshot-request", ...envelope,
    snapshot: {
      index: logIndex(parseUint64(meta.index, "InstallSnapshot.metadata.index")),
      term: term(parseUint64(meta.term, "InstallSnapshot.metadata.term")),
      config: {
        voters: ids(meta.voters, "InstallSnapshot.metadata.voters"),
        learners: ids(meta.learners, "InstallSnapshot.metadata.learners"),
      },
    },
  }, "InstallSnapshot");
  return {
    message,
    sizeBytes: parseUint64(meta.size_bytes, "InstallSnapshot.metadata.size_bytes"),
    sha256: meta.sha256,
  };
}

/**
 * Collects one InstallSnapshot stream. add() each chunk as it arrives, then finish() when
 * the stream ends. Both throw a PeerRequestError for anything but a well-formed stream;
 * after a throw the assembler must be dropped.
 */
export class SnapshotAssembler {
  private header: SnapshotHeader | undefined;
  private firstEnvelope = "";
  private readonly parts: Buffer[] = [];
  private receivedBytes = 0;
  private done = false;
  private readonly hash: Hash = createHash("sha256");

  /** `snapshotBytesMax` bounds the memory one stream may take. */
  constructor(
    private readonly context: InboundContext,
    private readonly snapshotBytesMax: number,
  ) {
    assert(Number.isSafeInteger(snapshotBytesMax) && snapshotBytesMax >= 0, "a byte limit");
  }

  add(chunk: InstallSnapshotChunk__Output): void {
    if (this.done) throw invalid("InstallSnapshot: a chunk arrived after the one marked done");
    const envelope = `${chunk.cluster_id}/${chunk.from}/${chunk.to}/${chunk.term}`;
    if (this.header === undefined) {
      this.header = decodeSnapshotHeader(chunk, this.context);
      this.firstEnvelope = envelope;
      if (this.header.sizeBytes > this.snapshotBytesMax) {
        throw new PeerRequestError("too-large", `InstallSnapshot: ${this.header.sizeBytes} B is ` +
          `over this member's snapshot limit of ${this.snapshotBytesMax} B`);
      }
    } else if (chunk.metadata !== null || envelope !== this.firstEnvelope) {
      throw invalid("InstallSnapshot: only the first chunk carries metadata, and every chunk " +
        "carries the first chunk's cluster, sender, receiver and term");
    }
    const offset = parseUint64(chunk.offset, "InstallSnapshot.offset");
    if (offset !== this.receivedBytes) {
      throw invalid(`InstallSnapshot: chunk at offset ${offset}, expected ${this.receivedBytes} ` +
        `(${offset > this.receivedBytes ? "gap" : "overlap"})`);
    }
    if (offset + chunk.data.byteLength > this.header.sizeBytes) {
      throw invalid(`InstallSnapshot: bytes past the announced size of ${this.header.sizeBytes}`);
    }
    this.parts.push(chunk.data);
    this.hash.update(chunk.data);
    this.receivedBytes += chunk.data.byteLength;
    this.done = chunk.done;
  }

  /** The verified snapshot and the message to step after its bytes are handed over. */
  finish(): { readonly message: SnapshotRequest; readonly snapshot: StoredSnapshot } {
    const header = this.header;
    if (header === undefined) throw invalid("InstallSnapshot: the stream carried no chunk");
    if (!this.done || this.receivedBytes !== header.sizeBytes) {
      throw invalid(`InstallSnapshot: the stream ended after ${this.receivedBytes} of ` +
        `${header.sizeBytes} B${this.done ? "" : ", without a chunk marked done"}`);
    }
    const sha256 = this.hash.digest("hex");
    if (sha256 !== header.sha256) {
      throw new PeerRequestError("corrupt",
        `InstallSnapshot: the bytes hash to ${sha256}, the metadata says ${header.sha256}`);
    }
    const joined = Buffer.concat(this.parts, this.receivedBytes);
    const data = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
    return { message: header.message, snapshot: { meta: header.message.snapshot, data, sha256 } };
  }
}
