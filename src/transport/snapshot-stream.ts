import * as grpc from "@grpc/grpc-js";
import type { Message } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { RaftPeerClient } from "../gen/raftkv/raft/v1/RaftPeer.js";
import type { SnapshotOffsetResponse__Output } from "../gen/raftkv/raft/v1/SnapshotOffsetResponse.js";
import { decodeAppendResponse } from "./peer-codec.js";
import {
  decodeResponseEnvelope, parseUint64, PeerRequestError, type ResponseContext,
} from "./peer-envelope.js";
import { encodeSnapshotMetadata, SnapshotChunkReader } from "./snapshot-chunks.js";
import type { SnapshotSend } from "./snapshot-lane.js";

/** What one outbound snapshot stream needs; limits explicit (docs/style.md). */
export interface SnapshotStreamOptions {
  readonly client: RaftPeerClient;
  readonly context: ResponseContext;
  /** Deadline of the SnapshotOffset call that asks where to resume. */
  readonly rpcDeadlineMs: number;
  /** Deadline of the whole InstallSnapshot stream. */
  readonly snapshotDeadlineMs: number;
  readonly chunkBytesMax: number;
  /** Steps the follower's answer (before `ended` reports the stream finished). */
  readonly step: (answer: Message) => void;
  /** `bytes` of snapshot data were written to the stream (metrics); optional. */
  readonly onBytesSent?: (bytes: number) => void;
}

/**
 * Sends one snapshot to one peer: asks with SnapshotOffset how much of it the peer already
 * holds from a broken stream (UNIMPLEMENTED: nothing), then streams InstallSnapshot from
 * there, reading each chunk from the stored snapshot only when the stream has room for it
 * (grpc's write() returning false, then "drain"), so a sender holds a chunk or two of any
 * snapshot, never the whole. Calls `ended` exactly once, however it ends; the returned
 * function cancels it (then `ended` still comes, with "failed").
 */
export function streamSnapshot(
  options: SnapshotStreamOptions, send: SnapshotSend, ended: (status: SnapshotStatus) => void,
): () => void {
  let cancelled = false;
  let cancelCall: () => void = () => undefined;
  let finished = false;
  const end = (status: SnapshotStatus): void => {
    if (finished) return;
    finished = true;
    ended(status);
  };
  const offsetCall = askOffset(options, send, (offset) => {
    if (cancelled) return end("failed");
    if (offset === undefined) return end("failed");
    cancelCall = install(options, send, offset, end);
  });
  cancelCall = () => offsetCall.cancel();
  return () => {
    cancelled = true;
    cancelCall();
  };
}

/** The resume offset (0 if the peer does not know the RPC); undefined when the call failed. */
function askOffset(
  options: SnapshotStreamOptions, send: SnapshotSend, then: (offset: number | undefined) => void,
): grpc.ClientUnaryCall {
  const { message, snapshot } = send;
  const request = {
    cluster_id: String(options.context.clusterId), from: String(message.from),
    to: String(message.to), term: String(message.term),
    metadata: encodeSnapshotMetadata(message.snapshot, snapshot.sizeBytes, snapshot.sha256),
  };
  const deadline = Date.now() + options.rpcDeadlineMs;
  return options.client.SnapshotOffset(request, { deadline }, (error, wire) => {
    if (error !== null) return then(error.code === grpc.status.UNIMPLEMENTED ? 0 : undefined);
    then(wire === undefined ? undefined : decodeOffset(wire, options.context, snapshot.sizeBytes));
  });
}

/** The offset answered, or undefined when the answer breaks the protocol. */
function decodeOffset(
  wire: SnapshotOffsetResponse__Output, context: ResponseContext, sizeBytes: number,
): number | undefined {
  try {
    decodeResponseEnvelope(wire, context, "SnapshotOffset");
    const offset = parseUint64(wire.offset, "SnapshotOffset.offset");
    return offset <= sizeBytes ? offset : undefined;
  } catch (error) {
    if (error instanceof PeerRequestError) return undefined;
    throw error;
  }
}

/** Streams the chunks from `offset`; returns the call's cancel. */
function install(
  options: SnapshotStreamOptions, send: SnapshotSend, offset: number,
  end: (status: SnapshotStatus) => void,
): () => void {
  const deadline = Date.now() + options.snapshotDeadlineMs;
  const call = options.client.InstallSnapshot({ deadline }, (error, wire) => {
    if (error !== null || wire === undefined) return end("failed");
    let answer: Message;
    try {
      answer = decodeAppendResponse(wire, options.context, "InstallSnapshot");
    } catch (decodeError) {
      if (decodeError instanceof PeerRequestError) return end("failed");
      throw decodeError;
    }
    options.step(answer);
    end("finished");
  });
  const chunks = new SnapshotChunkReader(send.message, send.snapshot, options.context.clusterId,
    options.chunkBytesMax, offset);
  const writeMore = (): void => {
    for (;;) {
      let chunk;
      try {
        chunk = chunks.next();
      } catch {
        call.cancel(); // The stored file went away (pruned): this send fails, a later one won't.
        return;
      }
      if (chunk === undefined) break;
      if (chunk.data instanceof Uint8Array) options.onBytesSent?.(chunk.data.byteLength);
      if (!call.write(chunk)) {
        call.once("drain", writeMore);
        return;
      }
    }
    call.end();
  };
  writeMore();
  return () => call.cancel();
}
