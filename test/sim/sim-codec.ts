import type * as protoLoader from "@grpc/proto-loader";
import { assert } from "../../src/core/assert.js";
import type { NodeId } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
import type {
  InstallSnapshotChunk__Output,
} from "../../src/gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type { IncomingSnapshot, StoredSnapshot } from "../../src/storage/snapshot-store.js";
import {
  decodeAppendEntriesRequest, decodeAppendResponse, decodeReadIndexRequest,
  decodeReadIndexResponse, decodeTimeoutNowRequest, decodeVoteRequest, decodeVoteResponse,
  encodeAppendResponse, encodePeerRequest, encodeReadIndexResponse, encodeVoteResponse,
} from "../../src/transport/peer-codec.js";
import { raftkvProtos, SERVICE_NAMES } from "../../src/transport/proto-loading.js";
import { SnapshotChunkReader } from "../../src/transport/snapshot-chunks.js";
import {
  decodeSnapshotHeader, SnapshotReceiver, type IncomingSnapshots,
} from "../../src/transport/snapshot-receiver.js";

/** The simulated cluster's id on the wire. */
const SIM_CLUSTER_ID = 7;
const SNAPSHOT_CHUNK_BYTES = 256;

type Method = protoLoader.MethodDefinition<object, object>;

/** Serializes with the RPC's real protobuf definition and parses it back, as gRPC would. */
function overTheWire(method: Method, direction: "request" | "response", wire: object): never {
  if (direction === "request") return method.requestDeserialize(method.requestSerialize(wire)) as never;
  return method.responseDeserialize(method.responseSerialize(wire)) as never;
}

function method(name: string): Method {
  const service = raftkvProtos().packageDefinition[SERVICE_NAMES.raftPeer] as
    Record<string, Method> | undefined;
  const definition = service?.[name];
  assert(definition !== undefined, `RaftPeer has no method ${name}`);
  return definition;
}

/**
 * Every simulated message goes through the production peer codec and the real protobuf
 * serialization (peer-codec.ts, snapshot-chunks.ts), so a codec bug is a simulator failure:
 * what the receiving node steps is what a real member would have decoded. Throws (a
 * simulator failure) if the codec refuses a message our own core produced.
 */
export function roundTrip(
  message: Message, snapshot: StoredSnapshot | undefined,
): {
  readonly message: Message;
  readonly chunks: readonly InstallSnapshotChunk__Output[] | undefined;
} {
  const inbound = { clusterId: SIM_CLUSTER_ID, selfId: message.to, isKnownPeer: () => true };
  const answer = { clusterId: SIM_CLUSTER_ID, selfId: message.to, peer: message.from };
  switch (message.type) {
    case "snapshot-request":
      return roundTripSnapshot(message, snapshot, inbound);
    case "vote-response":
      return { message: decodeVoteResponse(overTheWire(method("RequestVote"), "response",
        encodeVoteResponse(message, SIM_CLUSTER_ID)), answer), chunks: undefined };
    case "append-response":
    case "heartbeat-response":
      return { message: decodeAppendResponse(overTheWire(method("AppendEntries"), "response",
        encodeAppendResponse(message, SIM_CLUSTER_ID)), answer), chunks: undefined };
    case "read-index-response":
      return { message: decodeReadIndexResponse(overTheWire(method("ReadIndex"), "response",
        encodeReadIndexResponse(message, SIM_CLUSTER_ID)), answer), chunks: undefined };
    case "vote-request":
    case "append-request":
    case "heartbeat-request":
    case "timeout-now":
    case "read-index-request":
      return { message: roundTripRequest(message, inbound), chunks: undefined };
  }
}

function roundTripRequest(
  message: Message, inbound: { clusterId: number; selfId: NodeId; isKnownPeer: () => boolean },
): Message {
  const encoded = encodePeerRequest(message, SIM_CLUSTER_ID);
  const wire = (): never => overTheWire(method(encoded.rpc), "request", encoded.request);
  switch (encoded.rpc) {
    case "RequestVote":
      return decodeVoteRequest(wire(), inbound);
    case "AppendEntries":
      return decodeAppendEntriesRequest(wire(), inbound);
    case "TimeoutNow":
      return decodeTimeoutNowRequest(wire(), inbound);
    case "ReadIndex":
      return decodeReadIndexRequest(wire(), inbound);
  }
}

/**
 * The snapshot's InstallSnapshot chunks as the receiver's server would parse them, read from
 * the sender's store a chunk at a time; the message is what their first chunk describes.
 */
function roundTripSnapshot(
  message: Message & { type: "snapshot-request" }, snapshot: StoredSnapshot | undefined,
  inbound: { clusterId: number; selfId: NodeId; isKnownPeer: () => boolean },
): { readonly message: Message; readonly chunks: readonly InstallSnapshotChunk__Output[] } {
  assert(snapshot !== undefined, "a snapshot-request travels with its bytes");
  const install = method("InstallSnapshot");
  const reader =
    new SnapshotChunkReader(message, snapshot, SIM_CLUSTER_ID, SNAPSHOT_CHUNK_BYTES, 0);
  const chunks: InstallSnapshotChunk__Output[] = [];
  for (let chunk = reader.next(); chunk !== undefined; chunk = reader.next()) {
    chunks.push(overTheWire(install, "request", chunk));
  }
  assert(chunks[0] !== undefined, "a stream has a first chunk");
  return { message: decodeSnapshotHeader(chunks[0], inbound).message, chunks };
}

/**
 * Takes a snapshot's chunks in at member `to`, through the production receiver and into
 * its own snapshot store, as its InstallSnapshot server would. Throws (a simulator failure)
 * if the receiver refuses a stream our own sender produced.
 */
export function receiveSnapshotChunks(
  chunks: readonly InstallSnapshotChunk__Output[], to: NodeId, sink: IncomingSnapshots,
): IncomingSnapshot {
  const inbound = { clusterId: SIM_CLUSTER_ID, selfId: to, isKnownPeer: () => true };
  const receiver = new SnapshotReceiver(inbound, Number.MAX_SAFE_INTEGER, sink);
  for (const chunk of chunks) receiver.add(chunk);
  return receiver.finish().snapshot;
}
