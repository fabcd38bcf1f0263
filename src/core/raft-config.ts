import type { NodeId } from "./ids.js";

/**
 * Deliberate bugs for the simulator's self-test (TESTING.md 2.1.9). Each one, switched on,
 * must be caught by the invariant checkers or the linearizability checker within a fixed
 * number of seeds. Never set outside tests.
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
  | "skip-noop";

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
  /** Lease reads (thesis 6.4.1): serve reads without a round trip; requires checkQuorum. */
  readonly leaseReads: boolean;
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
  if (config.heartbeatTicks >= config.electionTicks) {
    problems.push("heartbeatTicks must be less than electionTicks");
  }
  if (config.leaseReads && !config.checkQuorum) {
    problems.push("leaseReads requires checkQuorum: a lease is only safe while the leader steps down on losing quorum");
  }
  return problems;
}
