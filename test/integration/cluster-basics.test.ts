// Goal: three real `raftkv` processes form a cluster and serve the KV API from any member: a
// Put sent to a follower is readable linearizably from every member and, eventually, by a
// SERIALIZABLE read on every member; Range pages through a prefix with limit/more/count;
// Delete removes one key or a range; headers and MemberList describe the same cluster.
// Method: ClusterHarness starts three members on loopback with fast ticks and SQLite in a
// temp directory; the test drives them only through the public gRPC API (proto/ loaded
// like any client would) and checks each answer field by field.

import { ClusterHarness } from "./cluster-harness.js";
import { prefixEnd, ROLE } from "./raftkv-client.js";
import { waitUntil } from "./wait-until.js";

const LINEARIZABLE = 0;
const SERIALIZABLE = 1;

describe("a three-member raftkv cluster on loopback", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  const theCluster = (): ClusterHarness => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    return cluster;
  };

  test("elects one leader, and every member lists the same three members", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const statuses = await Promise.all(c.ids().map((id) => c.client(id).status()));
      expect(statuses.filter((s) => s.role === ROLE.leader).map((s) => s.member_id))
        .toEqual([String(leader)]);
      const clusterIds = new Set(statuses.map((s) => s.cluster_id));
      expect(clusterIds.size).toBe(1);
      expect(clusterIds.has("0")).toBe(false);
      await c.waitForClientAddresses();
      for (const id of c.ids()) {
        const list = await c.client(id).memberList();
        expect(list.member_id).toBe(String(id));
        const members = list.members.map((m) => [Number(m.id), m.client_address, m.peer_address]);
        expect(members.sort()).toEqual(c.members.map((m) =>
          [m.spec.id, m.spec.clientAddress, m.spec.peerAddress]).sort());
      }
    }));

  test("a Put sent to a follower is readable from every member", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      const put = await c.client(follower).put({ key: "greeting", value: Buffer.from("hello") });
      expect(put.header).not.toBeNull();
      // proto: after forwarding, the header names the leader that served the call.
      expect(put.header!.member_id).toBe(String(leader));
      expect(Number(put.header!.revision)).toBeGreaterThan(0);
      expect(put.prev_kv).toBeNull();

      for (const id of c.ids()) {
        const got = await c.client(id).get({ key: "greeting", consistency: LINEARIZABLE });
        expect(got.kv?.value.toString()).toBe("hello");
        expect(got.kv?.version).toBe("1");
        expect(got.kv?.create_revision).toBe(put.header!.revision);
        expect(got.kv?.mod_revision).toBe(put.header!.revision);
        expect(BigInt(got.header!.revision)).toBeGreaterThanOrEqual(BigInt(put.header!.revision));
      }
      for (const id of c.ids()) {
        await waitUntil(`member ${id} to show the Put to a SERIALIZABLE read`, 5000, async () => {
          const got = await c.client(id).get({ key: "greeting", consistency: SERIALIZABLE });
          return got.kv?.value.toString() === "hello" ? true : undefined;
        });
      }
    }));

  test("a second Put bumps version and mod_revision and can return the previous pair", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const first = await c.client(1).put({ key: "counter", value: Buffer.from("1") });
      const second = await c.client(2).put({ key: "counter", value: Buffer.from("2"), prev_kv: true });
      expect(second.prev_kv?.value.toString()).toBe("1");
      expect(second.prev_kv?.version).toBe("1");
      const got = await c.client(3).get({ key: "counter" });
      expect(got.kv?.value.toString()).toBe("2");
      expect(got.kv?.version).toBe("2");
      expect(got.kv?.create_revision).toBe(first.header!.revision);
      expect(got.kv?.mod_revision).toBe(second.header!.revision);
      expect(BigInt(second.header!.revision)).toBeGreaterThan(BigInt(first.header!.revision));
      const missing = await c.client(3).get({ key: "no-such-key" });
      expect(missing.kv).toBeNull();
    }));

  test("Range pages through a prefix with limit, more and count", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const names = ["apple", "banana", "cherry", "date", "elder"];
      for (const name of names) {
        await c.client(1).put({ key: `fruit/${name}`, value: Buffer.from(name.toUpperCase()) });
      }
      // Neighbours just outside the prefix must never appear in its range.
      await c.client(1).put({ key: "fruit", value: Buffer.from("outside") });
      await c.client(1).put({ key: "fruits", value: Buffer.from("outside") });

      const seen: string[] = [];
      const pages: { count: string; more: boolean; size: number }[] = [];
      let start = "fruit/";
      for (let page = 0; page < 10; page++) {
        const response = await c.client(2).range({ key: start, range_end: prefixEnd("fruit/"), limit: 2 });
        for (const kv of response.kvs) {
          expect(kv.value.toString()).toBe(kv.key.slice("fruit/".length).toUpperCase());
          seen.push(kv.key);
        }
        pages.push({ count: response.count, more: response.more, size: response.kvs.length });
        if (!response.more) break;
        start = `${response.kvs[response.kvs.length - 1]!.key}\0`;
      }
      expect(seen).toEqual(names.map((name) => `fruit/${name}`));
      expect(pages.map((p) => [p.size, p.more])).toEqual([[2, true], [2, true], [1, false]]);
      // count covers the whole range asked for, not only the page returned.
      expect(pages[0]!.count).toBe("5");

      const keysOnly = await c.client(3).range({ key: "fruit/", range_end: prefixEnd("fruit/"), keys_only: true });
      expect(keysOnly.kvs.map((kv) => kv.key)).toEqual(seen);
      expect(keysOnly.kvs.every((kv) => kv.value.length === 0)).toBe(true);

      await waitUntil("a SERIALIZABLE Range of one key on member 3", 5000, async () => {
        const single = await c.client(3).range({ key: "fruit", consistency: SERIALIZABLE });
        return single.kvs.length === 1 && single.kvs[0]!.value.toString() === "outside"
          ? true : undefined;
      });
    }));

  test("Delete removes one key, then a range, and reports how many it removed", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      for (const name of ["a", "b", "c", "d"]) {
        await c.client(1).put({ key: `gone/${name}`, value: Buffer.from(name) });
      }
      await c.client(1).put({ key: "gone0", value: Buffer.from("stays") });
      const one = await c.client(2).delete({ key: "gone/a" });
      expect(one.deleted).toBe("1");
      const again = await c.client(3).delete({ key: "gone/a" });
      expect(again.deleted).toBe("0");
      for (const id of c.ids()) {
        expect((await c.client(id).get({ key: "gone/a" })).kv).toBeNull();
      }
      const range = await c.client(3).delete({ key: "gone/", range_end: prefixEnd("gone/") });
      expect(range.deleted).toBe("3");
      for (const id of c.ids()) {
        const left = await c.client(id).range({ key: "gone/", range_end: prefixEnd("gone/") });
        expect(left.kvs).toEqual([]);
        expect(left.count).toBe("0");
        expect((await c.client(id).get({ key: "gone0" })).kv?.value.toString()).toBe("stays");
      }
    }));
});
