import { assert } from "../core/assert.js";
import type { MembershipConfig } from "../core/entry.js";
import { nodeId, term, type NodeId, type Term } from "../core/ids.js";
import { isMember } from "../core/membership-config.js";
import type { Message } from "../core/message.js";
import { messageProblem } from "./peer-rules.js";

/**
 * What every RaftPeer message carries (cluster, sender, receiver, term), the typed refusal
 * of bad peer input, and the checked uint64 parser. Shared by the codecs (peer-codec.ts,
 * snapshot-chunks.ts); refusals are mapped to gRPC statuses by grpc-peer-server.ts only.
 */

/** Why a peer's request or response was refused; each maps to one gRPC status. */
export type PeerRequestErrorCode =
  /** Malformed, out of range or breaking a Raft rule: INVALID_ARGUMENT. */
  | "invalid-argument"
  /** Sent for another cluster: FAILED_PRECONDITION. */
  | "wrong-cluster"
  /** A vote request from a sender that is not a member we know: PERMISSION_DENIED. */
  | "unknown-sender"
  /** Over a size limit: RESOURCE_EXHAUSTED. */
  | "too-large"
  /** Bytes that do not match their checksum: DATA_LOSS. */
  | "corrupt";

/** An expected refusal of peer input (never a bug on our side). */
export class PeerRequestError extends Error {
  override readonly name = "PeerRequestError";
  constructor(readonly code: PeerRequestErrorCode, message: string) {
    super(message);
  }
}

/** What a member checks every inbound request against. */
export interface InboundContext {
  readonly clusterId: number;
  readonly selfId: NodeId;
  /**
   * Whether `id` is a member we know: one of our latest configuration, or anyone while we
   * know no voters yet. Consulted for vote requests only (see checkVoter()).
   */
  readonly isKnownPeer: (id: NodeId) => boolean;
}

/** What a member checks every response against: it came from the peer we called. */
export interface ResponseContext {
  readonly clusterId: number;
  readonly selfId: NodeId;
  readonly peer: NodeId;
}

/** The fields every RaftPeer request and response carries, as they arrive (uint64 strings). */
export interface WireEnvelope {
  readonly cluster_id: string;
  readonly from: string;
  readonly to: string;
  readonly term: string;
}

/** The envelope as the core reads it. */
export interface DecodedEnvelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

const UINT64_DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** A uint64 decimal string as a number, or a PeerRequestError when it is not a safe integer. */
export function parseUint64(value: unknown, field: string): number {
  if (typeof value !== "string" || !UINT64_DECIMAL.test(value)) {
    throw new PeerRequestError("invalid-argument", `${field} is not a uint64: ${String(value)}`);
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new PeerRequestError("invalid-argument", `${field} ${value} is above 2^53 - 1`);
  }
  return parsed;
}

/** A refusal of malformed input (INVALID_ARGUMENT). */
export function invalid(message: string): PeerRequestError {
  return new PeerRequestError("invalid-argument", message);
}

/** Encodes the envelope of a message our core produced, asserting the peer rules on it. */
export function envelopeOf(message: Message, clusterId: number): WireEnvelope {
  assert(Number.isSafeInteger(clusterId) && clusterId >= 0, "cluster id is a safe uint64");
  const problem = messageProblem(message);
  assert(problem === undefined, `our core sent an invalid ${message.type}: ${String(problem)}`);
  return {
    cluster_id: String(clusterId), from: String(message.from), to: String(message.to),
    term: String(message.term),
  };
}

/**
 * Checks a request's envelope, in the order a refusal is most useful to the sender: wrong
 * cluster, then not addressed to us. The sender need not be in our configuration: ours may
 * be older than the leader's (thesis 4.1), so appends, heartbeats and snapshots from a
 * leader we do not know yet must arrive, or a member that missed the entry adding that
 * leader could never catch up. Only votes are checked against it (checkVoter()).
 */
export function decodeRequestEnvelope(
  wire: WireEnvelope, context: InboundContext, rpc: string,
): DecodedEnvelope {
  const clusterId = parseUint64(wire.cluster_id, `${rpc}.cluster_id`);
  if (clusterId !== context.clusterId) {
    throw new PeerRequestError("wrong-cluster",
      `${rpc} is for cluster ${clusterId}; this member belongs to cluster ${context.clusterId}`);
  }
  const to = nodeId(parseUint64(wire.to, `${rpc}.to`));
  if (to !== context.selfId) {
    throw invalid(`${rpc} is addressed to member ${to}; this is member ${context.selfId}`);
  }
  const from = nodeId(parseUint64(wire.from, `${rpc}.from`));
  if (from === 0) throw invalid(`${rpc}.from is 0, which names no member`);
  return { from, to, term: term(parseUint64(wire.term, `${rpc}.term`)) };
}

/**
 * A vote request from outside our configuration is disregarded (thesis 4.2.3): we cannot
 * help elect a server we do not count as a voter, and a removed server must not disrupt
 * the cluster with its campaigns. Refusing a vote is always safe; at worst it delays an
 * election until our configuration catches up. Every other request is delivered.
 */
/** InboundContext.isKnownPeer for a member whose latest configuration is `config`. */
export function isKnownPeerOf(config: MembershipConfig, id: NodeId): boolean {
  return config.voters.length === 0 || isMember(config, id);
}

export function checkVoter(envelope: DecodedEnvelope, context: InboundContext): void {
  if (!context.isKnownPeer(envelope.from)) {
    throw new PeerRequestError(
      "unknown-sender", `member ${envelope.from} is not in this member's configuration`);
  }
}

export function decodeResponseEnvelope(
  wire: WireEnvelope, context: ResponseContext, rpc: string,
): DecodedEnvelope {
  const clusterId = parseUint64(wire.cluster_id, `${rpc}.cluster_id`);
  if (clusterId !== context.clusterId) {
    throw new PeerRequestError("wrong-cluster", `${rpc} answer is from cluster ${clusterId}`);
  }
  const from = nodeId(parseUint64(wire.from, `${rpc}.from`));
  const to = nodeId(parseUint64(wire.to, `${rpc}.to`));
  if (from !== context.peer || to !== context.selfId) {
    throw invalid(
      `${rpc} answer names ${from} -> ${to}, expected ${context.peer} -> ${context.selfId}`);
  }
  return { from, to, term: term(parseUint64(wire.term, `${rpc}.term`)) };
}

/** Every decoded message passes the same rules our encoder asserts. */
export function checked<M extends Message>(message: M, rpc: string): M {
  const problem = messageProblem(message);
  if (problem !== undefined) throw invalid(`${rpc}: ${problem}`);
  return message;
}
