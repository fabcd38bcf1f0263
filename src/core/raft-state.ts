import type { LeaderLease } from "./leader-lease.js";
import type { HardState, MembershipConfig } from "./entry.js";
import { INDEX_ZERO, NO_NODE, type LogIndex, type NodeId, type Term } from "./ids.js";
import type { Message } from "./message.js";
import type { MembershipTracker } from "./membership-tracker.js";
import type { Progress } from "./progress.js";
import type { RaftConfig } from "./raft-config.js";
import type { RaftLog } from "./raft-log.js";
import type { Random } from "./random.js";
import type { ReadState, Role } from "./ready.js";

/**
 * A read waiting for leadership confirmation (thesis 6.4). `index` is undefined until the
 * leader has committed an entry of its own term; `round` is the heartbeat round that must be
 * acknowledged by a quorum before the read may be served. `from` is this node for local reads
 * and a follower for forwarded ones.
 */
export interface PendingRead {
  readonly requestId: number;
  readonly from: NodeId;
  index: LogIndex | undefined;
  round: number;
}

/**
 * All mutable state of one core, shared by the step and transition functions in src/core.
 * Internal to the core: RaftCore is the only public surface. Invariants are checked by
 * checkInvariants() after every public call.
 */
export class RaftState {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly random: Random;
  readonly log: RaftLog;
  readonly membership: MembershipTracker;

  role: Role = "follower";
  term: Term;
  vote: NodeId;
  /** NO_NODE when no leader is known in `term`. */
  leader: NodeId = NO_NODE;

  /** Ticks since the last valid leader contact (follower) or the last quorum check (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /**
   * Ticks this member still waits before it may campaign, after it gave up leadership
   * because its disk or event loop stalled (RaftCore.stepDown): a healthy member should win.
   */
  campaignBackoffTicks = 0;
  /** Drawn from [electionTicks, 2 * electionTicks) on every reset (§5.2). */
  randomizedElectionTicks: number;

  /** Candidate and pre-candidate: answers received in this campaign. */
  readonly votes = new Map<NodeId, boolean>();

  /** Leader: one Progress per member, including itself. Empty otherwise. */
  readonly progress = new Map<NodeId, Progress>();
  /** Leader: index of the latest configuration entry it appended; no new one until committed. */
  pendingConfigIndex: LogIndex = INDEX_ZERO;
  /** Leader: target of a leadership transfer in progress, or NO_NODE. */
  leadTransferee: NodeId = NO_NODE;
  /** Leader: bytes of entries proposed in this term and not yet committed, with their indexes. */
  uncommittedBytes = 0;
  readonly uncommittedQueue: { index: LogIndex; bytes: number }[] = [];
  /** Leader: replication owed to followers, flushed by ready() so that proposals batch. */
  broadcastPending = false;
  /**
   * Leader, planted bug "resend-snapshot-while-streaming" only: followers in snapshot state
   * at the last quorum check. A correct leader waits for the transport's reportSnapshot.
   */
  readonly snapshotStalled = new Set<NodeId>();

  /** Leader with lease reads: the lease of its term (leader-lease.ts); stale in other terms. */
  leaderLease: LeaderLease | undefined = undefined;
  /** Leader: the latest ReadIndex heartbeat round; followers echo it back. */
  readRound = 0;
  readonly pendingReads: PendingRead[] = [];

  /** Outputs accumulated for the next Ready. */
  messages: Message[] = [];
  readStates: ReadState[] = [];
  droppedReads: number[] = [];

  /** The hard state last handed to storage in a write, to emit only changes. */
  lastHardState: HardState;
  /**
   * The hard state storage reported durable. Invariant: term and vote never run ahead of
   * lastHardState's; a leader's messages leave before their write only while term and vote
   * here equal the current ones (ready.ts, rule 1).
   */
  durableHardState: HardState;
  /** The id the next StorageWrite gets, and the id persisted() expects next. */
  nextWriteId = 1;
  nextDurableWriteId = 1;
  lastSoftRole: Role = "follower";
  lastSoftLeader: NodeId = NO_NODE;

  constructor(options: {
    config: RaftConfig;
    random: Random;
    log: RaftLog;
    membership: MembershipTracker;
    hardState: HardState;
  }) {
    this.id = options.config.nodeId;
    this.config = options.config;
    this.random = options.random;
    this.log = options.log;
    this.membership = options.membership;
    this.term = options.hardState.term;
    this.vote = options.hardState.vote;
    this.lastHardState = options.hardState;
    this.durableHardState = options.hardState;
    this.randomizedElectionTicks = this.drawElectionTicks();
  }

  drawElectionTicks(): number {
    return this.config.electionTicks + this.random.intBelow(this.config.electionTicks);
  }

  hasBug(bug: RaftConfig["plantedBugs"] extends ReadonlySet<infer B> ? B : never): boolean {
    return this.config.plantedBugs.has(bug);
  }

  currentConfig(): MembershipConfig {
    return this.membership.latest();
  }

  send(message: Message): void {
    this.messages.push(message);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** §5.4.2 / §8: true once this leader has committed an entry of its own term. */
  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }
}
