// Goal: a write refused before it reached the log (the member asked is not, or no longer,
// the leader) is routed again within the call's deadline instead of failing the client, and
// only then: a write that may have been proposed is never sent twice by the server.
// Method: KvService with a fake node (its leader view is set by the test) and a fake
// forwarder that answers from a script; the statuses are those toGrpcStatus() builds.

import { status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import type { KvReader, KvResult } from "../state-machine/kv-types.js";
import type { RaftNode } from "../node/raft-node.js";
import { nodeId } from "../core/ids.js";
import type { PutRequest__Output } from "../gen/raftkv/kv/v1/PutRequest.js";
import { LeadershipLostError, NotLeaderError } from "../node/errors.js";
import { NOT_PROPOSED_KEY, toGrpcStatus } from "./grpc-status.js";
import { KvService, type CallContext } from "./kv-service.js";
import type { LeaderForwarder } from "./leader-forwarder.js";

const SELF = 1;
const LIMITS = { keyBytesMax: 1024, valueBytesMax: 1024, rangeLimitMax: 100, txnOpsMax: 8 };
const PUT: PutRequest__Output = {
  key: "k", value: Buffer.from("v"), prev_kv: false, client_id: "", sequence: "0",
};

/** A gRPC error as a member would answer it for `error`. */
function answered(refusal: Error): ServiceError {
  const status = toGrpcStatus(refusal, () => undefined);
  const error: ServiceError = Object.assign(new Error(status.details), {
    code: status.code, details: status.details, metadata: status.metadata,
  });
  return error;
}

interface Fake {
  service: KvService;
  leader: number;
  forwardedTo: number[];
  applyCalls: number;
}

/**
 * `forwardAnswers` are what successive forwards return (an Error is thrown); `applyAnswer`
 * is what the node's apply does when this member leads.
 */
function fakeService(
  forwardAnswers: ReadonlyArray<unknown>, applyAnswer: (fake: Fake) => Promise<unknown>,
): Fake {
  const answers = [...forwardAnswers];
  const fake = { leader: 2, forwardedTo: [] as number[], applyCalls: 0 } as Fake;
  const node = {
    id: SELF,
    leader: () => fake.leader,
    lastKnownLeader: () => fake.leader,
    subscribe: () => () => undefined,
    status: () => ({ id: SELF, term: 3 }),
    apply: () => {
      fake.applyCalls += 1;
      return applyAnswer(fake);
    },
  } as unknown as RaftNode<KvResult>;
  const forwarder = {
    forward: (leader: number) => {
      fake.forwardedTo.push(leader);
      const answer = answers.shift();
      if (answer === undefined) return Promise.reject(new Error("no scripted answer left"));
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  } as unknown as LeaderForwarder;
  fake.service = new KvService({
    node, reader: { revision: () => 7 } as unknown as KvReader, forwarder, clusterId: 9,
    limits: LIMITS, nowMs: () => Date.now(),
  });
  return fake;
}

function call(deadlineInMs = 5000, forwarded = false): CallContext {
  return { deadlineMs: Date.now() + deadlineInMs, forwarded };
}

const OK = { header: { revision: "8" } };

test("a forward refused before proposing goes to the next leader the member learns of", async () => {
  const fake = fakeService([
    answered(new NotLeaderError(nodeId(2), undefined, { notProposed: true })),
    answered(new NotLeaderError(nodeId(2), undefined, { notProposed: true })),
    OK,
  ], () => Promise.reject(new Error("never applied here")));
  const reply = fake.service.put(PUT, call());
  setTimeout(() => { fake.leader = 3; }, 30);
  await expect(reply).resolves.toBe(OK);
  expect(fake.forwardedTo[0]).toBe(2);
  expect(fake.forwardedTo[fake.forwardedTo.length - 1]).toBe(3);
});

test("a forward that may have been proposed is answered to the client, never sent again", async () => {
  const lost = answered(new LeadershipLostError("leadership was lost"));
  lost.metadata.set("raftkv-leader-id", "2");
  const fake = fakeService([lost, OK], () => Promise.reject(new Error("never applied here")));
  await expect(fake.service.put(PUT, call())).rejects.toMatchObject({
    code: GrpcCode.UNAVAILABLE, details: "leadership was lost",
  });
  expect(fake.forwardedTo).toEqual([2]);
});

test("a refused local proposal is routed to the new leader", async () => {
  const fake = fakeService([OK], (f) => {
    f.leader = 3; // the core stepped down before the driver's view caught up
    return Promise.reject(new NotLeaderError(nodeId(3), undefined, { notProposed: true }));
  });
  fake.leader = SELF;
  await expect(fake.service.put(PUT, call())).resolves.toBe(OK);
  expect([fake.applyCalls, fake.forwardedTo]).toEqual([1, [3]]);
});

test("a refusal near the deadline is answered, with its hint, instead of routed again", async () => {
  const refused = answered(new NotLeaderError(nodeId(2), undefined, { notProposed: true }));
  const fake = fakeService([refused, OK], () => Promise.reject(new Error("never applied here")));
  await expect(fake.service.put(PUT, call(250))).rejects.toBe(refused);
  expect(fake.forwardedTo).toEqual([2]);
});

test("a forwarded write this member cannot serve says nothing was proposed", async () => {
  const fake = fakeService([], () => Promise.reject(new Error("never applied here")));
  const refusal = await fake.service.put(PUT, call(5000, true)).catch((e: unknown) => e);
  expect(refusal).toBeInstanceOf(NotLeaderError);
  const status = toGrpcStatus(refusal, () => "127.0.0.1:2379");
  expect([status.code, status.metadata.get(NOT_PROPOSED_KEY)])
    .toEqual([GrpcCode.UNAVAILABLE, ["1"]]);
  expect(fake.forwardedTo).toEqual([]);
});
