import { logIndex } from "./ids.js";
import type { AppendRequest, Message, SnapshotRequest } from "./message.js";
import type { RaftState } from "./raft-state.js";
import { becomeFollower, campaign, isPromotable, tallyVotes } from "./role-transitions.js";

/**
 * Follower, pre-candidate and candidate handling of messages whose term stepTerm() accepted.
 * A candidate that hears from a leader of its own term steps down to follow it (§5.2).
 */
export function stepNonLeader(s: RaftState, message: Message): void {
  switch (message.type) {
    case "append-request":
      followLeader(s, message.from);
      onAppendRequest(s, message);
      return;
    case "heartbeat-request":
      followLeader(s, message.from);
      if (message.commit > s.log.committed && message.commit <= s.log.lastIndex()) {
        s.log.commitTo(message.commit);
      }
      s.send({
        type: "heartbeat-response", from: s.id, to: message.from, term: s.term,
        readRound: message.readRound,
      });
      return;
    case "snapshot-request":
      followLeader(s, message.from);
      onSnapshotRequest(s, message);
      return;
    case "vote-response":
      onVoteResponse(s, message.from, message.preVote, message.granted, message.term);
      return;
    case "timeout-now":
      // Thesis 3.10: the leader asks us to take over; skip pre-vote so it happens now.
      if (s.role === "follower" && isPromotable(s)) campaign(s, "transfer");
      return;
    case "read-index-request":
      s.send({
        type: "read-index-response", from: s.id, to: message.from, term: s.term,
        requestId: message.requestId, readIndex: undefined,
      });
      return;
    case "read-index-response":
      if (message.readIndex === undefined) s.droppedReads.push(message.requestId);
      else s.readStates.push({ requestId: message.requestId, index: message.readIndex });
      return;
    case "vote-request":
    case "append-response":
    case "heartbeat-response":
      return; // Votes are answered in stepTerm(); stale replication answers mean nothing here.
  }
}

function followLeader(s: RaftState, leader: typeof s.leader): void {
  if (s.role !== "follower" || s.leader !== leader) becomeFollower(s, s.term, leader);
  s.electionElapsed = 0;
}

function onVoteResponse(
  s: RaftState, from: typeof s.id, preVote: boolean, granted: boolean, term: typeof s.term,
): void {
  // A real vote is answered in our term. A granted pre-vote answers for the term we would
  // campaign in, term+1; a rejected one carries the voter's own term (thesis 9.6). A voter
  // ahead of us has already made us follow its term in stepTerm(), so a rejection that gets
  // here is from a voter in our term and counts as a loss: on a majority of them we go
  // back to following at once instead of waiting out a timeout. Counting a rejection is
  // always safe, even a stale one: pre-vote only decides whether to campaign, and Election
  // Safety rests on the real votes alone. A grant must match term+1 exactly, so that a
  // stale grant from an earlier round, for an earlier term, cannot start an election.
  const answersNextTerm = granted || s.hasBug("ignore-prevote-rejections");
  const expectedTerm = s.role === "pre-candidate" && answersNextTerm ? s.term + 1 : s.term;
  const roleMatches = preVote ? s.role === "pre-candidate" : s.role === "candidate";
  if (!roleMatches || term !== expectedTerm) return;
  if (!s.votes.has(from)) s.votes.set(from, granted);
  tallyVotes(s);
}

/**
 * §5.3 consistency check. Entries at or below our commit index are already known to match
 * the leader's (Log Matching), so such a request is acknowledged up to the commit index.
 */
function onAppendRequest(s: RaftState, message: AppendRequest): void {
  if (message.prevLogIndex < s.log.committed) {
    replyAppend(s, message, true, s.log.committed);
    return;
  }
  const conflictIndex = s.log.findConflict(message.entries);
  const lastNewIndex = s.log.maybeAppend(
    message.prevLogIndex, message.prevLogTerm, message.leaderCommit, message.entries,
  );
  if (lastNewIndex === undefined) {
    replyAppend(s, message, false, logIndex(0));
    return;
  }
  if (conflictIndex !== 0) {
    const firstNew = message.entries.findIndex((entry) => entry.index === conflictIndex);
    s.membership.onAppend(message.entries.slice(firstNew));
  }
  replyAppend(s, message, true, lastNewIndex);
}

function replyAppend(
  s: RaftState, request: AppendRequest, success: boolean, matchIndex: typeof s.log.committed,
): void {
  let hintIndex = logIndex(0);
  let hintTerm = s.term;
  if (!success) {
    // Tell the leader the last index we hold with a term <= the one it asked about, so it can
    // skip a whole conflicting term per round trip.
    const probe = logIndex(Math.min(request.prevLogIndex, s.log.lastIndex()));
    const hint = s.log.findConflictByTerm(probe, request.prevLogTerm);
    hintIndex = hint.index;
    hintTerm = hint.term;
  }
  s.send({
    type: "append-response", from: s.id, to: request.from, term: s.term, success,
    matchIndex, rejectedIndex: request.prevLogIndex, hintIndex, hintTerm,
  });
}

/** A snapshot replaces our log unless we already hold its last entry (then it only commits). */
function onSnapshotRequest(s: RaftState, message: SnapshotRequest): void {
  const snapshot = message.snapshot;
  const reply = (matchIndex: typeof s.log.committed): void => {
    s.send({
      type: "append-response", from: s.id, to: message.from, term: s.term, success: true,
      matchIndex, rejectedIndex: logIndex(0), hintIndex: logIndex(0), hintTerm: s.term,
    });
  };
  if (snapshot.index <= s.log.committed) {
    reply(s.log.committed);
    return;
  }
  if (s.log.matchTerm(snapshot.index, snapshot.term)) {
    s.log.commitTo(snapshot.index);
    reply(snapshot.index);
    return;
  }
  s.log.restore(snapshot);
  s.membership.restore(snapshot);
  reply(snapshot.index);
}
