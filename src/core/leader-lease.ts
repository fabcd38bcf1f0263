import { assert } from "./assert.js";
import { NO_NODE, type Term } from "./ids.js";
import { hasQuorum } from "./quorum.js";
import type { RaftState } from "./raft-state.js";

/**
 * The leader lease behind lease reads (thesis 6.4.1). A follower that hears from its leader
 * refuses every vote for electionTicks of its own ticks afterwards (inLeaderLease() in
 * step-term.ts, thesis 4.2.3). So once a quorum of voters has acknowledged a heartbeat
 * round, no other leader can be elected until electionTicks after the earliest moment any
 * of them can have heard it: the moment the round was *sent*. The lease therefore starts at
 * the tick the acknowledged round was sent, never at the tick its acknowledgements arrived,
 * which may be arbitrarily late. It lasts electionTicks - leaseDriftMarginTicks of the
 * leader's ticks. The margin covers one tick of phase (a follower's first tick after the
 * heartbeat may come at once) plus how far any member's clock may run ahead of the leader's
 * over one election timeout (raft-config.ts).
 *
 * A campaign started by TimeoutNow bypasses the followers' refusal (thesis 3.10), so the
 * lease does not hold while a transfer is under way, and once TimeoutNow has been sent it
 * never holds again in that term: the message may still be in flight when the transfer is
 * given up, and the target may win with it at any later time.
 *
 * What this cannot cover: a follower that restarts forgets its leader and may vote at once,
 * and a leader whose ticks stall (a long pause) believes less time has passed than has.
 * Lease reads are opt-in for that reason; ReadIndex (read-index.ts) assumes nothing of clocks.
 */
export class LeaderLease {
  /** The leader's ticks in `term`, counted from 0 when it first ticks. Monotonic. */
  ticksElapsed = 0;
  /**
   * The first heartbeat round sent in each tick, for the ticks within the lease length of
   * now. Any round up to the next entry's was first sent in the same tick, and rounds only
   * grow, so a quorum acknowledgement of round >= an entry's proves receipt after its tick.
   * Invariant: both `round` and `sentTick` strictly ascending; length <= electionTicks.
   */
  private readonly roundsSent: { readonly round: number; readonly sentTick: number }[] = [];
  /** Set once TimeoutNow has been sent in `term`: no lease for the rest of it. */
  revoked = false;

  constructor(readonly term: Term, private readonly leaseTicks: number) {
    assert(Number.isSafeInteger(leaseTicks) && leaseTicks >= 1, "a lease lasts >= 1 tick");
  }

  /** Records that `round` went out now; forgets the rounds that can no longer start a lease. */
  recordRoundSent(round: number): void {
    while (this.roundsSent.length > 0 && !this.couldHold(this.roundsSent[0]!.sentTick)) {
      this.roundsSent.shift();
    }
    const last = this.roundsSent[this.roundsSent.length - 1];
    assert(last === undefined || round >= last.round, "heartbeat rounds never go back");
    if (last === undefined || (round > last.round && this.ticksElapsed > last.sentTick)) {
      this.roundsSent.push({ round, sentTick: this.ticksElapsed });
    }
    assert(this.roundsSent.length <= this.leaseTicks, "one round per tick within the lease");
  }

  /**
   * The send tick of the latest round that `acknowledged` says a quorum has confirmed, or
   * undefined when none has been. Newest first: the later the round, the longer its lease.
   */
  acknowledgedSendTick(acknowledged: (round: number) => boolean): number | undefined {
    for (let i = this.roundsSent.length - 1; i >= 0; i--) {
      const sent = this.roundsSent[i]!;
      if (acknowledged(sent.round)) return sent.sentTick;
    }
    return undefined;
  }

  /** Whether a round sent at `sentTick` and acknowledged by a quorum still gives a lease. */
  couldHold(sentTick: number): boolean {
    assert(sentTick <= this.ticksElapsed, "a round is not sent in the future");
    return this.ticksElapsed < sentTick + this.leaseTicks;
  }
}

/**
 * The leader's lease, made on first use in each term: it starts afresh with every
 * leadership (a node leads a term at most once), so a stale one is simply replaced.
 */
function leaseOf(s: RaftState): LeaderLease {
  assert(s.role === "leader", "only a leader holds a lease");
  let lease = s.leaderLease;
  if (lease?.term !== s.term) {
    const leaseTicks = s.hasBug("lease-too-long")
      ? 2 * s.config.electionTicks
      : s.config.electionTicks - s.config.leaseDriftMarginTicks;
    lease = new LeaderLease(s.term, leaseTicks);
    s.leaderLease = lease;
  }
  return lease;
}

/** One leader tick passed. Call on every tick while leading, before anything is sent. */
export function countLeaseTick(s: RaftState): void {
  if (!s.config.leaseReads) return;
  leaseOf(s).ticksElapsed += 1;
}

/** A heartbeat round carrying s.readRound was just broadcast. */
export function recordRoundSent(s: RaftState): void {
  if (!s.config.leaseReads) return;
  leaseOf(s).recordRoundSent(s.readRound);
}

/** TimeoutNow was sent: its campaign bypasses the followers' lease, now or later. */
export function revokeLease(s: RaftState): void {
  if (!s.config.leaseReads || s.role !== "leader") return;
  leaseOf(s).revoked = true;
}

/** Whether the leader may serve a read now without a ReadIndex round. */
export function leaseHolds(s: RaftState): boolean {
  assert(s.config.leaseReads, "lease reads are configured");
  const lease = leaseOf(s);
  if (lease.revoked || s.leadTransferee !== NO_NODE) return false;
  const voters = s.currentConfig().voters;
  const sentTick = lease.acknowledgedSendTick((round) => hasQuorum(voters, (id) =>
    id === s.id || (s.progress.get(id)?.readRoundAcked ?? 0) >= round));
  return sentTick !== undefined && lease.couldHold(sentTick);
}
