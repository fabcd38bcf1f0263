// Goal: every documented limit and malformed request gets its documented status and a
// message naming the problem, at the exact boundary (the limit itself is accepted, one byte
// more is not), and the member keeps serving afterwards. With no leader (two of three
// members stopped), a call fails with UNAVAILABLE before its deadline and its trailing
// metadata names the last known leader (proto/raftkv/kv/v1/kv.proto, TESTING.md §2.4).
// Method: a three-member cluster with default limits (4 KiB keys, 1 MiB values, 2 MiB
// requests, src/settings.ts). Each bad call goes to a follower (the path that forwards) and
// to the leader; after each, a Put and a linearizable Get on that member must succeed. The
// no-leader case SIGSTOPs the leader and one follower by PID, waits past the election
// timeout, calls the third member, then SIGCONTs both and checks the cluster recovers.

import { status } from "@grpc/grpc-js";
import type { Consistency } from "../../src/gen/raftkv/kv/v1/Consistency.js";
import { ClusterHarness } from "./cluster-harness.js";
import { isGrpcError, type GrpcError, type RaftkvClient } from "./raftkv-client.js";

const KEY_BYTES_MAX = 4096;
const VALUE_BYTES_MAX = 1024 * 1024;
const REQUEST_BYTES_MAX = 2 * 1024 * 1024;
const LEADER_ID_KEY = "raftkv-leader-id";
const LEADER_ADDRESS_KEY = "raftkv-leader-address";

/** The error a call failed with; fails the test if the call succeeded. */
async function failure(call: Promise<unknown>): Promise<GrpcError> {
  try {
    await call;
  } catch (error: unknown) {
    if (isGrpcError(error)) return error;
    throw error;
  }
  throw new Error("the call succeeded but was expected to fail");
}

async function expectStillServing(client: RaftkvClient, tag: string): Promise<void> {
  await client.put({ key: `alive/${tag}`, value: Buffer.from(tag) });
  const got = await client.get({ key: `alive/${tag}` });
  expect(got.kv?.value.toString()).toBe(tag);
}

describe("bad input on the client port", () => {
  let cluster: ClusterHarness | undefined;
  let leader = 0;
  let follower = 0;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
    leader = await cluster.waitForLeader();
    follower = cluster.ids().find((id) => id !== leader)!;
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  const theCluster = (): ClusterHarness => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    return cluster;
  };

  const targets = (): [string, number][] => [["follower", follower], ["leader", leader]];

  test("an empty key is INVALID_ARGUMENT on Put, Get, Delete and Range", () =>
    theCluster().withLogs(async () => {
      for (const [role, id] of targets()) {
        const client = theCluster().client(id);
        const calls: [string, Promise<unknown>][] = [
          ["Put", client.put({ key: "", value: Buffer.from("x") })],
          ["Get", client.get({ key: "" })],
          ["Delete", client.delete({ key: "" })],
          ["Range", client.range({ key: "" })],
        ];
        for (const [method, call] of calls) {
          const error = await failure(call);
          expect({ role, method, code: status[error.code] })
            .toEqual({ role, method, code: "INVALID_ARGUMENT" });
          expect(error.details).toMatch(/key/i);
        }
        await expectStillServing(client, `empty-key-${role}`);
      }
    }));

  test("a key of exactly 4 KiB is accepted and one byte more is INVALID_ARGUMENT", () =>
    theCluster().withLogs(async () => {
      for (const [role, id] of targets()) {
        const client = theCluster().client(id);
        const atLimit = `${role}/`.padEnd(KEY_BYTES_MAX, "k");
        await client.put({ key: atLimit, value: Buffer.from("at the limit") });
        expect((await client.get({ key: atLimit })).kv?.value.toString()).toBe("at the limit");
        // Limits count UTF-8 bytes, not characters: 2048 two-byte characters fit exactly.
        const twoByte = "é".repeat(KEY_BYTES_MAX / 2);
        await client.put({ key: twoByte, value: Buffer.from("two-byte") });

        for (const overLimit of [`${atLimit}k`, `${twoByte}é`]) {
          const error = await failure(client.put({ key: overLimit, value: Buffer.from("x") }));
          expect({ role, code: status[error.code] }).toEqual({ role, code: "INVALID_ARGUMENT" });
          expect(error.details).toMatch(/key/i);
          const getError = await failure(client.get({ key: overLimit }));
          expect(status[getError.code]).toBe("INVALID_ARGUMENT");
        }
        await expectStillServing(client, `long-key-${role}`);
      }
    }));

  test("a value of exactly 1 MiB is accepted and one byte more is INVALID_ARGUMENT", () =>
    theCluster().withLogs(async () => {
      for (const [role, id] of targets()) {
        const client = theCluster().client(id);
        const atLimit = Buffer.alloc(VALUE_BYTES_MAX, 0x61);
        await client.put({ key: `big/${role}`, value: atLimit }, { deadlineMs: 15_000 });
        const got = await client.get({ key: `big/${role}` }, { deadlineMs: 15_000 });
        expect(got.kv?.value.equals(atLimit)).toBe(true);

        const error = await failure(client.put({
          key: `bigger/${role}`, value: Buffer.alloc(VALUE_BYTES_MAX + 1, 0x62),
        }));
        expect({ role, code: status[error.code] }).toEqual({ role, code: "INVALID_ARGUMENT" });
        expect(error.details).toMatch(/value/i);
        expect((await client.get({ key: `bigger/${role}` })).kv).toBeNull();
        await expectStillServing(client, `big-value-${role}`);
      }
    }));

  test("a request over the gRPC message limit is refused with a status naming the size", () =>
    theCluster().withLogs(async () => {
      for (const [role, id] of targets()) {
        const client = theCluster().client(id);
        const error = await failure(client.put({
          key: `huge/${role}`, value: Buffer.alloc(REQUEST_BYTES_MAX + 1, 0x63),
        }, { deadlineMs: 15_000 }));
        // grpc-js refuses an oversized message before any handler runs, with
        // RESOURCE_EXHAUSTED; a server that checks it itself answers INVALID_ARGUMENT.
        expect(["INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"]).toContain(status[error.code]);
        expect(error.details).toMatch(/larger than|too large|exceeds|limit|size/i);
        await expectStillServing(client, `huge-request-${role}`);
      }
    }));

  test("an unknown consistency value is INVALID_ARGUMENT, never a weaker read", () =>
    theCluster().withLogs(async () => {
      // Not a Consistency the proto defines: only a hand-built or newer client sends it.
      const unknownConsistency = 7 as unknown as Consistency;
      for (const [role, id] of targets()) {
        const client = theCluster().client(id);
        await client.put({ key: "consistency", value: Buffer.from("x") });
        for (const [method, call] of [
          ["Get", client.get({ key: "consistency", consistency: unknownConsistency })],
          ["Range", client.range({ key: "consistency", consistency: unknownConsistency })],
        ] as const) {
          const error = await failure(call);
          expect({ role, method, code: status[error.code] })
            .toEqual({ role, method, code: "INVALID_ARGUMENT" });
          expect(error.details).toMatch(/consistency/i);
        }
        await expectStillServing(client, `consistency-${role}`);
      }
    }));

  // Last: it disturbs the cluster (and checks that it recovers).
  test("with two of three members stopped, a call fails UNAVAILABLE naming the last leader", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const knownLeader = await c.waitForLeader();
      const survivor = c.ids().find((id) => id !== knownLeader)!;
      const stopped = c.ids().filter((id) => id !== survivor);
      for (const id of stopped) c.signal(id, "SIGSTOP");
      try {
        // Past the largest randomized election timeout (2 x 10 ticks x 10 ms), several times
        // over: the survivor has noticed that the leader is silent.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        for (const [method, call] of [
          ["Put", (deadlineMs: number) =>
            c.client(survivor).put({ key: "no-leader", value: Buffer.from("x") }, { deadlineMs })],
          ["Get", (deadlineMs: number) => c.client(survivor).get({ key: "no-leader" }, { deadlineMs })],
        ] as const) {
          const deadlineMs = 3000;
          const startedMs = performance.now();
          const error = await failure(call(deadlineMs));
          const elapsedMs = performance.now() - startedMs;
          expect({ method, code: status[error.code] }).toEqual({ method, code: "UNAVAILABLE" });
          // UNAVAILABLE (not DEADLINE_EXCEEDED) already shows the server answered before the
          // client gave up; the elapsed time only rules out a hang, allowing for scheduling.
          expect(elapsedMs).toBeLessThan(deadlineMs + 500);
          expect(error.metadata.get(LEADER_ID_KEY)).toEqual([String(knownLeader)]);
          expect(error.metadata.get(LEADER_ADDRESS_KEY))
            .toEqual([c.member(knownLeader).spec.clientAddress]);
        }
      } finally {
        for (const id of stopped) c.signal(id, "SIGCONT");
      }
      await c.waitForReady(c.ids());
      await expectStillServing(c.client(survivor), "after-no-leader");
    }));
});
