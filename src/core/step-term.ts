import type { Message, VoteRequest } from "./message.js";
import { NO_NODE } from "./ids.js";
import type { RaftState } from "./raft-state.js";
import { becomeFollower } from "./role-transitions.js";

/**
 * The term rules every message goes through first (§5.1, thesis 9.6 and 4.2.3). Returns
 * whether the message should go on to the role's handler.
 */
export function stepTerm(s: RaftState, message: Message): boolean {
  if (message.term > s.term) return onHigherTerm(s, message);
  if (message.term < s.term) return onLowerTerm(s, message);
  if (message.type === "vote-request") {
    answerVote(s, message);
    return false;
  }
  return true;
}

/**
 * With check-quorum, a node that heard from a live leader within the election timeout
 * ignores vote requests (thesis 4.2.3): a removed or partitioned server cannot depose a
 * healthy leader. A transfer's campaign is exempt, because the leader asked for it.
 * This is the followers' half of the leader lease: a leader's lease reads rely on it
 * holding for electionTicks of our ticks after its heartbeat arrived (leader-lease.ts).
 */
function inLeaderLease(s: RaftState, message: VoteRequest): boolean {
  return (
    s.config.checkQuorum &&
    !message.leadershipTransfer &&
    s.leader !== NO_NODE &&
    s.electionElapsed < s.config.electionTicks
  );
}

function onHigherTerm(s: RaftState, message: Message): boolean {
  switch (message.type) {
    case "vote-request":
      if (inLeaderLease(s, message)) return false;
      // A pre-vote never changes our term: it only asks whether we would vote.
      if (!message.preVote) becomeFollower(s, message.term, NO_NODE);
      answerVote(s, message);
      return false;
    case "vote-response":
      // A granted pre-vote answers for term+1 without the voter having moved there.
      if (message.preVote && message.granted) return true;
      becomeFollower(s, message.term, NO_NODE);
      return false;
    case "append-request":
    case "heartbeat-request":
    case "snapshot-request":
      becomeFollower(s, message.term, message.from);
      return true;
    case "append-response":
    case "heartbeat-response":
    case "timeout-now":
    case "read-index-request":
    case "read-index-response":
      becomeFollower(s, message.term, NO_NODE);
      return message.type === "timeout-now" || message.type === "read-index-response";
  }
}

function onLowerTerm(s: RaftState, message: Message): boolean {
  const fromStaleLeader =
    message.type === "append-request" ||
    message.type === "heartbeat-request" ||
    message.type === "snapshot-request";
  if (fromStaleLeader && s.hasBug("accept-stale-term") && message.type === "append-request") {
    return true;
  }
  if (fromStaleLeader && (s.config.checkQuorum || s.config.preVote)) {
    // Tell a stale leader our term so it steps down. Without this, a node partitioned while
    // leading could keep a cluster with pre-vote from ever electing anyone (etcd #8243).
    s.send({
      type: "append-response", from: s.id, to: message.from, term: s.term, success: false,
      matchIndex: 0 as typeof s.log.committed, rejectedIndex: 0 as typeof s.log.committed,
      hintIndex: 0 as typeof s.log.committed, hintTerm: s.term,
    });
  } else if (message.type === "vote-request" && message.preVote) {
    // Reject with our term, so that a pre-candidate stuck on an old term catches up.
    s.send({
      type: "vote-response", from: s.id, to: message.from, term: s.term, preVote: true,
      granted: false,
    });
  }
  return false;
}

/** §5.2 and §5.4.1: one vote per term, only for a log at least as up to date as ours. */
function answerVote(s: RaftState, message: VoteRequest): void {
  const canVote =
    s.vote === message.from ||
    (s.vote === NO_NODE && s.leader === NO_NODE) ||
    (message.preVote && message.term > s.term) ||
    (!message.preVote && s.hasBug("vote-twice") && s.leader === NO_NODE);
  const granted = canVote && s.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
  if (granted && !message.preVote) {
    s.electionElapsed = 0;
    s.vote = message.from;
  }
  // A granted pre-vote answers for the term the pre-candidate would campaign in; a rejected
  // one carries our term, which the pre-candidate either catches up to or, being in it
  // already, counts as a loss (onVoteResponse() in step-follower.ts, thesis 9.6).
  s.send({
    type: "vote-response", from: s.id, to: message.from,
    term: granted || !message.preVote ? message.term : s.term,
    preVote: message.preVote, granted,
  });
}
