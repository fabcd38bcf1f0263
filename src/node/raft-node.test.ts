/**
 * Goal: the node driver's contract — client calls settle exactly when the Ready loop says,
 * and every failure is a typed error: not leader (with a hint), a full queue, a deadline,
 * leadership lost, a stopped node; plus the operator verbs (state, barrier, verifyLeader,
 * stats, events, takeSnapshot), snapshots triggered by applied bytes, produced
 * asynchronously, and log compaction that keeps a tail of entries behind the applied index;
 * and answers to inbound requests (the gRPC transport's path) that leave on their own call.
 * Method: three RaftNodes over a MemoryNetwork with in-memory stores (log writes complete on
 * a later macrotask) and a TickScheduler each, so Raft time only moves when the test ticks;
 * `settle()` lets the network's and the stores' macrotasks run.
 */
import { bootstrapEntries } from "../core/bootstrap.js";
import { logIndex, NO_NODE, nodeId, term, type NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import { makeConfig } from "../core/membership-config.js";
import { DEFAULT_RAFT_CONFIG } from "../core/raft-config.js";
import { SeededRandom } from "../core/random.js";
import { CounterStateMachine as ExampleCounter } from "../../examples/counter/counter-state-machine.js";
import type { SnapshotOutcome } from "../state-machine/state-machine.js";
import {
  readSnapshotBytes, type SnapshotDraft, type StoredSnapshot,
} from "../storage/snapshot-store.js";
import { MemoryLogStore } from "../storage/memory-log-store.js";
import { MemorySnapshotStore } from "../storage/memory-snapshot-store.js";
import { MemoryNetwork } from "../transport/memory-transport.js";
import {
  DeadlineExceededError, LeadershipLostError, NodeStoppedError, NotLeaderError, QueueFullError,
} from "./errors.js";
import type { NodeEvent } from "./node-events.js";
import { RaftNode } from "./raft-node.js";
import type { Scheduler } from "./scheduler.js";
import { SyncAsyncLogStore } from "../storage/sync-async-log-store.js";

/**
 * The example counter whose snapshot report can be held: `hold` keeps the next report back
 * until release(), as a slow worker would.
 */
class CounterStateMachine extends ExampleCounter {
  hold = false;
  private held: (() => void) | undefined;

  override snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void {
    draft.write(this.snapshot());
    const outcome: SnapshotOutcome = { ok: true, index: this.appliedIndex() };
    if (this.hold) this.held = () => done(outcome);
    else done(outcome);
  }

  release(): void {
    const held = this.held;
    this.held = undefined;
    held?.();
  }

  override restoreFrom(snapshot: StoredSnapshot): void {
    this.restore(snapshot.meta, readSnapshotBytes(snapshot));
  }
}

/** soon() is a real macrotask (so settle() runs it); the tick and the clock move by hand. */
class TickScheduler implements Scheduler {
  private task: (() => void) | undefined;

  constructor(private readonly clock: () => number) {}

  nowMs(): number {
    return this.clock();
  }

  soon(task: () => void): void {
    setImmediate(task);
  }

  every(_intervalMs: number, task: () => void): () => void {
    this.task = task;
    return () => { this.task = undefined; };
  }

  tick(): void {
    this.task?.();
  }
}

const asyncLog = (store: MemoryLogStore): SyncAsyncLogStore =>
  new SyncAsyncLogStore(store, { defer: setImmediate });

interface Harness {
  readonly network: MemoryNetwork;
  readonly nodes: Map<NodeId, RaftNode<number>>;
  readonly tickers: Map<NodeId, TickScheduler>;
  clock: number;
}

function start(ids: number[], pendingProposalsMax = 100): Harness {
  const network = new MemoryNetwork();
  const boot = bootstrapEntries(makeConfig(ids));
  const harness: Harness = { network, nodes: new Map(), tickers: new Map(), clock: 0 };
  for (const raw of ids) {
    const id = nodeId(raw);
    const ticker = new TickScheduler(() => harness.clock);
    const node = new RaftNode<number>({
      raftConfig: { ...DEFAULT_RAFT_CONFIG, nodeId: id, electionTicks: 10, heartbeatTicks: 1 },
      logStore: asyncLog(new MemoryLogStore(boot)), stateMachine: new CounterStateMachine(),
      snapshotStore: new MemorySnapshotStore(), transport: network.transport(id),
      scheduler: ticker, tickIntervalMs: 10, writesInFlightMax: 16,
      random: new SeededRandom(raw), pendingProposalsMax, pendingReadsMax: 100,
      snapshotEveryEntries: 0,
    });
    node.start();
    harness.nodes.set(id, node);
    harness.tickers.set(id, ticker);
  }
  return harness;
}

/** Lets queued network deliveries (setImmediate) and promise continuations run. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function tick(h: Harness, count = 1, ids?: NodeId[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    h.clock += 10;
    for (const [id, ticker] of h.tickers) if (ids === undefined || ids.includes(id)) ticker.tick();
    await settle(3);
  }
}

async function leaderOf(h: Harness): Promise<RaftNode<number>> {
  for (let i = 0; i < 100; i++) {
    const leaders = [...h.nodes.values()].filter((n) => n.state() === "leader");
    if (leaders.length === 1) return leaders[0]!;
    await tick(h);
  }
  throw new Error("no leader");
}

const add = (n: number): Uint8Array => CounterStateMachine.encodeAdd(n);

describe("RaftNode", () => {
  test("applies through the leader; followers refuse with the leader as a hint", async () => {
    const h = start([1, 2, 3]);
    const leader = await leaderOf(h);
    const applying = leader.apply(add(5), 1000);
    await settle();
    await expect(applying).resolves.toMatchObject({ result: 5 });
    const follower = [...h.nodes.values()].find((n) => n !== leader)!;
    await expect(follower.apply(add(1), 1000)).rejects.toEqual(new NotLeaderError(leader.id));
    expect(follower.state()).toBe("follower");
    expect(leader.stats()).toMatchObject({ role: "leader", pendingProposals: 0 });
  });

  test("barrier and verifyLeader confirm through a quorum; a follower cannot verify", async () => {
    const h = start([1, 2, 3]);
    const leader = await leaderOf(h);
    await settle();
    const barrier = leader.barrier(1000);
    await tick(h, 2);
    await expect(barrier).resolves.toBeGreaterThan(0);
    const verify = leader.verifyLeader(1000);
    await tick(h, 2);
    await expect(verify).resolves.toBeUndefined();
    const follower = [...h.nodes.values()].find((n) => n !== leader)!;
    await expect(follower.verifyLeader(1000)).rejects.toBeInstanceOf(NotLeaderError);
  });

  test("a full proposal table rejects with QueueFullError instead of growing", async () => {
    const h = start([1, 2, 3], 2);
    const leader = await leaderOf(h);
    h.network.isolate(leader.id, [...h.nodes.keys()]);
    const first = leader.apply(add(1), 1000);
    const second = leader.apply(add(1), 1000);
    await expect(leader.apply(add(1), 1000)).rejects.toBeInstanceOf(QueueFullError);
    await leader.stop();
    await expect(first).rejects.toBeInstanceOf(NodeStoppedError);
    await expect(second).rejects.toBeInstanceOf(NodeStoppedError);
  });

  test("a proposal that cannot commit fails at its deadline, or when leadership is lost", async () => {
    const h = start([1, 2, 3]);
    const leader = await leaderOf(h);
    h.network.isolate(leader.id, [...h.nodes.keys()]);
    const timed = leader.apply(add(1), 25);
    const waiting = leader.apply(add(1), 10_000);
    const waitingFails = expect(waiting).rejects.toBeInstanceOf(LeadershipLostError);
    await tick(h, 3, [leader.id]);
    await expect(timed).rejects.toBeInstanceOf(DeadlineExceededError);
    // Check-quorum: cut off from its quorum, the leader steps down within two election
    // timeouts (the first check may still count activity from before the partition).
    await tick(h, 25, [leader.id]);
    await waitingFails;
    expect(leader.leader()).toBe(NO_NODE);
    expect(leader.lastKnownLeader()).toBe(leader.id);
  });

  test("recovers after power loss between saving a snapshot and compacting the log", async () => {
    // The KV database runs with synchronous=NORMAL (ADR 0005), so after power loss the state
    // machine may come back below the snapshot the log names, while the snapshot store
    // already holds a newer one the log never recorded. Recovery needs exactly the one the
    // log names (found by a power-loss run of the simulator's model against this driver).
    const id = nodeId(1);
    const logStore = new MemoryLogStore(bootstrapEntries(makeConfig([1])));
    const snapshotStore = new MemorySnapshotStore({ retainCount: 1 });
    let compactions = 0;
    let durableAtCrash: MemoryLogStore | undefined;
    const compact = logStore.compact.bind(logStore);
    logStore.compact = (meta) => {
      compactions += 1;
      if (compactions === 2) durableAtCrash = logStore.clone(); // power lost before this write
      compact(meta);
    };
    // Nothing the old process did after that moment reached the disk: no prune either.
    const prune = snapshotStore.prune.bind(snapshotStore);
    snapshotStore.prune = (index) => {
      if (durableAtCrash === undefined) prune(index);
    };
    const network = new MemoryNetwork();
    const parts = (
      stateMachine: CounterStateMachine, log: MemoryLogStore, ticker: TickScheduler,
    ) => ({
      raftConfig: { ...DEFAULT_RAFT_CONFIG, nodeId: id, electionTicks: 10, heartbeatTicks: 1 },
      logStore: asyncLog(log), stateMachine, snapshotStore, transport: network.transport(id),
      scheduler: ticker, tickIntervalMs: 10, writesInFlightMax: 16,
      random: new SeededRandom(1), pendingProposalsMax: 100, pendingReadsMax: 100,
      snapshotEveryEntries: 3,
    });
    const ticker = new TickScheduler(() => 0);
    const node = new RaftNode<number>(parts(new CounterStateMachine(), logStore, ticker));
    node.start();
    for (let i = 0; i < 30 && node.state() !== "leader"; i++) {
      ticker.tick();
      await settle(3);
    }
    for (let i = 0; i < 8 && durableAtCrash === undefined; i++) {
      await node.apply(add(1), 1000);
    }
    await node.stop();
    const durable = durableAtCrash!;
    expect(snapshotStore.latest()!.meta.index).toBeGreaterThan(durable.snapshotMeta().index);

    const restored = new CounterStateMachine(); // came back empty: below the log's snapshot
    const restartTicker = new TickScheduler(() => 0);
    const restarted = new RaftNode<number>(parts(restored, durable, restartTicker));
    expect(restored.appliedIndex()).toBe(durable.snapshotMeta().index);
    const lastBefore = durable.lastIndex();
    restarted.start();
    // Commit-only changes are not written, so entries after the durable commit are applied
    // once the member commits again: here, once it leads and commits its own no-op.
    for (let i = 0; i < 30 && restarted.state() !== "leader"; i++) {
      restartTicker.tick();
      await settle(3);
    }
    await settle();
    // Index 1 is the bootstrap configuration, 2 the leader's no-op, then one add(1) each,
    // then the restarted leader's no-op.
    expect(restored.appliedIndex()).toBe(lastBefore + 1);
    expect(restored.value()).toBe(lastBefore - 2);
    await restarted.stop();
  });

  test("takes snapshots by bytes applied, and compacts the log only to the tail's snapshot", async () => {
    const logStore = new MemoryLogStore(bootstrapEntries(makeConfig([1])));
    const snapshotStore = new MemorySnapshotStore({ retainCount: 1 });
    const ticker = new TickScheduler(() => 0);
    const node = new RaftNode<number>({
      raftConfig: {
        ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1), electionTicks: 10, heartbeatTicks: 1,
      },
      logStore: asyncLog(logStore), stateMachine: new CounterStateMachine(), snapshotStore,
      transport: new MemoryNetwork().transport(nodeId(1)), scheduler: ticker, tickIntervalMs: 10,
      writesInFlightMax: 16, random: new SeededRandom(1), pendingProposalsMax: 100,
      pendingReadsMax: 100,
      // Each add(1) entry is 28 B by entrySizeBytes: a snapshot every 4 or 5 of them.
      snapshotEveryEntries: 0, snapshotEveryBytes: 120, logTailEntries: 10,
    });
    const taken: number[] = [];
    node.subscribe((event) => { if (event.type === "snapshot-taken") taken.push(event.index); });
    node.start();
    for (let i = 0; i < 30 && node.state() !== "leader"; i++) {
      ticker.tick();
      await settle(3);
    }
    for (let i = 0; i < 40; i++) {
      await node.apply(add(1), 1000);
      await settle(2);
    }
    await settle();
    expect(taken.length).toBeGreaterThanOrEqual(6);
    const applied = node.status().appliedIndex;
    const logSnapshot = logStore.snapshotMeta().index;
    // The log keeps at least the tail; it names a stored snapshot; newer ones are kept too.
    expect(logSnapshot).toBeGreaterThan(0);
    expect(logSnapshot).toBeLessThanOrEqual(applied - 10);
    expect(snapshotStore.get(logSnapshot)).toBeDefined();
    expect(snapshotStore.latest()!.meta.index).toBe(taken.at(-1));
    expect(taken.at(-1)).toBeGreaterThan(logSnapshot);
    await node.stop();
  });

  test("takeSnapshot() waits for the one being produced, and serves the newest after", async () => {
    const stateMachine = new CounterStateMachine();
    const ticker = new TickScheduler(() => 0);
    const node = new RaftNode<number>({
      raftConfig: {
        ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1), electionTicks: 10, heartbeatTicks: 1,
      },
      logStore: asyncLog(new MemoryLogStore(bootstrapEntries(makeConfig([1])))), stateMachine,
      snapshotStore: new MemorySnapshotStore({ retainCount: 2 }),
      transport: new MemoryNetwork().transport(nodeId(1)), scheduler: ticker, tickIntervalMs: 10,
      writesInFlightMax: 16, random: new SeededRandom(1), pendingProposalsMax: 100,
      pendingReadsMax: 100, snapshotEveryEntries: 0,
    });
    node.start();
    for (let i = 0; i < 30 && node.state() !== "leader"; i++) {
      ticker.tick();
      await settle(3);
    }
    await node.apply(add(5), 1000);
    stateMachine.hold = true;
    const first = node.takeSnapshot();
    const second = node.takeSnapshot(); // One production at a time: the same one.
    await node.apply(add(1), 1000); // The member keeps applying meanwhile.
    stateMachine.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(a.meta.index).toBe(3); // Bootstrap config, the no-op, add(5): the copy's index.
    expect(Array.from(readSnapshotBytes(a))).toEqual(
      Array.from(new TextEncoder().encode(JSON.stringify({ total: 5 }))));
    stateMachine.hold = false;
    const newer = await node.takeSnapshot();
    expect(newer.meta.index).toBe(4);
    expect((await node.takeSnapshot()).meta.index).toBe(4); // Nothing applied since: that one.
    await node.stop();
    await expect(node.takeSnapshot()).rejects.toBeInstanceOf(NodeStoppedError);
  });

  test("events report role and leader changes", async () => {
    const h = start([1, 2, 3]);
    const events: NodeEvent[] = [];
    for (const node of h.nodes.values()) node.subscribe((event) => events.push(event));
    const leader = await leaderOf(h);
    await tick(h, 2);
    expect(events).toContainEqual(expect.objectContaining({ type: "role-changed", role: "leader" }));
    expect(events).toContainEqual(
      expect.objectContaining({ type: "leader-changed", leader: leader.id }),
    );
  });
});

describe("RaftNode review fixes", () => {
  test("changeMembership refuses before proposing when the waiter table is full", async () => {
    const h = start([1, 2, 3], 2);
    const leader = await leaderOf(h);
    h.network.isolate(leader.id, [...h.nodes.keys()]);
    void leader.apply(add(1), 10_000).catch(() => undefined);
    void leader.apply(add(1), 10_000).catch(() => undefined);
    const lastIndex = leader.status().lastIndex;
    await expect(leader.changeMembership({ type: "add-learner", node: nodeId(9) }, 1000))
      .rejects.toBeInstanceOf(QueueFullError);
    // Nothing was appended: an entry with no waiter would be an answer nobody gets.
    expect(leader.status().lastIndex).toBe(lastIndex);
    await leader.stop();
  });

  test("a leader paused past check-quorum steps down before it changes membership or hands over", async () => {
    const h = start([1, 2, 3]);
    const leader = await leaderOf(h);
    const follower = [...h.nodes.keys()].find((id) => id !== leader.id)!;
    h.network.isolate(leader.id, [...h.nodes.keys()]);
    h.clock += 500; // The process was stopped: no tick ran, but the clock moved on.
    expect(() => leader.transferLeadership(follower)).toThrow(NotLeaderError);
    await expect(leader.changeMembership({ type: "add-learner", node: nodeId(9) }, 1000))
      .rejects.toBeInstanceOf(NotLeaderError);
    for (const node of h.nodes.values()) await node.stop();
  });

  test("a ReadIndex answer meant for an earlier incarnation never serves a read", async () => {
    // One follower (member 2) of a cluster whose other members are played by the test.
    const stores = {
      log: new MemoryLogStore(bootstrapEntries(makeConfig([1, 2, 3]))),
      snapshots: new MemorySnapshotStore(),
    };
    const sent: Message[] = [];
    const incarnation = (seed: number): { node: RaftNode<number>; ticker: TickScheduler } => {
      const ticker = new TickScheduler(() => 0);
      const node = new RaftNode<number>({
        raftConfig: {
          ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(2), electionTicks: 10, heartbeatTicks: 1,
        },
        logStore: asyncLog(stores.log), stateMachine: new CounterStateMachine(),
        snapshotStore: stores.snapshots,
        transport: {
          attach: () => undefined, send: (m) => sent.push(m),
          setPeerAddress: () => undefined, close: () => Promise.resolve(),
        },
        scheduler: ticker, tickIntervalMs: 10, writesInFlightMax: 16,
        random: new SeededRandom(seed),
        pendingProposalsMax: 10, pendingReadsMax: 10, snapshotEveryEntries: 0,
      });
      node.start();
      return { node, ticker };
    };
    const heartbeat: Message = {
      type: "heartbeat-request", from: nodeId(1), to: nodeId(2), term: term(1),
      commit: logIndex(1), readRound: 0,
    };
    const readRequestOf = async (node: RaftNode<number>): Promise<number> => {
      node.receive(heartbeat);
      await settle();
      const reading = node.readBarrier(10_000);
      reading.catch(() => undefined);
      await settle();
      const request = sent.filter((m) => m.type === "read-index-request").at(-1);
      expect(request?.type).toBe("read-index-request");
      return request?.type === "read-index-request" ? request.requestId : -1;
    };

    const first = incarnation(1);
    const oldRequestId = await readRequestOf(first.node);
    await first.node.stop(); // The answer to oldRequestId is still on its way.

    const second = incarnation(2);
    const newRequestId = await readRequestOf(second.node);
    expect(newRequestId).not.toBe(oldRequestId);
    const served: number[] = [];
    const barrier = second.node.readBarrier(10_000);
    barrier.then((index) => served.push(index), () => undefined);
    await settle();
    second.node.receive({
      type: "read-index-response", from: nodeId(1), to: nodeId(2), term: term(1),
      requestId: oldRequestId, readIndex: logIndex(1),
    });
    await settle();
    expect(served).toEqual([]);
    await second.node.stop();
  });
  test("a follower answers each heartbeat on its own call, not when the next one arrives", async () => {
    // Member 2, a follower of a leader (member 1) played by the test through the
    // request/answer path the gRPC transport uses (ReadIndex rounds ride on heartbeats).
    const ticker = new TickScheduler(() => 0);
    const node = new RaftNode<number>({
      raftConfig: {
        ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(2), electionTicks: 10, heartbeatTicks: 1,
      },
      logStore: asyncLog(new MemoryLogStore(bootstrapEntries(makeConfig([1, 2, 3])))),
      stateMachine: new CounterStateMachine(), snapshotStore: new MemorySnapshotStore(),
      transport: {
        attach: () => undefined, send: () => undefined,
        setPeerAddress: () => undefined, close: () => Promise.resolve(),
      },
      scheduler: ticker, tickIntervalMs: 10, writesInFlightMax: 16, random: new SeededRandom(2),
      pendingProposalsMax: 10, pendingReadsMax: 10, snapshotEveryEntries: 0,
    });
    node.start();
    const answered: number[] = [];
    for (const readRound of [1, 2, 3]) {
      node.receive({
        type: "heartbeat-request", from: nodeId(1), to: nodeId(2), term: term(1),
        commit: logIndex(1), readRound,
      }, (responses) => {
        for (const r of responses) if (r.type === "heartbeat-response") answered.push(r.readRound);
      });
      await settle(); // Any write the heartbeat needs completes; nothing else arrives.
      expect(answered).toEqual([1, 2, 3].filter((round) => round <= readRound));
    }
    await node.stop();
  });
});
