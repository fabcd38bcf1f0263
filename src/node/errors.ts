import { NO_NODE, type NodeId } from "../core/ids.js";
import type { Refusal } from "../core/errors.js";

/**
 * The node's expected failures, as typed errors. api/grpc-status.ts maps each to a gRPC
 * status in one place; anything else reaching a client is INTERNAL.
 */
export class NodeError extends Error {
  override readonly name: string = "NodeError";
}

/**
 * This member does not lead; `leaderHint` names the leader it knows (NO_NODE if none).
 * `notProposed` says the request was refused before anything reached the log, so even a
 * write may be sent again as it is; without it, a write may or may not have been applied.
 */
export class NotLeaderError extends NodeError {
  override readonly name = "NotLeaderError";
  readonly notProposed: boolean;
  constructor(
    readonly leaderHint: NodeId, detail = "this member is not the leader",
    options: { readonly notProposed?: boolean } = {},
  ) {
    super(leaderHint === NO_NODE ? `${detail}; no leader is known` : `${detail}; leader is ${String(leaderHint)}`);
    this.notProposed = options.notProposed ?? false;
  }
}

/** Leadership was lost while the proposal was in flight: it may or may not commit later. */
export class LeadershipLostError extends NodeError {
  override readonly name = "LeadershipLostError";
}

/** The entry at the proposal's index was replaced by another leader's: it will never apply. */
export class ProposalDroppedError extends NodeError {
  override readonly name = "ProposalDroppedError";
}

export class DeadlineExceededError extends NodeError {
  override readonly name = "DeadlineExceededError";
}

/** A bounded queue is full; the caller should back off and retry. */
export class QueueFullError extends NodeError {
  override readonly name = "QueueFullError";
}

/** The request is valid but not possible now (e.g. a configuration change is pending). */
export class FailedPreconditionError extends NodeError {
  override readonly name = "FailedPreconditionError";
}

/** The request itself is wrong (e.g. removing a non-member). */
export class InvalidRequestError extends NodeError {
  override readonly name = "InvalidRequestError";
}

/** Another membership change is not committed yet: this one may be retried shortly. */
export class ChangeInProgressError extends NodeError {
  override readonly name = "ChangeInProgressError";
}

export class NodeStoppedError extends NodeError {
  override readonly name = "NodeStoppedError";
}

/** Turns a core refusal into the matching typed error. */
export function refusalToError(refusal: Refusal): NodeError {
  switch (refusal.reason) {
    case "not-leader":
      return new NotLeaderError(refusal.leaderHint, undefined, { notProposed: true });
    case "transfer-in-progress":
      return new NotLeaderError(refusal.leaderHint, "a leadership transfer is in progress",
        { notProposed: true });
    case "uncommitted-bytes-full":
      return new QueueFullError("too much proposed data is not yet committed; retry later");
    case "pending-reads-full":
      return new QueueFullError("too many reads are waiting for confirmation; retry later");
    case "config-change-pending":
      return new ChangeInProgressError(
        "a membership change is already in progress, or the leader has not committed an entry of its term yet; retry",
      );
    case "invalid-config-change":
    case "invalid-transfer-target":
      return new InvalidRequestError(refusal.detail);
  }
}
