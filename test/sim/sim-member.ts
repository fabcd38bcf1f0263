import type { LogIndex, NodeId } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
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
import type { KvObserver, SimKvStore } from "./sim-kv.js";

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
}

/**
 * How long a state machine takes to produce a snapshot, in virtual time: a few disk writes,
 * fixed so that it draws nothing from the run's random streams.
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
  private handler: InboundHandler | undefined;

  constructor(readonly options: SimMemberOptions) {
    const host = options.host;
    this.id = options.raftConfig.nodeId;
    this.disk = new SimDisk(options.durable.log, {
      nowMicros: () => host.nowMicros(),
      schedule: (delay, task) => host.schedule(delay, task),
      writeMicros: () => host.writeMicros(),
      crash: this.crash, observer: host,
      liesAboutDurability: options.diskLiesAboutDurability,
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
      stateMachine: options.durable.kv.attach({
        observer: host, crash: this.crash,
        checkpointEveryApplies: options.kvCheckpointEveryApplies,
        later: (task) => host.schedule(SNAPSHOT_PRODUCTION_MICROS, task),
      }),
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
    handler.receive(message);
  }

  reportUnreachable(peer: NodeId): void {
    this.handler?.reportUnreachable(peer);
  }

  /** The outcome of a snapshot this member sent (InboundHandler.reportSnapshot). */
  reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void {
    this.handler?.reportSnapshot(peer, status, snapshotIndex);
  }
}
