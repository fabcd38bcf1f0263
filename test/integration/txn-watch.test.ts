// Goal: over real processes, Txn is etcd's compare-and-swap (one winner among racing
// clients, a failed compare answered with succeeded=false and the failure branch's reads,
// bad transactions refused with INVALID_ARGUMENT before they reach the log), and Watch,
// served by a follower, delivers every change to its range once and in revision order,
// from a past revision too, and across the leader's death.
// Method: ClusterHarness with three members; the test speaks only the public gRPC API.
import type { ClientReadableStream } from "@grpc/grpc-js";
import { status as GrpcCode } from "@grpc/grpc-js";
import type { WatchResponse__Output } from "../../src/gen/raftkv/kv/v1/WatchResponse.js";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";
import { RetriedWrites } from "./retried-write.js";
import { isGrpcError } from "./raftkv-client.js";
import { waitUntil } from "./wait-until.js";

const run = promisify(execFile);
const VALUE = 3;
const EQUAL = 0;

/** Collects a watch's events as "type key=value@revision" lines. */
function collect(stream: ClientReadableStream<WatchResponse__Output>): {
  lines: string[]; created: () => boolean; error: () => Error | undefined;
} {
  const lines: string[] = [];
  let created = false;
  let failure: Error | undefined;
  stream.on("data", (response: WatchResponse__Output) => {
    if (response.created) created = true;
    for (const event of response.events) {
      const kv = event.kv!;
      lines.push(`${event.type === 0 ? "put" : "delete"} ${kv.key}=${kv.value.toString()}@${kv.mod_revision}`);
    }
  });
  stream.on("error", (error: Error) => {
    if (!isGrpcError(error, GrpcCode.CANCELLED)) failure = error;
  });
  return { lines, created: () => created, error: () => failure };
}

describe("Txn and Watch on a three-member cluster", () => {
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

  test("compare-and-swap: of racing clients exactly one wins, the others read the winner", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      await c.client(leader).put({ key: "lock", value: Buffer.from("free") });
      const attempts = c.ids().map((id) => c.client(id).txn({
        compare: [{ key: "lock", target: VALUE, result: EQUAL, value: Buffer.from("free") }],
        success: [{ request_put: { key: "lock", value: Buffer.from(`owner-${id}`) } }],
        failure: [{ request_range: { key: "lock" } }],
      }));
      const answers = await Promise.all(attempts);
      expect(answers.filter((a) => a.succeeded)).toHaveLength(1);
      const winner = answers.findIndex((a) => a.succeeded) + 1;
      for (const answer of answers.filter((a) => !a.succeeded)) {
        expect(answer.responses[0]?.response_range?.kvs[0]?.value.toString()).toBe(`owner-${winner}`);
      }
      const read = await c.client(follower).get({ key: "lock" });
      expect(read.kv?.value.toString()).toBe(`owner-${winner}`);
    }));

  test("one revision for every operation of a txn; deletes return what they removed", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const answer = await c.client(leader).txn({
        success: [
          { request_put: { key: "t/a", value: Buffer.from("1") } },
          { request_put: { key: "t/b", value: Buffer.from("2") } },
          { request_range: { key: "t/", range_end: "t0" } },
        ],
      });
      expect(answer.succeeded).toBe(true);
      const kvs = answer.responses[2]?.response_range?.kvs ?? [];
      expect(kvs.map((kv) => kv.key)).toEqual(["t/a", "t/b"]);
      expect(new Set(kvs.map((kv) => kv.mod_revision)).size).toBe(1);
      expect(kvs[0]?.mod_revision).toBe(answer.header?.revision);
      const removed = await c.client(leader).delete({ key: "t/", range_end: "t0", prev_kv: true });
      expect(removed.deleted).toBe("2");
      expect(removed.prev_kvs.map((kv) => `${kv.key}=${kv.value.toString()}`)).toEqual(["t/a=1", "t/b=2"]);
    }));

  test("Get and Range read at a past revision; a future one is OUT_OF_RANGE", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      const first = await c.client(leader).put({ key: "past/k", value: Buffer.from("one") });
      await c.client(leader).put({ key: "past/k", value: Buffer.from("two") });
      await c.client(leader).put({ key: "past/l", value: Buffer.from("new") });
      const then = first.header!.revision;
      const get = await c.client(follower).get({ key: "past/k", revision: then });
      expect(get.kv?.value.toString()).toBe("one");
      const range = await c.client(follower).range({ key: "past/", range_end: "past0", revision: then });
      expect(range.kvs.map((kv) => `${kv.key}=${kv.value.toString()}`)).toEqual(["past/k=one"]);
      const future = c.client(leader).get({ key: "past/k", revision: String(Number(then) + 1_000_000) });
      await expect(future).rejects.toMatchObject({ code: GrpcCode.OUT_OF_RANGE });
      // raftkvctl get --rev reads the same way.
      const endpoint = c.member(follower).spec.clientAddress;
      const { stdout } = await run(process.execPath, [
        join(repoRoot(), "dist", "src", "ctl", "main.js"), "--endpoints", endpoint,
        "get", "past/", "--prefix", "--rev", then,
      ]);
      expect(stdout).toBe("past/k\none\n");
    }));

  test("a range whose end is not after its key is INVALID_ARGUMENT", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const refused = async (call: Promise<unknown>): Promise<void> => {
        const error = await call.then(() => undefined, (e: unknown) => e) as
          { code?: number; details?: string } | undefined;
        expect(error?.code).toBe(GrpcCode.INVALID_ARGUMENT);
        expect(error?.details).toMatch(/^range_end must be after key/);
      };
      await refused(c.client(leader).range({ key: "b", range_end: "a" }));
      await refused(c.client(leader).delete({ key: "b", range_end: "b" }));
      await expect(c.client(leader).range({ key: "b", range_end: "\0" })).resolves.toBeDefined();
    }));

  test("a write sent to a follower right after the leader dies waits for the next leader", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      await c.kill(leader);
      try {
        // Long enough for the follower's connection to see the dead leader refuse, shorter
        // than an election: the follower still names the dead leader, cannot connect, so
        // sends nothing, and forwards again once the next leader is elected.
        await new Promise((resolve) => setTimeout(resolve, 30));
        const put = await c.client(follower).put({ key: "after-death", value: Buffer.from("ok") });
        expect(Number(put.header!.member_id)).not.toBe(leader);
      } finally {
        c.restart(leader);
        await c.waitForReady([leader]);
      }
    }));

  test("a bad txn is INVALID_ARGUMENT and never reaches the log", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const before = await c.client(leader).get({ key: "dup" });
      const duplicate = c.client(leader).txn({
        success: [
          { request_put: { key: "dup", value: Buffer.from("1") } },
          { request_put: { key: "dup", value: Buffer.from("2") } },
        ],
      });
      await expect(duplicate).rejects.toMatchObject({
        code: GrpcCode.INVALID_ARGUMENT, details: 'txn success writes key "dup" twice',
      });
      const empty = c.client(leader).txn({ success: [{}] });
      await expect(empty).rejects.toMatchObject({ code: GrpcCode.INVALID_ARGUMENT });
      const badTarget = c.client(leader).txn({ compare: [{ key: "x", target: 9 as never }] });
      await expect(badTarget).rejects.toMatchObject({
        code: GrpcCode.INVALID_ARGUMENT, details: "compare[0].target 9 is unknown; use 0-3",
      });
      // No write was applied: the store's revision did not move and "dup" was never put.
      // (The log index may move on its own: an election's no-op, an address record.)
      const after = await c.client(leader).get({ key: "dup" });
      expect([after.kv, after.header!.revision]).toEqual([null, before.header!.revision]);
    }));

  test("a follower's watch sees every change once, in order, from the past and across a leader's death", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const watcherId = c.ids().find((id) => id !== leader)!;
      const first = await c.client(leader).put({ key: "w/0", value: Buffer.from("0") });
      const fromPast = c.client(watcherId).watch({
        key: "w/", range_end: "w0", start_revision: first.header!.revision,
      });
      const past = collect(fromPast);
      await waitUntil("the watch to be created", 5_000, () => Promise.resolve(past.created() ? true : undefined));
      const expected = [`put w/0=0@${first.header!.revision}`];
      for (let i = 1; i <= 5; i++) {
        const put = await c.client(leader).put({ key: `w/${i}`, value: Buffer.from(String(i)) });
        expected.push(`put w/${i}=${i}@${put.header!.revision}`);
      }
      await c.kill(leader);
      const writer = await c.waitForLeader();
      // Retried with a session should the new leader's first moments see another election;
      // one write at a time, so each answer's revision is that write's.
      const writes = new RetriedWrites(() => c.client(writer));
      for (let i = 6; i <= 8; i++) {
        const put = await writes.put({ key: `w/${i}`, value: Buffer.from(String(i)) });
        expected.push(`put w/${i}=${i}@${put.header!.revision}`);
      }
      const gone = await writes.delete({ key: "w/0" });
      expected.push(`delete w/0=@${gone.header!.revision}`);
      await waitUntil("every event", 10_000,
        () => Promise.resolve(past.lines.length >= expected.length ? true : undefined));
      expect(past.lines).toEqual(expected);
      expect(past.error()).toBeUndefined();
      fromPast.cancel();
    }));
});
