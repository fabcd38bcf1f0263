import type { Entry, HardState, SnapshotMeta } from "../../src/core/entry.js";
import { logIndex, NO_NODE, type NodeId } from "../../src/core/ids.js";
import type { LogReader } from "../../src/core/log-reader.js";
import type { Message } from "../../src/core/message.js";
import type { Status } from "../../src/core/ready.js";
import type { PersistBatch } from "../../src/storage/log-store.js";
import { entryHash, LogChainView } from "./log-chain.js";

/** A broken safety property. The simulator stops the run and reports the seed. */
export class SafetyViolation extends Error {
  override readonly name = "SafetyViolation";
}

/** What the checker remembers per node; it outlives crashes, as durable state does. */
interface NodeRecord {
  readonly log: LogChainView;
  durableTerm: number;
  durableCommit: number;
  /** term -> the node voted for, across every incarnation. */
  readonly votes: Map<number, NodeId>;
  appliedIndex: number;
  /** Per incarnation: the highest commitIndex the core reported. */
  volatileCommit: number;
  /** Indexes up to here were compared with the global committed record. */
  notedCommit: number;
  /** The term in which this node's Leader Completeness was last checked (0: never). */
  leaderCheckedTerm: number;
}

/**
 * The global-vantage safety checker (docs/testing.md, Safety invariants; paper Figure 3). The
 * simulator feeds it every durable write, send, apply and snapshot install, and every node's
 * status after every event; any broken rule throws SafetyViolation with a one-line explanation.
 */
export class SafetyChecker {
  private readonly nodes = new Map<NodeId, NodeRecord>();
  /** Election Safety: term -> the one leader of that term. */
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Log Matching: index -> term -> chain value, over every durable log ever seen. */
  private readonly chainAt = new Map<number, Map<number, number>>();
  /** Leader Completeness: committedChain[i] is the chain value of the entry committed at i. */
  private readonly committedChain: number[] = [];
  /**
   * committedTerm[i]: the term in which index i was first seen committed, which is the term
   * of the leader that committed it (a leader observes its own commit before anyone else).
   * Non-decreasing in i. Leader Completeness only speaks of entries committed in earlier
   * terms: a candidate of an old term can still win late, through vote grants delayed in
   * the network, and need not hold what later terms committed (it cannot commit anything
   * against them either).
   */
  private readonly committedTerm: number[] = [];
  private committedMax = 0;
  /** State Machine Safety: appliedTerm/appliedHash[i] identify the entry applied at i. */
  private readonly appliedTerm: number[] = [];
  private readonly appliedHash: number[] = [];
  /** What applying the command at i returned the first time, anywhere (JSON). */
  private readonly appliedResult: (string | undefined)[] = [];

  /** The highest index known committed anywhere. */
  get highestCommitted(): number {
    return this.committedMax;
  }

  /**
   * A member's startup (building its RaftCore) must not read the log into memory: only the
   * configuration entries (LogReader.configEntries), however long the log is. `entriesRead`
   * counts what LogReader.entries() handed out while the member was built.
   */
  startupRead(id: NodeId, entriesRead: number): void {
    this.fail(entriesRead > 0, id, `read ${entriesRead} log entries at startup; only configuration entries may be read`);
  }

  /**
   * Registers a node incarnation (first start or restart) from its durable store. The log
   * view is rebuilt from the store, so a store that lost or changed data shows up as a
   * Log Matching or regression failure.
   */
  registerIncarnation(id: NodeId, store: LogReader, kvAppliedIndex: number): void {
    const { hardState, snapshot } = store.initialState();
    let record = this.nodes.get(id);
    if (record === undefined) {
      record = {
        log: new LogChainView(),
        durableTerm: 0,
        durableCommit: 0,
        votes: new Map(),
        appliedIndex: 0,
        volatileCommit: 0,
        notedCommit: 0,
        leaderCheckedTerm: 0,
      };
      this.nodes.set(id, record);
    }
    this.fail(hardState.term < record.durableTerm, id, `durable term went back to ${hardState.term}`);
    this.fail(hardState.commit < record.durableCommit, id, `durable commit went back to ${hardState.commit}`);
    this.fail(kvAppliedIndex < record.appliedIndex, id, `restarted with applied ${kvAppliedIndex} < ${record.appliedIndex}`);
    record.log.resetToSnapshot(snapshot.index, snapshot.term, this.snapshotChain(id, snapshot));
    const last = store.lastIndex();
    if (last >= store.firstIndex()) {
      const entries = store.entries(store.firstIndex(), logIndex(last + 1), Infinity);
      this.writeEntries(id, record, entries);
    }
    this.noteHardState(id, record, hardState);
    record.volatileCommit = hardState.commit;
    record.notedCommit = Math.min(record.notedCommit, hardState.commit);
    record.leaderCheckedTerm = 0;
    this.noteCommitted(id, record, hardState.commit, hardState.term);
  }

  /** After a write became durable. `status` is the core's state at that moment. */
  persisted(id: NodeId, ready: PersistBatch, lastIndexBefore: number, status: Status): void {
    const record = this.record(id);
    const isLeader = status.role === "leader";
    if (ready.snapshot !== undefined) {
      this.fail(isLeader, id, `leader installed snapshot ${ready.snapshot.index} (Leader Append-Only)`);
      this.persistSnapshot(id, record, ready.snapshot);
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      const cut = this.truncationPoint(record, ready.entries, lastIndexBefore);
      if (cut !== undefined) {
        this.fail(isLeader, id, `leader in term ${status.term} truncated its log from ${cut} (Leader Append-Only)`);
        this.fail(cut <= record.durableCommit, id, `truncated the log from ${cut}, at or below commit ${record.durableCommit}`);
        // Stronger than the local rule: no node may drop an entry committed anywhere, since
        // every later leader must hold it (§5.4) and so never sends a conflicting one.
        const committed = this.committedChain[cut];
        this.fail(committed !== undefined && record.log.chainAt(cut) === committed, id, `truncated committed index ${cut} from its log`);
      }
      this.writeEntries(id, record, ready.entries);
    }
    if (ready.hardState !== undefined) this.noteHardState(id, record, ready.hardState);
  }

  /**
   * At the moment a message leaves: the durable state must already cover what it promises
   * (Raft §5.1: persist before responding). Pre-vote traffic carries a future term, so only
   * its other fields are checked.
   */
  sent(id: NodeId, message: Message, durable: LogReader): void {
    const hardState = durable.initialState().hardState;
    const preVote = (message.type === "vote-request" || message.type === "vote-response") && message.preVote;
    if (!preVote) {
      this.fail(message.term > hardState.term, id, `sent ${message.type} in term ${message.term} but durable term is ${hardState.term}`);
    }
    if (message.type === "vote-response" && message.granted && !message.preVote) {
      // A later term made durable covers it too: the member can never vote in this term
      // again (writes coalesce: a grant's own write may be superseded before it starts).
      const covered = hardState.term > message.term ||
        (hardState.vote === message.to && hardState.term === message.term);
      this.fail(!covered, id, `granted a vote to ${message.to} in term ${message.term}, durable vote is ${hardState.vote}@${hardState.term}`);
    }
    if (message.type === "append-response" && message.success) {
      const last = durable.lastIndex();
      this.fail(message.matchIndex > last, id, `acknowledged index ${message.matchIndex}, durable log ends at ${last}`);
    }
  }

  /**
   * After a committed entry was applied to the node's state machine; `commitIndex` is the
   * node's at that moment (volatile: the driver does not write commit-only changes) and
   * `outcome` what a client command returned. Every application of index i, on any node and
   * also again after a power loss, must be of the same entry (State Machine Safety) and,
   * since applying is deterministic, return the same result to the client.
   */
  applied(id: NodeId, entry: Entry, commitIndex: number, outcome?: unknown): void {
    const record = this.record(id);
    this.fail(entry.index !== record.appliedIndex + 1, id, `applied ${entry.index} after ${record.appliedIndex} (apply must be contiguous)`);
    this.fail(entry.index > commitIndex, id, `applied ${entry.index} beyond its commit index ${commitIndex}`);
    this.fail(entry.index > record.log.lastIndex, id, `applied ${entry.index} beyond its durable log (ends at ${record.log.lastIndex})`);
    record.appliedIndex = entry.index;
    const hash = entryHash(entry);
    const result = outcome === undefined ? undefined : JSON.stringify(outcome);
    const known = this.appliedHash[entry.index];
    if (known === undefined) {
      this.appliedHash[entry.index] = hash;
      this.appliedTerm[entry.index] = entry.term;
      this.appliedResult[entry.index] = result;
    } else {
      const knownTerm = this.appliedTerm[entry.index]!;
      this.fail(known !== hash, id, `applied a different entry at ${entry.index} (term ${entry.term} vs ${knownTerm}; State Machine Safety)`);
      const first = this.appliedResult[entry.index];
      this.fail(result !== first, id, `applying ${entry.index} returned ${String(result)}, its first application ${String(first)} (non-deterministic apply)`);
    }
  }

  /**
   * A power loss took the node's state machine back from `appliedBefore` to `appliedAfter`
   * (ADR 0005: synchronous=NORMAL). The one place applied may move back, and only to the
   * state the machine came back in: the next incarnation must start there, and re-apply.
   */
  powerLost(id: NodeId, appliedBefore: number, appliedAfter: number): void {
    const record = this.record(id);
    this.fail(appliedBefore !== record.appliedIndex, id, `lost power at applied ${appliedBefore}, checker saw ${record.appliedIndex}`);
    this.fail(appliedAfter > appliedBefore, id, `power loss moved applied forward from ${appliedBefore} to ${appliedAfter}`);
    record.appliedIndex = appliedAfter;
  }

  /** After a hard state was written outside a Ready (a compaction raises commit). */
  persistedHardState(id: NodeId, hardState: HardState): void {
    this.noteHardState(id, this.record(id), hardState);
  }

  /** After a snapshot was installed into the node's state machine (or recovered at restart). */
  snapshotInstalled(id: NodeId, meta: SnapshotMeta, appliedBefore: number): void {
    const record = this.record(id);
    this.fail(meta.index < appliedBefore, id, `snapshot install moved applied back from ${appliedBefore} to ${meta.index}`);
    const knownTerm = this.appliedTerm[meta.index];
    this.fail(knownTerm !== undefined && knownTerm !== meta.term, id, `snapshot at ${meta.index} has term ${meta.term}, applied entry there had ${String(knownTerm)}`);
    record.appliedIndex = meta.index;
  }

  /** After every event, for every running node. */
  observe(id: NodeId, status: Status): void {
    const record = this.record(id);
    this.fail(status.commitIndex < record.volatileCommit, id, `commitIndex went back from ${record.volatileCommit} to ${status.commitIndex}`);
    this.fail(status.commitIndex < record.durableCommit, id, `commitIndex ${status.commitIndex} below durable commit ${record.durableCommit}`);
    record.volatileCommit = status.commitIndex;
    // With asynchronous writes a member may learn of a commit before its own copy of the
    // entries is durable (ready.ts): it applies only what is durable. So the committed
    // record is fed with what is both committed and durable here: a leader's durable log
    // (a leader never truncates it), a follower's applied prefix (a follower's durable log
    // may still hold an entry its in-memory log already replaced).
    const durableCommit = status.role === "leader"
      ? Math.min(status.commitIndex, record.log.lastIndex)
      : Math.min(status.commitIndex, status.appliedIndex);
    this.noteCommitted(id, record, durableCommit, status.term);
    if (status.role !== "leader") return;
    const leader = this.leaderOfTerm.get(status.term);
    this.fail(leader !== undefined && leader !== id, id, `second leader in term ${status.term}, first was ${String(leader)} (Election Safety)`);
    this.leaderOfTerm.set(status.term, id);
    if (record.leaderCheckedTerm !== status.term) {
      record.leaderCheckedTerm = status.term;
      this.checkLeaderCompleteness(id, record, status.term);
    }
  }

  /**
   * Every entry committed in a term before `term` must be in the log of the leader of
   * `term` (paper Figure 3, §5.4). Log Matching covers the prefix, so checking the highest
   * such index suffices.
   */
  private checkLeaderCompleteness(id: NodeId, record: NodeRecord, term: number): void {
    let c = this.committedMax;
    while (c > 0 && (this.committedTerm[c] ?? 0) >= term) c--;
    if (c <= record.log.snapshotIndex) return;
    const chain = record.log.chainAt(c);
    const lastIndex = record.log.lastIndex;
    this.fail(chain === undefined, id,
      `leader of term ${term} lacks committed index ${c} (log ends at ${lastIndex}; Leader Completeness)`);
    this.fail(chain !== this.committedChain[c], id,
      `leader of term ${term} holds another entry at committed index ${c} (Leader Completeness)`);
  }

  /** Compares (and records) the node's entries up to `commit` with the global committed log. */
  private noteCommitted(id: NodeId, record: NodeRecord, commit: number, term: number): void {
    if (commit <= record.notedCommit) return;
    const from = Math.max(record.notedCommit + 1, record.log.snapshotIndex);
    for (let i = from; i <= commit; i++) {
      const chain = record.log.chainAt(i);
      this.fail(chain === undefined, id, `commitIndex ${commit} beyond the durable log (ends at ${record.log.lastIndex})`);
      const known = this.committedChain[i];
      if (known === undefined) {
        this.committedChain[i] = chain!;
        this.committedTerm[i] = term;
      } else {
        this.fail(known !== chain, id, `committed a different entry at index ${i} than another node`);
      }
    }
    record.notedCommit = commit;
    if (commit > this.committedMax) this.committedMax = commit;
  }

  private noteHardState(id: NodeId, record: NodeRecord, hardState: HardState): void {
    this.fail(hardState.term < record.durableTerm, id, `durable term went back from ${record.durableTerm} to ${hardState.term}`);
    this.fail(hardState.commit < record.durableCommit, id, `durable commit went back from ${record.durableCommit} to ${hardState.commit}`);
    if (hardState.vote !== NO_NODE) {
      const earlier = record.votes.get(hardState.term);
      this.fail(earlier !== undefined && earlier !== hardState.vote, id, `voted for ${String(earlier)} and ${hardState.vote} in term ${hardState.term}`);
      record.votes.set(hardState.term, hardState.vote);
    }
    record.durableTerm = hardState.term;
    record.durableCommit = hardState.commit;
  }

  private persistSnapshot(id: NodeId, record: NodeRecord, snapshot: SnapshotMeta): void {
    if (record.log.termAt(snapshot.index) === snapshot.term) record.log.compactTo(snapshot.index);
    else {
      record.log.resetToSnapshot(snapshot.index, snapshot.term, this.snapshotChain(id, snapshot));
    }
  }

  /** The first index whose existing entry the batch removes or replaces, if any. */
  private truncationPoint(
    record: NodeRecord,
    entries: readonly Entry[],
    lastIndexBefore: number,
  ): number | undefined {
    for (const entry of entries) {
      if (entry.index > lastIndexBefore) return undefined;
      if (record.log.termAt(entry.index) !== entry.term) return entry.index;
    }
    const end = entries[entries.length - 1]!.index;
    return end < lastIndexBefore ? end + 1 : undefined;
  }

  private writeEntries(id: NodeId, record: NodeRecord, entries: readonly Entry[]): void {
    const chains = record.log.write(entries);
    entries.forEach((entry, k) => {
      let byTerm = this.chainAt.get(entry.index);
      if (byTerm === undefined) {
        byTerm = new Map();
        this.chainAt.set(entry.index, byTerm);
      }
      const known = byTerm.get(entry.term);
      if (known === undefined) byTerm.set(entry.term, chains[k]!);
      else this.fail(known !== chains[k], id, `holds (index ${entry.index}, term ${entry.term}) with a different prefix or content (Log Matching)`);
    });
  }

  private snapshotChain(id: NodeId, snapshot: SnapshotMeta): number {
    if (snapshot.index === 0) return 0;
    const chain = this.chainAt.get(snapshot.index)?.get(snapshot.term);
    this.fail(chain === undefined, id, `snapshot at (${snapshot.index}, ${snapshot.term}) covers an entry no log ever held`);
    return chain!;
  }

  private record(id: NodeId): NodeRecord {
    const record = this.nodes.get(id);
    if (record === undefined) throw new SafetyViolation(`node ${id} was never registered`);
    return record;
  }

  /** The driver held a peer call's answer after its write was released (see SimMember). */
  answerHeld(id: NodeId, detail: string): void {
    this.fail(true, id, detail);
  }

  private fail(condition: boolean, id: NodeId, message: string): void {
    if (condition) throw new SafetyViolation(`node ${id}: ${message}`);
  }
}
