import { assert } from "./assert.js";
import type { HardState } from "./entry.js";
import type { Message } from "./message.js";
import type { RaftState } from "./raft-state.js";
import type { Ready, StorageWrite } from "./ready.js";
import { releaseReadsWaitingForTermCommit } from "./read-index.js";
import { broadcastAppend, maybeCommit, selfPersistedTo } from "./replication.js";
import { afterLeaderProgress } from "./step-dispatch.js";

/**
 * Builds the next Ready (the contract is in ready.ts). Replication owed to followers is
 * flushed here rather than on every proposal, so proposals made between two Ready cycles
 * share one AppendEntries per follower and one write: group commit.
 */
export function collectReady(s: RaftState): Ready {
  if (s.role === "leader" && s.broadcastPending) broadcastAppend(s);
  const softChanged = s.lastSoftRole !== s.role || s.lastSoftLeader !== s.leader;
  const mayLeaveNow = earlyMessageRule(s);
  const messages: Message[] = [];
  const messagesAfterWrite: Message[] = [];
  for (const message of s.messages) {
    (mayLeaveNow(message) ? messages : messagesAfterWrite).push(message);
  }
  const ready: Ready = {
    softState: softChanged ? { role: s.role, leader: s.leader } : undefined,
    messages,
    write: collectWrite(s, messagesAfterWrite),
    // Entries after a pending snapshot are applied only once it is installed.
    committedEntries: s.log.nextCommittedEntries(),
    readStates: s.readStates,
    droppedReads: s.droppedReads,
  };
  s.messages = [];
  s.readStates = [];
  s.droppedReads = [];
  return ready;
}

/** Whether a Ready has anything to hand out (the same conditions collectReady() reads). */
export function readyPending(s: RaftState): boolean {
  return (
    s.broadcastPending || s.messages.length > 0 || s.readStates.length > 0 ||
    s.droppedReads.length > 0 || s.log.unstable.snapshotToWrite() !== undefined ||
    s.log.entriesToWrite().length > 0 || s.lastSoftRole !== s.role ||
    s.lastSoftLeader !== s.leader || termOrVoteChanged(s.lastHardState, s) ||
    s.log.hasNextCommittedEntries()
  );
}

/**
 * Ready rule 1: only a leader's replication traffic (appends, heartbeats, snapshots, whose
 * bytes are already durable in the snapshot store) leaves before the write, and only while
 * its term and vote are durable. A single voter becomes candidate and leader in one step,
 * so its first appends carry a term the very same write makes durable (the simulator found
 * this); they wait.
 */
function earlyMessageRule(s: RaftState): (message: Message) => boolean {
  const termDurable = !termOrVoteChanged(s.durableHardState, s);
  return (message) => termDurable && (message.type === "append-request" ||
    message.type === "heartbeat-request" || message.type === "snapshot-request");
}

function collectWrite(s: RaftState, messagesAfterWrite: Message[]): StorageWrite | undefined {
  const snapshot = s.log.unstable.snapshotToWrite();
  const entries = s.log.entriesToWrite();
  const current = s.hardState();
  const hasLogData = snapshot !== undefined || entries.length > 0;
  // Commit rides along with a write that happens anyway; alone it is not worth an fsync.
  const commitMoved = current.commit !== s.lastHardState.commit;
  const hardState =
    termOrVoteChanged(s.lastHardState, s) || (hasLogData && commitMoved) ? current : undefined;
  if (!hasLogData && hardState === undefined && messagesAfterWrite.length === 0) return undefined;
  return { id: s.nextWriteId, snapshot, entries, hardState, messagesAfterWrite };
}

function termOrVoteChanged(hardState: HardState, s: RaftState): boolean {
  return hardState.term !== s.term || hardState.vote !== s.vote;
}

/**
 * Ready rule 4: the driver handed out `ready` (sent its messages, started its write and
 * applied its committed entries), so the next Ready starts after it.
 */
export function acknowledgeReady(s: RaftState, ready: Ready): void {
  if (ready.softState !== undefined) {
    s.lastSoftRole = ready.softState.role;
    s.lastSoftLeader = ready.softState.leader;
  }
  const write = ready.write;
  if (write !== undefined) {
    assert(write.id === s.nextWriteId, "advance() gets the Ready last built");
    s.nextWriteId++;
    if (write.hardState !== undefined) s.lastHardState = write.hardState;
    const lastEntry = write.entries[write.entries.length - 1];
    s.log.unstable.markInProgress(lastEntry?.index, write.snapshot !== undefined);
  }
  const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
  if (lastApplied !== undefined) s.log.appliedTo(lastApplied.index);
}

/**
 * Ready rule 5: `write` is durable (and its snapshot installed in the state machine). Only
 * now does the leader count its own entries as replicated: a commit never rests on a write
 * that could still be lost (etcd #14370).
 */
export function acknowledgeWrite(s: RaftState, write: StorageWrite): void {
  assert(write.id === s.nextDurableWriteId, "writes complete in the order they were started");
  assert(write.id < s.nextWriteId, "a write completes only after it was handed out");
  s.nextDurableWriteId++;
  if (write.hardState !== undefined) s.durableHardState = write.hardState;
  if (write.snapshot !== undefined) {
    s.log.stableSnapshotTo(write.snapshot.index);
    if (s.log.applied < write.snapshot.index) s.log.appliedTo(write.snapshot.index);
  }
  const lastEntry = write.entries[write.entries.length - 1];
  if (lastEntry !== undefined) s.log.stableTo(lastEntry.index, lastEntry.term);
  if (s.role === "leader") {
    selfPersistedTo(s, s.log.lastStableIndex());
    if (maybeCommit(s)) releaseReadsWaitingForTermCommit(s);
    afterLeaderProgress(s);
  }
}
