import { assert, unreachable } from "../core/assert.js";
import type { Entry } from "../core/entry.js";
import { logIndex, term, type NodeId } from "../core/ids.js";
import type {
  AppendRequest, AppendResponse, HeartbeatRequest, HeartbeatResponse, Message, ReadIndexRequest,
  ReadIndexResponse, TimeoutNow, VoteRequest, VoteResponse,
} from "../core/message.js";
import type {
  AppendEntriesRequest, AppendEntriesRequest__Output,
} from "../gen/raftkv/raft/v1/AppendEntriesRequest.js";
import type {
  AppendEntriesResponse, AppendEntriesResponse__Output,
} from "../gen/raftkv/raft/v1/AppendEntriesResponse.js";
import type {
  Entry as WireEntry, Entry__Output as WireEntryOutput,
} from "../gen/raftkv/raft/v1/Entry.js";
import type {
  ReadIndexRequest as WireReadIndexRequest, ReadIndexRequest__Output,
} from "../gen/raftkv/raft/v1/ReadIndexRequest.js";
import type {
  ReadIndexResponse as WireReadIndexResponse, ReadIndexResponse__Output,
} from "../gen/raftkv/raft/v1/ReadIndexResponse.js";
import type {
  RequestVoteRequest, RequestVoteRequest__Output,
} from "../gen/raftkv/raft/v1/RequestVoteRequest.js";
import type {
  RequestVoteResponse, RequestVoteResponse__Output,
} from "../gen/raftkv/raft/v1/RequestVoteResponse.js";
import type {
  TimeoutNowRequest, TimeoutNowRequest__Output,
} from "../gen/raftkv/raft/v1/TimeoutNowRequest.js";
import type {
  TimeoutNowResponse, TimeoutNowResponse__Output,
} from "../gen/raftkv/raft/v1/TimeoutNowResponse.js";
import {
  checked, checkVoter, decodeRequestEnvelope, decodeResponseEnvelope, envelopeOf, invalid,
  parseUint64, type InboundContext, type ResponseContext,
} from "./peer-envelope.js";
import { ENTRY_KIND_NUMBERS, entryKindOf } from "./peer-rules.js";

/**
 * proto <-> core Message for the unary raftkv.raft.v1.RaftPeer RPCs. With peer-envelope.ts
 * and snapshot-chunks.ts, this is the only peer code that reads or builds generated shapes
 * (docs/style.md, Layers and dependencies). Encoding asserts the rules of peer-rules.ts on
 * what our core produced; decoding checks every field of what a peer sent
 * (docs/testing.md, Bad input) and throws a PeerRequestError, which the server maps to a
 * gRPC status, before anything reaches the core. uint64 fields arrive as decimal strings
 * (PROTO_LOADER_OPTIONS) and become numbers only when they are safe integers
 * (docs/decisions/0001).
 */

/** The unary RaftPeer RPCs; InstallSnapshot streams (see snapshot-chunks.ts). */
export type UnaryPeerRpc = "RequestVote" | "AppendEntries" | "TimeoutNow" | "ReadIndex";

export type EncodedPeerRequest =
  | { readonly rpc: "RequestVote"; readonly request: RequestVoteRequest }
  | { readonly rpc: "AppendEntries"; readonly request: AppendEntriesRequest }
  | { readonly rpc: "TimeoutNow"; readonly request: TimeoutNowRequest }
  | { readonly rpc: "ReadIndex"; readonly request: WireReadIndexRequest };

/** Encodes a request-type core message for its RPC. Snapshot-requests stream instead. */
export function encodePeerRequest(message: Message, clusterId: number): EncodedPeerRequest {
  const envelope = envelopeOf(message, clusterId);
  switch (message.type) {
    case "vote-request":
      return { rpc: "RequestVote", request: {
        ...envelope, pre_vote: message.preVote, last_log_index: message.lastLogIndex,
        last_log_term: message.lastLogTerm, leadership_transfer: message.leadershipTransfer,
      } };
    case "append-request":
      return { rpc: "AppendEntries", request: {
        ...envelope, heartbeat: false, prev_log_index: message.prevLogIndex,
        prev_log_term: message.prevLogTerm, entries: message.entries.map(encodeEntry),
        leader_commit: message.leaderCommit, read_round: 0,
      } };
    case "heartbeat-request":
      return { rpc: "AppendEntries", request: {
        ...envelope, heartbeat: true, leader_commit: message.commit, read_round: message.readRound,
      } };
    case "timeout-now":
      return { rpc: "TimeoutNow", request: envelope };
    case "read-index-request":
      return { rpc: "ReadIndex", request: { ...envelope, request_id: message.requestId } };
    case "snapshot-request":
      return assertNeverRequest(message.type, "snapshot-requests stream (snapshot-chunks.ts)");
    case "vote-response":
    case "append-response":
    case "heartbeat-response":
    case "read-index-response":
      return assertNeverRequest(message.type, "responses answer an RPC; they are not requests");
  }
}

function assertNeverRequest(type: string, why: string): never {
  return unreachable(`encodePeerRequest(${type}): ${why}`);
}

function encodeEntry(entry: Entry): WireEntry {
  return {
    index: entry.index, term: entry.term, kind: ENTRY_KIND_NUMBERS[entry.kind], data: entry.data,
  };
}

function decodeEntry(wire: WireEntryOutput, field: string): Entry {
  const kind = entryKindOf(wire.kind);
  if (kind === undefined) {
    throw invalid(`${field}.kind ${String(wire.kind)} is not a known entry kind`);
  }
  return {
    index: logIndex(parseUint64(wire.index, `${field}.index`)),
    term: term(parseUint64(wire.term, `${field}.term`)),
    kind,
    data: new Uint8Array(wire.data.buffer, wire.data.byteOffset, wire.data.byteLength),
  };
}

export function decodeVoteRequest(
  wire: RequestVoteRequest__Output, context: InboundContext,
): VoteRequest {
  const envelope = decodeRequestEnvelope(wire, context, "RequestVote");
  checkVoter(envelope, context);
  return checked({
    type: "vote-request", ...envelope, preVote: wire.pre_vote,
    lastLogIndex: logIndex(parseUint64(wire.last_log_index, "RequestVote.last_log_index")),
    lastLogTerm: term(parseUint64(wire.last_log_term, "RequestVote.last_log_term")),
    leadershipTransfer: wire.leadership_transfer,
  }, "RequestVote");
}

/** An AppendEntries request is a log append, or a heartbeat when `heartbeat` is set. */
export function decodeAppendEntriesRequest(
  wire: AppendEntriesRequest__Output, context: InboundContext,
): AppendRequest | HeartbeatRequest {
  const envelope = decodeRequestEnvelope(wire, context, "AppendEntries");
  const leaderCommit = logIndex(parseUint64(wire.leader_commit, "AppendEntries.leader_commit"));
  if (wire.heartbeat) {
    if (wire.entries.length > 0 || wire.prev_log_index !== "0" || wire.prev_log_term !== "0") {
      throw invalid("AppendEntries: a heartbeat carries no entries and no log position");
    }
    return checked({
      type: "heartbeat-request", ...envelope, commit: leaderCommit,
      readRound: parseUint64(wire.read_round, "AppendEntries.read_round"),
    }, "AppendEntries");
  }
  return checked({
    type: "append-request", ...envelope,
    prevLogIndex: logIndex(parseUint64(wire.prev_log_index, "AppendEntries.prev_log_index")),
    prevLogTerm: term(parseUint64(wire.prev_log_term, "AppendEntries.prev_log_term")),
    entries: wire.entries.map((entry, i) => decodeEntry(entry, `AppendEntries.entries[${i}]`)),
    leaderCommit,
  }, "AppendEntries");
}

export function decodeTimeoutNowRequest(
  wire: TimeoutNowRequest__Output, context: InboundContext,
): TimeoutNow {
  const envelope = decodeRequestEnvelope(wire, context, "TimeoutNow");
  return checked({ type: "timeout-now", ...envelope }, "TimeoutNow");
}

export function decodeReadIndexRequest(
  wire: ReadIndexRequest__Output, context: InboundContext,
): ReadIndexRequest {
  return checked({
    type: "read-index-request", ...decodeRequestEnvelope(wire, context, "ReadIndex"),
    requestId: parseUint64(wire.request_id, "ReadIndex.request_id"),
  }, "ReadIndex");
}

export function encodeVoteResponse(message: VoteResponse, clusterId: number): RequestVoteResponse {
  return { ...envelopeOf(message, clusterId), pre_vote: message.preVote, granted: message.granted };
}

/** The answer to AppendEntries (and to InstallSnapshot): an append- or heartbeat-response. */
export function encodeAppendResponse(
  message: AppendResponse | HeartbeatResponse, clusterId: number,
): AppendEntriesResponse {
  const envelope = envelopeOf(message, clusterId);
  if (message.type === "heartbeat-response") {
    return { ...envelope, heartbeat: true, read_round: message.readRound };
  }
  return {
    ...envelope, heartbeat: false, success: message.success, match_index: message.matchIndex,
    rejected_index: message.rejectedIndex, hint_index: message.hintIndex,
    hint_term: message.hintTerm,
  };
}

export function encodeReadIndexResponse(
  message: ReadIndexResponse, clusterId: number,
): WireReadIndexResponse {
  const answer = { ...envelopeOf(message, clusterId), request_id: message.requestId };
  if (message.readIndex === undefined) return { ...answer, served: false };
  return { ...answer, served: true, read_index: message.readIndex };
}

/** TimeoutNow has no core response; the acknowledgement names the receiver and its term. */
export function encodeTimeoutNowResponse(
  envelope: { readonly from: NodeId; readonly to: NodeId; readonly term: number },
  clusterId: number,
): TimeoutNowResponse {
  assert(Number.isSafeInteger(envelope.term) && envelope.term >= 0, "term is a safe uint64");
  return {
    cluster_id: String(clusterId), from: String(envelope.from), to: String(envelope.to),
    term: String(envelope.term),
  };
}

export function decodeVoteResponse(
  wire: RequestVoteResponse__Output, context: ResponseContext,
): VoteResponse {
  return checked({
    type: "vote-response", ...decodeResponseEnvelope(wire, context, "RequestVote"),
    preVote: wire.pre_vote, granted: wire.granted,
  }, "RequestVote");
}

export function decodeAppendResponse(
  wire: AppendEntriesResponse__Output, context: ResponseContext, rpc = "AppendEntries",
): AppendResponse | HeartbeatResponse {
  const envelope = decodeResponseEnvelope(wire, context, rpc);
  if (wire.heartbeat) {
    return checked({
      type: "heartbeat-response", ...envelope,
      readRound: parseUint64(wire.read_round, `${rpc}.read_round`),
    }, rpc);
  }
  return checked({
    type: "append-response", ...envelope, success: wire.success,
    matchIndex: logIndex(parseUint64(wire.match_index, `${rpc}.match_index`)),
    rejectedIndex: logIndex(parseUint64(wire.rejected_index, `${rpc}.rejected_index`)),
    hintIndex: logIndex(parseUint64(wire.hint_index, `${rpc}.hint_index`)),
    hintTerm: term(parseUint64(wire.hint_term, `${rpc}.hint_term`)),
  }, rpc);
}

export function decodeReadIndexResponse(
  wire: ReadIndexResponse__Output, context: ResponseContext,
): ReadIndexResponse {
  return checked({
    type: "read-index-response", ...decodeResponseEnvelope(wire, context, "ReadIndex"),
    requestId: parseUint64(wire.request_id, "ReadIndex.request_id"),
    readIndex: wire.served
      ? logIndex(parseUint64(wire.read_index, "ReadIndex.read_index"))
      : undefined,
  }, "ReadIndex");
}

/** Checks the acknowledgement of a TimeoutNow; there is nothing to step. */
export function decodeTimeoutNowResponse(
  wire: TimeoutNowResponse__Output, context: ResponseContext,
): void {
  decodeResponseEnvelope(wire, context, "TimeoutNow");
}
