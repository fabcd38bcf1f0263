import type { LogIndex, NodeId, Term } from "./ids.js";

/**
 * Expected refusals, returned as values (never thrown) so that callers must handle them.
 * The api layer maps each `reason` to a gRPC status in one place.
 */
export type Refusal =
  /** This node is not the leader; `leaderHint` is NO_NODE when no leader is known. */
  | { readonly reason: "not-leader"; readonly leaderHint: NodeId }
  /** A leadership transfer is under way; retry after it finishes (thesis 3.10). */
  | { readonly reason: "transfer-in-progress"; readonly leaderHint: NodeId }
  /** The uncommitted tail is at its byte limit; retry later (backpressure). */
  | { readonly reason: "uncommitted-bytes-full"; readonly leaderHint: NodeId }
  /** Too many reads are waiting for confirmation. */
  | { readonly reason: "pending-reads-full"; readonly leaderHint: NodeId }
  /** A configuration change is already pending, or this term has committed nothing yet. */
  | { readonly reason: "config-change-pending"; readonly leaderHint: NodeId }
  /** The change itself is invalid (e.g. removing a non-member); `detail` says why. */
  | { readonly reason: "invalid-config-change"; readonly leaderHint: NodeId; readonly detail: string }
  /** A leadership transfer target that is not a voter, or is this node. */
  | { readonly reason: "invalid-transfer-target"; readonly leaderHint: NodeId; readonly detail: string };

export type ProposeResult =
  | { readonly ok: true; readonly index: LogIndex; readonly term: Term }
  | { readonly ok: false; readonly refusal: Refusal };

export type RequestResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly refusal: Refusal };
