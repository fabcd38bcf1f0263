import type { Entry, HardState, SnapshotMeta } from "./entry.js";
import type { LogIndex, NodeId, Term } from "./ids.js";
import type { Message } from "./message.js";

export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

/** Volatile state the driver may want to observe; never persisted. */
export interface SoftState {
  readonly role: Role;
  /** NO_NODE when no leader is known. */
  readonly leader: NodeId;
}

/** A linearizable read may be served once the state machine has applied `index` (§6.4). */
export interface ReadState {
  readonly requestId: number;
  readonly index: LogIndex;
}

/**
 * One batch of work for the driver. The driver must handle it in exactly this order:
 * 1. persist `snapshot` (if any), then `entries` (truncating any conflicting suffix: the
 *    first entry's index says where the new tail starts) and `hardState` (if any), in one
 *    durable transaction;
 * 2. send `messages` (only now, because they may promise the state just persisted);
 * 3. install `snapshot` into the state machine (if any), then apply `committedEntries` in
 *    order, then serve `readStates` once applied >= index, and fail `droppedReads`;
 * 4. call core.advance(ready).
 * Nothing may be stepped into the core between ready() and advance() unless the driver
 * accepts that the next ready() repeats nothing and omits nothing (it does not today).
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly snapshot: SnapshotMeta | undefined;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  /** Committed entries that are durable locally, in index order, contiguous after applied. */
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** Read requests that cannot be served (leadership lost, transfer, no quorum). */
  readonly droppedReads: readonly number[];
}

/** A point-in-time view for operators and tests. */
export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commitIndex: LogIndex;
  readonly appliedIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly firstIndex: LogIndex;
  readonly snapshotIndex: LogIndex;
  readonly isLearner: boolean;
  readonly leadershipTransferTarget: NodeId;
}
