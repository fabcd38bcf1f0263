// Goal: the gRPC peer transport carries every core message between two members as the
// PeerTransport and InboundHandler contracts say: requests are stepped on the receiver and
// its answer is stepped on the sender; a snapshot streams in chunks and its bytes arrive
// before its metadata; ReadIndex waits for the leader's later answer; a member refuses
// another cluster, a wrong receiver and a non-member's votes with their statuses; and failures
// (no address, nobody listening, a full queue, a deadline) become reportUnreachable().
// Snapshot sends report their outcome (reportSnapshot: finished or failed, etcd's
// ReportSnapshot), stream one at a time per peer, and a send made redundant by a newer one is
// dropped unsent. Snapshots go disk to disk: the sender reads a chunk at a time as the stream
// has room, the receiver writes each chunk to its store's partial copy after checking its
// CRC-32 (a mismatch is DATA_LOSS naming the offset), and a broken stream resumes where the
// receiver's copy ends, sending only the rest.
// Appends travel on the Replicate stream (its own tests: replicate-stream.test.ts); the
// unary queue is exercised here against an older member that does not serve Replicate.
// Method: real grpc.Servers and GrpcPeerClients on 127.0.0.1:0 in this process, with
// scripted InboundHandlers that record what they are given; a raw RaftPeer client sends
// hand-made requests, and a server whose handlers never answer holds calls in flight.

import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { logIndex, nodeId, term, type NodeId, type Term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import type { Message, SnapshotRequest } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { RaftPeerHandlers } from "../gen/raftkv/raft/v1/RaftPeer.js";
import { MemorySnapshotStore } from "../storage/memory-snapshot-store.js";
import {
  readSnapshotBytes, saveSnapshotBytes, type IncomingSnapshot, type IncomingSnapshotKey,
  type StoredSnapshot,
} from "../storage/snapshot-store.js";
import type { SnapshotMeta } from "../core/entry.js";
import {
  DEFAULT_PEER_CLIENT_LIMITS, GrpcPeerClient, type PeerClientLimits,
} from "./grpc-peer-client.js";
import {
  addRaftPeerService, DEFAULT_PEER_SERVER_LIMITS, peerServerOptions, type RaftPeerService,
} from "./grpc-peer-server.js";
import type { AnswerRequest, InboundHandler } from "./peer-transport.js";
import { raftkvProtos } from "./proto-loading.js";
import { SnapshotChunkReader } from "./snapshot-chunks.js";

const CLUSTER = 5;

/**
 * An InboundHandler that records everything and answers with a script: through the RPC's
 * `answer` when the transport asks for one, otherwise one-way through `sendOneWay` (as a
 * node's send() does, e.g. for ReadIndex).
 */
class RecordingHandler implements InboundHandler {
  readonly received: Message[] = [];
  /** Where InstallSnapshot writes what arrives, as a node's snapshot store. */
  readonly store = new MemorySnapshotStore({ retainCount: 2 });
  readonly snapshots: IncomingSnapshot[] = [];
  readonly unreachable: NodeId[] = [];
  /** reportSnapshot() calls, as "peer status". */
  readonly snapshotReports: string[] = [];
  /**
   * What arrived, in order: message types, "snapshot-data" for receiveSnapshotData() and
   * "report-snapshot status" for reportSnapshot().
   */
  readonly events: string[] = [];
  answer: (message: Message) => Message[] = () => [];
  sendOneWay: (message: Message) => void = () => undefined;
  /** While set, RPC answers wait in `held` until release() (a slow receiver). */
  holdAnswers = false;
  readonly held: (() => void)[] = [];

  receive(message: Message, answer?: AnswerRequest): void {
    this.received.push(message);
    this.events.push(message.type);
    const responses = this.answer(message);
    if (answer !== undefined && this.holdAnswers) this.held.push(() => answer(responses));
    else if (answer !== undefined) answer(responses);
    else for (const response of responses) this.sendOneWay(response);
  }

  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  openIncomingSnapshot(key: IncomingSnapshotKey): IncomingSnapshot {
    return this.store.receive(key);
  }

  incomingSnapshotBytes(key: IncomingSnapshotKey): number {
    return this.store.receivedBytes(key);
  }

  receiveSnapshotData(snapshot: IncomingSnapshot): void {
    this.snapshots.push(snapshot);
    this.events.push("snapshot-data");
  }

  reportUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }

  reportSnapshot(peer: NodeId, status: SnapshotStatus): void {
    this.snapshotReports.push(`${String(peer)} ${status}`);
    this.events.push(`report-snapshot ${status}`);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

function bind(server: grpc.Server): Promise<string> {
  return new Promise((done, fail) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error === null) done(`127.0.0.1:${port}`);
      else fail(error);
    });
  });
}

interface Member {
  readonly id: NodeId;
  readonly handler: RecordingHandler;
  readonly server: grpc.Server;
  readonly service: RaftPeerService;
  readonly client: GrpcPeerClient;
  readonly address: string;
  /** What the server reads through its callbacks; tests change currentTerm. */
  readonly state: { currentTerm: Term; readonly handlerErrors: unknown[] };
}

const members: Member[] = [];

async function member(
  id: number, limits: Partial<PeerClientLimits> = {}, serverBytesMax?: number,
): Promise<Member> {
  const handler = new RecordingHandler();
  const server = new grpc.Server(peerServerOptions(serverBytesMax));
  const state: Member["state"] = { currentTerm: term(7), handlerErrors: [] };
  const service = addRaftPeerService(server, {
    ...DEFAULT_PEER_SERVER_LIMITS, clusterId: CLUSTER, selfId: nodeId(id), handler,
    isKnownPeer: (peer) => peer !== nodeId(66), currentTerm: () => state.currentTerm,
    onHandlerError: (error) => state.handlerErrors.push(error),
  });
  const client = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS, rpcDeadlineMs: 1000, ...limits, clusterId: CLUSTER,
    selfId: nodeId(id), deliverReply: (message) => service.deliverReply(message),
  });
  client.attach(handler);
  handler.sendOneWay = (message) => client.send(message);
  const address = await bind(server);
  const result: Member = { id: nodeId(id), handler, server, service, client, address, state };
  members.push(result);
  return result;
}

afterEach(async () => {
  for (const m of members.splice(0)) {
    await m.client.close();
    m.service.close();
    m.server.forceShutdown();
  }
});

async function pair(limits: Partial<PeerClientLimits> = {}): Promise<[Member, Member]> {
  const a = await member(1, limits);
  const b = await member(2, limits);
  a.client.setPeerAddress(b.id, b.address);
  b.client.setPeerAddress(a.id, a.address);
  return [a, b];
}

const ONE = nodeId(1);
const TWO = nodeId(2);

/** Member 2's append answer to member 1. */
function appendAnswer(t: Term, matchIndex: number): Message {
  return {
    type: "append-response", from: TWO, to: ONE, term: t, success: true,
    matchIndex: logIndex(matchIndex), rejectedIndex: logIndex(0), hintIndex: logIndex(0),
    hintTerm: term(0),
  };
}

function readAnswer(requestId: number, readIndex: number | undefined): Message {
  return {
    type: "read-index-response", from: TWO, to: ONE, term: term(8), requestId,
    readIndex: readIndex === undefined ? undefined : logIndex(readIndex),
  };
}

function heartbeat(readRound: number, commit = 0): Message {
  return {
    type: "heartbeat-request", from: ONE, to: TWO, term: term(8), commit: logIndex(commit),
    readRound,
  };
}

describe("requests and their answers", () => {
  it("steps a vote request on the receiver and its answer on the sender", async () => {
    const [a, b] = await pair();
    b.handler.answer = (m) => [
      { type: "vote-response", from: TWO, to: m.from, term: m.term, preVote: false, granted: true },
    ];
    const request: Message = {
      type: "vote-request", from: ONE, to: TWO, term: term(8), preVote: false,
      lastLogIndex: logIndex(3), lastLogTerm: term(2), leadershipTransfer: false,
    };
    a.client.send(request);
    await until(() => a.handler.received.length === 1, "the vote answer");
    expect(b.handler.received).toEqual([request]);
    expect(a.handler.received).toEqual([
      { type: "vote-response", from: TWO, to: ONE, term: term(8), preVote: false, granted: true },
    ]);
  });

  it("carries appends and heartbeats over the Replicate stream", async () => {
    const [a, b] = await pair();
    b.handler.answer = (m) => m.type === "heartbeat-request"
      ? [{ type: "heartbeat-response", from: TWO, to: ONE, term: m.term, readRound: m.readRound }]
      : [appendAnswer(m.term, 6)];
    const append: Message = {
      type: "append-request", from: ONE, to: TWO, term: term(8), prevLogIndex: logIndex(4),
      prevLogTerm: term(8), leaderCommit: logIndex(4), entries: [
        { index: logIndex(5), term: term(8), kind: "command", data: new Uint8Array([7, 7]) },
        { index: logIndex(6), term: term(8), kind: "noop", data: new Uint8Array(0) },
      ],
    };
    a.client.send(append);
    a.client.send(heartbeat(3, 6));
    await until(() => a.handler.received.length === 2, "two answers");
    expect(b.handler.received).toEqual([append, heartbeat(3, 6)]);
    expect(a.handler.received.map((m) => m.type).sort())
      .toEqual(["append-response", "heartbeat-response"]);
  });

  it("answers what the core left unanswered with a rejection in its current term", async () => {
    const [a, b] = await pair();
    b.state.currentTerm = term(12);
    a.client.send({
      type: "vote-request", from: ONE, to: TWO, term: term(8), preVote: true,
      lastLogIndex: logIndex(3), lastLogTerm: term(2), leadershipTransfer: false,
    });
    a.client.send({ type: "timeout-now", from: ONE, to: TWO, term: term(8) });
    await until(() => a.handler.received.length === 1 && b.handler.received.length === 2,
      "both answers");
    expect(a.handler.received).toEqual([
      { type: "vote-response", from: TWO, to: ONE, term: term(12), preVote: true, granted: false },
    ]);
  });

  it("streams a snapshot in chunks: bytes first, then the metadata-only request", async () => {
    const [a, b] = await pair({ snapshotChunkBytesMax: 1000 });
    const data = Uint8Array.from({ length: 4500 }, (_, i) => i % 251);
    const meta = { index: logIndex(40), term: term(6), config: makeConfig([1, 2]) };
    const snapshot = storedOf(meta, data);
    b.handler.answer = (m) => [appendAnswer(m.term, 40)];
    const request: Message = {
      type: "snapshot-request", from: ONE, to: TWO, term: term(8), snapshot: meta,
    };
    a.client.send(request, snapshot);
    await until(() => a.handler.received.length === 1, "the snapshot's answer");
    expect(b.handler.snapshots).toHaveLength(1);
    const arrived = b.handler.snapshots[0]!.commit(meta);
    expect(arrived.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    expect(Array.from(readSnapshotBytes(arrived))).toEqual(Array.from(data));
    expect(b.handler.events).toEqual(["snapshot-data", "snapshot-request"]);
    expect(b.handler.received).toEqual([request]);
    expect(a.handler.received[0]).toMatchObject({ type: "append-response", matchIndex: 40 });
  });
});

/** Member 1's snapshot-request for a snapshot at `index`, with its stored bytes. */
function snapshotSend(index: number, t = 8): { request: Message; stored: StoredSnapshot } {
  const data = Uint8Array.from({ length: 3000 }, (_, i) => (i + index) % 251);
  const meta = { index: logIndex(index), term: term(6), config: makeConfig([1, 2]) };
  const stored = storedOf(meta, data);
  return { request: { type: "snapshot-request", from: ONE, to: TWO, term: term(t), snapshot: meta }, stored };
}

/** `data` committed as snapshot `meta` in a store of its own. */
function storedOf(meta: SnapshotMeta, data: Uint8Array): StoredSnapshot {
  return saveSnapshotBytes(new MemorySnapshotStore({ retainCount: 1 }), meta, data);
}

function snapshotIndexes(handler: RecordingHandler): number[] {
  return handler.received.flatMap((m) => (m.type === "snapshot-request" ? [m.snapshot.index] : []));
}

/** Lets every pending callback and setImmediate run, so that a missing report would show. */
function settle(ms = 100): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

describe("snapshot sends report their outcome (etcd's ReportSnapshot)", () => {
  it("reports finished after the answer was stepped", async () => {
    const [a, b] = await pair();
    b.handler.answer = (m) => [appendAnswer(m.term, 40)];
    const { request, stored } = snapshotSend(40);
    a.client.send(request, stored);
    await until(() => a.handler.snapshotReports.length === 1, "the snapshot's report");
    expect(a.handler.events).toEqual(["append-response", "report-snapshot finished"]);
    expect(a.handler.snapshotReports).toEqual(["2 finished"]);
    expect(a.handler.unreachable).toEqual([]);
  });

  it("reports failed for a peer nobody listens for, or without an address", async () => {
    const a = await member(1);
    const { request, stored } = snapshotSend(40);
    a.client.send(request, stored);
    await until(() => a.handler.snapshotReports.length === 1, "no address");
    const closed = await member(2);
    closed.server.forceShutdown();
    a.client.setPeerAddress(TWO, closed.address);
    a.client.send(request, stored);
    await until(() => a.handler.snapshotReports.length === 2, "nobody listening");
    expect(a.handler.snapshotReports).toEqual(["2 failed", "2 failed"]);
    // A failed stream is reported once, as a snapshot failure, not also as unreachable.
    expect(a.handler.unreachable).toEqual([]);
  });

  it("streams one at a time; a send older than the stream, or a duplicate, is dropped", async () => {
    const [a, b] = await pair();
    b.handler.answer = (m) => [appendAnswer(m.term, 40)];
    b.handler.holdAnswers = true;
    const newer = snapshotSend(40);
    a.client.send(newer.request, newer.stored);
    await until(() => b.handler.held.length === 1, "the first stream on the receiver");
    const older = snapshotSend(30);
    a.client.send(older.request, older.stored);
    a.client.send(newer.request, newer.stored);
    await settle();
    expect(snapshotIndexes(b.handler)).toEqual([40]);
    expect(a.handler.snapshotReports).toEqual([]); // Still streaming: no report, no resend.
    b.handler.release();
    await until(() => a.handler.snapshotReports.length === 1, "the report");
    await settle();
    expect(snapshotIndexes(b.handler)).toEqual([40]);
    expect(a.handler.snapshotReports).toEqual(["2 finished"]);
  });

  it("a newer send cancels the stream; a waiting send a newer one supersedes is dropped", async () => {
    const [a, b] = await pair();
    b.handler.answer = (m) => [appendAnswer(m.term, 50)];
    b.handler.holdAnswers = true;
    const first = snapshotSend(10);
    a.client.send(first.request, first.stored);
    await until(() => b.handler.held.length === 1, "the first stream on the receiver");
    for (const index of [20, 30, 50]) {
      const next = snapshotSend(index);
      a.client.send(next.request, next.stored); // 20 and 30 wait in turn, then are dropped.
    }
    await until(() => b.handler.held.length === 2, "the newest stream on the receiver");
    expect(snapshotIndexes(b.handler)).toEqual([10, 50]);
    b.handler.release();
    await until(() => a.handler.snapshotReports.length === 1, "the newest send's report");
    await settle();
    // One report: the cancelled stream's outcome is the newest send's, which stands for all.
    expect(a.handler.snapshotReports).toEqual(["2 finished"]);
    expect(snapshotIndexes(b.handler)).toEqual([10, 50]);
    expect(b.state.handlerErrors).toEqual([]);
  });
});

describe("snapshot streams go disk to disk, checked per chunk, and resume", () => {
  /** A 4 MiB snapshot whose reads are recorded; reads at or past `failFrom` throw. */
  function recordedSend(index: number, failFrom = Infinity) {
    const data = Uint8Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7 + index) % 253);
    const meta = { index: logIndex(index), term: term(6), config: makeConfig([1, 2]) };
    const stored = storedOf(meta, data);
    const reads: [number, number][] = [];
    const gate = { failFrom };
    const spied: StoredSnapshot = {
      ...stored,
      readChunk: (offset, length) => {
        if (offset >= gate.failFrom) throw new Error("the disk went away");
        reads.push([offset, length]);
        return stored.readChunk(offset, length);
      },
    };
    const request: Message = { type: "snapshot-request", from: ONE, to: TWO, term: term(8), snapshot: meta };
    const key = { index: meta.index, term: 6, sizeBytes: data.byteLength, sha256: stored.sha256 };
    return { data, meta, request, spied, reads, gate, key };
  }

  it("resumes a broken stream from where the receiver's copy ends, sending only the rest", async () => {
    const chunkBytes = 64 * 1024;
    const [a, b] = await pair({ snapshotChunkBytesMax: chunkBytes });
    b.handler.answer = (m) => [appendAnswer(m.term, 40)];
    const send = recordedSend(40, 2 * 1024 * 1024);
    a.client.send(send.request, send.spied); // Breaks at 2 MiB: the stream is cancelled.
    await until(() => a.handler.snapshotReports.length === 1, "the broken stream's report");
    expect(a.handler.snapshotReports).toEqual(["2 failed"]);
    expect(b.handler.snapshots).toEqual([]); // Nothing half-installed.
    await settle();
    const held = b.handler.store.receivedBytes(send.key);
    expect(held).toBeGreaterThan(0);
    expect(held % chunkBytes).toBe(0); // Whole chunks only.
    send.reads.length = 0;
    send.gate.failFrom = Infinity;
    a.client.send(send.request, send.spied);
    await until(() => a.handler.snapshotReports.length === 2, "the resumed stream's report");
    expect(a.handler.snapshotReports).toEqual(["2 failed", "2 finished"]);
    // The second stream read (and sent) exactly the bytes the receiver did not hold yet.
    expect(send.reads[0]?.[0]).toBe(held);
    const sent = send.reads.reduce((sum, [, length]) => sum + length, 0);
    expect(sent).toBe(send.data.byteLength - held);
    const arrived = b.handler.snapshots[0]!.commit(send.meta);
    expect(arrived.sha256).toBe(send.spied.sha256);
    expect(Array.from(readSnapshotBytes(arrived).subarray(held - 5, held + 5)))
      .toEqual(Array.from(send.data.subarray(held - 5, held + 5)));
  });

  it("reads the snapshot chunk by chunk as the stream has room, never whole", async () => {
    const chunkBytes = 64 * 1024;
    const [a, b] = await pair({ snapshotChunkBytesMax: chunkBytes });
    b.handler.answer = (m) => [appendAnswer(m.term, 40)];
    const send = recordedSend(40);
    const progress: number[] = [];
    const spied: StoredSnapshot = {
      ...send.spied,
      readChunk: (offset, length) => {
        // How far reading runs ahead of what the receiver has written to disk.
        progress.push(offset - (b.service.receivingSnapshot()?.receivedBytes ?? 0));
        return send.spied.readChunk(offset, length);
      },
    };
    a.client.send(send.request, spied);
    await until(() => a.handler.snapshotReports.length === 1, "the report");
    expect(send.reads).toHaveLength(send.data.byteLength / chunkBytes);
    for (const [, length] of send.reads) expect(length).toBeLessThanOrEqual(chunkBytes);
    // Backpressure bounds the read-ahead well below the snapshot's size (4 MiB).
    expect(Math.max(...progress)).toBeLessThan(send.data.byteLength / 2);
    expect(b.service.receivingSnapshot()).toBeUndefined(); // Done: nothing being received.
  });

  it("refuses a chunk whose CRC-32 does not match with DATA_LOSS, keeping the chunks before it", async () => {
    const [, b] = await pair();
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const meta = { index: logIndex(9), term: term(6), config: makeConfig([1, 2]) };
    const request: SnapshotRequest = {
      type: "snapshot-request", from: ONE, to: TWO, term: term(8), snapshot: meta,
    };
    const reader = new SnapshotChunkReader(request, storedOf(meta, data), CLUSTER, 100, 0);
    const [first, second, third] = [reader.next()!, reader.next()!, reader.next()!];
    const chunks = [first, { ...second, crc32: ((second.crc32 as number) + 1) >>> 0 }, third];
    const client = rawClient(b.address);
    const status = await new Promise<grpc.ServiceError | null>((done) => {
      const call = client.InstallSnapshot((error) => { done(error); });
      for (const chunk of chunks) call.write(chunk);
      call.end();
    });
    client.close();
    expect(status?.code).toBe(grpc.status.DATA_LOSS);
    expect(status?.details).toBe(
      "InstallSnapshot: the chunk at offset 100 does not match its CRC-32; resume from 100");
    const key = { index: meta.index, term: 6, sizeBytes: 300, sha256: storedOf(meta, data).sha256 };
    expect(b.handler.store.receivedBytes(key)).toBe(100);
    expect(b.handler.received).toEqual([]);
  });
});

describe("ReadIndex", () => {
  const readRequest: Message = {
    type: "read-index-request", from: ONE, to: TWO, term: term(8), requestId: 31,
  };

  it("waits for the leader's answer sent after the call was stepped", async () => {
    const [a, b] = await pair();
    a.client.send(readRequest);
    await until(() => b.handler.received.length === 1, "the request on the leader");
    expect(a.handler.received).toEqual([]);
    // Later, a heartbeat round confirms the read: the leader's node sends the answer.
    b.client.send(readAnswer(31, 17));
    await until(() => a.handler.received.length === 1, "the read index");
    expect(a.handler.received).toEqual([readAnswer(31, 17)]);
  });

  it("answers at once when the core does, and as not served when the call fails", async () => {
    const [a, b] = await pair({ rpcDeadlineMs: 300 });
    b.handler.answer = (m) =>
      m.type === "read-index-request" && m.requestId === 31 ? [readAnswer(31, 5)] : [];
    a.client.send(readRequest);
    a.client.send({ ...readRequest, requestId: 32 });
    await until(() => a.handler.received.length === 2, "both reads settled");
    expect(a.handler.received).toEqual([
      expect.objectContaining({ requestId: 31, readIndex: 5 }),
      expect.objectContaining({ requestId: 32, readIndex: undefined, term: 8 }),
    ]);
    await until(() => a.handler.unreachable.length === 1, "the failed read reported");
  });
});

/** A raw client, to send what our own encoder would refuse to produce. */
function rawClient(address: string) {
  const RaftPeer = raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer;
  return new RaftPeer(address, grpc.credentials.createInsecure());
}

function timeoutNowStatus(address: string, request: object): Promise<grpc.status> {
  const client = rawClient(address);
  return new Promise((done) => {
    client.TimeoutNow(request, (error) => {
      client.close();
      done(error === null ? grpc.status.OK : error.code);
    });
  });
}

function voteStatus(address: string, request: object): Promise<grpc.status> {
  const client = rawClient(address);
  return new Promise((done) => {
    client.RequestVote(request, (error) => {
      client.close();
      done(error === null ? grpc.status.OK : error.code);
    });
  });
}

describe("refusals", () => {
  it("answers another cluster, a wrong receiver and a bad term with their statuses", async () => {
    const [, b] = await pair();
    const good = { cluster_id: CLUSTER, from: 1, to: 2, term: 3 };
    const status = (change: object) => timeoutNowStatus(b.address, { ...good, ...change });
    expect(await status({})).toBe(grpc.status.OK);
    expect(await status({ cluster_id: 6 })).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await status({ to: 3 })).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await status({ term: "9007199254740992" })).toBe(grpc.status.INVALID_ARGUMENT);
    expect(b.handler.received).toHaveLength(1); // Only the good one reached the node.
  });

  it("refuses only the votes of a non-member (thesis 4.2.2 and 4.2.3)", async () => {
    const [, b] = await pair();
    const outsider = { cluster_id: CLUSTER, from: 66, to: 2, term: 3 };
    // A removed leader hands over to a successor whose configuration no longer names it.
    expect(await timeoutNowStatus(b.address, outsider)).toBe(grpc.status.OK);
    const vote = { ...outsider, pre_vote: true, last_log_index: 4, last_log_term: 2 };
    expect(await voteStatus(b.address, vote)).toBe(grpc.status.PERMISSION_DENIED);
    expect(b.handler.received.map((m) => [m.type, m.from])).toEqual([["timeout-now", 66]]);
  });

  it("answers INTERNAL without details when the node throws, and reports the error", async () => {
    const [, b] = await pair();
    b.handler.answer = () => { throw new Error("broken invariant"); };
    const client = rawClient(b.address);
    const error = await new Promise<grpc.ServiceError | null>((done) => {
      client.TimeoutNow({ cluster_id: CLUSTER, from: 1, to: 2, term: 3 }, (e) => done(e));
    });
    client.close();
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).toBe("internal error");
    expect(b.state.handlerErrors).toEqual([new Error("broken invariant")]);
  });
});

describe("failures become reportUnreachable()", () => {
  /** An append whose one entry carries `bytes` of data. */
  function appendOf(bytes: number): Message {
    return {
      type: "append-request", from: ONE, to: TWO, term: term(8), prevLogIndex: logIndex(0),
      prevLogTerm: term(0), leaderCommit: logIndex(0),
      entries: [
        { index: logIndex(1), term: term(8), kind: "command", data: new Uint8Array(bytes) },
      ],
    };
  }

  it("for an AppendEntries over the message limit, on either side", async () => {
    const limits = { messageBytesMax: 64 * 1024, snapshotChunkBytesMax: 4096 };
    const a = await member(1, limits);
    const b = await member(2, {}, 32 * 1024);
    b.handler.answer = (m) => [appendAnswer(m.term, 1)];
    a.client.setPeerAddress(TWO, b.address);
    a.client.send(appendOf(30 * 1024)); // Under both limits: delivered.
    await until(() => a.handler.received.length === 1, "the small append's answer");
    a.client.send(appendOf(40 * 1024)); // Over the receiver's limit.
    await until(() => a.handler.unreachable.length === 1, "the receiver's refusal");
    a.client.send(appendOf(70 * 1024)); // Over the sender's own limit.
    await until(() => a.handler.unreachable.length === 2, "the sender's refusal");
    expect(b.handler.received).toHaveLength(1);
  });

  it("for a peer without an address and for a peer nobody listens for", async () => {
    const a = await member(1);
    a.client.send(heartbeat(1));
    await until(() => a.handler.unreachable.length === 1, "no address");
    const closed = await member(2);
    closed.server.forceShutdown();
    a.client.setPeerAddress(TWO, closed.address);
    a.client.send(heartbeat(2));
    await until(() => a.handler.unreachable.length === 2, "nobody listening");
    expect(a.handler.unreachable).toEqual([TWO, TWO]);
  });

  it("for a full queue and for a deadline, while calls start in send() order", async () => {
    const arrivals: number[] = [];
    const silent = new grpc.Server();
    const neverAnswer: RaftPeerHandlers = {
      AppendEntries: (call) => { arrivals.push(Number(call.request.prev_log_index)); },
      RequestVote: () => undefined, InstallSnapshot: () => undefined, TimeoutNow: () => undefined,
      ReadIndex: () => undefined, Replicate: olderMember, SnapshotOffset: () => undefined,
    };
    silent.addService(raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer.service, neverAnswer);
    const address = await bind(silent);
    const a = await member(1, { rpcDeadlineMs: 400, inflightRpcsMax: 2, queueMessagesMax: 2 });
    a.client.setPeerAddress(TWO, address);
    await fallBackToUnary(a);
    for (let prev = 1; prev <= 5; prev++) a.client.send(emptyAppend(prev));
    await until(() => a.handler.unreachable.length >= 2, "the dropped message");
    await until(() => arrivals.length === 2, "two calls in flight");
    expect(arrivals).toEqual([1, 2]);
    await until(() => arrivals.length === 4, "the queued two, once the first two time out");
    expect(arrivals).toEqual([1, 2, 3, 4]);
    await until(() => a.handler.unreachable.length >= 4, "every timeout reported");
    silent.forceShutdown();
  });

  it("keeps one waiting heartbeat per peer: a newer one replaces it in place", async () => {
    const rounds: number[] = [];
    const silent = new grpc.Server();
    const neverAnswer: RaftPeerHandlers = {
      AppendEntries: (call) => { rounds.push(Number(call.request.read_round)); },
      RequestVote: () => undefined, InstallSnapshot: () => undefined, TimeoutNow: () => undefined,
      ReadIndex: () => undefined, Replicate: olderMember, SnapshotOffset: () => undefined,
    };
    silent.addService(raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer.service, neverAnswer);
    const address = await bind(silent);
    const a = await member(1, { rpcDeadlineMs: 300, inflightRpcsMax: 1, queueMessagesMax: 2 });
    a.client.setPeerAddress(TWO, address);
    await fallBackToUnary(a);
    a.client.send(heartbeat(1));
    a.client.send(emptyAppend(7));
    for (let round = 2; round <= 9; round++) a.client.send(heartbeat(round));
    await until(() => rounds.length === 3, "the in-flight call and the two queued ones");
    // Rounds 2-8 were superseded before they could start; nothing overflowed the queue.
    expect(rounds).toEqual([1, 0, 9]);
    expect(a.handler.unreachable.filter((peer) => peer === TWO).length).toBeLessThanOrEqual(4);
    silent.forceShutdown();
  });
});

/** Replicate as a member that predates it answers: UNIMPLEMENTED. */
function olderMember(call: Parameters<RaftPeerHandlers["Replicate"]>[0]): void {
  call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "no Replicate here" });
}

/** The first append finds Replicate unimplemented: it is reported, and later ones go unary. */
async function fallBackToUnary(a: Member): Promise<void> {
  a.client.send(heartbeat(0));
  await until(() => a.handler.unreachable.length === 1, "Replicate refused as unimplemented");
}

/** An append with no entries whose prevLogIndex marks it (an AppendEntries on the wire). */
function emptyAppend(prevLogIndex: number): Message {
  return {
    type: "append-request", from: ONE, to: TWO, term: term(8), prevLogIndex: logIndex(prevLogIndex),
    prevLogTerm: term(8), entries: [], leaderCommit: logIndex(0),
  };
}
