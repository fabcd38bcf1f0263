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
 * The Ready contract: what the driver must do with the core's output, and why each rule is
 * safe. This comment is the one statement of it; docs/design.md and the driver point here.
 * It follows etcd-io/raft's asynchronous storage writes: every durable change comes as a
 * StorageWrite, and the messages that promise that change travel with it.
 *
 * For each Ready, synchronously and in this order:
 * 1. Send `messages` now. They promise nothing that is not already durable: only a leader's
 *    append, heartbeat and snapshot requests (a snapshot's bytes are in the snapshot store
 *    before it is named), and only while its term and vote are durable. So the
 *    leader's own log write overlaps its followers' (thesis 10.2.1). That is safe because
 *    the leader counts its own copy of an entry toward commit only once `persisted()`
 *    reports it durable (rule 5), so a commit never rests on a write a crash could lose
 *    (etcd #14370); if the leader crashes first, a majority that holds the entries may
 *    commit them without it, and its shorter log cannot win an election against them
 *    (section 5.4.1).
 * 2. Start `write`, if any, after every earlier write: snapshot metadata, entries
 *    (replacing any suffix from entries[0].index) and hard state in one atomic, durable
 *    transaction. An empty write still counts: it completes when every earlier one has.
 * 3. Apply `committedEntries` in order (they are durable locally: a crash must not lose an
 *    entry the state machine applied), then serve `readStates` once applied >= index
 *    (section 6.4) and fail `droppedReads`.
 * 4. Call advance(ready): the core records that this Ready was handed out, so the next
 *    one repeats nothing. Nothing may be stepped into the core between ready() and
 *    advance().
 * Later, once a write is durable, and strictly in the order the writes were started:
 * 5. If the write held a snapshot, install it into the state machine; then call
 *    persisted(write); then send `write.messagesAfterWrite`. Those are every other message:
 *    votes (a vote must be durable before it is granted, section 5.2 and thesis 3.8),
 *    append and snapshot responses (an acknowledged entry must survive a crash), ReadIndex
 *    answers and any message carrying a term this or an earlier write makes durable.
 *    persisted() is also where a leader's own log counts toward commit.
 * A crash loses the writes not yet reported and the messages waiting for them; nothing
 * sent before depends on them, which is exactly what the rules above guarantee.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  /** Messages that may leave at once (rule 1). */
  readonly messages: readonly Message[];
  /** The durable part of this Ready and the messages that wait for it (rules 2 and 5). */
  readonly write: StorageWrite | undefined;
  /** Committed entries that are durable locally, in index order, contiguous after applied. */
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** Read requests that cannot be served (leadership lost, transfer, no quorum). */
  readonly droppedReads: readonly number[];
}

/**
 * One durable write and the messages released by its completion (Ready rules 2 and 5).
 * Writes are numbered from 1 in each incarnation of the core, in the order handed out.
 */
export interface StorageWrite {
  readonly id: number;
  /** A snapshot received from the leader; the log keeps only what follows it. */
  readonly snapshot: SnapshotMeta | undefined;
  readonly entries: readonly Entry[];
  /**
   * Set when term or vote changed, or alongside entries when commit moved. A change of
   * commit alone is not written: commit is volatile (Figure 2), and after a restart the
   * state machine's applied index, always a committed one, lifts it back.
   */
  readonly hardState: HardState | undefined;
  readonly messagesAfterWrite: readonly Message[];
}

/** True when a write has nothing for storage: it only orders its messages after the others. */
export function isEmptyWrite(write: StorageWrite): boolean {
  return write.snapshot === undefined && write.entries.length === 0 &&
    write.hardState === undefined;
}

/** A point-in-time view for operators and tests. */
/** What the leader knows of one other member's log (RaftCore.replication()). */
export interface PeerReplication {
  readonly id: NodeId;
  /** The highest index known to be in that member's log, in agreement with the leader's. */
  readonly matchIndex: LogIndex;
  readonly isLearner: boolean;
}

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
