import { assert } from "./assert.js";
import type { RaftState } from "./raft-state.js";

/**
 * Cheap structural invariants, checked after every public call (TIGER_STYLE: assertions are
 * always on). The simulator checks the cross-node safety properties separately.
 */
export function checkInvariants(s: RaftState): void {
  const log = s.log;
  assert(log.applied <= log.committed, "applied <= commit");
  assert(log.committed <= log.lastIndex(), "commit <= last index");
  assert(s.term >= s.lastHardState.term, "the term never decreases");
  assert(
    s.durableHardState.term <= s.lastHardState.term,
    "storage reports durable only what a write handed out",
  );
  assert(s.uncommittedBytes >= 0, "uncommitted bytes are non-negative");
  assert(s.pendingReads.length <= s.config.pendingReadsMax, "pending reads are bounded");
  if (s.role === "leader") {
    assert(s.leader === s.id, "a leader knows it leads");
    assert(s.vote === s.id, "a leader voted for itself in its term");
    for (const [id, progress] of s.progress) {
      if (id === s.id) continue;
      assert(progress.match < progress.next, `match < next for ${String(id)}`);
      assert(progress.match <= log.lastIndex(), "a follower cannot hold entries we never had");
    }
  } else {
    assert(s.progress.size === 0, "only a leader tracks Progress");
    assert(s.pendingReads.length === 0, "only a leader holds pending reads");
  }
  if (s.role === "candidate") assert(s.vote === s.id, "a candidate votes for itself");
}
