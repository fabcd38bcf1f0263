import * as grpc from "@grpc/grpc-js";
import { assert } from "../core/assert.js";
import { INDEX_ZERO, TERM_ZERO, type NodeId, type Term } from "../core/ids.js";
import type {
  AppendResponse, HeartbeatResponse, Message, ReadIndexRequest, ReadIndexResponse, VoteResponse,
} from "../core/message.js";
import type { RaftPeerHandlers } from "../gen/raftkv/raft/v1/RaftPeer.js";
import type {
  ReadIndexResponse as WireReadIndexResponse,
} from "../gen/raftkv/raft/v1/ReadIndexResponse.js";
import {
  decodeAppendEntriesRequest, decodeReadIndexRequest, decodeTimeoutNowRequest, decodeVoteRequest,
  encodeAppendResponse, encodeReadIndexResponse, encodeTimeoutNowResponse, encodeVoteResponse,
} from "./peer-codec.js";
import {
  PeerRequestError, type InboundContext, type PeerRequestErrorCode,
} from "./peer-envelope.js";
import type { Logger } from "../observability/logger.js";
import type { InboundHandler } from "./peer-transport.js";
import { raftkvProtos } from "./proto-loading.js";
import {
  decodeSnapshotOffsetRequest, SnapshotReceiver, type SnapshotProgress,
} from "./snapshot-receiver.js";

/**
 * Inbound raftkv.raft.v1.RaftPeer: each RPC is decoded (every field checked, see
 * peer-codec.ts), stepped with handler.receive(), and answered with the response the core
 * produced for the caller. receive() persists before it returns (docs/design.md), so an
 * answer never promises state a crash could lose.
 *
 * When the core produced no answer, the RPC is answered with a rejection carrying this
 * member's current term. That is harmless because the core stays silent in three cases
 * only: (1) a vote refused under a leader lease (thesis 4.2.3), whose candidate runs a
 * higher term, so the rejection is stale to it and dropped; (2) a request of a stale term
 * (with pre-vote and check-quorum off), whose sender learns our higher term and steps
 * down, which is §5.1's rule anyway; (3) an append or snapshot to a leader of the same term,
 * which Election Safety rules out. The synthetic append rejection names index 0, which a
 * leader's Progress treats as stale (progress.ts, maybeDecrTo), so it never moves nextIndex.
 *
 * ReadIndex is different: the leader answers once a heartbeat round confirms it still
 * leads (thesis 6.4), after receive() returned. Such a call waits, bounded, until the node
 * sends the read-index-response and the composition root routes it to deliverReply().
 */
export interface RaftPeerServiceOptions {
  readonly clusterId: number;
  readonly selfId: NodeId;
  readonly handler: InboundHandler;
  /** See InboundContext.isKnownPeer: config members, or anyone while we know no voters. */
  readonly isKnownPeer: (id: NodeId) => boolean;
  /** This member's current term, for answers the core did not produce. */
  readonly currentTerm: () => Term;
  /**
   * The largest snapshot one InstallSnapshot stream may carry: a disk bound (the bytes go
   * to the snapshot store's partial file as they arrive, never into memory).
   */
  readonly snapshotBytesMax: number;
  /** ReadIndex calls that may wait for the leader's confirmation at once. */
  readonly readIndexWaitersMax: number;
  /**
   * Called with any error other than a refused request: the handler threw, which means a
   * broken invariant. The call is answered INTERNAL with no details. The default rethrows
   * outside gRPC, so the process crashes and restarts from durable state
   * (docs/style.md, Programmer errors crash).
   */
  readonly onHandlerError?: (error: unknown) => void;
  /** Where a resumed InstallSnapshot stream is reported (once per stream); none if absent. */
  readonly logger?: Pick<Logger, "info">;
}

export const DEFAULT_PEER_SERVER_LIMITS: Pick<
  RaftPeerServiceOptions, "snapshotBytesMax" | "readIndexWaitersMax"
> = Object.freeze({
  snapshotBytesMax: 1024 * 1024 * 1024,
  readIndexWaitersMax: 4096,
});

/**
 * Options for the grpc.Server that hosts RaftPeer: message limits stated explicitly (grpc's
 * default receive limit is 4 MiB) and matching GrpcPeerClientOptions.messageBytesMax, so
 * that the largest AppendEntries or snapshot chunk a peer may send is accepted.
 */
export function peerServerOptions(messageBytesMax = 16 * 1024 * 1024): grpc.ServerOptions {
  assert(Number.isSafeInteger(messageBytesMax) && messageBytesMax > 0, "a positive byte limit");
  return {
    "grpc.max_receive_message_length": messageBytesMax,
    "grpc.max_send_message_length": messageBytesMax,
  };
}

/** The handle addRaftPeerService() returns. */
export interface RaftPeerService {
  /**
   * Answers a waiting ReadIndex call with a read-index-response the node sent; returns
   * false (the message is dropped) when no call waits for it.
   */
  deliverReply(message: Message): boolean;
  /** Answers every waiting ReadIndex call as not served (shutdown). */
  close(): void;
  /**
   * The snapshot being received now (the newest stream, if several), for Cluster.Status:
   * receivedBytes includes what a broken stream of the same snapshot left.
   */
  receivingSnapshot(): SnapshotProgress | undefined;
}

const STATUS_OF: Readonly<Record<PeerRequestErrorCode, grpc.status>> = Object.freeze({
  "invalid-argument": grpc.status.INVALID_ARGUMENT,
  "wrong-cluster": grpc.status.FAILED_PRECONDITION,
  "unknown-sender": grpc.status.PERMISSION_DENIED,
  "too-large": grpc.status.RESOURCE_EXHAUSTED,
  corrupt: grpc.status.DATA_LOSS,
});

/** Registers RaftPeer on a server the caller owns (and binds, starts and shuts down). */
export function addRaftPeerService(
  server: grpc.Server, options: RaftPeerServiceOptions,
): RaftPeerService {
  assert(options.snapshotBytesMax >= 0 && options.readIndexWaitersMax >= 0, "limits are >= 0");
  const peer = new PeerServer(options);
  const handlers: RaftPeerHandlers = {
    RequestVote: (call, callback) => peer.requestVote(call, callback),
    AppendEntries: (call, callback) => peer.appendEntries(call, callback),
    Replicate: (call) => peer.replicate(call),
    InstallSnapshot: (call, callback) => peer.installSnapshot(call, callback),
    SnapshotOffset: (call, callback) => peer.snapshotOffset(call, callback),
    TimeoutNow: (call, callback) => peer.timeoutNow(call, callback),
    ReadIndex: (call, callback) => peer.readIndex(call, callback),
  };
  server.addService(raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer.service, handlers);
  return {
    deliverReply: (message) => peer.deliverReply(message), close: () => peer.close(),
    receivingSnapshot: () => peer.receivingSnapshot(),
  };
}

type Call<K extends keyof RaftPeerHandlers> = Parameters<RaftPeerHandlers[K]>[0];
type Callback<K extends keyof RaftPeerHandlers> = Parameters<RaftPeerHandlers[K]>[1];

const isVoteResponse = (m: Message): m is VoteResponse => m.type === "vote-response";
const isAppendAnswer = (m: Message): m is AppendResponse | HeartbeatResponse =>
  m.type === "append-response" || m.type === "heartbeat-response";
const isAppendResponse = (m: Message): m is AppendResponse => m.type === "append-response";

class PeerServer {
  private readonly context: InboundContext;
  private readonly waitingReads = new Map<string, grpc.sendUnaryData<WireReadIndexResponse>>();
  /** InstallSnapshot streams open now, oldest first. */
  private readonly receivers = new Set<SnapshotReceiver>();

  constructor(private readonly options: RaftPeerServiceOptions) {
    this.context = {
      clusterId: options.clusterId, selfId: options.selfId, isKnownPeer: options.isKnownPeer,
    };
  }

  requestVote(call: Call<"RequestVote">, callback: Callback<"RequestVote">): void {
    this.guard(callback, () => {
      const request = decodeVoteRequest(call.request, this.context);
      this.options.handler.receive(request, (responses) => {
        const answer = this.answerTo(responses, request.from, isVoteResponse);
        callback(null, encodeVoteResponse(answer ?? {
          type: "vote-response", from: this.options.selfId, to: request.from,
          term: this.options.currentTerm(), preVote: request.preVote, granted: false,
        }, this.options.clusterId));
      });
    });
  }

  appendEntries(call: Call<"AppendEntries">, callback: Callback<"AppendEntries">): void {
    this.guard(callback, () => {
      const request = decodeAppendEntriesRequest(call.request, this.context);
      this.options.handler.receive(request, (responses) => {
        const answer = this.answerTo(responses, request.from, isAppendAnswer);
        callback(null, encodeAppendResponse(answer ?? this.appendRejection(request.from),
          this.options.clusterId));
      });
    });
  }

  /**
   * AppendEntries on a stream: each request is checked and answered exactly as the unary
   * call is, in arrival order, on the same stream. A refused request ends the stream with
   * the status the unary call would have returned, so the sender resets it and reports us
   * unreachable. Reading pauses while the answers wait for the stream to drain, so a sender
   * that does not read is held back by HTTP/2 flow control instead of growing our buffers.
   */
  replicate(call: Call<"Replicate">): void {
    let ended = false;
    let awaitingDrain = false; // One "drain" listener at most, however many answers wait.
    // The node answers requests in the order it received them (AnswerRequest), so the
    // answers leave in order even though each waits for its own write.
    const answerOne = (request: { readonly from: NodeId }) =>
      (responses: readonly Message[]): void => {
      if (ended) return;
      const answer = this.answerTo(responses, request.from, isAppendAnswer);
      const response = encodeAppendResponse(answer ?? this.appendRejection(request.from),
        this.options.clusterId);
      if (!call.write(response) && !awaitingDrain) {
        awaitingDrain = true;
        call.pause();
        call.once("drain", () => {
          awaitingDrain = false;
          call.resume();
        });
      }
    };
    call.on("data", (wire: Parameters<typeof decodeAppendEntriesRequest>[0]) => {
      if (ended) return;
      try {
        const request = decodeAppendEntriesRequest(wire, this.context);
        this.options.handler.receive(request, answerOne(request));
      } catch (error) {
        ended = true;
        this.refuse(error, (status) => call.emit("error", status));
      }
    });
    call.on("end", () => {
      if (ended) return;
      ended = true;
      call.end(); // The sender half-closed: OK, nothing is owed.
    });
    call.on("error", () => { ended = true; }); // Cancelled, broken, or refused by us above.
  }

  /**
   * Each chunk is checked and written to the snapshot's partial copy as it arrives
   * (snapshot-receiver.ts); at the end the verified copy goes to the handler and the
   * metadata-only snapshot-request is stepped. A refused chunk answers with its status at
   * once; what was written before it stays for a resumed stream.
   */
  installSnapshot(call: Call<"InstallSnapshot">, callback: Callback<"InstallSnapshot">): void {
    const receiver = new SnapshotReceiver(this.context, this.options.snapshotBytesMax,
      this.options.handler);
    this.receivers.add(receiver);
    let settled = false;
    const settle = (body: () => void): void => {
      if (settled) return;
      settled = true;
      this.receivers.delete(receiver);
      this.guard(callback, body);
    };
    let startOffset: number | undefined;
    call.on("data", (chunk: Parameters<SnapshotReceiver["add"]>[0]) => {
      if (settled) return;
      try {
        receiver.add(chunk);
      } catch (error) {
        settle(() => { throw error; });
        return;
      }
      const progress = receiver.progress();
      const received = progress?.receivedBytes ?? 0;
      if (startOffset === undefined) {
        startOffset = received - chunk.data.byteLength;
        if (startOffset > 0) {
          this.options.logger?.info(`resuming InstallSnapshot at offset ${String(startOffset)} ` +
            `of ${String(progress?.totalBytes ?? 0)}`, { from: chunk.from, index: progress?.index });
        }
      }
      if (failpointDropsStream(startOffset, received)) {
        reportFailpoint(received, progress?.totalBytes ?? 0);
        settle(() => callback({ code: grpc.status.UNAVAILABLE, details: FAILPOINT_DETAILS }));
      }
    });
    call.on("end", () => {
      if (settled) return;
      let finished: ReturnType<SnapshotReceiver["finish"]>;
      try {
        finished = receiver.finish();
      } catch (error) {
        settle(() => { throw error; });
        return;
      }
      const { message, snapshot } = finished;
      // The bytes go to disk off the event loop first, so that the commit's own fsync, on
      // the loop, finds nothing left to write (a large snapshot would stall the member). A
      // failed flush is left to the commit, which fsyncs again and fails loudly.
      void (snapshot.flush?.() ?? Promise.resolve()).catch(() => undefined).then(() => {
        settle(() => {
          if (!snapshot.intact()) {
            // Another stream's newer snapshot replaced this copy meanwhile (at most two
            // partials are kept): nothing to hand over; the sender may try again.
            callback({ code: grpc.status.UNAVAILABLE, details: "InstallSnapshot: the copy " +
              "was replaced by a newer snapshot's while it was written to disk" });
            return;
          }
          this.options.handler.receiveSnapshotData(snapshot);
          this.options.handler.receive(message, (responses) => {
            const answer = this.answerTo(responses, message.from, isAppendResponse);
            callback(null, encodeAppendResponse(answer ?? this.appendRejection(message.from),
              this.options.clusterId));
          });
        });
      });
    });
    call.on("error", () => { // Cancelled or broken: nothing to answer; the partial copy stays.
      settled = true;
      this.receivers.delete(receiver);
    });
  }

  /** How much of a snapshot this member holds from a broken stream: where to resume. */
  snapshotOffset(call: Call<"SnapshotOffset">, callback: Callback<"SnapshotOffset">): void {
    this.guard(callback, () => {
      const { envelope, key } = decodeSnapshotOffsetRequest(call.request, this.context);
      const held = Math.min(this.options.handler.incomingSnapshotBytes(key), key.sizeBytes);
      callback(null, {
        cluster_id: String(this.options.clusterId), from: String(this.options.selfId),
        to: String(envelope.from), term: String(this.options.currentTerm()), offset: String(held),
      });
    });
  }

  receivingSnapshot(): SnapshotProgress | undefined {
    let newest: SnapshotProgress | undefined;
    for (const receiver of this.receivers) newest = receiver.progress() ?? newest;
    return newest;
  }

  timeoutNow(call: Call<"TimeoutNow">, callback: Callback<"TimeoutNow">): void {
    this.guard(callback, () => {
      const request = decodeTimeoutNowRequest(call.request, this.context);
      // One-way in the core (thesis 3.10): nothing answers it but the acknowledgement.
      this.options.handler.receive(request);
      callback(null, encodeTimeoutNowResponse({
        from: this.options.selfId, to: request.from, term: this.options.currentTerm(),
      }, this.options.clusterId));
    });
  }

  /**
   * The call waits (bounded) before the request is stepped, so that an answer the core
   * produces at once and one it sends later after a heartbeat round both find it.
   */
  readIndex(call: Call<"ReadIndex">, callback: Callback<"ReadIndex">): void {
    let key: string | undefined;
    this.guard(callback, () => {
      const request = decodeReadIndexRequest(call.request, this.context);
      key = waiterKey(request.from, request.requestId);
      // A second request with the same id replaces the first (a restarted follower reuses ids).
      this.answerWaiting(key, this.notServed(request));
      if (this.waitingReads.size >= this.options.readIndexWaitersMax) {
        callback(null, encodeReadIndexResponse(this.notServed(request), this.options.clusterId));
        return;
      }
      const waiting = key;
      this.waitingReads.set(waiting, callback);
      call.on("cancelled", () => this.waitingReads.delete(waiting)); // Deadline or caller gone.
      // The answer comes back through the transport's send() and deliverReply().
      this.options.handler.receive(request);
    }, () => {
      if (key !== undefined) this.waitingReads.delete(key);
    });
  }

  deliverReply(message: Message): boolean {
    if (message.type !== "read-index-response") return false;
    return this.answerWaiting(waiterKey(message.to, message.requestId), message);
  }

  close(): void {
    for (const [key, callback] of this.waitingReads) {
      this.waitingReads.delete(key);
      callback({ code: grpc.status.UNAVAILABLE, details: "member shutting down" });
    }
  }

  /**
   * Picks the core's answer to the caller. Every other message returned is offered to
   * deliverReply(): a read-index-response may complete another waiting call.
   */
  private answerTo<M extends Message>(
    responses: readonly Message[], to: NodeId, accept: (m: Message) => m is M,
  ): M | undefined {
    let answer: M | undefined;
    for (const message of responses) {
      if (answer === undefined && message.to === to && accept(message)) answer = message;
      else this.deliverReply(message);
    }
    return answer;
  }

  private answerWaiting(key: string, message: ReadIndexResponse): boolean {
    const callback = this.waitingReads.get(key);
    if (callback === undefined) return false;
    this.waitingReads.delete(key);
    callback(null, encodeReadIndexResponse(message, this.options.clusterId));
    return true;
  }

  private notServed(request: ReadIndexRequest): ReadIndexResponse {
    return {
      type: "read-index-response", from: this.options.selfId, to: request.from,
      term: this.options.currentTerm(), requestId: request.requestId, readIndex: undefined,
    };
  }

  private appendRejection(to: NodeId): AppendResponse {
    return {
      type: "append-response", from: this.options.selfId, to, term: this.options.currentTerm(),
      success: false, matchIndex: INDEX_ZERO, rejectedIndex: INDEX_ZERO, hintIndex: INDEX_ZERO,
      hintTerm: TERM_ZERO,
    };
  }

  /**
   * Runs one handler body: a refused request becomes its status; anything else thrown is a
   * bug, answered INTERNAL without details and passed to onHandlerError.
   */
  private guard<T>(
    callback: grpc.sendUnaryData<T>, body: () => void, cleanUp?: () => void,
  ): void {
    try {
      body();
    } catch (error) {
      cleanUp?.();
      this.refuse(error, (status) => callback(status));
    }
  }

  /** Answers with a refusal's status; anything else thrown is a bug, reported after. */
  private refuse(
    error: unknown, answer: (status: { code: grpc.status; details: string }) => void,
  ): void {
    if (error instanceof PeerRequestError) {
      answer({ code: STATUS_OF[error.code], details: error.message });
      return;
    }
    answer({ code: grpc.status.INTERNAL, details: "internal error" });
    const report = this.options.onHandlerError ?? rethrowOutsideGrpc;
    report(error);
  }
}

/**
 * TEST-ONLY failpoint, off unless the environment sets RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES
 * to a positive byte count (test/integration/snapshot-transfer.test.ts breaks a stream this
 * way, since loopback cannot): an InstallSnapshot stream that started at offset 0 is dropped,
 * answered UNAVAILABLE as a broken connection is, once the partial copy holds that many bytes.
 * What it wrote stays. A stream that resumes (starts past 0) is never dropped, so a sender
 * that did not resume would be dropped every time and never finish. Read here only, once.
 */
const FAILPOINT_DROP_AT_BYTES = ((text: string | undefined): number | undefined => {
  if (text === undefined || text === "") return undefined;
  const bytes = Number(text);
  assert(Number.isSafeInteger(bytes) && bytes > 0,
    `RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES must be a positive integer, got ${text}`);
  return bytes;
})(process.env.RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES);

const FAILPOINT_DETAILS = "test failpoint RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES dropped the stream";

function failpointDropsStream(startOffset: number, receivedBytes: number): boolean {
  return FAILPOINT_DROP_AT_BYTES !== undefined && startOffset === 0 &&
    receivedBytes >= FAILPOINT_DROP_AT_BYTES;
}

/** One JSON line on stderr, as the member's logger writes them, so a test sees it fired. */
function reportFailpoint(receivedBytes: number, totalBytes: number): void {
  process.stderr.write(`${JSON.stringify({
    time: new Date().toISOString(), level: "warn", msg: FAILPOINT_DETAILS, receivedBytes,
    totalBytes,
  })}\n`);
}

function waiterKey(from: NodeId, requestId: number): string {
  return `${from}/${requestId}`;
}

function rethrowOutsideGrpc(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
