import { performance } from "node:perf_hooks";
import { assert } from "../core/assert.js";
import type { MembershipConfig } from "../core/entry.js";
import { NO_NODE, type LogIndex, type NodeId, type Term } from "../core/ids.js";
import type { ConfigChange } from "../core/membership-config.js";
import { isResponse, type Message } from "../core/message.js";
import type { RaftConfig } from "../core/raft-config.js";
import { RaftCore } from "../core/raft-core.js";
import type { Random } from "../core/random.js";
import type { Status } from "../core/ready.js";
import type { StateMachine } from "../state-machine/state-machine.js";
import type { LogStore } from "../storage/log-store.js";
import type { SnapshotStore, StoredSnapshot } from "../storage/snapshot-store.js";
import type { InboundHandler, PeerTransport } from "../transport/peer-transport.js";
import {
  LeadershipLostError, NodeStoppedError, NotLeaderError, ProposalDroppedError, QueueFullError,
  refusalToError,
} from "./errors.js";
import { handleReady, type ReadyParts } from "./handle-ready.js";
import { NodeEventHub, type NodeEventListener } from "./node-events.js";
import { diffMembers } from "./membership-diff.js";
import type { Ticker } from "./ticker.js";
import { WaiterTable } from "./waiters.js";

/** The parts a member is built from (hashicorp/raft's NewRaft arguments). */
export interface RaftNodeParts<Result> {
  readonly raftConfig: RaftConfig;
  readonly logStore: LogStore;
  readonly stateMachine: StateMachine<Result>;
  readonly snapshotStore: SnapshotStore;
  readonly transport: PeerTransport;
  readonly ticker: Ticker;
  readonly random: Random;
  /** Client proposals awaiting their apply; beyond it, apply() rejects with QueueFullError. */
  readonly pendingProposalsMax: number;
  /** Linearizable reads awaiting confirmation and apply. */
  readonly pendingReadsMax: number;
  /** Take a snapshot and compact the log every this many applied entries; 0 disables. */
  readonly snapshotEveryEntries: number;
  /** Monotonic clock in ms, for deadlines; performance.now() by default. */
  readonly nowMs?: () => number;
}

export interface Applied<Result> {
  readonly index: LogIndex;
  readonly term: Term;
  readonly result: Result | undefined;
}

/**
 * The driver and sole owner of a RaftCore: it ticks it, feeds it peer messages and client
 * proposals, and drains its Ready through handleReady(). Client calls return promises that
 * settle when their entry is applied (or a read is confirmed and applied), or fail with a
 * typed error (errors.ts) when leadership is lost, the queue is full or the deadline passes.
 */
export class RaftNode<Result> implements InboundHandler {
  private readonly core: RaftCore;
  private readonly parts: ReadyParts<Result>;
  private readonly proposals: WaiterTable<Applied<Result>, { term: Term }>;
  private readonly reads: WaiterTable<LogIndex, { index: LogIndex | undefined }>;
  private readonly events = new NodeEventHub();
  private readonly nowMs: () => number;
  private nextReadId = 1;
  private lastSnapshotIndex: LogIndex;
  private drainScheduled = false;
  private stopped = false;
  private lastRole: Status["role"];
  private lastLeader: NodeId = NO_NODE;
  /** The most recent leader this member knew, even if it knows none now (for hints). */
  private lastKnownLeaderId: NodeId = NO_NODE;
  private membershipSeen: MembershipConfig;

  constructor(private readonly options: RaftNodeParts<Result>) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    recoverStateMachine(options);
    this.core = new RaftCore({
      config: options.raftConfig, storage: options.logStore, random: options.random,
      appliedIndex: options.stateMachine.appliedIndex(),
    });
    this.parts = {
      core: this.core, logStore: options.logStore, stateMachine: options.stateMachine,
      snapshotStore: options.snapshotStore, transport: options.transport,
      incomingSnapshot: undefined, capture: undefined,
    };
    this.proposals = new WaiterTable(options.pendingProposalsMax, "proposals");
    this.reads = new WaiterTable(options.pendingReadsMax, "reads");
    this.lastSnapshotIndex = options.logStore.snapshotMeta().index;
    this.lastRole = this.core.status().role;
    this.membershipSeen = this.core.membership();
    options.transport.attach(this);
  }

  get id(): NodeId {
    return this.core.id;
  }

  start(): void {
    this.options.ticker.start(() => this.onTick());
    this.drain();
  }

  /** Stops ticking, fails every waiting call, and closes the transport. Stores stay open. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.ticker.stop();
    const error = new NodeStoppedError("the member is shutting down");
    this.proposals.rejectAll(error);
    this.reads.rejectAll(error);
    await this.options.transport.close();
  }

  subscribe(listener: NodeEventListener): () => void {
    return this.events.subscribe(listener);
  }

  status(): Status {
    return this.core.status();
  }

  /** hashicorp/raft's State(): the role, with a non-voting follower reported as "learner". */
  state(): Status["role"] | "learner" {
    const status = this.core.status();
    return status.isLearner && status.role === "follower" ? "learner" : status.role;
  }

  leader(): NodeId {
    return this.core.status().leader;
  }

  /** The current leader, or else the last one known: a hint for clients after UNAVAILABLE. */
  lastKnownLeader(): NodeId {
    const current = this.leader();
    return current !== NO_NODE ? current : this.lastKnownLeaderId;
  }

  membership(): MembershipConfig {
    return this.core.membership();
  }

  stats(): Record<string, number | string> {
    const s = this.core.status();
    return {
      id: s.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex, lastIndex: s.lastIndex, snapshotIndex: s.snapshotIndex,
      pendingProposals: this.proposals.size, pendingReads: this.reads.size,
    };
  }

  /** Proposes a command; resolves with the state machine's result once it is applied here. */
  apply(data: Uint8Array, timeoutMs: number): Promise<Applied<Result>> {
    if (this.stopped) return Promise.reject(new NodeStoppedError("the member is shutting down"));
    if (this.proposals.size >= this.options.pendingProposalsMax) {
      return Promise.reject(new QueueFullError("too many proposals are waiting to be applied; retry later"));
    }
    const result = this.core.propose(data);
    if (!result.ok) return Promise.reject(refusalToError(result.refusal));
    const deadlineMs = this.nowMs() + timeoutMs;
    const promise = this.proposals.add(result.index, deadlineMs, { term: result.term });
    this.scheduleDrain();
    return promise;
  }

  /** Proposes a single-server membership change; resolves once it is applied here. */
  changeMembership(change: ConfigChange, timeoutMs: number): Promise<Applied<Result>> {
    if (this.stopped) return Promise.reject(new NodeStoppedError("the member is shutting down"));
    const result = this.core.proposeConfigChange(change);
    if (!result.ok) return Promise.reject(refusalToError(result.refusal));
    const deadlineMs = this.nowMs() + timeoutMs;
    const promise = this.proposals.add(result.index, deadlineMs, { term: result.term });
    this.scheduleDrain();
    return promise;
  }

  transferLeadership(target: NodeId): void {
    const result = this.core.transferLeadership(target);
    if (!result.ok) throw refusalToError(result.refusal);
    this.scheduleDrain();
  }

  /**
   * Linearizable read barrier (thesis 6.4): resolves with a read index once this member has
   * applied it, so a local read afterwards observes every write completed before the call.
   * Works on followers too (the leader confirms the index).
   */
  readBarrier(timeoutMs: number): Promise<LogIndex> {
    if (this.stopped) return Promise.reject(new NodeStoppedError("the member is shutting down"));
    if (this.reads.size >= this.options.pendingReadsMax) {
      return Promise.reject(new QueueFullError("too many reads are waiting; retry later"));
    }
    const requestId = this.nextReadId++;
    const result = this.core.readIndex(requestId);
    if (!result.ok) return Promise.reject(refusalToError(result.refusal));
    const promise = this.reads.add(requestId, this.nowMs() + timeoutMs, { index: undefined });
    this.scheduleDrain();
    return promise;
  }

  /**
   * hashicorp/raft's Barrier(): resolves once every operation committed before the call is
   * applied on this member. A ReadIndex round gives exactly that (the read index is the
   * leader's commit index when the call arrived), without writing to the log.
   */
  barrier(timeoutMs: number): Promise<LogIndex> {
    return this.readBarrier(timeoutMs);
  }

  /** Resolves if this member is the leader and a quorum confirms it (hashicorp VerifyLeader). */
  async verifyLeader(timeoutMs: number): Promise<void> {
    if (this.core.status().role !== "leader") throw new NotLeaderError(this.leader());
    await this.readBarrier(timeoutMs);
  }

  // InboundHandler: called by the transport.

  receive(message: Message): Message[] {
    if (this.stopped) return [];
    // Only a request's handling can produce the RPC's answer. While stepping a response, any
    // message for that peer is a new one-way message and must go through the transport.
    const capture = { from: message.from, out: [] as Message[] };
    this.parts.capture = isResponse(message) ? undefined : capture;
    try {
      this.core.step(message);
      this.drain();
    } finally {
      this.parts.capture = undefined;
    }
    return capture.out;
  }

  receiveSnapshotData(snapshot: StoredSnapshot): void {
    this.parts.incomingSnapshot = snapshot;
  }

  reportUnreachable(peer: NodeId): void {
    if (this.stopped) return;
    this.core.reportUnreachable(peer);
    this.events.emit({ type: "heartbeat-failure", peer });
  }

  private onTick(): void {
    if (this.stopped) return;
    this.core.tick();
    this.drain();
    const now = this.nowMs();
    this.proposals.expire(now);
    this.reads.expire(now);
  }

  /** Proposals made in one event-loop turn share one Ready: one fsync, one append per peer. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      if (!this.stopped) this.drain();
    });
  }

  private drain(): void {
    while (this.core.hasReady()) {
      const ready = this.core.ready();
      const outcome = handleReady(this.parts, ready);
      if (outcome.installedSnapshot !== undefined) {
        this.lastSnapshotIndex = outcome.installedSnapshot.index;
        this.events.emit({ type: "snapshot-installed", index: outcome.installedSnapshot.index });
      }
      for (const entry of outcome.applied) {
        const waiter = this.proposals.get(entry.index);
        if (waiter === undefined) continue;
        if (waiter.extra.term !== entry.term) {
          this.proposals.reject(entry.index, new ProposalDroppedError("the entry was replaced by a newer leader's"));
        } else {
          const result = outcome.results.get(entry.index);
          this.proposals.resolve(entry.index, { index: entry.index, term: entry.term, result });
        }
      }
      for (const read of ready.readStates) this.markRead(read.requestId, read.index);
      for (const requestId of ready.droppedReads) {
        this.reads.reject(requestId, new NotLeaderError(this.leader(), "the read could not be confirmed by a leader"));
      }
      this.afterReady();
    }
  }

  private markRead(requestId: number, index: LogIndex): void {
    const waiter = this.reads.get(requestId);
    if (waiter !== undefined) waiter.extra.index = index;
  }

  private afterReady(): void {
    const status = this.core.status();
    const applied = status.appliedIndex;
    this.reads.settleWhere((_, extra) =>
      extra.index !== undefined && extra.index <= applied ? { value: extra.index } : undefined);
    this.observeRoleAndLeader(status);
    this.observeMembership();
    this.maybeSnapshot(applied);
  }

  private observeRoleAndLeader(status: Status): void {
    if (status.role !== this.lastRole) {
      if (this.lastRole === "leader") {
        this.proposals.rejectAll(new LeadershipLostError("leadership was lost; the write may or may not be applied"));
      }
      this.lastRole = status.role;
      this.events.emit({ type: "role-changed", role: status.role, term: status.term });
    }
    if (status.leader !== this.lastLeader) {
      this.lastLeader = status.leader;
      if (status.leader !== NO_NODE) this.lastKnownLeaderId = status.leader;
      this.events.emit({ type: "leader-changed", leader: status.leader, term: status.term });
    }
  }

  private observeMembership(): void {
    const config = this.core.membership();
    if (config === this.membershipSeen) return;
    for (const event of diffMembers(this.membershipSeen, config)) this.events.emit(event);
    this.membershipSeen = config;
  }

  private maybeSnapshot(applied: LogIndex): void {
    const every = this.options.snapshotEveryEntries;
    if (every <= 0 || applied - this.lastSnapshotIndex < every) return;
    const meta = this.core.snapshotMetaAt(applied);
    const data = this.options.stateMachine.snapshot();
    this.options.snapshotStore.save(meta, data);
    // Commit-only changes are not written (handle-ready.ts), so the durable commit may lag
    // the applied index; compaction needs it to cover the snapshot.
    const durable = this.options.logStore.initialState().hardState;
    if (durable.commit < applied) {
      this.options.logStore.persist({ entries: [], hardState: { ...durable, commit: applied } });
    }
    this.options.logStore.compact(meta);
    this.options.snapshotStore.prune(meta.index);
    this.lastSnapshotIndex = applied;
    this.events.emit({ type: "snapshot-taken", index: applied, bytes: data.byteLength });
  }
}

/**
 * Crash recovery: the log may name a snapshot newer than the state machine (a crash between
 * persisting a received snapshot and installing it, or a state machine database that lost
 * its newest commits to power loss: ADR 0005). Install exactly the snapshot the log names;
 * the store keeps it until the log moves on, even when a newer one was saved before the
 * crash. Then drop what a crash left behind.
 */
function recoverStateMachine<Result>(options: RaftNodeParts<Result>): void {
  const logSnapshot = options.logStore.snapshotMeta();
  if (options.stateMachine.appliedIndex() < logSnapshot.index) {
    const stored = options.snapshotStore.get(logSnapshot.index);
    assert(
      stored !== undefined && stored.meta.term === logSnapshot.term,
      `the log names snapshot ${String(logSnapshot.index)}, which the snapshot store does not hold`,
    );
    options.stateMachine.restore(stored.meta, stored.data);
  }
  if (logSnapshot.index > 0) options.snapshotStore.prune(logSnapshot.index);
}
