import * as grpc from "@grpc/grpc-js";
import { assert } from "../core/assert.js";
import type { LogIndex, NodeId } from "../core/ids.js";
import { isResponse, type Message, type ReadIndexRequest } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { RaftPeerClient } from "../gen/raftkv/raft/v1/RaftPeer.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";
import {
  decodeAppendResponse, decodeReadIndexResponse, decodeTimeoutNowResponse, decodeVoteResponse,
  encodePeerRequest, type EncodedPeerRequest,
} from "./peer-codec.js";
import { PeerRequestError, type ResponseContext } from "./peer-envelope.js";
import type { InboundHandler, PeerTransport } from "./peer-transport.js";
import { raftkvProtos } from "./proto-loading.js";
import { ReplicateStream, type ReplicateMessage } from "./replicate-stream.js";
import { SNAPSHOT_CHUNK_BYTES_MAX } from "./snapshot-chunks.js";
import { SnapshotLane, type SnapshotSend } from "./snapshot-lane.js";
import { streamSnapshot } from "./snapshot-stream.js";

/**
 * Limits and wiring of the outbound peer transport; every limit is explicit
 * (docs/style.md, Everything has a limit).
 */
export interface GrpcPeerClientOptions {
  readonly clusterId: number;
  readonly selfId: NodeId;
  /** Deadline of each unary RPC, and of each request on a Replicate stream. */
  readonly rpcDeadlineMs: number;
  /** Deadline of a whole InstallSnapshot stream (SnapshotOffset has rpcDeadlineMs). */
  readonly snapshotDeadlineMs: number;
  /**
   * Messages waiting per peer, for unary calls and again for the Replicate stream; past
   * this, send() drops and reports the peer unreachable.
   */
  readonly queueMessagesMax: number;
  /**
   * Unary RPCs in flight per peer; messages start in send() order (see the class comment).
   * A peer's one InstallSnapshot stream (snapshot-lane.ts) is not counted here.
   */
  readonly inflightRpcsMax: number;
  /** AppendEntries written to a peer's Replicate stream and not yet answered. */
  readonly replicateWindowMax: number;
  /** Snapshot bytes per InstallSnapshot chunk; at most SNAPSHOT_CHUNK_BYTES_MAX. */
  readonly snapshotChunkBytesMax: number;
  /** grpc max send and receive message size; must hold the largest AppendEntries. */
  readonly messageBytesMax: number;
  /**
   * Where response-type messages the node sends go: they answer an RPC a peer is waiting
   * on (RaftPeerService.deliverReply). Without it they are dropped.
   */
  readonly deliverReply?: (message: Message) => boolean;
  /** Insecure (plaintext) unless given. */
  readonly credentials?: grpc.ChannelCredentials;
  /** Told of each peer's round trips, failures and snapshot bytes (metrics); optional. */
  readonly observer?: PeerCallObserver;
}

/** The limits of GrpcPeerClientOptions, which have defaults. */
export type PeerClientLimits = Pick<GrpcPeerClientOptions,
  | "rpcDeadlineMs" | "snapshotDeadlineMs" | "queueMessagesMax" | "inflightRpcsMax"
  | "replicateWindowMax"
  | "snapshotChunkBytesMax" | "messageBytesMax">;

export const DEFAULT_PEER_CLIENT_LIMITS: PeerClientLimits = Object.freeze({
  rpcDeadlineMs: 2000,
  snapshotDeadlineMs: 120_000,
  queueMessagesMax: 1024,
  inflightRpcsMax: 8,
  replicateWindowMax: 64,
  snapshotChunkBytesMax: SNAPSHOT_CHUNK_BYTES_MAX,
  messageBytesMax: 16 * 1024 * 1024,
});

/** A call in flight; `call` is set once grpc has started it. */
interface InFlight {
  call: grpc.Call | undefined;
}

/** One peer: its channel, its FIFO of waiting messages and its calls in flight. */
interface PeerLink {
  readonly peer: NodeId;
  address: string | undefined;
  client: RaftPeerClient | undefined;
  readonly queue: Message[];
  readonly inFlight: Set<InFlight>;
  /** Its InstallSnapshot stream and the one snapshot waiting for it. */
  readonly snapshots: SnapshotLane;
  /** Carries appends and heartbeats while `streamable`; created by the first one. */
  stream: ReplicateStream | undefined;
  /** False once the peer proved not to serve Replicate: its appends go unary from then on. */
  streamable: boolean;
}

/**
 * Outbound raftkv.raft.v1.RaftPeer (the PeerTransport port): one channel per peer, a
 * deadline on every call, a bounded FIFO per peer and at most `inflightRpcsMax` calls in
 * flight to it. Appends and heartbeats take the peer's Replicate stream instead
 * (replicate-stream.ts: in order, the same bounds, a deadline per request), unless the peer
 * does not serve it; the rest of this comment is about the unary calls. Calls start in the
 * order send() received them, so appends to one peer are never reordered here; two calls
 * in flight at once can still be handled out of order by the peer, which Raft tolerates
 * (§5.3: the follower's consistency check rejects what does not fit, and the leader's
 * Progress ignores stale answers). `inflightRpcsMax: 1` gives
 * strict order at the cost of pipelining.
 *
 * A failed call, an over-full queue, an unknown address or an answer that does not decode
 * becomes handler.reportUnreachable(peer), always on a later event-loop turn, so the node
 * is never re-entered while it is handling a Ready. Each answer is decoded and stepped with
 * handler.receive().
 *
 * Snapshots take their own lane per peer (snapshot-lane.ts): one InstallSnapshot stream at
 * a time, resumed where the peer's partial copy ends and read from the StoredSnapshot a
 * chunk at a time as the stream has room (snapshot-stream.ts), and a newer send replacing a
 * waiting or streaming older one. Each stream's outcome goes to
 * handler.reportSnapshot(peer, "finished" | "failed") on a later turn, after its answer was
 * stepped (etcd's ReportSnapshot); a failed stream is reported only that way.
 */
/** What a member's metrics learn from its calls to each peer. */
export interface PeerCallObserver {
  /** A request to `peer` was answered after `ms`. */
  roundTrip(peer: NodeId, ms: number): void;
  /** A call or stream to `peer` failed (it is reported unreachable). */
  failed(peer: NodeId): void;
  /** `bytes` of a snapshot were streamed to `peer`. */
  snapshotBytesSent(peer: NodeId, bytes: number): void;
}

export class GrpcPeerClient implements PeerTransport {
  private handler: InboundHandler | undefined;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly unreachable = new Set<NodeId>();
  private closed = false;

  constructor(private readonly options: GrpcPeerClientOptions) {
    assert(options.inflightRpcsMax >= 1 && options.queueMessagesMax >= 1, "queues hold >= 1");
    assert(options.rpcDeadlineMs > 0 && options.snapshotDeadlineMs > 0, "deadlines are > 0");
    assert(
      options.snapshotChunkBytesMax + 1024 <= options.messageBytesMax,
      "a snapshot chunk and its envelope fit in one gRPC message",
    );
  }

  attach(handler: InboundHandler): void {
    this.handler = handler;
  }

  setPeerAddress(peer: NodeId, address: string): void {
    assert(peer !== this.options.selfId, "a member does not address itself");
    const link = this.link(peer);
    if (link.address === address) return;
    link.client?.close(); // Calls on the old channel fail and report the peer unreachable.
    link.client = undefined;
    link.stream?.reset(); // Opened again, on the new channel, by the next append.
    link.streamable = true;
    link.address = address;
  }

  send(message: Message, snapshot?: StoredSnapshot): void {
    assert(this.handler !== undefined, "attach() comes before send()");
    assert(message.from === this.options.selfId, "a member sends only its own messages");
    assert(
      (message.type === "snapshot-request") === (snapshot !== undefined),
      "a snapshot-request, and only a snapshot-request, carries the snapshot's bytes",
    );
    if (this.closed) return;
    if (isResponse(message)) {
      // An answer produced after its request's RPC returned (a ReadIndex confirmed by a
      // heartbeat round): it can only travel as the reply of a call still waiting for it.
      this.options.deliverReply?.(message);
      return;
    }
    const link = this.link(message.to);
    if (message.type === "snapshot-request") {
      assert(snapshot !== undefined, "checked above");
      if (link.address === undefined) {
        this.reportSnapshot(link.peer, "failed", message.snapshot.index);
      } else {
        link.snapshots.offer({ message, snapshot });
      }
      return;
    }
    if (isReplicated(message) && link.streamable && link.address !== undefined) {
      if (!this.streamOf(link).enqueue(message)) this.reportUnreachable(link.peer);
      return;
    }
    if (message.type === "heartbeat-request" && replaceWaitingHeartbeat(link, message)) return;
    if (link.address === undefined || link.queue.length >= this.options.queueMessagesMax) {
      this.reportUnreachable(link.peer);
      return;
    }
    link.queue.push(message);
    this.pump(link);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) {
      link.queue.length = 0;
      for (const flight of link.inFlight) flight.call?.cancel();
      link.snapshots.close();
      link.stream?.close();
      link.client?.close();
      link.client = undefined;
    }
    return Promise.resolve();
  }

  private link(peer: NodeId): PeerLink {
    let link = this.links.get(peer);
    if (link === undefined) {
      const snapshots = new SnapshotLane(
        (send, ended) => this.startSnapshot(peer, send, ended),
        (send, status) => this.reportSnapshot(peer, status, send.message.snapshot.index),
      );
      link = {
        peer, address: undefined, client: undefined, queue: [], inFlight: new Set(), snapshots,
        stream: undefined, streamable: true,
      };
      this.links.set(peer, link);
    }
    return link;
  }

  /** Starts waiting messages, in FIFO order, while the in-flight window has room. */
  private pump(link: PeerLink): void {
    while (link.inFlight.size < this.options.inflightRpcsMax && link.queue.length > 0) {
      const next = link.queue.shift()!;
      const client = this.clientOf(link);
      const flight: InFlight = { call: undefined };
      link.inFlight.add(flight);
      flight.call = this.startUnary(client, link, flight, next);
    }
  }

  private streamOf(link: PeerLink): ReplicateStream {
    link.stream ??= new ReplicateStream({
      context: { clusterId: this.options.clusterId, selfId: this.options.selfId, peer: link.peer },
      rpcDeadlineMs: this.options.rpcDeadlineMs,
      queueMessagesMax: this.options.queueMessagesMax,
      windowRequestsMax: this.options.replicateWindowMax,
      open: () => this.clientOf(link).Replicate(),
      onRoundTrip: (ms) => this.options.observer?.roundTrip(link.peer, ms),
      onAnswer: (answer) => {
        if (!this.closed) this.step(answer);
      },
      onFailure: (unimplemented) => {
        // An older member: what it would have been sent is lost and reported, as for any
        // failure, and later appends use its unary AppendEntries.
        if (unimplemented) link.streamable = false;
        this.reportUnreachable(link.peer);
      },
    });
    return link.stream;
  }

  private clientOf(link: PeerLink): RaftPeerClient {
    assert(link.address !== undefined, "messages are queued only for peers with an address");
    if (link.client === undefined) {
      const RaftPeer = raftkvProtos().grpcObject.raftkv.raft.v1.RaftPeer;
      link.client = new RaftPeer(link.address,
        this.options.credentials ?? grpc.credentials.createInsecure(), {
          "grpc.max_send_message_length": this.options.messageBytesMax,
          "grpc.max_receive_message_length": this.options.messageBytesMax,
          // A restarted peer must be reached again within an election timeout or two, not
          // after grpc's default backoff of up to two minutes.
          "grpc.initial_reconnect_backoff_ms": 100,
          "grpc.max_reconnect_backoff_ms": 1000,
        });
    }
    return link.client;
  }

  /** Runs when a call ends, whichever way: frees its slot, then acts on its outcome. */
  private finish(link: PeerLink, flight: InFlight, outcome: () => void): void {
    if (!link.inFlight.delete(flight) || this.closed) return;
    outcome();
    this.pump(link);
  }

  private startUnary(
    client: RaftPeerClient, link: PeerLink, flight: InFlight, message: Message,
  ): grpc.Call {
    const encoded = encodePeerRequest(message, this.options.clusterId);
    const context: ResponseContext = {
      clusterId: this.options.clusterId, selfId: this.options.selfId, peer: link.peer,
    };
    const options = { deadline: Date.now() + this.options.rpcDeadlineMs };
    const startedMs = performance.now();
    const failed = (): void => this.onCallFailed(link.peer, message);
    // Each arm decodes the answer of its own RPC; `done` steps it or reports the failure.
    const done = <T>(decode: (wire: T) => Message | undefined) =>
      (error: grpc.ServiceError | null, wire?: T): void => {
        this.finish(link, flight, () => {
          if (error !== null || wire === undefined) return failed();
          this.options.observer?.roundTrip(link.peer, performance.now() - startedMs);
          const answer = this.decodeOrUndefined(() => decode(wire));
          if (answer === false) return failed();
          if (answer !== undefined) this.step(answer);
        });
      };
    return this.dispatch(client, encoded, options, context, done);
  }

  private dispatch(
    client: RaftPeerClient, encoded: EncodedPeerRequest, options: grpc.CallOptions,
    context: ResponseContext,
    done: <T>(decode: (wire: T) => Message | undefined) =>
      (error: grpc.ServiceError | null, wire?: T) => void,
  ): grpc.Call {
    switch (encoded.rpc) {
      case "RequestVote":
        return client.RequestVote(encoded.request, options,
          done((wire) => decodeVoteResponse(wire, context)));
      case "AppendEntries":
        return client.AppendEntries(encoded.request, options,
          done((wire) => decodeAppendResponse(wire, context)));
      case "TimeoutNow":
        return client.TimeoutNow(encoded.request, options, done((wire) => {
          decodeTimeoutNowResponse(wire, context);
          return undefined; // An acknowledgement: the core has nothing to step.
        }));
      case "ReadIndex":
        return client.ReadIndex(encoded.request, options,
          done((wire) => decodeReadIndexResponse(wire, context)));
    }
  }

  /** Streams a stored snapshot (snapshot-stream.ts); its answer is stepped before `ended`. */
  private startSnapshot(
    peer: NodeId, send: SnapshotSend, ended: (status: SnapshotStatus) => void,
  ): () => void {
    return streamSnapshot({
      client: this.clientOf(this.link(peer)),
      context: { clusterId: this.options.clusterId, selfId: this.options.selfId, peer },
      rpcDeadlineMs: this.options.rpcDeadlineMs,
      snapshotDeadlineMs: this.options.snapshotDeadlineMs,
      chunkBytesMax: this.options.snapshotChunkBytesMax,
      step: (answer) => {
        if (!this.closed) this.step(answer);
      },
      onBytesSent: (bytes) => this.options.observer?.snapshotBytesSent(peer, bytes),
    }, send, (status) => ended(this.closed ? "failed" : status));
  }

  /** The decoded answer; false when the peer's answer breaks the protocol. */
  private decodeOrUndefined(decode: () => Message | undefined): Message | undefined | false {
    try {
      return decode();
    } catch (error) {
      if (error instanceof PeerRequestError) return false;
      throw error;
    }
  }

  /** Steps an answer; what the node sends in return leaves through send() as usual. */
  private step(answer: Message): void {
    assert(this.handler !== undefined, "attached");
    this.handler.receive(answer);
  }

  /**
   * A ReadIndex that failed is answered locally as "not served", in the request's term, so
   * the waiting client read fails now instead of at its deadline. The core drops it when
   * its term has moved on, as it would any stale answer.
   */
  private onCallFailed(peer: NodeId, message: Message): void {
    this.reportUnreachable(peer);
    if (message.type === "read-index-request") this.step(notServed(message));
  }

  /** Reports on a later turn, as every report: the node may be handling a Ready. */
  private reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void {
    setImmediate(() => {
      if (!this.closed) this.handler?.reportSnapshot(peer, status, snapshotIndex);
    });
  }

  /** Reports on a later turn, once per peer per turn: the node may be handling a Ready. */
  private reportUnreachable(peer: NodeId): void {
    this.options.observer?.failed(peer);
    if (this.unreachable.size === 0) {
      setImmediate(() => {
        const peers = [...this.unreachable];
        this.unreachable.clear();
        if (this.closed) return;
        for (const id of peers) this.handler?.reportUnreachable(id);
      });
    }
    this.unreachable.add(peer);
  }
}

function isReplicated(message: Message): message is ReplicateMessage {
  return message.type === "append-request" || message.type === "heartbeat-request";
}

function notServed(request: ReadIndexRequest): Message {
  return {
    type: "read-index-response", from: request.to, to: request.from, term: request.term,
    requestId: request.requestId, readIndex: undefined,
  };
}

/**
 * A heartbeat still waiting in a peer's queue is superseded by a newer one: the newer carries
 * a commit index and a ReadIndex round at least as high, and acknowledging a round confirms
 * every earlier one. Replacing it in place keeps the queue from filling with heartbeats to
 * a slow or paused peer (one per tick) while sending no later than the old one would have.
 */
function replaceWaitingHeartbeat(link: PeerLink, message: Message): boolean {
  const waiting = link.queue.findIndex((queued) => queued.type === "heartbeat-request");
  if (waiting < 0) return false;
  link.queue[waiting] = message;
  return true;
}
