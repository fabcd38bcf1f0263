import { NO_NODE, type NodeId } from "../core/ids.js";
import type { RaftNode } from "./raft-node.js";

/**
 * The voter to hand leadership to (leader only): among the other voters heard from within
 * `reachableWithinMs`, the one whose log matches the leader's furthest, so the transfer
 * (thesis 3.10) waits least for it to catch up. Ties go to the lower id, so the choice is
 * deterministic. Undefined when no other voter qualifies.
 */
export function mostCaughtUpVoter(node: RaftNode<unknown>, reachableWithinMs: number): NodeId | undefined {
  const candidates = node.replication()
    .filter((peer) => !peer.isLearner && peer.silentMs <= reachableWithinMs)
    .sort((a, b) => b.matchIndex - a.matchIndex || a.id - b.id);
  return candidates[0]?.id;
}

/**
 * Resolves with the first leader other than `previous` that `node` learns of, or with
 * undefined after `timeoutMs` (or when cancelled). A transfer is done only when the new
 * leader is known: the old leader steps down as soon as it hears the higher term.
 */
export function awaitLeaderOtherThan(
  node: RaftNode<unknown>, previous: NodeId, timeoutMs: number,
): { readonly promise: Promise<NodeId | undefined>; cancel(): void } {
  let finish: (leader: NodeId | undefined) => void = () => undefined;
  const promise = new Promise<NodeId | undefined>((resolve) => {
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const unsubscribe = node.subscribe((event) => {
      if (event.type === "leader-changed" && event.leader !== NO_NODE && event.leader !== previous) {
        finish(event.leader);
      }
    });
    finish = (leader) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(leader);
    };
  });
  return { promise, cancel: () => finish(undefined) };
}
