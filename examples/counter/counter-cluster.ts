import {
  DEFAULT_RAFT_CONFIG, MemoryLogStore, MemoryNetwork, MemorySnapshotStore, RaftNode,
  SeededRandom, SyncAsyncLogStore, SystemScheduler, bootstrapEntries, makeConfig, nodeId,
  type NodeId,
} from "raftkv";
import { CounterStateMachine } from "./counter-state-machine.js";

/** One member of the example cluster: its Raft node and the counter it applies to. */
export interface CounterMember {
  readonly node: RaftNode<number>;
  readonly counter: CounterStateMachine;
}

/**
 * Real-time ticks, short so that the example runs in about a second, yet long enough that
 * an event-loop stall on a loaded machine (ticks catch up after one) does not start an
 * election while it counts: 10 ticks are 200 ms.
 */
const TICK_INTERVAL_MS = 20;
const LEADER_WAIT_MS = 4000;

/**
 * Starts `ids.length` members in this process, each a RaftNode over in-memory stores, joined
 * by `network`. They all begin from the same founding configuration (bootstrapEntries), as
 * members of a new cluster must; the caller stops every node when done.
 */
export function startCounterCluster(
  network: MemoryNetwork,
  ids: readonly number[],
): Map<NodeId, CounterMember> {
  const founding = bootstrapEntries(makeConfig(ids));
  const members = new Map<NodeId, CounterMember>();
  for (const raw of ids) {
    const id = nodeId(raw);
    const counter = new CounterStateMachine();
    const node = new RaftNode<number>({
      raftConfig: { ...DEFAULT_RAFT_CONFIG, nodeId: id, electionTicks: 10, heartbeatTicks: 2 },
      logStore: new SyncAsyncLogStore(new MemoryLogStore(founding), { defer: setImmediate }),
      stateMachine: counter,
      snapshotStore: new MemorySnapshotStore(),
      transport: network.transport(id),
      scheduler: new SystemScheduler(),
      tickIntervalMs: TICK_INTERVAL_MS,
      writesInFlightMax: 16,
      random: new SeededRandom(raw),
      pendingProposalsMax: 1000,
      pendingReadsMax: 1000,
      snapshotEveryEntries: 50,
    });
    node.start();
    members.set(id, { node, counter });
  }
  return members;
}

/** The member that leads, waiting for an election; never `excluded` (an isolated leader). */
export async function waitForLeader(
  members: ReadonlyMap<NodeId, CounterMember>,
  excluded?: NodeId,
): Promise<CounterMember> {
  const deadline = performance.now() + LEADER_WAIT_MS;
  while (performance.now() < deadline) {
    for (const [id, member] of members) {
      if (id !== excluded && member.node.status().role === "leader") return member;
    }
    await sleep(TICK_INTERVAL_MS);
  }
  throw new Error(`no leader elected within ${String(LEADER_WAIT_MS)} ms`);
}

/** Waits until `member` has applied up to `total`, or fails after LEADER_WAIT_MS. */
export async function waitForTotal(member: CounterMember, total: number): Promise<void> {
  const deadline = performance.now() + LEADER_WAIT_MS;
  while (member.counter.value() !== total) {
    if (performance.now() >= deadline) {
      throw new Error(`member ${String(member.node.id)} stayed at ${String(member.counter.value())}, ` +
        `not ${String(total)}`);
    }
    await sleep(TICK_INTERVAL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
