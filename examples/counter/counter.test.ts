/**
 * Goal: the library surface works for a custom state machine, as hashicorp/raft is used in
 * Go: a replicated counter on three in-process members.
 * Method: three RaftNodes over a MemoryNetwork with in-memory stores and the system
 * scheduler (real 5 ms ticks); add through the leader, read through a follower's
 * linearizable barrier, then isolate the leader and check that the others elect a new one
 * and keep counting.
 */
import {
  DEFAULT_RAFT_CONFIG, MemoryLogStore, MemoryNetwork, MemorySnapshotStore, RaftNode,
  SeededRandom, SyncAsyncLogStore, SystemScheduler, bootstrapEntries, makeConfig, nodeId,
  type NodeId,
} from "../../src/index.js";
import { CounterStateMachine } from "./counter-state-machine.js";

interface Member {
  node: RaftNode<number>;
  counter: CounterStateMachine;
}

function startCluster(network: MemoryNetwork, ids: number[]): Map<NodeId, Member> {
  const boot = bootstrapEntries(makeConfig(ids));
  const members = new Map<NodeId, Member>();
  for (const raw of ids) {
    const id = nodeId(raw);
    const counter = new CounterStateMachine();
    const node = new RaftNode<number>({
      raftConfig: { ...DEFAULT_RAFT_CONFIG, nodeId: id, electionTicks: 10, heartbeatTicks: 2 },
      logStore: new SyncAsyncLogStore(new MemoryLogStore(boot), { defer: setImmediate }),
      stateMachine: counter,
      snapshotStore: new MemorySnapshotStore(),
      transport: network.transport(id),
      scheduler: new SystemScheduler(),
      tickIntervalMs: 5,
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

async function waitForLeader(members: Map<NodeId, Member>, excluded?: NodeId): Promise<Member> {
  for (let attempt = 0; attempt < 400; attempt++) {
    for (const [id, member] of members) {
      if (id !== excluded && member.node.status().role === "leader") return member;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no leader elected within 4 s");
}

describe("replicated counter example", () => {
  test("counts through the leader, reads through a follower, survives losing the leader", async () => {
    const network = new MemoryNetwork();
    const members = startCluster(network, [1, 2, 3]);
    try {
      const leader = await waitForLeader(members);
      for (let i = 1; i <= 60; i++) {
        const applied = await leader.node.apply(CounterStateMachine.encodeAdd(i), 2000);
        expect(applied.result).toBe((i * (i + 1)) / 2);
      }
      const follower = [...members.values()].find((m) => m !== leader)!;
      await follower.node.readBarrier(2000);
      expect(follower.counter.value()).toBe(1830);

      network.isolate(leader.node.id, [...members.keys()]);
      const successor = await waitForLeader(members, leader.node.id);
      const applied = await successor.node.apply(CounterStateMachine.encodeAdd(-30), 2000);
      expect(applied.result).toBe(1800);
      network.heal();
      await leader.node.readBarrier(2000).catch(() => undefined);
      for (let attempt = 0; attempt < 200 && leader.counter.value() !== 1800; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(leader.counter.value()).toBe(1800);
    } finally {
      for (const member of members.values()) await member.node.stop();
    }
  });
});
