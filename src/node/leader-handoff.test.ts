/**
 * Goal: a stopping leader hands leadership to the most caught-up reachable voter and learns
 * of the new leader, and every other way the handoff can end (not the leader, no voter to
 * hand to, a target that never answers) is an outcome, never a rejection.
 * Method: the choice of target is a pure function, checked on hand-made replication views.
 * The handoff itself runs on real RaftNodes over a MemoryNetwork with in-memory stores (log
 * writes complete on a later macrotask), all on one ManualScheduler, so Raft time moves
 * only when the test advances it; `run()` advances it a tick at a time and lets the
 * network's and the stores' macrotasks run in between.
 */
import { CounterStateMachine } from "../../examples/counter/counter-state-machine.js";
import { bootstrapEntries } from "../core/bootstrap.js";
import { logIndex, NO_NODE, nodeId, type NodeId } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { DEFAULT_RAFT_CONFIG } from "../core/raft-config.js";
import { SeededRandom } from "../core/random.js";
import { MemoryLogStore } from "../storage/memory-log-store.js";
import { MemorySnapshotStore } from "../storage/memory-snapshot-store.js";
import { SyncAsyncLogStore } from "../storage/sync-async-log-store.js";
import { MemoryNetwork } from "../transport/memory-transport.js";
import { handOffLeadership, pickHandoffTarget, type HandoffPeer } from "./leader-handoff.js";
import { ManualScheduler } from "./manual-scheduler.js";
import { RaftNode } from "./raft-node.js";

const TICK_MS = 10;
const ELECTION_TICKS = 10;
/** One election timeout: the timeout the member is expected to use. */
const HANDOFF_TIMEOUT_MS = ELECTION_TICKS * TICK_MS;

interface Cluster {
  readonly network: MemoryNetwork;
  readonly scheduler: ManualScheduler;
  readonly nodes: Map<NodeId, RaftNode<number>>;
}

function startCluster(voters: number[], learners: number[] = []): Cluster {
  const network = new MemoryNetwork();
  const scheduler = new ManualScheduler();
  const boot = bootstrapEntries(makeConfig(voters, learners));
  const nodes = new Map<NodeId, RaftNode<number>>();
  for (const raw of [...voters, ...learners]) {
    const id = nodeId(raw);
    const node = new RaftNode<number>({
      raftConfig: {
        ...DEFAULT_RAFT_CONFIG, nodeId: id, electionTicks: ELECTION_TICKS, heartbeatTicks: 1,
      },
      logStore: new SyncAsyncLogStore(new MemoryLogStore(boot), { defer: setImmediate }),
      stateMachine: new CounterStateMachine(), snapshotStore: new MemorySnapshotStore(),
      transport: network.transport(id), scheduler, tickIntervalMs: TICK_MS,
      random: new SeededRandom(raw), writesInFlightMax: 16, pendingProposalsMax: 100,
      pendingReadsMax: 100, snapshotEveryEntries: 0,
    });
    node.start();
    nodes.set(id, node);
  }
  return { network, scheduler, nodes };
}

/** Lets network deliveries and log writes (macrotasks) run, and the soon() work they cause. */
async function settle(cluster: Cluster, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    cluster.scheduler.runSoon();
  }
}

/** Moves Raft time on by `ticks` ticks, settling after each, or until `until` holds. */
async function run(cluster: Cluster, ticks: number, until?: () => boolean): Promise<void> {
  for (let i = 0; i < ticks && until?.() !== true; i++) {
    cluster.scheduler.advance(TICK_MS);
    await settle(cluster);
  }
}

/** Ticks until exactly one node leads and every node names it; returns it. */
async function stableLeader(cluster: Cluster): Promise<RaftNode<number>> {
  const agreed = (): RaftNode<number> | undefined => {
    const leaders = [...cluster.nodes.values()].filter((node) => node.state() === "leader");
    const leader = leaders[0];
    if (leaders.length !== 1 || leader === undefined) return undefined;
    const all = [...cluster.nodes.values()].every((node) => node.leader() === leader.id);
    return all ? leader : undefined;
  };
  await run(cluster, 200, () => agreed() !== undefined);
  const leader = agreed();
  if (leader === undefined) throw new Error("no stable leader within 200 ticks");
  return leader;
}

/** Runs the handoff to its end, moving Raft time on while it is pending. */
async function handOff(cluster: Cluster, leader: RaftNode<number>) {
  let done = false;
  const handoff = handOffLeadership(leader, {
    timeoutMs: HANDOFF_TIMEOUT_MS, scheduler: cluster.scheduler,
  }).finally(() => {
    done = true;
  });
  await settle(cluster);
  await run(cluster, 5 * ELECTION_TICKS, () => done);
  return handoff;
}

const add = (n: number): Uint8Array => CounterStateMachine.encodeAdd(n);

const peer = (id: number, matchIndex: number, silentMs: number, isLearner = false): HandoffPeer =>
  ({ id: nodeId(id), matchIndex: logIndex(matchIndex), silentMs, isLearner });

describe("pickHandoffTarget", () => {
  test("prefers the voter with the highest matchIndex among those heard from recently", () => {
    expect(pickHandoffTarget([peer(2, 7, 5), peer(3, 9, 40), peer(4, 8, 0)], 100))
      .toBe(nodeId(3));
  });

  test("never picks a learner or a voter silent for longer than the window", () => {
    const peers = [peer(2, 50, 0, true), peer(3, 60, 101), peer(4, 60, Infinity), peer(5, 3, 99)];
    expect(pickHandoffTarget(peers, 100)).toBe(nodeId(5));
    expect(pickHandoffTarget(peers.slice(0, 3), 100)).toBeUndefined();
    expect(pickHandoffTarget([], 100)).toBeUndefined();
  });

  test("breaks a matchIndex tie by recency, then by the lower id, whatever the order", () => {
    expect(pickHandoffTarget([peer(2, 9, 30), peer(3, 9, 10)], 100)).toBe(nodeId(3));
    expect(pickHandoffTarget([peer(4, 9, 10), peer(3, 9, 10)], 100)).toBe(nodeId(3));
    expect(pickHandoffTarget([peer(3, 9, 10), peer(4, 9, 10)], 100)).toBe(nodeId(3));
  });
});

describe("handOffLeadership", () => {
  test("hands over to a caught-up voter, which every member then follows", async () => {
    const cluster = startCluster([1, 2, 3]);
    const leader = await stableLeader(cluster);
    const applying = leader.apply(add(5), 1000);
    await run(cluster, 3);
    await expect(applying).resolves.toMatchObject({ result: 5 });
    const expected = pickHandoffTarget(leader.replication(), HANDOFF_TIMEOUT_MS);
    expect(expected).toBeDefined();

    const outcome = await handOff(cluster, leader);

    expect(outcome).toMatchObject({ outcome: "handed-over", target: expected, leader: expected });
    expect(leader.state()).toBe("follower");
    await run(cluster, 3);
    for (const node of cluster.nodes.values()) expect(node.leader()).toBe(expected);
    // The new leader holds the committed write: it serves the next one on top of it.
    const next = cluster.nodes.get(expected!)!.apply(add(1), 1000);
    await run(cluster, 3);
    await expect(next).resolves.toMatchObject({ result: 6 });
    for (const node of cluster.nodes.values()) await node.stop();
  });

  test("a follower has nothing to hand over and says who leads", async () => {
    const cluster = startCluster([1, 2, 3]);
    const leader = await stableLeader(cluster);
    const follower = [...cluster.nodes.values()].find((node) => node !== leader)!;
    await expect(handOff(cluster, follower))
      .resolves.toEqual({ outcome: "not-leader", leader: leader.id });
    expect(leader.state()).toBe("leader");
    for (const node of cluster.nodes.values()) await node.stop();
  });

  test("a leader with no other voter (only a learner) finds no candidate", async () => {
    const cluster = startCluster([1], [2]);
    const leader = await stableLeader(cluster);
    expect(leader.id).toBe(nodeId(1));
    await expect(handOff(cluster, leader)).resolves.toEqual({ outcome: "no-candidate" });
    expect(leader.state()).toBe("leader");
    for (const node of cluster.nodes.values()) await node.stop();
  });

  test("a target that never gets the request times out, and the leader leads on", async () => {
    const cluster = startCluster([1, 2, 3]);
    const leader = await stableLeader(cluster);
    const target = pickHandoffTarget(leader.replication(), HANDOFF_TIMEOUT_MS)!;
    let done = false;
    const handoff = handOffLeadership(leader, {
      timeoutMs: HANDOFF_TIMEOUT_MS, scheduler: cluster.scheduler,
    }).finally(() => {
      done = true;
    });
    // The transfer was started synchronously; its messages are still in the network, and
    // cutting the target off now drops them (and its campaign's messages later).
    cluster.network.isolate(target, [...cluster.nodes.keys()]);
    await run(cluster, 5 * ELECTION_TICKS, () => done);

    await expect(handoff).resolves.toEqual({
      outcome: "timed-out", target, timeoutMs: HANDOFF_TIMEOUT_MS,
    });
    // The core aborted the transfer after one election timeout: proposals are taken again,
    // and the remaining follower (a quorum with the leader) commits them.
    expect(leader.state()).toBe("leader");
    const applying = leader.apply(add(2), 1000);
    await run(cluster, 3);
    await expect(applying).resolves.toMatchObject({ result: 2 });
    expect(leader.leader()).not.toBe(NO_NODE);
    for (const node of cluster.nodes.values()) await node.stop();
  });
});
