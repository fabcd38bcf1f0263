import type { RaftState } from "./raft-state.js";
import type { Ready } from "./ready.js";
import { releaseReadsWaitingForTermCommit } from "./read-index.js";
import { broadcastAppend, maybeCommit, selfPersistedTo } from "./replication.js";
import { afterLeaderProgress } from "./step-dispatch.js";

/**
 * Builds the next Ready. Replication owed to followers is flushed here rather than on every
 * proposal, so proposals made between two Ready cycles share one AppendEntries per follower
 * (and the driver gives them one fsync): group commit.
 */
export function collectReady(s: RaftState): Ready {
  if (s.role === "leader" && s.broadcastPending) broadcastAppend(s);
  const snapshot = s.log.unstable.snapshot;
  const softChanged = s.lastSoftRole !== s.role || s.lastSoftLeader !== s.leader;
  const hardState = s.hardState();
  const last = s.lastHardState;
  const hardChanged =
    last.term !== hardState.term || last.vote !== hardState.vote ||
    last.commit !== hardState.commit;
  const ready: Ready = {
    softState: softChanged ? { role: s.role, leader: s.leader } : undefined,
    hardState: hardChanged ? hardState : undefined,
    snapshot,
    entries: s.log.unstableEntries(),
    messages: s.messages,
    // Entries after a pending snapshot are applied only once it is installed.
    committedEntries: snapshot === undefined ? s.log.nextCommittedEntries() : [],
    readStates: s.readStates,
    droppedReads: s.droppedReads,
  };
  s.messages = [];
  s.readStates = [];
  s.droppedReads = [];
  return ready;
}

/**
 * The driver has persisted, sent and applied `ready`. Only now does the leader count its own
 * entries as replicated: a commit never rests on a write that could still be lost (etcd #14370).
 */
export function acknowledgeReady(s: RaftState, ready: Ready): void {
  if (ready.softState !== undefined) {
    s.lastSoftRole = ready.softState.role;
    s.lastSoftLeader = ready.softState.leader;
  }
  if (ready.hardState !== undefined) s.lastHardState = ready.hardState;
  if (ready.snapshot !== undefined) {
    s.log.stableSnapshotTo(ready.snapshot.index);
    if (s.log.applied < ready.snapshot.index) s.log.appliedTo(ready.snapshot.index);
  }
  const lastEntry = ready.entries[ready.entries.length - 1];
  if (lastEntry !== undefined) s.log.stableTo(lastEntry.index, lastEntry.term);
  const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
  if (lastApplied !== undefined) s.log.appliedTo(lastApplied.index);
  if (s.role === "leader") {
    selfPersistedTo(s, s.log.lastStableIndex());
    if (maybeCommit(s)) releaseReadsWaitingForTermCommit(s);
    afterLeaderProgress(s);
  }
}
