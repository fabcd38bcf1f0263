import { NO_NODE, type NodeId, type Term } from "../core/ids.js";
import type { PeerReplication } from "../core/ready.js";
import { NodeError, NotLeaderError } from "./errors.js";
import type { RaftNode } from "./raft-node.js";
import type { Scheduler } from "./scheduler.js";

/**
 * How a handoff ended. Every case is an expected condition of a stopping member, so none is
 * an error: the caller logs it and stops either way.
 * - handed-over: another member was seen leading (`leader`, in `term`); usually `target`,
 *   but any other leader counts, since what matters is that this member no longer leads.
 * - not-leader: there was nothing to hand over (or leadership was lost before the transfer
 *   could start); `leader` is the leader this member knows, NO_NODE if none.
 * - no-candidate: no other voter was heard from within the timeout window.
 * - refused: the core refused the transfer for another reason (`reason` says which).
 * - timed-out: no other leader was seen within `timeoutMs`.
 */
export type HandoffOutcome =
  | {
    readonly outcome: "handed-over"; readonly target: NodeId; readonly leader: NodeId;
    readonly term: Term;
  }
  | { readonly outcome: "not-leader"; readonly leader: NodeId }
  | { readonly outcome: "no-candidate" }
  | { readonly outcome: "refused"; readonly target: NodeId; readonly reason: string }
  | { readonly outcome: "timed-out"; readonly target: NodeId; readonly timeoutMs: number };

export interface HandoffOptions {
  /**
   * How long to wait for another leader, and how recently a voter must have been heard from
   * to be chosen. One election timeout (electionTicks * tickMs) fits both: the core aborts an
   * unfinished transfer after one election timeout, and a voter silent for longer is one the
   * leader's check-quorum already counts as gone.
   */
  readonly timeoutMs: number;
  /** The clock and timer for the timeout (the node's own kind: SystemScheduler in production). */
  readonly scheduler: Scheduler;
  /** The voter to hand over to (an operator's choice); by default pickHandoffTarget's. */
  readonly target?: NodeId;
  /**
   * Start the transfer again when the core aborted it (after an election timeout), while at
   * least this long remains: the core's election timeout. Absent: one attempt.
   */
  readonly retryWithinMs?: number;
}

/** What the choice needs of each peer: RaftNode.replication()'s view of it. */
export type HandoffPeer = PeerReplication & { readonly silentMs: number };

/**
 * Leadership transfer (thesis 3.10), on a graceful stop or an operator's request: if `node`
 * leads and another voter is reachable, asks the most caught-up one (or `target`) to
 * campaign at once, and resolves when this member sees another leader, so the cluster
 * skips the election timeout it would otherwise wait out after this member goes silent.
 * Call it before the node stops (RaftNode.stop()); the node keeps running meanwhile. While
 * the transfer runs the leader refuses proposals and reads (they fail as NotLeaderError,
 * which clients retry), for at most one election timeout.
 *
 * The promise never rejects for an expected condition (not the leader, no candidate, a
 * refusal, a timeout): a stopping member must stop regardless, so each is an outcome. A
 * broken invariant thrown by the core still propagates (docs/style.md, Programmer errors
 * crash); the process is ending anyway, and it restarts from its durable state.
 */
export async function handOffLeadership(
  node: RaftNode<unknown>,
  options: HandoffOptions,
): Promise<HandoffOutcome> {
  if (node.state() !== "leader") return { outcome: "not-leader", leader: node.leader() };
  const target = options.target ?? pickHandoffTarget(node.replication(), options.timeoutMs);
  if (target === undefined) return { outcome: "no-candidate" };
  let settle: (outcome: HandoffOutcome) => void = () => undefined;
  const outcome = new Promise<HandoffOutcome>((resolve) => {
    settle = resolve;
  });
  // Subscribed before the transfer starts, so a leader change it causes cannot be missed.
  const unsubscribe = node.subscribe((event) => {
    if (event.type !== "leader-changed" || event.leader === NO_NODE) return;
    if (event.leader === node.id) return; // Still (or again) us: keep waiting.
    settle({ outcome: "handed-over", target, leader: event.leader, term: event.term });
  });
  const start = (): void => {
    try {
      node.transferLeadership(target);
    } catch (error: unknown) {
      if (!(error instanceof NodeError)) throw error;
      settle(error instanceof NotLeaderError
        ? { outcome: "not-leader", leader: error.leaderHint }
        : { outcome: "refused", target, reason: error.message });
    }
  };
  // Scheduler.every rejects a zero or fractional interval; one firing is the timeout.
  const stopTimer = options.scheduler.every(Math.max(1, Math.ceil(options.timeoutMs)), () => {
    settle({ outcome: "timed-out", target, timeoutMs: options.timeoutMs });
  });
  // The core gives a transfer one election timeout (the target may have been behind, or its
  // TimeoutNow lost). With retryWithinMs, an aborted transfer is started again while that
  // much of the timeout remains, so no transfer outlives the handoff (a leader refuses
  // writes while one runs).
  const startedMs = options.scheduler.nowMs();
  const retry = options.retryWithinMs;
  const stopRetry = retry === undefined ? () => undefined
    : options.scheduler.every(Math.max(1, Math.ceil(options.timeoutMs / 10)), () => {
      const remainingMs = options.timeoutMs - (options.scheduler.nowMs() - startedMs);
      const aborted = node.state() === "leader" &&
        node.status().leadershipTransferTarget === NO_NODE;
      if (aborted && remainingMs >= retry) start();
    });
  start();
  try {
    return await outcome;
  } finally {
    stopTimer();
    stopRetry();
    unsubscribe();
  }
}

/**
 * The voter to hand over to: among voters heard from within `recentMs`, the one with the
 * highest matchIndex (the leader sends TimeoutNow only once the target holds its whole log,
 * so the most caught-up one starts its campaign soonest), then the one heard from most
 * recently, then the lowest id, so the choice is deterministic. Undefined if none qualifies:
 * a silent voter would only spend the timeout with the leader refusing writes.
 */
export function pickHandoffTarget(
  peers: readonly HandoffPeer[],
  recentMs: number,
): NodeId | undefined {
  let best: HandoffPeer | undefined;
  for (const peer of peers) {
    if (peer.isLearner || peer.silentMs > recentMs) continue;
    if (best === undefined || ranksAbove(peer, best)) best = peer;
  }
  return best?.id;
}

function ranksAbove(a: HandoffPeer, b: HandoffPeer): boolean {
  if (a.matchIndex !== b.matchIndex) return a.matchIndex > b.matchIndex;
  if (a.silentMs !== b.silentMs) return a.silentMs < b.silentMs;
  return a.id < b.id;
}
