import { logIndex, type NodeId } from "./ids.js";
import type { AppendResponse, HeartbeatResponse, Message } from "./message.js";
import { revokeLease } from "./leader-lease.js";
import type { RaftState } from "./raft-state.js";
import { releaseReadsWaitingForTermCommit, requestRead, serveConfirmedReads } from "./read-index.js";
import { maybeCommit, sendAppend } from "./replication.js";

/**
 * Leader handling of messages of its own term. Higher and lower terms were dealt with by
 * stepTerm() before this is called.
 */
export function stepLeader(s: RaftState, message: Message): void {
  switch (message.type) {
    case "append-response":
      onAppendResponse(s, message);
      return;
    case "heartbeat-response":
      onHeartbeatResponse(s, message);
      return;
    case "read-index-request": {
      const refusal = requestRead(s, message.requestId, message.from);
      if (refusal !== undefined) {
        s.send({
          type: "read-index-response", from: s.id, to: message.from, term: s.term,
          requestId: message.requestId, readIndex: undefined,
        });
      }
      return;
    }
    case "vote-request":
    case "vote-response":
    case "append-request":
    case "heartbeat-request":
    case "snapshot-request":
    case "timeout-now":
    case "read-index-response":
      // Vote requests are answered by stepTerm(); the rest cannot come from a legitimate
      // peer in our own term (Election Safety), so they are ignored.
      return;
  }
}

function onAppendResponse(s: RaftState, message: AppendResponse): void {
  const progress = s.progress.get(message.from);
  if (progress === undefined) return; // Not a member (any more).
  progress.recentActive = true;
  if (!message.success) {
    onAppendRejected(s, message);
    return;
  }
  if (progress.maybeUpdate(message.matchIndex)) {
    if (progress.state === "probe") progress.becomeReplicate();
    else if (progress.state === "snapshot" && progress.match >= progress.pendingSnapshot) {
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === "replicate") {
      progress.inflights.freeLE(message.matchIndex);
    }
    if (maybeCommit(s)) releaseReadsWaitingForTermCommit(s);
    while (sendAppend(s, message.from, false)) { /* fill the in-flight window */ }
    maybeFinishTransfer(s, message.from);
  }
}

/**
 * Fast back-tracking (§5.3, etcd's findConflictByTerm): the follower's hint names the last
 * index it holds with a term <= the term we asked about; the leader skips to the last index
 * of its own log with a term <= the follower's, which skips a whole conflicting term per trip.
 */
function onAppendRejected(s: RaftState, message: AppendResponse): void {
  const progress = s.progress.get(message.from);
  if (progress === undefined) return;
  let probeIndex = message.hintIndex;
  if (message.hintTerm > 0) {
    probeIndex = s.log.findConflictByTerm(message.hintIndex, message.hintTerm).index;
  }
  if (progress.maybeDecrTo(message.rejectedIndex, logIndex(probeIndex + 1))) {
    if (progress.state === "replicate") progress.becomeProbe();
    sendAppend(s, message.from, false);
  }
}

function onHeartbeatResponse(s: RaftState, message: HeartbeatResponse): void {
  const progress = s.progress.get(message.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  progress.probeSent = false;
  progress.ackReadRound(message.readRound);
  if (progress.state === "replicate" && progress.inflights.full()) progress.inflights.freeFirstOne();
  // An empty append still probes: in replicate state the lost appends are only noticed when
  // the follower rejects the next one (etcd sends it even when empty, for this reason).
  if (progress.match < s.log.lastIndex()) sendAppend(s, message.from, true);
  serveConfirmedReads(s);
}

/**
 * Thesis 3.10: once the target holds our whole log, tell it to campaign now. Its campaign
 * bypasses the followers' lease, so ours ends here for the rest of the term.
 */
export function maybeFinishTransfer(s: RaftState, from: NodeId): void {
  if (s.leadTransferee !== from) return;
  const progress = s.progress.get(from);
  if (progress === undefined || progress.match !== s.log.lastIndex()) return;
  revokeLease(s);
  s.send({ type: "timeout-now", from: s.id, to: from, term: s.term });
}
