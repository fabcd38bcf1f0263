/**
 * Goal: the core's basic contract end to end, on a tiny synchronous in-memory cluster —
 * election, replication, commit, reads, transfer, membership and snapshots.
 * Method: three or more RaftCores over MemoryLogStores, a FIFO message queue delivered in
 * full between ticks, and a driver loop that follows the Ready order (persist, send, apply,
 * advance). No faults here: the simulator (test/sim) covers those.
 */
import { bootstrapEntries } from "./bootstrap.js";
import type { Entry } from "./entry.js";
import { logIndex, nodeId, type LogIndex, type NodeId } from "./ids.js";
import { makeConfig } from "./membership-config.js";
import type { Message } from "./message.js";
import { DEFAULT_RAFT_CONFIG, type RaftConfig } from "./raft-config.js";
import { RaftCore } from "./raft-core.js";
import { SeededRandom } from "./random.js";
import { MemoryLogStore } from "../storage/memory-log-store.js";

class MiniCluster {
  readonly cores = new Map<NodeId, RaftCore>();
  readonly stores = new Map<NodeId, MemoryLogStore>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly reads = new Map<NodeId, { requestId: number; index: LogIndex }[]>();
  queue: Message[] = [];
  readonly down = new Set<NodeId>();

  constructor(voters: number[], overrides: Partial<RaftConfig> = {}) {
    const boot = bootstrapEntries(makeConfig(voters));
    for (const raw of voters) this.addNode(raw, new MemoryLogStore(boot), overrides);
  }

  addNode(raw: number, store: MemoryLogStore, overrides: Partial<RaftConfig> = {}): void {
    const id = nodeId(raw);
    const config: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...overrides, nodeId: id };
    this.stores.set(id, store);
    this.cores.set(id, new RaftCore({ config, storage: store, random: new SeededRandom(raw) }));
    this.applied.set(id, []);
    this.reads.set(id, []);
  }

  core(raw: number): RaftCore {
    const core = this.cores.get(nodeId(raw));
    if (core === undefined) throw new Error(`no node ${raw}`);
    return core;
  }

  drain(id: NodeId): void {
    const core = this.cores.get(id)!;
    while (core.hasReady()) {
      const ready = core.ready();
      const write = ready.write;
      this.queue.push(...ready.messages);
      if (write !== undefined) {
        const { snapshot, entries, hardState } = write;
        this.stores.get(id)!.persist({ snapshot, entries, hardState });
      }
      this.applied.get(id)!.push(...ready.committedEntries);
      this.reads.get(id)!.push(...ready.readStates);
      core.advance(ready);
      if (write !== undefined) {
        core.persisted(write);
        this.queue.push(...write.messagesAfterWrite);
      }
    }
  }

  deliverAll(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      for (const id of this.cores.keys()) this.drain(id);
      const message = this.queue.shift();
      if (message === undefined) return;
      if (this.down.has(message.to) || this.down.has(message.from)) continue;
      const target = this.cores.get(message.to);
      if (target !== undefined) target.step(message);
    }
    throw new Error("message storm");
  }

  tickAll(ticks: number): void {
    for (let i = 0; i < ticks; i++) {
      for (const [id, core] of this.cores) if (!this.down.has(id)) core.tick();
      this.deliverAll();
    }
  }

  leader(): RaftCore | undefined {
    const leaders = [...this.cores.entries()]
      .filter(([id, core]) => !this.down.has(id) && core.status().role === "leader");
    return leaders.length === 1 ? leaders[0]![1] : undefined;
  }

  electLeader(): RaftCore {
    for (let i = 0; i < 100 && this.leader() === undefined; i++) this.tickAll(1);
    const leader = this.leader();
    if (leader === undefined) throw new Error("no leader elected");
    return leader;
  }
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const commands = (entries: Entry[]): string[] =>
  entries.filter((e) => e.kind === "command").map((e) => new TextDecoder().decode(e.data));

describe("RaftCore", () => {
  test("elects one leader and replicates a command to every member", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const result = leader.propose(bytes("x=1"));
    expect(result.ok).toBe(true);
    cluster.tickAll(3);
    for (const id of cluster.cores.keys()) {
      expect(commands(cluster.applied.get(id)!)).toEqual(["x=1"]);
    }
  });

  test("a restart trusts the state machine's applied index over a lagging durable commit", () => {
    const boot = bootstrapEntries(makeConfig([1]));
    const entries: Entry[] = [
      ...boot.entries,
      { term: boot.hardState.term, index: logIndex(2), kind: "noop", data: new Uint8Array(0) },
      { term: boot.hardState.term, index: logIndex(3), kind: "command", data: bytes("x") },
    ];
    const store = new MemoryLogStore({ entries, hardState: boot.hardState });
    const core = new RaftCore({
      config: { ...DEFAULT_RAFT_CONFIG, nodeId: nodeId(1) }, storage: store,
      random: new SeededRandom(1), appliedIndex: logIndex(3),
    });
    expect(core.status()).toMatchObject({ commitIndex: 3, appliedIndex: 3 });
    expect(core.ready().committedEntries).toEqual([]);
  });

  test("a follower refuses proposals and names the leader", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tickAll(2);
    const follower = [...cluster.cores.values()].find((c) => c !== leader)!;
    const result = follower.propose(bytes("nope"));
    expect(result).toEqual({ ok: false, refusal: { reason: "not-leader", leaderHint: leader.id } });
  });

  test("a single-member cluster commits only what it has persisted", () => {
    const cluster = new MiniCluster([1]);
    const leader = cluster.electLeader();
    leader.propose(bytes("solo"));
    const first = leader.ready();
    const write = first.write!;
    expect(write.entries.map((e) => e.kind)).toContain("command");
    expect(commands([...first.committedEntries])).toEqual([]);
    leader.advance(first);
    // Handed out but not yet durable: the leader's own copy does not count.
    expect(leader.hasReady()).toBe(false);
    expect(leader.status().commitIndex).toBeLessThan(write.entries.at(-1)!.index);
    cluster.stores.get(leader.id)!.persist({ entries: write.entries, hardState: write.hardState });
    leader.persisted(write);
    expect(commands([...leader.ready().committedEntries])).toEqual(["solo"]);
  });

  test("ReadIndex on the leader and through a follower", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    leader.propose(bytes("a"));
    cluster.tickAll(2);
    expect(leader.readIndex(7)).toEqual({ ok: true });
    const follower = [...cluster.cores.values()].find((c) => c !== leader)!;
    expect(follower.readIndex(8)).toEqual({ ok: true });
    cluster.deliverAll();
    const commit = leader.status().commitIndex;
    expect(cluster.reads.get(leader.id)).toEqual([{ requestId: 7, index: commit }]);
    expect(cluster.reads.get(follower.id)).toEqual([{ requestId: 8, index: commit }]);
  });

  test("leadership transfer hands over to the target", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tickAll(2);
    const target = [...cluster.cores.values()].find((c) => c !== leader)!;
    expect(leader.transferLeadership(target.id)).toEqual({ ok: true });
    cluster.deliverAll();
    expect(target.status().role).toBe("leader");
    expect(leader.status().role).toBe("follower");
  });

  test("adds a learner, promotes it, and removes the leader", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    let leader = cluster.electLeader();
    cluster.tickAll(2);
    cluster.addNode(4, new MemoryLogStore());
    expect(leader.proposeConfigChange({ type: "add-learner", node: nodeId(4) }).ok).toBe(true);
    cluster.tickAll(5);
    expect(cluster.core(4).membership().learners).toEqual([4]);
    expect(leader.proposeConfigChange({ type: "add-voter", node: nodeId(4) }).ok).toBe(true);
    cluster.tickAll(5);
    expect(cluster.core(4).membership().voters).toEqual([1, 2, 3, 4]);
    const oldLeader = leader.id;
    expect(leader.proposeConfigChange({ type: "remove", node: oldLeader }).ok).toBe(true);
    cluster.tickAll(30);
    leader = cluster.electLeader();
    expect(leader.id).not.toBe(oldLeader);
    expect(leader.membership().voters).not.toContain(oldLeader);
  });

  test("a second configuration change waits for the first to commit", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tickAll(2);
    expect(leader.proposeConfigChange({ type: "add-learner", node: nodeId(4) }).ok).toBe(true);
    const second = leader.proposeConfigChange({ type: "add-learner", node: nodeId(5) });
    expect(second).toEqual({ ok: false, refusal: { reason: "config-change-pending", leaderHint: leader.id } });
  });

  test("a follower behind the compaction point catches up from a snapshot", () => {
    const cluster = new MiniCluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tickAll(2);
    const lagging = [...cluster.cores.values()].find((c) => c !== leader)!;
    cluster.down.add(lagging.id);
    for (let i = 0; i < 20; i++) leader.propose(bytes(`v${i}`));
    cluster.tickAll(3);
    const applied = leader.status().appliedIndex;
    const meta = leader.snapshotMetaAt(applied);
    cluster.stores.get(leader.id)!.compact(meta);
    cluster.down.delete(lagging.id);
    cluster.tickAll(10);
    expect(lagging.status().snapshotIndex).toBe(meta.index);
    expect(lagging.status().commitIndex).toBe(leader.status().commitIndex);
    expect(logIndex(cluster.stores.get(lagging.id)!.lastIndex())).toBe(leader.status().lastIndex);
  });
});
