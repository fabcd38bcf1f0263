import type { Refusal } from "./errors.js";
import type { NodeId } from "./ids.js";
import { leaseHolds, recordRoundSent } from "./leader-lease.js";
import { hasQuorum } from "./quorum.js";
import type { RaftState } from "./raft-state.js";
import { broadcastHeartbeat } from "./replication.js";

/**
 * ReadIndex (thesis 6.4): a leader serves a linearizable read without a log write by
 * (1) having committed an entry of its own term, (2) recording its commit index as the read
 * index, and (3) confirming with a round of heartbeats, acknowledged by a quorum, that it was
 * still the leader after the read arrived. The read may then be served once the state machine
 * has applied the read index. Reads complete in arrival order.
 */
export function requestRead(s: RaftState, requestId: number, from: NodeId): Refusal | undefined {
  if (s.pendingReads.length >= s.config.pendingReadsMax) {
    return { reason: "pending-reads-full", leaderHint: s.leader };
  }
  if (s.hasBug("unconfirmed-reads")) {
    completeRead(s, requestId, from, s.log.committed);
    return undefined;
  }
  if (!s.committedInCurrentTerm()) {
    // The index is assigned, and confirmed by a fresh round, once our first entry commits.
    s.pendingReads.push({ requestId, from, index: undefined, round: 0 });
    return undefined;
  }
  if (s.config.leaseReads && leaseHolds(s)) {
    // Lease reads (thesis 6.4.1): no other leader can have been elected since a quorum
    // acknowledged our lease, so our commit index is as fresh as any (leader-lease.ts).
    // Without a lease the read takes a ReadIndex round, whose acknowledgement renews it.
    completeRead(s, requestId, from, s.log.committed);
    return undefined;
  }
  s.readRound += 1;
  s.pendingReads.push({ requestId, from, index: s.log.committed, round: s.readRound });
  broadcastHeartbeat(s);
  recordRoundSent(s);
  serveConfirmedReads(s);
  return undefined;
}

/** After the leader's first commit in its term: give waiting reads an index and a round. */
export function releaseReadsWaitingForTermCommit(s: RaftState): void {
  if (!s.committedInCurrentTerm()) return;
  const waiting = s.pendingReads.filter((read) => read.index === undefined);
  if (waiting.length === 0) return;
  s.readRound += 1;
  for (const read of waiting) {
    read.index = s.log.committed;
    read.round = s.readRound;
  }
  broadcastHeartbeat(s);
  recordRoundSent(s);
  serveConfirmedReads(s);
}

/** Serves, in order, every read whose round a quorum of voters has acknowledged. */
export function serveConfirmedReads(s: RaftState): void {
  const voters = s.currentConfig().voters;
  let served = 0;
  for (const read of s.pendingReads) {
    if (read.index === undefined) break;
    const round = read.round;
    const confirmed = hasQuorum(voters, (id) => {
      if (id === s.id) return true;
      const progress = s.progress.get(id);
      return progress !== undefined && progress.readRoundAcked >= round;
    });
    if (!confirmed) break;
    completeRead(s, read.requestId, read.from, read.index);
    served += 1;
  }
  s.pendingReads.splice(0, served);
}

function completeRead(s: RaftState, requestId: number, from: NodeId, index: RaftState["log"]["committed"]): void {
  if (from === s.id) {
    s.readStates.push({ requestId, index });
    return;
  }
  s.send({
    type: "read-index-response", from: s.id, to: from, term: s.term,
    requestId, readIndex: index,
  });
}
