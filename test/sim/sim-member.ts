import type { LogIndex, NodeId } from "../../src/core/ids.js";
import { isResponse, type Message } from "../../src/core/message.js";
import type { SnapshotStatus } from "../../src/core/progress.js";
import type { RaftConfig } from "../../src/core/raft-config.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { Status } from "../../src/core/ready.js";
import type { Scheduler } from "../../src/node/scheduler.js";
import { RaftNode } from "../../src/node/raft-node.js";
import type { KvResult } from "../../src/state-machine/kv-types.js";
import type { MemoryLogStore } from "../../src/storage/memory-log-store.js";
import type { MemorySnapshotStore } from "../../src/storage/memory-snapshot-store.js";
import type { StoredSnapshot } from "../../src/storage/snapshot-store.js";
import type { InstallSnapshotChunk__Output } from "../../src/gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type { InboundHandler, PeerTransport } from "../../src/transport/peer-transport.js";
import { CrashSwitch } from "./crash-points.js";
import { receiveSnapshotChunks } from "./sim-codec.js";
import { SimDisk, type DiskObserver } from "./sim-disk.js";
import type { KvObserver, SimKvStore, SimStateMachine } from "./sim-kv.js";

/** An answer the driver holds, and what it may wait for (see SimMember.heldAnswers). */
interface HeldAnswer {
  readonly request: string;
  persistsStarted: number;
  preparationsStarted: number;
}

/** Everything of one node that survives a crash. */
export interface DurableState {
  readonly log: MemoryLogStore;
  readonly kv: SimKvStore;
  readonly snapshots: MemorySnapshotStore;
}

/** What an incarnation's ports report to, and ask of, the simulated world. */
export interface MemberHost extends DiskObserver, KvObserver {
  /** Virtual time, for the disk's queue. */
  nowMicros(): number;
  /** The member's own monotonic clock, in ms (its Scheduler's nowMs). */
  memberNowMs(): number;
  /** Runs `task` for this incarnation after `delayMicros` (dropped once it is gone). */
  schedule(delayMicros: number, task: () => void): void;
  /** Starts this incarnation's tick chain, calling `tick` at its drifted interval. */
  startTicking(tick: () => void): void;
  stopTicking(): void;
  /** A message leaves the member (the real transport's send()). */
  send(message: Message, snapshot: StoredSnapshot | undefined): void;
  /** Draws one write's duration. */
  writeMicros(): number;
  /** The driver held a call's answer past the writes it waited for (a checker violation). */
  answerHeld(detail: string): void;
}

/**
 * How long a state machine takes to produce a snapshot, or to prepare restoring one, in
 * virtual time: a few disk writes, fixed so that it draws nothing from the run's random
 * streams.
 */
const SNAPSHOT_PRODUCTION_MICROS = 5_000;

export interface SimMemberOptions {
  readonly raftConfig: RaftConfig;
  readonly durable: DurableState;
  readonly random: SeededRandom;
  readonly snapshotEveryEntries: number;
  /** The member's Raft tick, in ms of its own clock (the cluster's nominal tick). */
  readonly tickIntervalMs: number;
  readonly kvCheckpointEveryApplies: number;
  readonly diskLiesAboutDurability: boolean;
  readonly stallStepDownMs: number;
  readonly host: MemberHost;
}

/**
 * One incarnation of a simulated member: the production RaftNode (the only Ready driver)
 * over simulated ports. Nothing here drives Raft; it only wires ports to the simulated
 * world: time (SimScheduler), the disk (SimDisk), the network (SimTransport), the real KV
 * state machine (SimKvStore) and the real in-memory snapshot store. A crash discards this
 * object; the durable state lives on in the cluster's slot.
 */
export class SimMember {
  readonly id: NodeId;
  readonly node: RaftNode<KvResult>;
  readonly disk: SimDisk;
  readonly crash = new CrashSwitch();
  private readonly stateMachine: SimStateMachine;
  private handler: InboundHandler | undefined;
  private requestsDelivered = 0;
  /**
   * Requests answered on their call whose answer has not left yet, each with how many writes
   * the disk, and how many restore preparations the state machine, had been given when its
   * handling ended: every part of every write it can wait for is among them (the driver
   * starts a Ready's write in the Ready, or the Ready is not made).
   */
  private readonly heldAnswers = new Map<number, HeldAnswer>();

  constructor(readonly options: SimMemberOptions) {
    const host = options.host;
    this.id = options.raftConfig.nodeId;
    this.disk = new SimDisk(options.durable.log, {
      nowMicros: () => host.nowMicros(),
      schedule: (delay, task) => host.schedule(delay, task),
      writeMicros: () => host.writeMicros(),
      crash: this.crash, observer: host,
      liesAboutDurability: options.diskLiesAboutDurability,
      afterReport: () => this.checkNoAnswerHeld(),
    });
    this.stateMachine = options.durable.kv.attach({
      observer: host, crash: this.crash,
      checkpointEveryApplies: options.kvCheckpointEveryApplies,
      later: (task) => host.schedule(SNAPSHOT_PRODUCTION_MICROS, task),
      afterPreparation: () => this.checkNoAnswerHeld(),
    });
    const transport: PeerTransport = {
      attach: (handler) => { this.handler = handler; },
      send: (message, snapshot) => host.send(message, snapshot),
      setPeerAddress: () => undefined,
      close: () => Promise.resolve(),
    };
    const scheduler: Scheduler = {
      nowMs: () => host.memberNowMs(),
      soon: (task) => host.schedule(0, task),
      every: (_intervalMs, task) => {
        host.startTicking(task);
        return () => host.stopTicking();
      },
    };
    this.node = new RaftNode<KvResult>({
      raftConfig: options.raftConfig,
      logStore: this.disk,
      stateMachine: this.stateMachine,
      snapshotStore: options.durable.snapshots,
      transport, scheduler, tickIntervalMs: options.tickIntervalMs, random: options.random,
      writesInFlightMax: 8, pendingProposalsMax: 64, pendingReadsMax: 64,
      snapshotEveryEntries: options.snapshotEveryEntries,
      stallStepDownMs: options.stallStepDownMs,
    });
  }

  get kv(): SimKvStore {
    return this.options.durable.kv;
  }

  status(): Status {
    return this.node.status();
  }

  /**
   * Delivers a message that crossed the network. A snapshot-request's chunks go first,
   * through the production receiver into this member's snapshot store, as InstallSnapshot
   * does.
   */
  deliver(message: Message, chunks: readonly InstallSnapshotChunk__Output[] | undefined): void {
    const handler = this.handler;
    if (handler === undefined) return;
    if (chunks !== undefined) {
      handler.receiveSnapshotData(receiveSnapshotChunks(chunks, message.to, handler));
    }
    if (isResponse(message) || !this.answersThisRequest()) {
      handler.receive(message);
      return;
    }
    // The gRPC transport answers each request on its own call (InboundAnswers); the answer's
    // responses cross the network back like any message (host.send drops them once this
    // incarnation is gone, as a closed connection would).
    const answerId = this.requestsDelivered;
    const held: HeldAnswer = {
      request: `${message.type} ${String(message.from)}->${String(message.to)} t${String(message.term)}`,
      // Both set once the request's handling ends.
      persistsStarted: Number.POSITIVE_INFINITY, preparationsStarted: Number.POSITIVE_INFINITY,
    };
    this.heldAnswers.set(answerId, held);
    handler.receive(message, (responses) => {
      this.heldAnswers.delete(answerId);
      for (const response of responses) this.options.host.send(response, undefined);
    });
    held.persistsStarted = this.disk.persistsStarted;
    held.preparationsStarted = this.stateMachine.preparationsStarted;
    this.checkNoAnswerHeld();
  }

  /**
   * Ready rule 5 on the answer path, checked when a request's handling ends and after each
   * write's release or restore preparation: once every write an answer can wait for is
   * durable (and prepared) and released, the answer has left. One that stays held is late
   * by at least one more write, which for a follower's heartbeat answer is a heartbeat
   * interval (the bug of "hold-released-answers").
   */
  private checkNoAnswerHeld(): void {
    for (const held of this.heldAnswers.values()) {
      const prepared = held.preparationsStarted <= this.stateMachine.preparationsFinished;
      if (prepared && held.persistsStarted <= this.disk.persistsReported) {
        this.options.host.answerHeld(`the answer to ${held.request} is held after all ` +
          `${String(held.persistsStarted)} writes started before it were durable`);
      }
    }
  }

  /**
   * Whether the request being delivered is answered on its call (as the gRPC transport does
   * with every request) or one-way (as the in-memory transport does): three in four on the
   * call, by a counter rather than a draw, so the run's random streams are unchanged. Mixing
   * both lets a one-way response overtake an answer still waiting for its write.
   */
  private answersThisRequest(): boolean {
    this.requestsDelivered += 1;
    return this.requestsDelivered % 4 !== 0;
  }

  reportUnreachable(peer: NodeId): void {
    this.handler?.reportUnreachable(peer);
  }

  /** The outcome of a snapshot this member sent (InboundHandler.reportSnapshot). */
  reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void {
    this.handler?.reportSnapshot(peer, status, snapshotIndex);
  }
}
