// Goal: every documented limit and malformed request gets its documented status and a
// message naming the problem, at the exact boundary (the limit itself is accepted, one byte
// more is not), and the member keeps serving afterwards. With no leader (two of three
// members stopped), a call fails with UNAVAILABLE before its deadline and its trailing
// metadata names the last known leader (proto/raftkv/kv/v1/kv.proto; docs/testing.md,
// Bad input).
// Method: a three-member cluster with default limits (4 KiB keys, 1 MiB values, 2 MiB
// requests, src/settings.ts). Each bad call goes to a follower (the path that forwards) and
// to the leader; after each, a Put and a linearizable Get on that member must succeed. The
// no-leader case SIGSTOPs the leader and one follower by PID, waits past the election
// timeout, calls the third member, then SIGCONTs both and checks the cluster recovers.
// Undecodable requests and keys that are not UTF-8 are sent as hand-written protobuf bytes
// through a grpc-js client with an identity serializer, since a normal client cannot
// produce them.

import { credentials, Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Consistency } from "../../src/gen/raftkv/kv/v1/Consistency.js";
import { ClusterHarness } from "./cluster-harness.js";
import { RetriedWrites } from "./retried-write.js";
import { waitUntil } from "./wait-until.js";
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

/** Sends `bytes` as the request of `path` (`/raftkv.kv.v1.KV/Put`) and returns the error. */
function rawCall(address: string, path: string, bytes: Buffer): Promise<GrpcError> {
  const client = new Client(address, credentials.createInsecure());
  const identity = (buffer: Buffer): Buffer => buffer;
  return new Promise<GrpcError>((resolve, reject) => {
    client.makeUnaryRequest(path, identity, identity, bytes, new Metadata(),
      { deadline: Date.now() + 5000 }, (error: ServiceError | null) => {
        client.close();
        if (error === null) reject(new Error(`${path} accepted ${bytes.toString("hex")}`));
        else resolve(error);
      });
  });
}

/** A length-delimited protobuf field: tag (field << 3 | 2), length, bytes. */
function bytesField(field: number, bytes: readonly number[]): number[] {
  return [(field << 3) | 2, bytes.length, ...bytes];
}

/**
 * The member still serves: a write through it is acknowledged (retried with its session
 * while a leader change settles; a crashed member never acknowledges) and readable.
 */
async function expectStillServing(client: RaftkvClient, tag: string): Promise<void> {
  await new RetriedWrites(() => client).put({ key: `alive/${tag}`, value: Buffer.from(tag) });
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

  test("an undecodable request to KV or Cluster is INVALID_ARGUMENT saying what is wrong", () =>
    theCluster().withLogs(async () => {
      const methods = [
        "/raftkv.kv.v1.KV/Put", "/raftkv.kv.v1.KV/Get", "/raftkv.kv.v1.KV/Delete",
        "/raftkv.kv.v1.KV/Range", "/raftkv.cluster.v1.Cluster/Status",
        "/raftkv.cluster.v1.Cluster/MemberList",
      ];
      const bodies: [string, Buffer, RegExp][] = [
        // Field 1 claims 255 bytes and none follow.
        ["truncated", Buffer.from([0x0a, 0xff]), /ends in the middle of a field/],
        // Wire type 7 does not exist.
        ["bad wire type", Buffer.from([0x0f]), /invalid wire type 7/],
      ];
      for (const [role, id] of targets()) {
        const address = theCluster().member(id).spec.clientAddress;
        for (const path of methods) {
          for (const [what, body, reason] of bodies) {
            const error = await rawCall(address, path, body);
            const type = `${path.split("/")[1]!.replace(/\.\w+$/, "")}.${path.split("/")[2]!}Request`;
            expect({ role, path, what, code: status[error.code] })
              .toEqual({ role, path, what, code: "INVALID_ARGUMENT" });
            expect(error.details).toContain(`not a valid ${type}`);
            expect(error.details).toMatch(reason);
          }
        }
        await expectStillServing(theCluster().client(id), `undecodable-${role}`);
      }
    }));

  test("a key that is not UTF-8 is INVALID_ARGUMENT naming the offset, and nothing is stored", () =>
    theCluster().withLogs(async () => {
      const value = bytesField(2, [0x78]);
      const cases: [string, number[], RegExp][] = [
        // C3 must be followed by a continuation byte; 28 is "(".
        ["Put", [...bytesField(1, [0xc3, 0x28]), ...value], /key is not valid UTF-8: byte 0 \(0xc3\)/],
        ["Put", [...bytesField(1, [0x61, 0x62, 0xff]), ...value], /key .*byte 2 \(0xff\)/],
        ["Get", bytesField(1, [0xc3, 0x28]), /key .*byte 0 \(0xc3\)/],
        ["Delete", bytesField(1, [0xed, 0xa0, 0x80]), /key .*byte 0 \(0xed\)/], // A surrogate.
        ["Range", [...bytesField(1, [0x61]), ...bytesField(2, [0x62, 0xc0, 0xaf])],
          /range_end .*byte 1 \(0xc0\)/], // An overlong "/".
      ];
      for (const [role, id] of targets()) {
        const address = theCluster().member(id).spec.clientAddress;
        for (const [method, body, reason] of cases) {
          const error = await rawCall(address, `/raftkv.kv.v1.KV/${method}`, Buffer.from(body));
          expect({ role, method, code: status[error.code] })
            .toEqual({ role, method, code: "INVALID_ARGUMENT" });
          expect(error.details).toMatch(reason);
        }
        // What lenient decoding would have stored: U+FFFD in place of the bad bytes.
        for (const key of ["\uFFFD(", "ab\uFFFD"]) {
          expect((await theCluster().client(id).get({ key })).kv).toBeNull();
        }
        await expectStillServing(theCluster().client(id), `utf8-${role}`);
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
        // The survivor notices the leader's silence after an election timeout (at most
        // 2 x 10 ticks x 10 ms) and forgets it as its leader.
        await waitUntil("the survivor to know no leader", 10_000, async () =>
          (await c.client(survivor).status()).leader_id === "0" ? true : undefined);
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
