import type { LogIndex, NodeId, Term } from "./ids.js";

/**
 * What a log entry carries:
 * - `command`: opaque application data, applied to the state machine;
 * - `noop`: appended by every new leader so that it can commit entries of its term (§5.4.2,
 *   and §8 / thesis 6.4: a leader serves reads only after committing an entry of its term);
 * - `config`: a full membership configuration (see MembershipConfig), encoded with
 *   encodeMembershipConfig(). It takes effect on a node as soon as it is appended to that
 *   node's log, and reverts if the entry is truncated (thesis 4.1).
 */
export type EntryKind = "command" | "noop" | "config";

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly kind: EntryKind;
  /** Application bytes for `command`, encoded config for `config`, empty for `noop`. */
  readonly data: Uint8Array;
}

/**
 * The state that must be durable before any message that depends on it leaves the node.
 * Invariant: `vote` is NO_NODE or the node voted for in `term`; `commit` never regresses.
 */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: LogIndex;
}

/** Voters and learners. Invariant: disjoint, sorted ascending, no NO_NODE. */
export interface MembershipConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /**
   * Where members are reached, ascending by id, at most one per member (hashicorp/raft's
   * Server.Address): in the configuration, so an address change goes through the log and a
   * new member learns every address from its snapshot. Absent in clusters whose members are
   * found by other means (the simulator, tests); a member without a record here is reached
   * at the address its operator configured.
   */
  readonly addresses?: readonly MemberAddress[];
}

/** One member's addresses, and whether the leader promotes it once it caught up. */
export interface MemberAddress {
  readonly id: NodeId;
  /** host:port of its peer port (raftkv.raft.v1.RaftPeer). */
  readonly peerAddress: string;
  /** host:port of its client port (KV, Cluster, Health). */
  readonly clientAddress: string;
  /** Only meaningful for a learner: promote it to voter once it is caught up (--join). */
  readonly autoPromote: boolean;
}

/** Describes a snapshot; the bytes live in the application's snapshot store, never in core. */
export interface SnapshotMeta {
  /** The last log index the snapshot covers. 0 with term 0 means "no snapshot". */
  readonly index: LogIndex;
  readonly term: Term;
  /** The membership configuration in force at `index`. */
  readonly config: MembershipConfig;
}

/** Rough wire size of an entry, used by the byte limits on messages and uncommitted data. */
export function entrySizeBytes(entry: Entry): number {
  const headerBytes = 24; // term, index and kind, as a protobuf encoding would roughly take
  return headerBytes + entry.data.byteLength;
}
