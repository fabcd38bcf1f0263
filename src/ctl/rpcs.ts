import type { HealthCheckRequest } from "../gen/grpc/health/v1/HealthCheckRequest.js";
import type { HealthCheckResponse__Output } from "../gen/grpc/health/v1/HealthCheckResponse.js";
import type { MemberAddRequest } from "../gen/raftkv/cluster/v1/MemberAddRequest.js";
import type { MemberAddResponse__Output } from "../gen/raftkv/cluster/v1/MemberAddResponse.js";
import type { MemberListRequest } from "../gen/raftkv/cluster/v1/MemberListRequest.js";
import type { MemberListResponse__Output } from "../gen/raftkv/cluster/v1/MemberListResponse.js";
import type { MemberPromoteRequest } from "../gen/raftkv/cluster/v1/MemberPromoteRequest.js";
import type {
  MemberPromoteResponse__Output,
} from "../gen/raftkv/cluster/v1/MemberPromoteResponse.js";
import type { MemberRemoveRequest } from "../gen/raftkv/cluster/v1/MemberRemoveRequest.js";
import type {
  MemberRemoveResponse__Output,
} from "../gen/raftkv/cluster/v1/MemberRemoveResponse.js";
import type { MemberUpdateRequest } from "../gen/raftkv/cluster/v1/MemberUpdateRequest.js";
import type {
  MemberUpdateResponse__Output,
} from "../gen/raftkv/cluster/v1/MemberUpdateResponse.js";
import type { SnapshotChunk__Output } from "../gen/raftkv/cluster/v1/SnapshotChunk.js";
import type { SnapshotRequest } from "../gen/raftkv/cluster/v1/SnapshotRequest.js";
import type { StatusRequest } from "../gen/raftkv/cluster/v1/StatusRequest.js";
import type { StatusResponse__Output } from "../gen/raftkv/cluster/v1/StatusResponse.js";
import type {
  TransferLeadershipRequest,
} from "../gen/raftkv/cluster/v1/TransferLeadershipRequest.js";
import type {
  TransferLeadershipResponse__Output,
} from "../gen/raftkv/cluster/v1/TransferLeadershipResponse.js";
import type { DeleteRequest } from "../gen/raftkv/kv/v1/DeleteRequest.js";
import type { DeleteResponse__Output } from "../gen/raftkv/kv/v1/DeleteResponse.js";
import type { PutRequest } from "../gen/raftkv/kv/v1/PutRequest.js";
import type { PutResponse__Output } from "../gen/raftkv/kv/v1/PutResponse.js";
import type { RangeRequest } from "../gen/raftkv/kv/v1/RangeRequest.js";
import type { RangeResponse__Output } from "../gen/raftkv/kv/v1/RangeResponse.js";
import type { TxnRequest } from "../gen/raftkv/kv/v1/TxnRequest.js";
import type { TxnResponse__Output } from "../gen/raftkv/kv/v1/TxnResponse.js";
import type { WatchRequest } from "../gen/raftkv/kv/v1/WatchRequest.js";
import type { WatchResponse__Output } from "../gen/raftkv/kv/v1/WatchResponse.js";

/**
 * One unary RPC raftkvctl calls: which service, which method, and whether sending it twice
 * is harmless. The type parameters tie the request and response types to the method, so
 * EndpointClient.call() is typed without knowing any method itself. A new RPC is one more
 * entry here; a server-streaming one is a StreamRpc (below).
 */
export interface UnaryRpc<Request, Response> {
  readonly service: "kv" | "cluster" | "health";
  /** The method name as the proto spells it. */
  readonly method: string;
  /**
   * True when a retry on another endpoint, after this endpoint may have received the call,
   * cannot change the outcome: reads. False for writes (README.md, "Failover").
   */
  readonly idempotent: boolean;
  /** Carries the types only; never set. */
  readonly types?: (request: Request) => Response;
}

function rpc<Request, Response>(
  service: UnaryRpc<Request, Response>["service"],
  method: string,
  idempotent: boolean,
): UnaryRpc<Request, Response> {
  return Object.freeze({ service, method, idempotent });
}

/**
 * One server-streaming RPC: EndpointClient.openStream() starts it on one endpoint, and the
 * command decides where to resume when the stream breaks (only it knows what it has seen).
 */
export interface StreamRpc<Request, Response> {
  readonly service: "kv" | "cluster";
  /** The method name as the proto spells it. */
  readonly method: string;
  /** Carries the types only; never set. */
  readonly types?: (request: Request) => Response;
}

/** The RPCs of raftkv's client API that raftkvctl uses. */
export const RPCS = Object.freeze({
  put: rpc<PutRequest, PutResponse__Output>("kv", "Put", false),
  delete: rpc<DeleteRequest, DeleteResponse__Output>("kv", "Delete", false),
  // A txn is a write, whatever its branches hold: sent twice it could apply twice.
  txn: rpc<TxnRequest, TxnResponse__Output>("kv", "Txn", false),
  range: rpc<RangeRequest, RangeResponse__Output>("kv", "Range", true),
  status: rpc<StatusRequest, StatusResponse__Output>("cluster", "Status", true),
  memberList: rpc<MemberListRequest, MemberListResponse__Output>("cluster", "MemberList", true),
  healthCheck: rpc<HealthCheckRequest, HealthCheckResponse__Output>("health", "Check", true),
  // Membership changes and leadership transfers are writes: a member that received one may
  // have routed it to the leader, which may apply it even when the answer is lost.
  memberAdd: rpc<MemberAddRequest, MemberAddResponse__Output>("cluster", "MemberAdd", false),
  memberPromote: rpc<MemberPromoteRequest, MemberPromoteResponse__Output>(
    "cluster", "MemberPromote", false),
  memberRemove: rpc<MemberRemoveRequest, MemberRemoveResponse__Output>(
    "cluster", "MemberRemove", false),
  memberUpdate: rpc<MemberUpdateRequest, MemberUpdateResponse__Output>(
    "cluster", "MemberUpdate", false),
  transferLeadership: rpc<TransferLeadershipRequest, TransferLeadershipResponse__Output>(
    "cluster", "TransferLeadership", false),
});

function streamRpc<Request, Response>(
  service: StreamRpc<Request, Response>["service"],
  method: string,
): StreamRpc<Request, Response> {
  return Object.freeze({ service, method });
}

/** The server-streaming RPCs raftkvctl uses. */
export const STREAM_RPCS = Object.freeze({
  watch: streamRpc<WatchRequest, WatchResponse__Output>("kv", "Watch"),
  snapshot: streamRpc<SnapshotRequest, SnapshotChunk__Output>("cluster", "Snapshot"),
});

export type {
  DeleteResponse__Output as DeleteResponse,
  HealthCheckResponse__Output as HealthCheckResponse,
  MemberListResponse__Output as MemberListResponse,
  PutResponse__Output as PutResponse,
  SnapshotChunk__Output as SnapshotChunk,
  TransferLeadershipResponse__Output as TransferLeadershipResponse,
  RangeResponse__Output as RangeResponse,
  StatusResponse__Output as StatusResponse,
  TxnRequest,
  TxnResponse__Output as TxnResponse,
  WatchRequest,
  WatchResponse__Output as WatchResponse,
};
export type { Compare } from "../gen/raftkv/kv/v1/Compare.js";
export type { Event__Output as Event } from "../gen/raftkv/kv/v1/Event.js";
export type { RequestOp } from "../gen/raftkv/kv/v1/RequestOp.js";
export type { ResponseOp__Output as ResponseOp } from "../gen/raftkv/kv/v1/ResponseOp.js";
export type { KeyValue__Output as KeyValue } from "../gen/raftkv/kv/v1/KeyValue.js";
export type { ResponseHeader__Output as ResponseHeader } from "../gen/raftkv/kv/v1/ResponseHeader.js";
export type { Member__Output as Member } from "../gen/raftkv/cluster/v1/Member.js";
