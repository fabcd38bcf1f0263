// Goal: appends and heartbeats travel on one Replicate stream per peer and keep the unary
// path's guarantees: every request is checked and answered in order; a refused request, a
// failed stream or a missed deadline reports the peer unreachable and the next message opens
// a new stream (also to a member that restarted on the same address); a peer that stops
// reading holds the sender back through write() and the bounded queue, never unbounded
// buffering; a waiting heartbeat is replaced by a newer one; an older member without
// Replicate is reached through the unary AppendEntries.
// Method: real grpc.Servers and GrpcPeerClients on 127.0.0.1:0 in this process. A raw
// RaftPeer client drives the server side of Replicate; scripted Replicate handlers (silent,
// paused, gated) drive the client side; InboundHandlers record what they are given.

import * as grpc from "@grpc/grpc-js";
import { logIndex, nodeId, term, type NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import type { RaftPeerHandlers } from "../gen/raftkv/raft/v1/RaftPeer.js";
import {
  DEFAULT_PEER_CLIENT_LIMITS, GrpcPeerClient, type PeerClientLimits,
} from "./grpc-peer-client.js";
import {
  addRaftPeerService, DEFAULT_PEER_SERVER_LIMITS, peerServerOptions,
} from "./grpc-peer-server.js";
import type { AnswerRequest, InboundHandler } from "./peer-transport.js";
import { raftkvProtos } from "./proto-loading.js";

const CLUSTER = 5;
const ONE = nodeId(1);
const TWO = nodeId(2);

class RecordingHandler implements InboundHandler {
  readonly received: Message[] = [];
  readonly unreachable: NodeId[] = [];
  /** Requests are answered as member 2; what the leader receives (answers) is only recorded. */
  answer: (message: Message) => Message[] = (m) => (m.to === TWO ? [answerTo(m)] : []);

  receive(message: Message, answer?: AnswerRequest): void {
    this.received.push(message);
    answer?.(this.answer(message));
  }

  receiveSnapshotData(): void {
    throw new Error("no snapshots in these tests");
  }

  openIncomingSnapshot(): never {
    throw new Error("no snapshots in these tests");
  }

  incomingSnapshotBytes(): number {
    throw new Error("no snapshots in these tests");
  }

  reportSnapshot(): void {
    throw new Error("no snapshots in these tests");
  }

  reportUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }
}

/** Member 2's answer: a heartbeat's round, or an append's match index. */
function answerTo(m: Message): Message {
  if (m.type === "heartbeat-request") {
    return { type: "heartbeat-response", from: TWO, to: ONE, term: m.term, readRound: m.readRound };
  }
  if (m.type !== "append-request") throw new Error(`unexpected ${m.type}`);
  return {
    type: "append-response", from: TWO, to: ONE, term: m.term, success: true,
    matchIndex: logIndex(m.prevLogIndex + m.entries.length), rejectedIndex: logIndex(0),
    hintIndex: logIndex(0), hintTerm: term(0),
  };
}

function append(prevLogIndex: number, bytes = 0): Message {
  return {
    type: "append-request", from: ONE, to: TWO, term: term(8), prevLogIndex: logIndex(prevLogIndex),
    prevLogTerm: term(8), leaderCommit: logIndex(0), entries: bytes === 0 ? [] : [{
      index: logIndex(prevLogIndex + 1), term: term(8), kind: "command", data: new Uint8Array(bytes),
    }],
  };
}

function heartbeat(readRound: number): Message {
  return { type: "heartbeat-request", from: ONE, to: TWO, term: term(8), commit: logIndex(0), readRound };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

const cleanUps: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

function bind(server: grpc.Server, address = "127.0.0.1:0"): Promise<string> {
  return new Promise((done, fail) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error === null) done(`127.0.0.1:${port}`);
      else fail(error);
    });
  });
}

/** Member 2 as the real service, answering with `handler`. */
async function follower(handler: RecordingHandler, address?: string): Promise<{
  readonly address: string; readonly server: grpc.Server; readonly errors: unknown[];
}> {
  const server = new grpc.Server(peerServerOptions());
  const errors: unknown[] = [];
  addRaftPeerService(server, {
    ...DEFAULT_PEER_SERVER_LIMITS, clusterId: CLUSTER, selfId: TWO, handler,
    isKnownPeer: (peer) => peer !== nodeId(66), currentTerm: () => term(8),
    onHandlerError: (error) => errors.push(error),
  });
  const bound = await bind(server, address);
  cleanUps.push(() => server.forceShutdown());
  return { address: bound, server, errors };
}

type ReplicateCall = Parameters<RaftPeerHandlers["Replicate"]>[0];

/** A server whose only working RPC is `replicate`; anything else is not served. */
async function scripted(replicate: (call: ReplicateCall) => void): Promise<string> {
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>): void =>
    callback({ code: grpc.status.UNIMPLEMENTED });
  server.addService(raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer.service, {
    RequestVote: unimplemented, AppendEntries: unimplemented, InstallSnapshot: unimplemented,
    TimeoutNow: unimplemented, ReadIndex: unimplemented, Replicate: replicate,
    SnapshotOffset: unimplemented,
  } satisfies RaftPeerHandlers);
  cleanUps.push(() => server.forceShutdown());
  return bind(server);
}

/** Member 1's client, pointed at `address`. */
function leader(address: string, limits: Partial<PeerClientLimits> = {}) {
  const handler = new RecordingHandler();
  const client = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS, rpcDeadlineMs: 1000, ...limits, clusterId: CLUSTER,
    selfId: ONE,
  });
  client.attach(handler);
  client.setPeerAddress(TWO, address);
  cleanUps.push(() => client.close());
  return { client, handler };
}

const wireAppend = (prev: number, cluster = CLUSTER) => ({
  cluster_id: cluster, from: 1, to: 2, term: 8, prev_log_index: prev, prev_log_term: 8,
});

describe("the follower's side", () => {
  it("answers each request in order, and ends the stream with a refusal's status", async () => {
    const b = new RecordingHandler();
    const { address } = await follower(b);
    const raw = new (raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer)(address,
      grpc.credentials.createInsecure());
    const call = raw.Replicate();
    const matched: string[] = [];
    call.on("data", (wire: { match_index: string }) => matched.push(wire.match_index));
    const status = new Promise<grpc.StatusObject>((done) => call.on("status", done));
    call.on("error", () => undefined);
    for (let prev = 1; prev <= 20; prev++) call.write(wireAppend(prev));
    call.write(wireAppend(21, CLUSTER + 1)); // Another cluster: refused.
    call.write(wireAppend(22)); // After the refusal: never stepped.
    expect((await status).code).toBe(grpc.status.FAILED_PRECONDITION);
    raw.close();
    expect(matched).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(b.received.map((m) => m.type === "append-request" && m.prevLogIndex))
      .toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe("the leader's side", () => {
  it("steps the answers in the order the requests were sent", async () => {
    const b = new RecordingHandler();
    const { address } = await follower(b);
    const a = leader(address);
    const sent: Message[] = [];
    for (let prev = 1; prev <= 199; prev++) sent.push(append(prev, 3));
    sent.push(heartbeat(200)); // Several waiting heartbeats would coalesce: see below.
    for (const message of sent) a.client.send(message);
    await until(() => a.handler.received.length === 200, "every answer");
    expect(b.received).toEqual(sent);
    expect(a.handler.received).toEqual(sent.map(answerTo));
    expect(a.handler.unreachable).toEqual([]);
  });

  it("reports a failed stream unreachable and reaches the peer on a new one", async () => {
    const b = new RecordingHandler();
    const { address, errors } = await follower(b);
    const a = leader(address);
    b.answer = (m) => {
      if (m.type === "heartbeat-request" && m.readRound === 13) throw new Error("broken");
      return [answerTo(m)];
    };
    a.client.send(append(1));
    a.client.send(heartbeat(13)); // INTERNAL: the stream ends.
    await until(() => a.handler.unreachable.length === 1, "the failed stream reported");
    expect(errors).toEqual([new Error("broken")]);
    a.client.send(append(2));
    await until(() => a.handler.received.length === 2, "the answer on a new stream");
    expect(a.handler.received).toEqual([answerTo(append(1)), answerTo(append(2))]);
  });

  it("reaches a member that restarted on the same address within about a second", async () => {
    const b = new RecordingHandler();
    const first = await follower(b);
    const a = leader(first.address);
    a.client.send(append(1));
    await until(() => a.handler.received.length === 1, "the first answer");
    first.server.forceShutdown();
    await until(() => { a.client.send(heartbeat(2)); return a.handler.unreachable.length > 0; },
      "the stream to the stopped member reported");
    await follower(b, first.address);
    const restartedMs = Date.now();
    await until(() => {
      a.client.send(heartbeat(3));
      return a.handler.received.some((m) => m.type === "heartbeat-response");
    }, "an answer from the restarted member", 3000);
    expect(Date.now() - restartedMs).toBeLessThan(2000);
  });

  it("resets the stream when an answer is past its deadline", async () => {
    const streams: number[][] = [];
    const address = await scripted((call) => {
      const arrivals: number[] = [];
      streams.push(arrivals);
      call.on("data", (wire: { prev_log_index: string }) =>
        arrivals.push(Number(wire.prev_log_index)));
      call.on("error", () => undefined);
    });
    const a = leader(address, { rpcDeadlineMs: 300, replicateWindowMax: 2, queueMessagesMax: 2 });
    for (let prev = 1; prev <= 5; prev++) a.client.send(append(prev));
    await until(() => a.handler.unreachable.length === 1, "the fifth, over the queue");
    await until(() => streams[0]?.length === 2, "the window's two requests");
    await until(() => a.handler.unreachable.length === 2, "the deadline");
    a.client.send(append(6));
    await until(() => streams.length === 2 && streams[1]?.length === 1, "a new stream");
    // The two queued behind the window were dropped with the stream: Raft resends (§5.3).
    expect(streams).toEqual([[1, 2], [6]]);
  });

  it("stops writing when the peer stops reading, and bounds what waits", async () => {
    const arrivals: number[] = [];
    const paused: ReplicateCall[] = [];
    const address = await scripted((call) => {
      call.pause();
      paused.push(call);
      call.on("data", (wire: { prev_log_index: string }) => {
        arrivals.push(Number(wire.prev_log_index));
      });
      call.on("error", () => undefined);
    });
    const a = leader(address,
      { rpcDeadlineMs: 10_000, replicateWindowMax: 10_000, queueMessagesMax: 4 });
    a.client.send(heartbeat(1));
    await until(() => paused.length === 1, "the stream open");
    const sentMessages = 300;
    for (let prev = 1; prev <= sentMessages; prev++) a.client.send(append(prev, 64 * 1024));
    // write() said wait long before 300 x 64 KiB were written: the queue filled and dropped.
    await until(() => a.handler.unreachable.length > 0, "the full queue reported");
    await new Promise((done) => setTimeout(done, 200));
    for (const call of paused) call.resume();
    await new Promise((done) => setTimeout(done, 500));
    expect(arrivals.length).toBeGreaterThan(5);
    expect(arrivals.length).toBeLessThan(sentMessages / 2);
    expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y)); // In order, no repeats.
    expect(new Set(arrivals).size).toBe(arrivals.length);
  });

  it("keeps one waiting heartbeat: a newer one replaces it in place", async () => {
    const rounds: number[] = [];
    const gate = { open: false, held: [] as (() => void)[] };
    const address = await scripted((call) => {
      call.on("data", (wire: { read_round: string; heartbeat: boolean }) => {
        rounds.push(Number(wire.read_round));
        const reply = () => call.write({
          cluster_id: CLUSTER, from: 2, to: 1, term: 8, heartbeat: wire.heartbeat,
          read_round: wire.read_round, success: true,
        });
        if (gate.open) reply();
        else gate.held.push(reply);
      });
      call.on("error", () => undefined);
    });
    const a = leader(address, { replicateWindowMax: 1, queueMessagesMax: 2 });
    a.client.send(heartbeat(1));
    a.client.send(append(7));
    for (let round = 2; round <= 9; round++) a.client.send(heartbeat(round));
    await until(() => rounds.length === 1, "the first heartbeat written");
    gate.open = true;
    for (const reply of gate.held.splice(0)) reply();
    await until(() => rounds.length === 3, "the two that waited");
    // Rounds 2-8 were superseded while they waited; nothing overflowed the queue.
    expect(rounds).toEqual([1, 0, 9]);
    expect(a.handler.unreachable).toEqual([]);
  });

  it("reaches an older member, without Replicate, through the unary AppendEntries", async () => {
    const older = new RecordingHandler();
    const legacy = new grpc.Server();
    // The real service minus Replicate: what a member from before this RPC serves.
    const withoutReplicate = {
      addService: (
        definition: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation,
      ) => {
        const unaryDefinition = { ...definition };
        const unaryHandlers = { ...handlers };
        delete unaryDefinition["Replicate"];
        delete unaryHandlers["Replicate"];
        legacy.addService(unaryDefinition, unaryHandlers);
      },
    } as unknown as grpc.Server;
    addRaftPeerService(withoutReplicate, {
      ...DEFAULT_PEER_SERVER_LIMITS, clusterId: CLUSTER, selfId: TWO, handler: older,
      isKnownPeer: () => true, currentTerm: () => term(8),
    });
    const address = await bind(legacy);
    cleanUps.push(() => legacy.forceShutdown());
    const a = leader(address);
    a.client.send(append(1));
    await until(() => a.handler.unreachable.length === 1, "Replicate refused as unimplemented");
    a.client.send(append(2));
    a.client.send(heartbeat(3));
    await until(() => a.handler.received.length === 2, "the unary answers");
    expect(older.received).toEqual([append(2), heartbeat(3)]);
  });
});
