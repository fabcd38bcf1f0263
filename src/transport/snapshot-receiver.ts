import { assert } from "../core/assert.js";
import type { SnapshotRequest } from "../core/message.js";
import type { InstallSnapshotChunk__Output } from "../gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type { SnapshotOffsetRequest__Output } from "../gen/raftkv/raft/v1/SnapshotOffsetRequest.js";
import type { IncomingSnapshot, IncomingSnapshotKey } from "../storage/snapshot-store.js";
import {
  checked, decodeRequestEnvelope, invalid, parseUint64, PeerRequestError,
  type DecodedEnvelope, type InboundContext,
} from "./peer-envelope.js";
import { chunkCrc32, decodeSnapshotMetadata } from "./snapshot-chunks.js";

/** Where a receiver writes a snapshot's bytes as they arrive (the node's snapshot store). */
export interface IncomingSnapshots {
  /** The partial copy of `key`, resumed or new (SnapshotStore.receive). */
  openIncomingSnapshot(key: IncomingSnapshotKey): IncomingSnapshot;
  /** Bytes of `key` held already (SnapshotStore.receivedBytes). */
  incomingSnapshotBytes(key: IncomingSnapshotKey): number;
}

/** The snapshot a receiver is taking in now, for Cluster.Status. */
export interface SnapshotProgress {
  readonly index: number;
  /** Including what an earlier, broken stream of the same snapshot left. */
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

/** What the first chunk of a stream announces; the bytes follow in chunks. */
export interface SnapshotHeader {
  /** The metadata-only message to step once every byte arrived and matched its checksum. */
  readonly message: SnapshotRequest;
  readonly key: IncomingSnapshotKey;
}

/** Decodes the first chunk of an InstallSnapshot stream, which must carry the metadata. */
export function decodeSnapshotHeader(
  wire: InstallSnapshotChunk__Output, context: InboundContext,
): SnapshotHeader {
  const envelope = decodeRequestEnvelope(wire, context, "InstallSnapshot");
  if (wire.metadata === null) throw invalid("InstallSnapshot: the first chunk carries the metadata");
  const { meta, key } = decodeSnapshotMetadata(wire.metadata, "InstallSnapshot");
  const message = checked<SnapshotRequest>(
    { type: "snapshot-request", ...envelope, snapshot: meta }, "InstallSnapshot");
  return { message, key };
}

/** Decodes a SnapshotOffset request: who asks, and about which snapshot. */
export function decodeSnapshotOffsetRequest(
  wire: SnapshotOffsetRequest__Output, context: InboundContext,
): { readonly envelope: DecodedEnvelope; readonly key: IncomingSnapshotKey } {
  const envelope = decodeRequestEnvelope(wire, context, "SnapshotOffset");
  if (wire.metadata === null) throw invalid("SnapshotOffset carries the snapshot's metadata");
  return { envelope, key: decodeSnapshotMetadata(wire.metadata, "SnapshotOffset").key };
}

/**
 * Takes in one InstallSnapshot stream, writing each chunk to the snapshot's partial copy as
 * it arrives (SnapshotStore.receive), so no snapshot is ever held in memory. add() each
 * chunk, then finish() when the stream ends. Both throw a PeerRequestError for anything but
 * a well-formed stream, after which the receiver must be dropped; what was written before
 * stays, so the next stream of the same snapshot resumes there.
 *
 * Accepted, and nothing else: the first chunk carries the metadata and starts at 0 (a fresh
 * copy) or exactly where the held partial copy ends (a resumed one); chunks follow in order
 * with no gap or overlap, each matching its CRC-32 (else DATA_LOSS, before it is written);
 * no byte past the announced size, a size within `snapshotBytesMax` (a disk bound now, not
 * a memory one); and at the end bytes that hash to the announced SHA-256 (else DATA_LOSS,
 * and the partial copy is deleted).
 */
export class SnapshotReceiver {
  private header: SnapshotHeader | undefined;
  private firstEnvelope = "";
  private incoming: IncomingSnapshot | undefined;
  private done = false;

  constructor(
    private readonly context: InboundContext,
    private readonly snapshotBytesMax: number,
    private readonly snapshots: IncomingSnapshots,
  ) {
    assert(Number.isSafeInteger(snapshotBytesMax) && snapshotBytesMax >= 0, "a byte limit");
  }

  /** The snapshot this stream carries, once its first chunk arrived. */
  progress(): SnapshotProgress | undefined {
    const { header, incoming } = this;
    if (header === undefined || incoming === undefined) return undefined;
    return {
      index: header.key.index, receivedBytes: incoming.receivedBytes,
      totalBytes: header.key.sizeBytes,
    };
  }

  add(chunk: InstallSnapshotChunk__Output): void {
    if (this.done) throw invalid("InstallSnapshot: a chunk arrived after the one marked done");
    const envelope = `${chunk.cluster_id}/${chunk.from}/${chunk.to}/${chunk.term}`;
    const offset = parseUint64(chunk.offset, "InstallSnapshot.offset");
    if (this.header === undefined) {
      this.header = decodeSnapshotHeader(chunk, this.context);
      this.firstEnvelope = envelope;
      this.incoming = this.open(this.header.key, offset);
    } else if (chunk.metadata !== null || envelope !== this.firstEnvelope) {
      throw invalid("InstallSnapshot: only the first chunk carries metadata, and every chunk " +
        "carries the first chunk's cluster, sender, receiver and term");
    }
    const incoming = this.incoming;
    assert(incoming !== undefined, "opened with the first chunk");
    const expected = incoming.receivedBytes;
    if (offset !== expected) {
      throw invalid(`InstallSnapshot: chunk at offset ${offset}, expected ${expected} ` +
        `(${offset > expected ? "gap" : "overlap"})`);
    }
    if (offset + chunk.data.byteLength > this.header.key.sizeBytes) {
      throw invalid(`InstallSnapshot: bytes past the announced size of ${this.header.key.sizeBytes}`);
    }
    if (chunkCrc32(chunk.data) !== chunk.crc32) {
      throw new PeerRequestError("corrupt", `InstallSnapshot: the chunk at offset ${offset} ` +
        `does not match its CRC-32; resume from ${offset}`);
    }
    incoming.append(chunk.data);
    this.done = chunk.done;
  }

  /** The verified partial copy, to commit, and the message to step after handing it over. */
  finish(): { readonly message: SnapshotRequest; readonly snapshot: IncomingSnapshot } {
    const { header, incoming } = this;
    if (header === undefined || incoming === undefined) {
      throw invalid("InstallSnapshot: the stream carried no chunk");
    }
    if (!this.done || incoming.receivedBytes !== header.key.sizeBytes) {
      throw invalid(`InstallSnapshot: the stream ended after ${incoming.receivedBytes} of ` +
        `${header.key.sizeBytes} B${this.done ? "" : ", without a chunk marked done"}`);
    }
    if (!incoming.intact()) {
      incoming.discard(); // Every chunk matched, yet the whole does not: start over.
      throw new PeerRequestError("corrupt",
        `InstallSnapshot: the bytes do not hash to the announced ${header.key.sha256}`);
    }
    return { message: header.message, snapshot: incoming };
  }

  /** The partial copy for `key`, checked against where the stream says it starts. */
  private open(key: IncomingSnapshotKey, offset: number): IncomingSnapshot {
    if (key.sizeBytes > this.snapshotBytesMax) {
      throw new PeerRequestError("too-large", `InstallSnapshot: ${key.sizeBytes} B is ` +
        `over this member's snapshot limit of ${this.snapshotBytesMax} B`);
    }
    let incoming = this.snapshots.openIncomingSnapshot(key);
    if (offset === 0 && incoming.receivedBytes > 0) {
      // The sender starts over (it could not ask where to resume): so do we.
      incoming.discard();
      incoming = this.snapshots.openIncomingSnapshot(key);
    }
    if (offset !== incoming.receivedBytes) {
      throw invalid(`InstallSnapshot: the stream resumes at ${offset}, but this member holds ` +
        `${incoming.receivedBytes} B of that snapshot`);
    }
    return incoming;
  }
}
