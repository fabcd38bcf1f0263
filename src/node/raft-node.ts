import { assert } from "../core/assert.js";
import type { Entry, MembershipConfig, SnapshotMeta } from "../core/entry.js";
import { NO_NODE, type LogIndex, type NodeId, type Term } from "../core/ids.js";
import type { ConfigChange } from "../core/membership-config.js";
import { isResponse, type Message } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { RaftConfig } from "../core/raft-config.js";
import { RaftCore } from "../core/raft-core.js";
import type { Random } from "../core/random.js";
import type { ProposeResult } from "../core/errors.js";
import type { PeerReplication, Ready, Status, StorageWrite } from "../core/ready.js";
import type { StateMachine } from "../state-machine/state-machine.js";
import type { AsyncLogStore } from "../storage/async-log-store.js";
import type {
  IncomingSnapshot, IncomingSnapshotKey, SnapshotStore, StoredSnapshot,
} from "../storage/snapshot-store.js";
import type { AnswerRequest, InboundHandler, PeerTransport } from "../transport/peer-transport.js";
import {
  LeadershipLostError, NodeStoppedError, NotLeaderError, ProposalDroppedError, QueueFullError,
  refusalToError,
} from "./errors.js";
import { InboundAnswers } from "./inbound-answers.js";
import { NodeEventHub, type NodeEventListener } from "./node-events.js";
import { diffMembers } from "./membership-diff.js";
import type { Scheduler } from "./scheduler.js";
import { SnapshotProduction } from "./snapshot-production.js";
import { TickClock } from "./tick-clock.js";
import { WaiterTable } from "./waiters.js";
import type { LogProgressObserver } from "./log-progress.js";
import { StallWatchdog } from "./stall-watchdog.js";
import { WritePipeline } from "./write-pipeline.js";

/** The parts a member is built from (hashicorp/raft's NewRaft arguments). */
export interface RaftNodeParts<Result> {
  readonly raftConfig: RaftConfig;
  readonly logStore: AsyncLogStore;
  readonly stateMachine: StateMachine<Result>;
  readonly snapshotStore: SnapshotStore;
  readonly transport: PeerTransport;
  /** The clock and timers (production: SystemScheduler; tests: ManualScheduler). */
  readonly scheduler: Scheduler;
  /** One Raft tick: RaftConfig's electionTicks and heartbeatTicks count these. */
  readonly tickIntervalMs: number;
  /** Election jitter and read request ids (production: seeded from crypto). */
  readonly random: Random;
  /** Log writes started and not yet durable; past it, new Readies wait (the core batches). */
  readonly writesInFlightMax: number;
  /** Client proposals awaiting their apply; beyond it, apply() rejects with QueueFullError. */
  readonly pendingProposalsMax: number;
  /** Linearizable reads awaiting confirmation and apply. */
  readonly pendingReadsMax: number;
  /**
   * Take a snapshot once this many entries were applied since the last one (taken or
   * installed); 0: no trigger by count.
   */
  readonly snapshotEveryEntries: number;
  /**
   * ... or once applied entries of this many bytes (entrySizeBytes) accumulated since the
   * last one; 0 or absent: no trigger by size.
   */
  readonly snapshotEveryBytes?: number;
  /**
   * After a snapshot, the log is compacted only to the newest stored snapshot at or below
   * appliedIndex - logTailEntries, so a follower up to that far behind catches up from the
   * log instead of a whole snapshot; 0 or absent: to the snapshot just taken.
   */
  readonly logTailEntries?: number;
  /**
   * The stall watchdog's bound (stall-watchdog.ts): a leader whose log write or event loop
   * stalls longer steps down. 0 or absent: off.
   */
  readonly stallStepDownMs?: number;
  /** Told where client writes' entries are (tracing); optional. */
  readonly progressObserver?: LogProgressObserver;
}

/** Received snapshots kept waiting for the Ready that names them; more are discarded. */
const INCOMING_SNAPSHOTS_MAX = 2;

export interface Applied<Result> {
  readonly index: LogIndex;
  readonly term: Term;
  readonly result: Result | undefined;
}

/** Read request ids: a random incarnation prefix times this, plus a counter below it. */
const READ_IDS_PER_INCARNATION = 2 ** 21;

/**
 * The driver and sole owner of a RaftCore, and the only Ready driver: production and the
 * simulator run this same code with different ports. It ticks the core, feeds it peer
 * messages and client proposals, and handles each Ready as src/core/ready.ts prescribes,
 * with log writes off the event loop (WritePipeline). Client calls return promises that
 * settle when their entry is applied (or a read is confirmed and applied), or fail with a
 * typed error (errors.ts) when leadership is lost, the queue is full or the deadline passes.
 */
export class RaftNode<Result> implements InboundHandler {
  private readonly core: RaftCore;
  private readonly writes: WritePipeline;
  private readonly answers: InboundAnswers;
  private readonly proposals: WaiterTable<Applied<Result>, { term: Term }>;
  private readonly reads: WaiterTable<LogIndex, { index: LogIndex | undefined }>;
  private readonly events = new NodeEventHub();
  private readonly scheduler: Scheduler;
  /** Unique across restarts, so a ReadIndex answer meant for an earlier incarnation is dropped. */
  private readonly readIdBase: number;
  private readsIssued = 0;
  /**
   * Snapshots received from the leader, complete and verified, waiting for the Ready that
   * names one; oldest first, at most INCOMING_SNAPSHOTS_MAX.
   */
  private incomingSnapshots: IncomingSnapshot[] = [];
  /** Local snapshots: when to take one, taking it off the event loop, log compaction. */
  private readonly snapshots: SnapshotProduction;
  private readonly clock: TickClock;
  private drainScheduled = false;
  private draining = false;
  private stopped = false;
  private stopTicking: (() => void) | undefined;
  private lastRole: Status["role"];
  private lastLeader: NodeId = NO_NODE;
  /** The most recent leader this member knew, even if it knows none now (for hints). */
  private lastKnownLeaderId: NodeId = NO_NODE;
  private membershipSeen: MembershipConfig;
  /** When (scheduler ms) each peer's last message arrived: who is reachable now. */
  private readonly heardFromMs = new Map<NodeId, number>();
  /** When this member last became leader (scheduler ms); -Infinity if it never was. */
  private leaderSinceMs = -Infinity;
  private readonly watchdog: StallWatchdog;
  /** When the tick timer last fired: a late one means the event loop was blocked. */
  private lastTickMs: number;

  constructor(private readonly options: RaftNodeParts<Result>) {
    this.scheduler = options.scheduler;
    recoverStateMachine(options);
    this.core = new RaftCore({
      config: options.raftConfig, storage: options.logStore, random: options.random,
      appliedIndex: options.stateMachine.appliedIndex(),
    });
    // Past two election timeouts plus a margin, more ticks change nothing the core decides.
    const catchUpTicksMax = 2 * options.raftConfig.electionTicks + 2;
    this.clock = new TickClock(options.tickIntervalMs, catchUpTicksMax, this.scheduler.nowMs());
    this.writes = new WritePipeline(
      options.logStore, options.writesInFlightMax, (write) => this.onWriteDurable(write),
      () => this.scheduler.nowMs(), (snapshot, done) => { this.prepareRestore(snapshot, done); },
    );
    this.answers = new InboundAnswers(options.raftConfig.plantedBugs.has("hold-released-answers"));
    this.watchdog = new StallWatchdog(
      options.raftConfig.plantedBugs.has("ignore-stalls") ? 0 : options.stallStepDownMs ?? 0);
    this.lastTickMs = this.scheduler.nowMs();
    this.readIdBase = (1 + options.random.intBelow(2 ** 31)) * READ_IDS_PER_INCARNATION;
    this.proposals = new WaiterTable(options.pendingProposalsMax, "proposals");
    this.reads = new WaiterTable(options.pendingReadsMax, "reads");
    this.snapshots = new SnapshotProduction({
      ...options, snapshotEveryBytes: options.snapshotEveryBytes ?? 0,
      logTailEntries: options.logTailEntries ?? 0,
      status: () => this.core.status(),
      snapshotMetaAt: (index) => this.core.snapshotMetaAt(index),
      emit: (event) => this.events.emit(event),
      stopped: () => this.stopped,
    });
    this.lastRole = this.core.status().role;
    this.membershipSeen = this.core.membership();
    options.transport.attach(this);
  }

  get id(): NodeId {
    return this.core.id;
  }

  start(): void {
    assert(this.stopTicking === undefined, "a RaftNode starts once");
    this.stopTicking = this.scheduler.every(this.options.tickIntervalMs, () => this.onTick());
    this.drain();
  }

  /**
   * Stops ticking, fails every waiting call, and closes the transport. Writes in flight
   * still complete (the log store's close() waits for them); nothing is sent after them.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTicking?.();
    const error = new NodeStoppedError("the member is shutting down");
    this.proposals.rejectAll(error);
    this.reads.rejectAll(error);
    this.answers.dropAll();
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
      writesInFlight: this.writes.size,
    };
  }

  /**
   * Leader only (empty otherwise): each other member's match index and how long it has been
   * silent: since its last message, or since this leadership began if that is later.
   */
  replication(): Array<PeerReplication & { readonly silentMs: number }> {
    const now = this.scheduler.nowMs();
    return this.core.replication().map((peer) => {
      // Silence counts from the start of this leadership at the earliest: a new leader has
      // not yet had a round trip with every peer (etcd's recentActive starts true too).
      const heard = Math.max(this.heardFromMs.get(peer.id) ?? -Infinity, this.leaderSinceMs);
      return { ...peer, silentMs: now - heard };
    });
  }

  /** Proposes a command; resolves with the state machine's result once it is applied here. */
  apply(data: Uint8Array, timeoutMs: number): Promise<Applied<Result>> {
    const refusal = this.proposalRoomRefusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    this.catchUpTicks();
    const proposed = this.core.propose(data);
    if (proposed.ok) this.options.progressObserver?.proposed(proposed.index);
    return this.track(proposed, timeoutMs);
  }

  /** Proposes a single-server membership change; resolves once it is applied here. */
  changeMembership(change: ConfigChange, timeoutMs: number): Promise<Applied<Result>> {
    // Room is checked before proposing: an entry in the log with no waiter is a lost answer.
    if (this.options.raftConfig.plantedBugs.has("propose-change-before-room")) {
      const proposed = this.core.proposeConfigChange(change);
      const refusal = this.proposalRoomRefusal();
      return refusal === undefined ? this.track(proposed, timeoutMs) : Promise.reject(refusal);
    }
    const refusal = this.proposalRoomRefusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    this.catchUpTicks(); // The core judges the change on the time that really passed.
    return this.track(this.core.proposeConfigChange(change), timeoutMs);
  }

  transferLeadership(target: NodeId): void {
    this.catchUpTicks();
    const result = this.core.transferLeadership(target);
    this.scheduleDrain(); // The caught-up ticks may have output even if the core refused.
    if (!result.ok) throw refusalToError(result.refusal);
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
    this.catchUpTicks(); // A lease must be judged on the time that really passed.
    this.readsIssued = (this.readsIssued + 1) % READ_IDS_PER_INCARNATION;
    const requestId = this.readIdBase + this.readsIssued;
    const result = this.core.readIndex(requestId);
    if (!result.ok) return Promise.reject(refusalToError(result.refusal));
    const promise = this.reads.add(requestId, this.deadline(timeoutMs), { index: undefined });
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

  /**
   * hashicorp/raft's Snapshot(): a snapshot at (at least) the applied index now, taken on
   * demand (an operator's RPC). If one is being produced, resolves with that one; if the
   * newest snapshot is at the applied index already, with it. Rejects when the production
   * fails or the member stops.
   */
  takeSnapshot(): Promise<StoredSnapshot> {
    if (this.stopped) return Promise.reject(new NodeStoppedError("the member is shutting down"));
    return this.snapshots.take();
  }

  // InboundHandler: called by the transport.

  receive(message: Message, answer?: AnswerRequest): void {
    if (this.stopped) {
      answer?.([]);
      return;
    }
    assert(!this.draining, "the transport delivers outside the Ready loop");
    this.heardFromMs.set(message.from, this.scheduler.nowMs());
    if (message.type === "append-response" && message.success) {
      this.options.progressObserver?.matched(message.from, message.matchIndex);
    }
    this.catchUpTicks();
    // Only a request's handling can produce the RPC's answer. While stepping a response, any
    // message for that peer is a new one-way message and goes through the transport.
    if (answer !== undefined && !isResponse(message)) this.answers.open(message.from, answer);
    this.core.step(message);
    this.drain();
    this.answers.close();
  }

  openIncomingSnapshot(key: IncomingSnapshotKey): IncomingSnapshot {
    return this.options.snapshotStore.receive(key);
  }

  incomingSnapshotBytes(key: IncomingSnapshotKey): number {
    return this.options.snapshotStore.receivedBytes(key);
  }

  /**
   * Keeps the verified snapshot until the Ready that names it (saveIncomingSnapshot); one
   * for the same snapshot replaces its older handle, and past INCOMING_SNAPSHOTS_MAX the
   * oldest is discarded (a core that took it would have named it by then, or never will).
   */
  receiveSnapshotData(snapshot: IncomingSnapshot): void {
    const others = this.incomingSnapshots.filter((held) => !sameKey(held.key, snapshot.key));
    while (others.length >= INCOMING_SNAPSHOTS_MAX) others.shift()?.discard();
    this.incomingSnapshots = [...others, snapshot];
  }

  reportUnreachable(peer: NodeId): void {
    if (this.stopped) return;
    this.core.reportUnreachable(peer);
    this.events.emit({ type: "heartbeat-failure", peer });
  }

  reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void {
    if (this.stopped) return;
    assert(!this.draining, "the transport reports outside the Ready loop");
    this.core.reportSnapshot(peer, status, snapshotIndex);
    this.drain();
  }

  private proposalRoomRefusal(): Error | undefined {
    if (this.stopped) return new NodeStoppedError("the member is shutting down");
    if (this.proposals.size >= this.options.pendingProposalsMax) {
      return new QueueFullError("too many proposals are waiting to be applied; retry later");
    }
    return undefined;
  }

  private track(result: ProposeResult, timeoutMs: number): Promise<Applied<Result>> {
    if (!result.ok) return Promise.reject(refusalToError(result.refusal));
    const deadlineMs = this.deadline(timeoutMs);
    const promise = this.proposals.add(result.index, deadlineMs, { term: result.term });
    this.scheduleDrain();
    return promise;
  }

  /** The stall watchdog: a leader that stalls gives up leadership (stall-watchdog.ts). */
  private stepDownIfStalled(loopLateMs: number): void {
    if (this.core.status().role !== "leader") return;
    const stall = this.watchdog.check(this.writes.oldestInFlightMs(), loopLateMs);
    if (stall === undefined) return;
    const backoffTicks = 2 * this.options.raftConfig.electionTicks;
    if (this.core.stepDown(backoffTicks)) this.events.emit({ type: "stepped-down", ...stall });
  }

  /** Ticks owed since the last tick (a pause, a blocked loop) come before any input. */
  private catchUpTicks(): void {
    this.tickCore(this.clock.beforeInput(this.scheduler.nowMs()));
  }

  private tickCore(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.core.tick();
  }

  private deadline(timeoutMs: number): number {
    return this.scheduler.nowMs() + timeoutMs;
  }

  private onTick(): void {
    if (this.stopped) return;
    const nowMs = this.scheduler.nowMs();
    const loopLateMs = nowMs - this.lastTickMs - this.options.tickIntervalMs;
    this.lastTickMs = nowMs;
    this.tickCore(this.clock.onTimer(nowMs));
    this.stepDownIfStalled(loopLateMs);
    this.drain();
    const now = this.scheduler.nowMs();
    this.proposals.expire(now);
    this.reads.expire(now);
  }

  /** Proposals made in one turn share one Ready: one write, one append per peer. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.scheduler.soon(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Handles Readies (src/core/ready.ts, rules 1-4) while the write pipeline has room. */
  private drain(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    try {
      while (this.writes.hasRoom() && this.core.hasReady()) this.handleReady(this.core.ready());
    } finally {
      this.draining = false;
    }
    // Empty writes (messages that only wait for earlier writes) may be durable already.
    this.writes.flush();
  }

  private handleReady(ready: Ready): void {
    // Observers first, so the transport knows a member added by this Ready before its
    // messages go out.
    this.observeMembership();
    for (const message of ready.messages) this.send(message);
    const write = ready.write;
    if (write !== undefined) {
      this.answers.claim(write);
      if (write.snapshot !== undefined) this.saveIncomingSnapshot(write.snapshot);
      this.writes.start(write);
    }
    const results = ready.committedEntries.length > 0
      ? this.options.stateMachine.apply(ready.committedEntries)
      : new Map<LogIndex, Result>();
    this.snapshots.applied(ready.committedEntries);
    this.core.advance(ready);
    this.settleProposals(ready.committedEntries, results);
    for (const read of ready.readStates) this.markRead(read.requestId, read.index);
    for (const requestId of ready.droppedReads) {
      this.reads.reject(requestId, new NotLeaderError(this.leader(), "the read could not be confirmed by a leader"));
    }
    this.afterReady();
  }

  /**
   * Ready rule 5, in write order: install a received snapshot, tell the core, then release
   * the messages that waited for this write.
   */
  private onWriteDurable(write: StorageWrite): void {
    if (this.stopped) return;
    const snapshot = write.snapshot;
    if (snapshot !== undefined) {
      const stored = this.options.snapshotStore.get(snapshot.index);
      assert(stored?.meta.term === snapshot.term, "a written snapshot's bytes are stored");
      this.options.stateMachine.restoreFrom(stored);
    }
    this.core.persisted(write);
    const lastWritten = write.entries[write.entries.length - 1];
    if (lastWritten !== undefined) this.options.progressObserver?.persisted(lastWritten.index);
    if (snapshot !== undefined) {
      // Only now, with the log naming the received snapshot, may older ones go.
      this.options.snapshotStore.prune(snapshot.index);
      this.snapshots.installed(snapshot.index);
      this.events.emit({ type: "snapshot-installed", index: snapshot.index });
    }
    for (const message of write.messagesAfterWrite) this.send(message);
    this.answers.released(write.id);
    this.afterReady();
    this.drain();
  }

  /**
   * Lets the state machine prepare installing a received snapshot (copying its file off the
   * event loop) while the log write that names it is on its way; onWriteDurable() installs
   * it once both are done. The snapshot's bytes were committed to the store in this Ready.
   */
  private prepareRestore(snapshot: SnapshotMeta, done: () => void): void {
    const machine = this.options.stateMachine;
    const stored = this.options.snapshotStore.get(snapshot.index);
    if (machine.prepareRestore === undefined || stored?.meta.term !== snapshot.term) {
      done(); // onWriteDurable() finds the snapshot missing, or restores it the slow way.
      return;
    }
    machine.prepareRestore(stored, done);
  }

  /**
   * The bytes are committed to the snapshot store before the log write that names them
   * starts; older received snapshots are of no use any more.
   */
  private saveIncomingSnapshot(meta: SnapshotMeta): void {
    const incoming = this.incomingSnapshots.find(
      (held) => held.key.index === meta.index && held.key.term === meta.term);
    assert(incoming !== undefined, "a snapshot reaches the core only after its bytes arrived");
    incoming.commit(meta);
    for (const held of this.incomingSnapshots) {
      if (held !== incoming && held.key.index <= meta.index) held.discard();
    }
    this.incomingSnapshots = this.incomingSnapshots.filter((held) => held.key.index > meta.index);
  }

  private send(message: Message): void {
    if (this.answers.take(message)) return;
    if (message.type === "snapshot-request") {
      // The snapshot the log names, which may be older than the newest stored one: a crash
      // between saving a snapshot and compacting the log leaves both. prune() keeps it.
      const stored = this.options.snapshotStore.get(message.snapshot.index);
      assert(
        stored !== undefined && stored.meta.term === message.snapshot.term,
        `snapshot ${String(message.snapshot.index)} named by the log is missing or damaged`,
      );
      this.options.transport.send(message, stored);
      return;
    }
    this.options.transport.send(message);
  }

  private settleProposals(applied: readonly Entry[], results: Map<LogIndex, Result>): void {
    for (const entry of applied) {
      const waiter = this.proposals.get(entry.index);
      if (waiter === undefined) continue;
      if (waiter.extra.term !== entry.term) {
        this.proposals.reject(entry.index, new ProposalDroppedError("the entry was replaced by a newer leader's"));
      } else {
        const result = results.get(entry.index);
        this.proposals.resolve(entry.index, { index: entry.index, term: entry.term, result });
      }
    }
  }

  private markRead(requestId: number, index: LogIndex): void {
    const waiter = this.reads.get(requestId);
    if (waiter !== undefined) waiter.extra.index = index;
  }

  private afterReady(): void {
    const status = this.core.status();
    const observer = this.options.progressObserver;
    if (observer !== undefined) {
      observer.committed(status.commitIndex);
      observer.applied(status.appliedIndex);
    }
    const applied = status.appliedIndex;
    this.reads.settleWhere((_, extra) =>
      extra.index !== undefined && extra.index <= applied ? { value: extra.index } : undefined);
    this.observeRoleAndLeader(status);
    this.observeMembership();
    this.snapshots.maybeStart(applied);
  }

  private observeRoleAndLeader(status: Status): void {
    if (status.role !== this.lastRole) {
      if (this.lastRole === "leader") {
        this.proposals.rejectAll(new LeadershipLostError("leadership was lost; the write may or may not be applied"));
      }
      this.lastRole = status.role;
      if (status.role === "leader") this.leaderSinceMs = this.scheduler.nowMs();
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
    this.events.emit({ type: "membership-changed", config });
    for (const event of diffMembers(this.membershipSeen, config)) this.events.emit(event);
    this.membershipSeen = config;
  }
}

function sameKey(a: IncomingSnapshotKey, b: IncomingSnapshotKey): boolean {
  return a.index === b.index && a.term === b.term && a.sha256 === b.sha256;
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
    options.stateMachine.restoreFrom(stored);
  }
  if (logSnapshot.index > 0) options.snapshotStore.prune(logSnapshot.index);
}
