import type { NodeId } from "./ids.js";

/**
 * Deliberate bugs for the simulator's self-test (docs/testing.md, Planted bugs). Each one,
 * switched on, must be caught by the invariant checkers or the linearizability checker
 * within a fixed number of seeds. Never set outside tests.
 */
export type PlantedBug =
  /** Commit an entry of an earlier term by counting replicas (the Figure 8 bug, §5.4.2). */
  | "commit-old-term-by-counting"
  /** Grant a vote to a second candidate in the same term. */
  | "vote-twice"
  /** Allow a configuration change before the leader committed an entry of its term. */
  | "skip-config-guard"
  /** Accept AppendEntries from a leader with a stale term. */
  | "accept-stale-term"
  /** Serve ReadIndex at once, with no quorum confirmation and no own-term commit. */
  | "unconfirmed-reads"
  /** Do not append a no-op on election. */
  | "skip-noop"
  /**
   * Send a follower another snapshot at the second quorum check while the first is still
   * streaming, without waiting for the transport's report (RaftCore.reportSnapshot).
   */
  | "resend-snapshot-while-streaming"
  /**
   * Trust the leader lease for two election timeouts, as the old rule did, while followers
   * honour it for one (leader-lease.ts).
   */
  | "lease-too-long"
  /**
   * Ignore rejected pre-votes, as the old rule did: a pre-candidate counted only answers
   * for term+1, so the rejections (which carry the voter's own term) never made it lose and
   * it stayed a pre-candidate until its timer fired again (step-follower.ts onVoteResponse).
   */
  | "ignore-prevote-rejections"
  /**
   * RaftNode.changeMembership proposes first and checks the waiter table after, as it once
   * did: a refused caller is told "retry later" while its change is in the log.
   */
  | "propose-change-before-room"
  /**
   * Find the configuration entries at startup by reading the whole log into memory, as
   * startup once did, instead of LogReader.configEntries().
   */
  | "read-whole-log-at-startup"
  /**
   * The driver's stall watchdog never fires: a leader whose log writes stall keeps leading
   * (heartbeats still flow) while it can apply nothing, holding every client's write.
   */
  | "ignore-stalls"
  /**
   * InboundAnswers holds an answer whose write was already durable until the next write's
   * release, as it once did: a follower answered each heartbeat one heartbeat late.
   */
  | "hold-released-answers";

/** Raft tuning for one core. Validated by validateRaftConfig(); all limits are explicit. */
export interface RaftConfig {
  readonly nodeId: NodeId;
  /** Base election timeout; each node draws its timeout from [electionTicks, 2 * electionTicks). */
  readonly electionTicks: number;
  /** Must be well below electionTicks, or followers campaign against a healthy leader. */
  readonly heartbeatTicks: number;
  /** Pre-vote (thesis 9.6): a partitioned node cannot inflate terms and disrupt the cluster. */
  readonly preVote: boolean;
  /** Check-quorum: a leader that has not heard from a quorum for an election timeout steps down. */
  readonly checkQuorum: boolean;
  /**
   * Lease reads (thesis 6.4.1): serve reads without a round trip while the leader lease
   * holds (leader-lease.ts); requires checkQuorum, whose vote refusal the lease rests on.
   * Safe only with bounded clock drift and no long pauses of the leader; opt-in.
   */
  readonly leaseReads: boolean;
  /**
   * How much shorter the leader's lease is than the followers' electionTicks, in ticks.
   * It must cover one tick of phase between the leader's and a follower's ticks, plus the
   * most any member's ticks may run ahead of the leader's over one election timeout (clock
   * drift). At least 1 and, with leaseReads, below electionTicks.
   */
  readonly leaseDriftMarginTicks: number;
  readonly appendEntriesMax: number; // Entries per AppendEntries request.
  readonly appendBytesMax: number; // Payload bytes per AppendEntries request.
  readonly inflightAppendsMax: number; // Unacknowledged AppendEntries per follower.
  readonly uncommittedBytesMax: number; // Proposed-but-uncommitted bytes on a leader.
  readonly pendingReadsMax: number; // ReadIndex requests awaiting confirmation.
  readonly plantedBugs: ReadonlySet<PlantedBug>;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, "nodeId"> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  leaseReads: false,
  leaseDriftMarginTicks: 2,
  appendEntriesMax: 256,
  appendBytesMax: 1024 * 1024,
  inflightAppendsMax: 64,
  uncommittedBytesMax: 64 * 1024 * 1024,
  pendingReadsMax: 4096,
  plantedBugs: new Set(),
};

/** Returns the reasons the configuration is unusable; empty when it is valid. */
export function validateRaftConfig(config: RaftConfig): string[] {
  const problems: string[] = [];
  const positive = (value: number, name: string): void => {
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${name} must be a positive integer`);
  };
  positive(config.nodeId, "nodeId");
  positive(config.electionTicks, "electionTicks");
  positive(config.heartbeatTicks, "heartbeatTicks");
  positive(config.appendEntriesMax, "appendEntriesMax");
  positive(config.appendBytesMax, "appendBytesMax");
  positive(config.inflightAppendsMax, "inflightAppendsMax");
  positive(config.uncommittedBytesMax, "uncommittedBytesMax");
  positive(config.pendingReadsMax, "pendingReadsMax");
  positive(config.leaseDriftMarginTicks, "leaseDriftMarginTicks");
  if (config.heartbeatTicks >= config.electionTicks) {
    problems.push("heartbeatTicks must be less than electionTicks");
  }
  if (config.leaseReads && !config.checkQuorum) {
    problems.push("leaseReads requires checkQuorum: the lease rests on followers refusing votes while they hear from a leader, which checkQuorum turns on");
  }
  if (config.leaseReads && config.leaseDriftMarginTicks >= config.electionTicks) {
    problems.push("leaseDriftMarginTicks must be less than electionTicks: the lease lasts electionTicks - leaseDriftMarginTicks");
  }
  return problems;
}
