import { assert } from "./assert.js";
import { NO_NODE, term as toTerm, type NodeId, type Term } from "./ids.js";
import { isVoter, members } from "./membership-config.js";
import { Progress } from "./progress.js";
import { voteResult } from "./quorum.js";
import type { RaftState } from "./raft-state.js";
import { appendLeaderEntry, dropPendingReads } from "./replication.js";

/**
 * Role transitions (§5.2, thesis 9.6 for pre-vote). Each resets exactly the volatile state
 * of the role it leaves; durable state (term, vote) only ever moves forward.
 */
export function becomeFollower(s: RaftState, newTerm: Term, leader: NodeId): void {
  assert(newTerm >= s.term, "a term never decreases");
  if (newTerm > s.term) {
    s.term = newTerm;
    s.vote = NO_NODE;
  }
  resetVolatile(s);
  s.role = "follower";
  s.leader = leader;
}

/** Pre-vote (thesis 9.6): ask whether we could win, without touching the term. */
export function becomePreCandidate(s: RaftState): void {
  assert(s.role !== "leader", "a leader does not campaign");
  resetVolatile(s);
  s.role = "pre-candidate";
  // A pre-candidate must forget the leader: otherwise, with check-quorum, it would reject
  // other nodes' pre-votes as "in lease" and no leader could ever emerge (etcd #8334).
  s.leader = NO_NODE;
}

export function becomeCandidate(s: RaftState): void {
  assert(s.role !== "leader", "a leader does not campaign");
  resetVolatile(s);
  s.term = toTerm(s.term + 1);
  s.vote = s.id;
  s.role = "candidate";
  s.leader = NO_NODE;
}

/**
 * Starts leading: a Progress per member and a no-op of the new term, because entries of
 * earlier terms only commit indirectly through one of ours (§5.4.2), and reads need one (§8).
 */
export function becomeLeader(s: RaftState): void {
  assert(s.role === "candidate", "only a candidate becomes leader");
  resetVolatile(s);
  s.role = "leader";
  s.leader = s.id;
  const next = s.log.lastIndex() + 1;
  for (const member of members(s.currentConfig())) addProgress(s, member, next);
  const self = s.progress.get(s.id);
  if (self !== undefined) self.maybeUpdate(s.log.lastStableIndex());
  // Conservatively treat everything already in the log as possibly holding a configuration
  // change: no new change until it is all committed (the July 2015 single-server fix).
  s.pendingConfigIndex = s.log.lastIndex();
  if (!s.hasBug("skip-noop")) appendLeaderEntry(s, "noop", new Uint8Array(0));
  s.broadcastPending = true;
}

export function addProgress(s: RaftState, member: NodeId, next: number): void {
  const progress = new Progress({
    next: next as Progress["next"],
    inflightsMax: s.config.inflightAppendsMax,
    isLearner: !isVoter(s.currentConfig(), member),
  });
  progress.recentActive = true;
  s.progress.set(member, progress);
}

/** Brings the leader's Progress map in line with the latest configuration. */
export function syncProgressWithConfig(s: RaftState): void {
  if (s.role !== "leader") return;
  const config = s.currentConfig();
  const wanted = new Set(members(config));
  for (const id of [...s.progress.keys()]) {
    if (!wanted.has(id)) s.progress.delete(id);
  }
  for (const id of wanted) {
    const existing = s.progress.get(id);
    if (existing === undefined) addProgress(s, id, s.log.lastIndex() + 1);
    else existing.isLearner = !isVoter(config, id);
  }
}

function resetVolatile(s: RaftState): void {
  if (s.role === "leader" || s.pendingReads.length > 0) dropPendingReads(s);
  s.electionElapsed = 0;
  s.heartbeatElapsed = 0;
  s.randomizedElectionTicks = s.drawElectionTicks();
  s.votes.clear();
  s.progress.clear();
  s.leadTransferee = NO_NODE;
  s.pendingConfigIndex = 0 as typeof s.pendingConfigIndex;
  s.uncommittedBytes = 0;
  s.uncommittedQueue.length = 0;
  s.broadcastPending = false;
  s.snapshotStalled.clear();
}

/** Only voters of the latest configuration may campaign (learners and removed nodes never). */
export function isPromotable(s: RaftState): boolean {
  return isVoter(s.currentConfig(), s.id);
}

/**
 * Starts an election (§5.2). With pre-vote on, a normal timeout first runs a pre-vote round
 * at term+1 without incrementing the term; a leadership transfer skips it (thesis 3.10).
 */
export function campaign(s: RaftState, kind: "pre-vote" | "election" | "transfer"): void {
  if (!isPromotable(s)) return;
  if (kind === "pre-vote") becomePreCandidate(s);
  else becomeCandidate(s);
  const preVote = kind === "pre-vote";
  const campaignTerm = preVote ? toTerm(s.term + 1) : s.term;
  s.votes.set(s.id, true);
  for (const voter of s.currentConfig().voters) {
    if (voter === s.id) continue;
    s.send({
      type: "vote-request",
      from: s.id,
      to: voter,
      term: campaignTerm,
      preVote,
      lastLogIndex: s.log.lastIndex(),
      lastLogTerm: s.log.lastTerm(),
      leadershipTransfer: kind === "transfer",
    });
  }
  tallyVotes(s);
}

/** Acts on the votes gathered so far: win, lose, or keep waiting. */
export function tallyVotes(s: RaftState): void {
  const outcome = voteResult(s.currentConfig().voters, s.votes);
  if (outcome === "won") {
    if (s.role === "pre-candidate") campaign(s, "election");
    else becomeLeader(s);
  } else if (outcome === "lost") {
    becomeFollower(s, s.term, NO_NODE);
  }
}
