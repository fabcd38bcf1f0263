import { NO_NODE, type NodeId } from "./ids.js";
import type { Message } from "./message.js";
import { countLeaseTick, recordRoundSent } from "./leader-lease.js";
import { hasQuorum } from "./quorum.js";
import type { RaftState } from "./raft-state.js";
import { becomeFollower, campaign, isPromotable } from "./role-transitions.js";
import { broadcastAppend, broadcastHeartbeat, leaderRemovedAndCommitted } from "./replication.js";
import { stepNonLeader } from "./step-follower.js";
import { stepLeader } from "./step-leader.js";
import { stepTerm } from "./step-term.js";

/** Routes a message through the term rules, then to the handler of the current role. */
export function stepFollowerOrLeader(s: RaftState, message: Message): void {
  if (stepTerm(s, message)) {
    if (s.role === "leader") stepLeader(s, message);
    else stepNonLeader(s, message);
  }
  afterLeaderProgress(s);
}

/** One tick of logical time. */
export function tick(s: RaftState): void {
  if (s.role === "leader") tickLeader(s);
  else tickElection(s);
  afterLeaderProgress(s);
}

function tickElection(s: RaftState): void {
  if (s.campaignBackoffTicks > 0) {
    s.campaignBackoffTicks -= 1;
    return;
  }
  s.electionElapsed += 1;
  if (!isPromotable(s) || s.electionElapsed < s.randomizedElectionTicks) return;
  s.electionElapsed = 0;
  campaign(s, s.config.preVote ? "pre-vote" : "election");
}

function tickLeader(s: RaftState): void {
  countLeaseTick(s);
  s.heartbeatElapsed += 1;
  s.electionElapsed += 1;
  if (s.electionElapsed >= s.config.electionTicks) {
    s.electionElapsed = 0;
    if (s.config.checkQuorum && !quorumRecentlyActive(s)) {
      // Check-quorum: a leader cut off from a majority steps down, so that clients stop
      // waiting on it (thesis 6.2). Lease reads do not rest on this step-down: the lease
      // runs out by itself (leader-lease.ts).
      becomeFollower(s, s.term, NO_NODE);
      return;
    }
    // A snapshot send in progress is never restarted from this timer: only the transport's
    // report (RaftCore.reportSnapshot) or the follower's answer ends it.
    if (s.hasBug("resend-snapshot-while-streaming")) resendStreamingSnapshots(s);
    s.leadTransferee = NO_NODE; // A transfer that has not finished in one timeout is aborted.
  }
  if (s.heartbeatElapsed >= s.config.heartbeatTicks) {
    s.heartbeatElapsed = 0;
    // With lease reads every heartbeat is a new round, so that its acknowledgement renews
    // the lease from the tick it was sent (leader-lease.ts).
    if (s.config.leaseReads) s.readRound += 1;
    broadcastHeartbeat(s);
    recordRoundSent(s);
  }
}

function quorumRecentlyActive(s: RaftState): boolean {
  const active = hasQuorum(s.currentConfig().voters, (id) =>
    id === s.id || s.progress.get(id)?.recentActive === true);
  for (const [id, progress] of s.progress) progress.recentActive = id === s.id;
  return active;
}

/**
 * The planted bug "resend-snapshot-while-streaming" (raft-config.ts): the behaviour before
 * snapshot sends were reported. A follower still in snapshot state at two consecutive quorum
 * checks goes back to probing, which sends another copy while the first may still stream.
 */
function resendStreamingSnapshots(s: RaftState): void {
  const stalledNow = new Set<NodeId>();
  for (const [id, progress] of s.progress) {
    if (progress.state !== "snapshot") continue;
    if (s.snapshotStalled.has(id)) {
      progress.pendingSnapshot = 0 as typeof progress.pendingSnapshot;
      progress.becomeProbe();
    } else {
      stalledNow.add(id);
    }
  }
  s.snapshotStalled.clear();
  for (const id of stalledNow) s.snapshotStalled.add(id);
}

/**
 * Thesis 4.2.2: a leader removed from the configuration leads until that configuration
 * commits, then steps down, handing over to its most up-to-date voter at once.
 */
export function afterLeaderProgress(s: RaftState): void {
  if (!leaderRemovedAndCommitted(s)) return;
  broadcastAppend(s);
  let successor = NO_NODE;
  let successorMatch = -1;
  for (const voter of s.currentConfig().voters) {
    const match = s.progress.get(voter)?.match ?? -1;
    if (match > successorMatch) {
      successor = voter;
      successorMatch = match;
    }
  }
  if (successor !== NO_NODE && successorMatch === s.log.lastIndex()) {
    s.send({ type: "timeout-now", from: s.id, to: successor, term: s.term });
  }
  becomeFollower(s, s.term, NO_NODE);
}
