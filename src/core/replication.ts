import { assert } from "./assert.js";
import { entrySizeBytes, type Entry, type EntryKind } from "./entry.js";
import { logIndex, type LogIndex, type NodeId } from "./ids.js";
import { isVoter } from "./membership-config.js";
import { committedIndex } from "./quorum.js";
import type { RaftState } from "./raft-state.js";

/**
 * The leader's side of log replication (§5.3): appending, sending appends and heartbeats,
 * and advancing the commit index. Appends are pipelined per follower up to
 * inflightAppendsMax, and each carries at most appendEntriesMax entries and about
 * appendBytesMax bytes.
 */
export function appendLeaderEntry(s: RaftState, kind: EntryKind, data: Uint8Array): Entry {
  assert(s.role === "leader", "only a leader appends its own entries");
  const entry: Entry = { term: s.term, index: logIndex(s.log.lastIndex() + 1), kind, data };
  s.log.append([entry]);
  s.membership.onAppend([entry]);
  const bytes = entrySizeBytes(entry);
  s.uncommittedBytes += bytes;
  s.uncommittedQueue.push({ index: entry.index, bytes });
  s.broadcastPending = true;
  return entry;
}

/**
 * Sends `to` the next batch of entries, or a snapshot when its next entry is compacted.
 * Returns whether a message was sent. With `sendIfEmpty` an empty append still goes out
 * (to carry a new commit index); a paused follower gets nothing either way.
 */
export function sendAppend(s: RaftState, to: NodeId, sendIfEmpty: boolean): boolean {
  const progress = s.progress.get(to);
  assert(progress !== undefined, "sendAppend() to a node without Progress");
  assert(to !== s.id, "a leader does not send appends to itself");
  if (progress.isPaused()) return false;
  const prevLogIndex = logIndex(progress.next - 1);
  const prevLogTerm = s.log.term(prevLogIndex);
  const lastIndex = s.log.lastIndex();
  const high = logIndex(Math.min(lastIndex + 1, progress.next + s.config.appendEntriesMax));
  const entries = progress.next <= lastIndex
    ? s.log.slice(progress.next, high, s.config.appendBytesMax)
    : [];
  if (prevLogTerm === undefined || entries === undefined) return sendSnapshot(s, to);
  if (entries.length === 0 && !sendIfEmpty) return false;
  s.send({
    type: "append-request", from: s.id, to, term: s.term,
    prevLogIndex, prevLogTerm, entries, leaderCommit: s.log.committed,
  });
  const last = entries[entries.length - 1];
  if (progress.state === "replicate" && last !== undefined) {
    progress.optimisticUpdate(last.index);
    progress.inflights.add(last.index, entries.reduce((sum, e) => sum + entrySizeBytes(e), 0));
  } else if (progress.state === "probe") {
    progress.probeSent = true;
  }
  return true;
}

function sendSnapshot(s: RaftState, to: NodeId): boolean {
  const progress = s.progress.get(to);
  assert(progress !== undefined, "sendSnapshot() to a node without Progress");
  const snapshot = s.log.storage.snapshotMeta();
  assert(snapshot.index > 0, "an entry is compacted, so a snapshot must exist");
  progress.becomeSnapshot(snapshot.index);
  s.send({ type: "snapshot-request", from: s.id, to, term: s.term, snapshot });
  return true;
}

/** Sends every follower what it is missing, with the current commit index. */
export function broadcastAppend(s: RaftState): void {
  for (const id of s.progress.keys()) {
    if (id !== s.id) sendAppend(s, id, true);
  }
  s.broadcastPending = false;
}

/**
 * Heartbeats carry commit = min(match, commit): a follower must not learn a commit index
 * beyond what it is known to hold. `readRound` lets ReadIndex count acknowledgements.
 */
export function broadcastHeartbeat(s: RaftState): void {
  for (const [id, progress] of s.progress) {
    if (id === s.id) continue;
    s.send({
      type: "heartbeat-request", from: s.id, to: id, term: s.term,
      commit: logIndex(Math.min(progress.match, s.log.committed)),
      readRound: s.readRound,
    });
  }
}

/**
 * Advances the commit index to what a quorum of voters holds. Only an entry of the current
 * term commits by counting replicas; earlier ones commit with it (§5.4.2, Figure 8).
 * Returns whether the commit index moved.
 */
export function maybeCommit(s: RaftState): boolean {
  assert(s.role === "leader", "only a leader counts replicas");
  const voters = s.currentConfig().voters;
  if (voters.length === 0) return false;
  const quorumIndex = committedIndex(voters, (id) => s.progress.get(id)?.match ?? logIndex(0));
  const before = s.log.committed;
  if (s.hasBug("commit-old-term-by-counting")) {
    if (quorumIndex > before) s.log.commitTo(quorumIndex);
  } else {
    s.log.maybeCommit(quorumIndex, s.term);
  }
  if (s.log.committed === before) return false;
  onLeaderCommitAdvanced(s);
  return true;
}

function onLeaderCommitAdvanced(s: RaftState): void {
  const committed = s.log.committed;
  while (s.uncommittedQueue.length > 0 && s.uncommittedQueue[0]!.index <= committed) {
    s.uncommittedBytes -= s.uncommittedQueue.shift()!.bytes;
  }
  assert(s.uncommittedBytes >= 0, "uncommitted bytes never go negative");
  s.broadcastPending = true;
}

/** Records that the leader's own log is durable up to `index` (its self-acknowledgement). */
export function selfPersistedTo(s: RaftState, index: LogIndex): void {
  const self = s.progress.get(s.id);
  if (self === undefined) return; // The leader is being removed: it does not count itself.
  self.maybeUpdate(index);
}

/** True when the leader's latest configuration is committed and no longer includes it. */
export function leaderRemovedAndCommitted(s: RaftState): boolean {
  return (
    s.role === "leader" &&
    !isVoter(s.currentConfig(), s.id) &&
    s.membership.latestIndex() <= s.log.committed
  );
}

/** Fails every waiting read: leadership was lost, so none of them can be confirmed. */
export function dropPendingReads(s: RaftState): void {
  for (const read of s.pendingReads) {
    if (read.from === s.id) s.droppedReads.push(read.requestId);
    else {
      s.send({
        type: "read-index-response", from: s.id, to: read.from, term: s.term,
        requestId: read.requestId, readIndex: undefined,
      });
    }
  }
  s.pendingReads.length = 0;
}
