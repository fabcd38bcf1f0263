import type { Entry, SnapshotMeta } from "./entry.js";
import type { LogIndex, NodeId, Term } from "./ids.js";

/**
 * Messages between cores. They are one-way (etcd style); the transport maps them onto
 * request/response RPCs. Every message names its sender, its receiver and the sender's term.
 * A pre-vote request carries the term the sender *would* campaign in (thesis 9.6), and a
 * pre-vote response carries the request's term when granted, so neither bumps any term.
 * A rejected pre-vote carries the voter's own term: a pre-candidate behind it catches up,
 * and one in the same term counts it as a loss.
 */
interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface VoteRequest extends Envelope {
  readonly type: "vote-request";
  readonly preVote: boolean;
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  /** Set by a TimeoutNow-triggered campaign: voters skip the leader-lease check (thesis 3.10). */
  readonly leadershipTransfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: "vote-response";
  readonly preVote: boolean;
  readonly granted: boolean;
}

export interface AppendRequest extends Envelope {
  readonly type: "append-request";
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly leaderCommit: LogIndex;
}

/**
 * On success `matchIndex` is the last index the follower now holds in agreement with the
 * leader. On rejection, `rejectedIndex` is the request's prevLogIndex and (`hintIndex`,
 * `hintTerm`) let the leader skip a whole conflicting term at once (fast back-tracking, §5.3).
 */
export interface AppendResponse extends Envelope {
  readonly type: "append-response";
  readonly success: boolean;
  readonly matchIndex: LogIndex;
  readonly rejectedIndex: LogIndex;
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}

/**
 * Heartbeats carry no entries and no log check, so they cannot be rejected for log reasons.
 * `commit` is min(follower's matchIndex, leader's commit): a follower must not commit entries
 * it may not have. `readRound` identifies the ReadIndex round the heartbeat confirms (§6.4).
 */
export interface HeartbeatRequest extends Envelope {
  readonly type: "heartbeat-request";
  readonly commit: LogIndex;
  readonly readRound: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "heartbeat-response";
  readonly readRound: number;
}

/** Metadata only: the transport streams the bytes into the snapshot store before stepping this. */
export interface SnapshotRequest extends Envelope {
  readonly type: "snapshot-request";
  readonly snapshot: SnapshotMeta;
}

/** Tells the transfer target to campaign at once, skipping pre-vote (thesis 3.10). */
export interface TimeoutNow extends Envelope {
  readonly type: "timeout-now";
}

/** A follower asks the leader for a read index on behalf of its client (thesis 6.4). */
export interface ReadIndexRequest extends Envelope {
  readonly type: "read-index-request";
  readonly requestId: number;
}

/** `readIndex` is undefined when the leader could not serve the read (not leader, no quorum). */
export interface ReadIndexResponse extends Envelope {
  readonly type: "read-index-response";
  readonly requestId: number;
  readonly readIndex: LogIndex | undefined;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message["type"];

/** True for messages that answer a request; a node never changes role because of a stale one. */
export function isResponse(message: Message): boolean {
  return (
    message.type === "vote-response" ||
    message.type === "append-response" ||
    message.type === "heartbeat-response" ||
    message.type === "read-index-response"
  );
}
