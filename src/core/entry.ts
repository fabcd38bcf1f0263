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
