/**
 * The leader's view of one follower (after etcd's tracker/progress.go, simplified): how much
 * of the log it is known to hold (matchIndex), what to send next (nextIndex, paper §5.3,
 * Figure 2) and how sending is paced. The leader keeps one Progress per peer and rebuilds them
 * all on election, so nothing here is persisted.
 *
 * States (docs/design.md, Progress state diagram):
 * - "probe": the follower's log position is unknown; send one append and wait for its answer
 *   (or a heartbeat response) before sending another, backing nextIndex off on rejection.
 * - "replicate": the follower is known to match; pipeline appends up to the inflights window.
 * - "snapshot": the entries the follower needs are compacted; one snapshot send is in
 *   progress, and nothing more is sent to the follower (no append, no second snapshot) until
 *   the follower acknowledges it or the transport reports the send finished or failed
 *   (etcd's ReportSnapshot, snapshotSendEnded()). A snapshot can take far longer to stream
 *   than an election timeout; a timer must not start another copy while the first streams.
 */
import { assert } from "./assert.js";
import type { LogIndex } from "./ids.js";
import { INDEX_ZERO } from "./ids.js";
import { Inflights } from "./inflights.js";

/** How the leader paces appends to one follower; see the file comment. */
export type ProgressState = "probe" | "replicate" | "snapshot";

/**
 * How a snapshot send ended, as the transport saw it (etcd's SnapshotFinish and
 * SnapshotFailure): "finished" once the receiver took the whole stream, "failed" when the
 * stream broke, timed out or could not start.
 */
export type SnapshotStatus = "finished" | "failed";

/** Construction options for a Progress. */
export interface ProgressOptions {
  /** The first index to send; the leader's last index + 1 on election (paper §5.3). */
  readonly next: LogIndex;
  /** The inflights window capacity, RaftConfig.inflightAppendsMax. */
  readonly inflightsMax: number;
  /** Learners receive the log but do not vote or count toward commit (thesis §4.2.1). */
  readonly isLearner: boolean;
}

/**
 * One follower's replication progress. Starts in "probe" with match = 0, as nothing is known
 * about a follower's log when leadership begins (paper §5.3: nextIndex starts optimistic and
 * backs off). Fields are writable so the core can read them cheaply; change them through the
 * methods, which keep the invariants, and call checkInvariants() after each step.
 */
export class Progress {
  /** Highest index known replicated on the follower. Invariant: never decreases; match < next. */
  match: LogIndex = INDEX_ZERO;
  /** Next index to send. Invariant: next >= 1. */
  next: LogIndex;
  state: ProgressState = "probe";
  /** In "snapshot" state: the index of the snapshot sent. Invariant: 0 in any other state. */
  pendingSnapshot: LogIndex = INDEX_ZERO;
  /** In "probe": one append sent, wait for an answer or a heartbeat response. */
  probeSent = false;
  /**
   * Heard from since the last check-quorum round (thesis §6.2). Starts true so that a peer
   * that was just added or just elected with is not counted as dead before it could answer,
   * which would make check-quorum step a healthy leader down (etcd does the same).
   */
  recentActive = true;
  /** Highest ReadIndex heartbeat round this follower acknowledged (thesis §6.4). Monotonic. */
  readRoundAcked = 0;
  isLearner: boolean;
  /** Unacknowledged appends; used only in "replicate" state and empty in the others. */
  readonly inflights: Inflights;

  /** Preconditions: options.next >= 1; options.inflightsMax is a positive integer. */
  constructor(options: ProgressOptions) {
    assert(
      Number.isSafeInteger(options.next) && options.next >= 1,
      `progress next must be >= 1, got ${String(options.next)}`,
    );
    this.next = options.next;
    this.isLearner = options.isLearner;
    this.inflights = new Inflights(options.inflightsMax);
    this.checkInvariants();
  }

  /**
   * Enters "probe". Coming from "snapshot", the follower will hold at least the snapshot once
   * it is applied, so probing resumes after it: next = max(match+1, pendingSnapshot+1);
   * otherwise next = match+1. Used when a rejection arrives in "replicate", when the peer is
   * reported unreachable, when a snapshot fails, and on snapshot success before replicating.
   */
  becomeProbe(): void {
    const fromSnapshot = this.state === "snapshot";
    const resumeAt = fromSnapshot
      ? Math.max(this.match + 1, this.pendingSnapshot + 1)
      : this.match + 1;
    this.resetState("probe");
    this.next = resumeAt as LogIndex;
    this.checkInvariants();
  }

  /** Enters "replicate" once the follower's log is known to match up to `match`. */
  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = (this.match + 1) as LogIndex;
    this.checkInvariants();
  }

  /**
   * Enters "snapshot" after sending the snapshot ending at `snapshotIndex` (paper §7). Sending
   * pauses until the follower acknowledges it (then the core goes probe -> replicate) or the
   * transport reports the send's outcome (snapshotSendEnded()).
   * Precondition: snapshotIndex >= 1.
   */
  becomeSnapshot(snapshotIndex: LogIndex): void {
    assert(snapshotIndex >= 1, `snapshot index must be >= 1, got ${String(snapshotIndex)}`);
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
    this.checkInvariants();
  }

  /**
   * Leaves "snapshot" on the transport's report (etcd raft.go, MsgSnapStatus). "finished"
   * probes from pendingSnapshot + 1, where the follower's log should now resume; "failed"
   * forgets the snapshot first and probes from match + 1, which is compacted, so the next
   * probe sends a new snapshot. Either way the probe waits (probeSent) for the follower's
   * next answer or heartbeat response: after "finished" its answer confirms the snapshot,
   * and a failed send is retried no sooner than one heartbeat later, not in a busy loop.
   * Precondition: state is "snapshot".
   */
  snapshotSendEnded(status: SnapshotStatus): void {
    assert(this.state === "snapshot", `a snapshot send ended in ${this.state} state`);
    if (status === "failed") this.pendingSnapshot = INDEX_ZERO;
    this.becomeProbe();
    this.probeSent = true;
    this.checkInvariants();
  }

  /**
   * Acknowledgement up to n: match = max(match, n), next = max(next, n+1); returns true if
   * match grew. Also clears probeSent, as any answer shows the follower is reachable and ends
   * the probe round trip, and frees inflights acknowledged by n (idempotent, so the core may
   * also call inflights.freeLE itself). Stale or duplicated acknowledgements change nothing
   * else, which keeps matchIndex monotonic (docs/testing.md, Safety invariants).
   */
  maybeUpdate(n: LogIndex): boolean {
    const matchBefore = this.match;
    const grew = n > this.match;
    if (grew) this.match = n;
    if (n + 1 > this.next) this.next = (n + 1) as LogIndex;
    this.probeSent = false;
    this.inflights.freeLE(n);
    assert(this.match >= matchBefore, "match never decreases");
    this.checkInvariants();
    return grew;
  }

  /**
   * Replicate state: optimistically advance next to lastSent+1 after sending an append whose
   * last entry is lastSent, without waiting for the answer. The core records the append in
   * `inflights` itself. Preconditions: state is "replicate"; lastSent >= match.
   */
  optimisticUpdate(lastSent: LogIndex): void {
    assert(this.state === "replicate", `optimisticUpdate in ${this.state} state`);
    assert(
      lastSent >= this.match,
      `sent up to ${String(lastSent)} below match ${String(this.match)}`,
    );
    this.next = (lastSent + 1) as LogIndex;
    this.checkInvariants();
  }

  /**
   * A rejection of prevLogIndex = rejected, with the follower's hint (index to retry from,
   * computed by the leader via fast back-tracking, paper §5.3). Returns false if the
   * rejection is stale (replicate: rejected <= match; probe: rejected != next-1; snapshot:
   * always, since the snapshot in flight supersedes any earlier append). Otherwise
   * next = max(min(rejected, hintNext), match+1), probeSent=false, returns true.
   * The core is expected to move a "replicate" follower to "probe" after a true result.
   */
  maybeDecrTo(rejected: LogIndex, hintNext: LogIndex): boolean {
    switch (this.state) {
      case "replicate":
        if (rejected <= this.match) return false;
        break;
      case "probe":
        if (rejected !== this.next - 1) return false;
        break;
      case "snapshot":
        return false;
    }
    const matchBefore = this.match;
    this.next = Math.max(Math.min(rejected, hintNext), this.match + 1) as LogIndex;
    this.probeSent = false;
    assert(this.match === matchBefore, "a rejection never moves match");
    this.checkInvariants();
    return true;
  }

  /**
   * True when the leader must not send appends to this follower now. probe: probeSent;
   * replicate: inflights.full(); snapshot: true. Heartbeats are sent regardless.
   */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  /** Records a ReadIndex round acknowledgement: readRoundAcked = max(readRoundAcked, round). */
  ackReadRound(round: number): void {
    assert(Number.isSafeInteger(round) && round >= 0, `bad read round ${String(round)}`);
    this.readRoundAcked = Math.max(this.readRoundAcked, round);
  }

  /** Asserts the field invariants; cheap enough to run after every step. */
  checkInvariants(): void {
    assert(Number.isSafeInteger(this.match) && this.match >= 0, "match is a LogIndex");
    assert(this.match < this.next, `match ${String(this.match)} < next ${String(this.next)}`);
    assert(
      this.state === "snapshot" || this.pendingSnapshot === 0,
      `pendingSnapshot ${String(this.pendingSnapshot)} outside snapshot state`,
    );
    assert(this.state === "probe" || !this.probeSent, `probeSent in ${this.state} state`);
    assert(
      this.state === "replicate" || this.inflights.count() === 0,
      `inflights held in ${this.state} state`,
    );
  }

  /** For traces, e.g. "replicate match=5 next=6 inflight=1". */
  toString(): string {
    const parts = [
      this.state,
      `match=${String(this.match)}`,
      `next=${String(this.next)}`,
      `inflight=${String(this.inflights.count())}`,
    ];
    if (this.state === "snapshot") parts.push(`pendingSnapshot=${String(this.pendingSnapshot)}`);
    if (this.probeSent) parts.push("probeSent");
    if (this.isLearner) parts.push("learner");
    return parts.join(" ");
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = INDEX_ZERO;
    this.inflights.reset();
  }
}
