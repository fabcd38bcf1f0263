// Goal: the simulator's building blocks behave as specified before anything is built on them.
// Method: direct unit tests of the event queue ordering, the network's loss/partition/clog
// decisions, the partition shapes, the KV state machine (with its power-loss model) and its
// command codec; no Raft core.
import { nodeId, type NodeId } from "../../src/core/ids.js";
import { SeededRandom } from "../../src/core/random.js";
import { EventQueue } from "./event-queue.js";
import { decodeClientCommand, encodeClientCommand, KvStateMachine } from "./kv-state-machine.js";
import { CALM_NETWORK, SimNetwork } from "./network.js";
import { partitionLinks, PARTITION_SHAPES } from "./partitions.js";
import { logIndex, term } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";

const ids = (...values: number[]): NodeId[] => values.map(nodeId);

describe("EventQueue", () => {
  it("pops by time, then by scheduling order", () => {
    const queue = new EventQueue<string>();
    queue.push(20, "c");
    queue.push(10, "a");
    queue.push(20, "d");
    queue.push(10, "b");
    queue.push(5, "first");
    const out: string[] = [];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) out.push(next.item);
    expect(out).toEqual(["first", "a", "b", "c", "d"]);
  });

  it("matches a sort on (time, seq) for random schedules", () => {
    const random = new SeededRandom(7);
    const queue = new EventQueue<number>();
    const pushed: { time: number; seq: number }[] = [];
    for (let seq = 0; seq < 500; seq++) {
      const time = random.intBelow(50);
      queue.push(time, seq);
      pushed.push({ time, seq });
    }
    pushed.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const popped: number[] = [];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) popped.push(next.item);
    expect(popped).toEqual(pushed.map((p) => p.seq));
  });
});

describe("SimNetwork", () => {
  it("drops on blocked links in one direction only", () => {
    const network = new SimNetwork<string>(new SeededRandom(1), CALM_NETWORK);
    network.block(nodeId(1), nodeId(2));
    expect(network.deliveryDelaysMicros(nodeId(1), nodeId(2))).toEqual([]);
    expect(network.deliveryDelaysMicros(nodeId(2), nodeId(1))).toHaveLength(1);
  });

  it("holds messages on clogged links and releases them on heal, in order", () => {
    const network = new SimNetwork<string>(new SeededRandom(1), CALM_NETWORK);
    network.clog(nodeId(1), nodeId(2));
    expect(network.holdIfClogged(nodeId(1), nodeId(2), "m1")).toBe(true);
    expect(network.holdIfClogged(nodeId(1), nodeId(2), "m2")).toBe(true);
    expect(network.holdIfClogged(nodeId(2), nodeId(1), "back")).toBe(false);
    expect(network.healAll()).toEqual(["m1", "m2"]);
    expect(network.holdIfClogged(nodeId(1), nodeId(2), "m3")).toBe(false);
  });

  it("loses and duplicates at roughly the configured rates", () => {
    const profile = { ...CALM_NETWORK, dropProbability: 0.2, duplicateProbability: 0.1 };
    const network = new SimNetwork<string>(new SeededRandom(3), profile);
    let dropped = 0;
    let duplicated = 0;
    for (let i = 0; i < 10_000; i++) {
      const delays = network.deliveryDelaysMicros(nodeId(1), nodeId(2));
      if (delays.length === 0) dropped++;
      if (delays.length === 2) duplicated++;
      for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(profile.baseDelayMicrosMin);
    }
    expect(dropped / 10_000).toBeCloseTo(0.2, 1);
    expect(duplicated / 10_000).toBeCloseTo(0.08, 1);
  });
});

describe("partition shapes", () => {
  it("never block a node from itself and always cut something", () => {
    const random = new SeededRandom(11);
    for (const shape of PARTITION_SHAPES) {
      for (const n of [3, 5, 7]) {
        const nodes = ids(...Array.from({ length: n }, (_, i) => i + 1));
        const links = partitionLinks(shape, nodes, random);
        expect(links.length).toBeGreaterThan(0);
        for (const link of links) expect(link.from).not.toBe(link.to);
      }
    }
  });

  it("majorities-ring leaves every node a majority but no two the same one", () => {
    const nodes = ids(1, 2, 3, 4, 5);
    const links = partitionLinks("majorities-ring", nodes, new SeededRandom(5));
    const views = nodes.map((from) =>
      nodes.filter((to) => to === from || !links.some((l) => l.from === from && l.to === to)).join(","),
    );
    for (const view of views) expect(view.split(",").length).toBe(3);
    expect(new Set(views).size).toBe(5);
  });

  it("isolate-one cuts the focus node off in both directions", () => {
    const links = partitionLinks("isolate-one", ids(1, 2, 3), new SeededRandom(2), nodeId(2));
    expect(links).toHaveLength(4);
    for (const link of links) expect(link.from === 2 || link.to === 2).toBe(true);
  });
});

describe("KvStateMachine", () => {
  const entry = (index: number, data: Uint8Array) => ({ term: term(1), index: logIndex(index), kind: "command" as const, data });

  it("round-trips commands through the codec", () => {
    const command = { clientId: 3, requestId: 42, command: { op: "cas" as const, key: "k1", expected: null, value: "c3-1" } };
    expect(decodeClientCommand(encodeClientCommand(command))).toEqual(command);
  });

  it("applies put, cas and delete with contiguous indexes", () => {
    const kv = new KvStateMachine();
    const put = encodeClientCommand({ clientId: 1, requestId: 1, command: { op: "put", key: "a", value: "c1-1" } });
    const casOk = encodeClientCommand({ clientId: 2, requestId: 2, command: { op: "cas", key: "a", expected: "c1-1", value: "c2-1" } });
    const casFail = encodeClientCommand({ clientId: 2, requestId: 3, command: { op: "cas", key: "a", expected: null, value: "c2-2" } });
    const del = encodeClientCommand({ clientId: 1, requestId: 4, command: { op: "delete", key: "a" } });
    expect(kv.apply(entry(1, put))?.result).toEqual({ ok: true, previous: null });
    expect(kv.apply(entry(2, casOk))?.result).toEqual({ ok: true, previous: "c1-1" });
    expect(kv.apply(entry(3, casFail))?.result).toEqual({ ok: false, previous: "c2-1" });
    expect(kv.get("a")).toBe("c2-1");
    kv.apply(entry(4, del));
    expect(kv.get("a")).toBeUndefined();
    expect(kv.appliedIndex).toBe(4);
    expect(() => kv.apply(entry(6, put))).toThrow(/apply gap/);
  });
});

describe("KvStateMachine power loss (synchronous=NORMAL, ADR 0005)", () => {
  const put = (index: number, value: string) => ({
    term: term(1), index: logIndex(index), kind: "command" as const,
    data: encodeClientCommand({ clientId: 1, requestId: index, command: { op: "put", key: "a", value } }),
  });
  const meta = (index: number) => ({
    index: logIndex(index), term: term(1), config: makeConfig([1]),
  });

  it("comes back at its checkpoint plus a prefix of the later applies, never a torn state", () => {
    const kv = new KvStateMachine();
    kv.apply(put(1, "v1"));
    kv.apply(put(2, "v2"));
    kv.checkpoint();
    for (let i = 3; i <= 6; i++) kv.apply(put(i, `v${i}`));
    expect(kv.unsyncedCount).toBe(4);
    const lost = kv.clone();
    lost.losePower(0);
    expect(lost.appliedIndex).toBe(2);
    expect(lost.get("a")).toBe("v2");
    const partly = kv.clone();
    partly.losePower(3);
    expect(partly.appliedIndex).toBe(5);
    expect(partly.get("a")).toBe("v5");
    // What survived is on the disk now: a second power loss takes nothing more.
    partly.losePower(0);
    expect(partly.appliedIndex).toBe(5);
    // The original was cloned, not shared.
    expect(kv.appliedIndex).toBe(6);
    expect(() => kv.losePower(5)).toThrow(/keeps 5 of 4/);
  });

  it("re-applies the lost entries with the same results as the first time", () => {
    const kv = new KvStateMachine();
    const first = [1, 2, 3].map((i) => kv.apply(put(i, `v${i}`))?.result);
    kv.losePower(1);
    const again = [2, 3].map((i) => kv.apply(put(i, `v${i}`))?.result);
    expect(again).toEqual(first.slice(1));
    expect(kv.get("a")).toBe("v3");
  });

  it("a restored snapshot is durable at once", () => {
    const kv = new KvStateMachine();
    kv.apply(put(1, "v1"));
    kv.restore({ meta: meta(10), data: new Map([["a", "s10"]]) });
    kv.apply(put(11, "v11"));
    kv.losePower(0);
    expect(kv.appliedIndex).toBe(10);
    expect(kv.get("a")).toBe("s10");
  });
});
