import * as grpc from "@grpc/grpc-js";
import { assert } from "../core/assert.js";
import type { AppendRequest, HeartbeatRequest, Message } from "../core/message.js";
import type { AppendEntriesRequest } from "../gen/raftkv/raft/v1/AppendEntriesRequest.js";
import type {
  AppendEntriesResponse__Output,
} from "../gen/raftkv/raft/v1/AppendEntriesResponse.js";
import { decodeAppendResponse, encodePeerRequest } from "./peer-codec.js";
import { PeerRequestError, type ResponseContext } from "./peer-envelope.js";

/** The client side of one Replicate call, as grpc-js types it. */
export type ReplicateCall =
  grpc.ClientDuplexStream<AppendEntriesRequest, AppendEntriesResponse__Output>;

/** What travels on a Replicate stream: log appends and heartbeats (Raft §5.3, thesis 6.4). */
export type ReplicateMessage = AppendRequest | HeartbeatRequest;

/**
 * Limits and wiring of one peer's Replicate stream; every limit is explicit
 * (docs/style.md, Everything has a limit).
 */
export interface ReplicateStreamOptions {
  /** Checks each answer: it comes from the peer, is addressed to us, in our cluster. */
  readonly context: ResponseContext;
  /** How long a written request may go unanswered before the stream is given up. */
  readonly rpcDeadlineMs: number;
  /** Messages waiting to be written; past this, enqueue() refuses. */
  readonly queueMessagesMax: number;
  /** Requests written and not yet answered; writing stops at this many. */
  readonly windowRequestsMax: number;
  /** Starts a new Replicate call on the peer's channel. */
  readonly open: () => ReplicateCall;
  /** A decoded answer, in the order of the requests. */
  readonly onAnswer: (answer: Message) => void;
  /**
   * The stream failed, broke the protocol or missed its deadline; it is reset and every
   * message written or waiting on it is dropped. `unimplemented` is true when the peer does
   * not serve Replicate (an older member), so the caller can fall back to unary calls.
   */
  readonly onFailure: (unimplemented: boolean) => void;
  /** An answer arrived `ms` after its request was written (metrics); optional. */
  readonly onRoundTrip?: (ms: number) => void;
}

/**
 * AppendEntries to one peer over one long-lived bidirectional stream (as etcd's stream
 * transport does), instead of one unary call per message: grpc-js's per-call cost dominated
 * the leader -> follower -> leader round trip. The follower answers every request in order
 * on the same stream, so answers are matched to requests by position.
 *
 * Bounds: at most queueMessagesMax messages wait (a newer heartbeat replaces a waiting one),
 * at most windowRequestsMax are written and unanswered, and nothing is written while the
 * stream's write() has asked us to wait for 'drain'. Health: when the oldest unanswered
 * request is older than rpcDeadlineMs, the stream is reset and onFailure runs, as a unary
 * call's deadline would. A failure drops what was waiting too, rather than retrying at
 * once against a peer that may be down: Raft resends after reportUnreachable() (§5.3),
 * and the next message opens a new stream on the same channel, whose reconnect backoff
 * the caller bounds.
 */
export class ReplicateStream {
  private call: ReplicateCall | undefined;
  private readonly queue: ReplicateMessage[] = [];
  /** When each written, unanswered request was written (performance.now()), oldest first. */
  private readonly writtenAtMs: number[] = [];
  /** False from a write() that returned false until the call's 'drain'. */
  private writable = true;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ReplicateStreamOptions) {
    assert(options.queueMessagesMax >= 1 && options.windowRequestsMax >= 1, "bounds are >= 1");
    assert(options.rpcDeadlineMs > 0, "the deadline is > 0");
  }

  /** Requests written and not yet answered (for tests and metrics). */
  get unansweredRequests(): number {
    return this.writtenAtMs.length;
  }

  /**
   * Queues a message and writes what the window and the stream allow. Returns false, and
   * drops the message, when the queue is full: the caller reports the peer unreachable.
   */
  enqueue(message: ReplicateMessage): boolean {
    assert(!this.closed, "no sends after close()");
    if (message.type === "heartbeat-request" && this.replaceWaitingHeartbeat(message)) {
      return true;
    }
    if (this.queue.length >= this.options.queueMessagesMax) return false;
    this.queue.push(message);
    this.pump();
    return true;
  }

  /** Ends the current stream, if any, dropping what it carried; the next message reopens. */
  reset(): void {
    const call = this.call;
    this.call = undefined;
    this.queue.length = 0;
    this.writtenAtMs.length = 0;
    this.writable = true;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    call?.cancel();
  }

  close(): void {
    this.reset();
    this.closed = true;
  }

  /** Writes waiting messages, in FIFO order, while the window and the stream have room. */
  private pump(): void {
    while (
      this.writable && this.queue.length > 0 &&
      this.writtenAtMs.length < this.options.windowRequestsMax
    ) {
      const call = this.call ?? this.start();
      const encoded = encodePeerRequest(this.queue.shift()!, this.options.context.clusterId);
      assert(encoded.rpc === "AppendEntries", "only appends and heartbeats are streamed");
      this.writtenAtMs.push(performance.now());
      this.armDeadline();
      if (!call.write(encoded.request)) {
        this.writable = false;
        call.once("drain", () => {
          if (this.call !== call) return;
          this.writable = true;
          this.pump();
        });
      }
    }
  }

  private start(): ReplicateCall {
    const call = this.options.open();
    this.call = call;
    call.on("data", (wire: AppendEntriesResponse__Output) => this.onData(call, wire));
    // grpc-js emits 'error' for every non-OK status and then 'status'; the status decides.
    call.on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => {
      if (this.call !== call) return; // Reset by us: already handled.
      if (status.code !== grpc.status.OK || this.writtenAtMs.length > 0) {
        this.fail(status.code === grpc.status.UNIMPLEMENTED);
      } else {
        this.call = undefined; // Ended cleanly with nothing owed: the next message reopens.
      }
    });
    return call;
  }

  private onData(call: ReplicateCall, wire: AppendEntriesResponse__Output): void {
    if (this.call !== call) return;
    if (this.writtenAtMs.length === 0) return this.fail(false); // An answer nobody asked for.
    const writtenAtMs = this.writtenAtMs.shift()!;
    this.options.onRoundTrip?.(performance.now() - writtenAtMs);
    let answer: Message;
    try {
      answer = decodeAppendResponse(wire, this.options.context, "Replicate");
    } catch (error) {
      if (error instanceof PeerRequestError) return this.fail(false);
      throw error;
    }
    this.options.onAnswer(answer);
    if (this.call === call) this.pump(); // The answer freed a place in the window.
  }

  private fail(unimplemented: boolean): void {
    this.reset();
    if (!this.closed) this.options.onFailure(unimplemented);
  }

  /** One timer per stream, for the oldest unanswered request; re-armed when it fires. */
  private armDeadline(): void {
    const oldestMs = this.writtenAtMs[0];
    if (this.deadlineTimer !== undefined || oldestMs === undefined) return;
    const dueMs = oldestMs + this.options.rpcDeadlineMs - performance.now();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      const oldest = this.writtenAtMs[0];
      if (oldest === undefined) return;
      if (performance.now() - oldest >= this.options.rpcDeadlineMs) this.fail(false);
      else this.armDeadline();
    }, Math.max(0, dueMs));
    this.deadlineTimer.unref();
  }

  /**
   * A heartbeat still waiting is superseded by a newer one, which carries a commit index and
   * a ReadIndex round at least as high (acknowledging a round confirms every earlier one).
   * Replacing it in place keeps the queue from filling with one heartbeat per tick to a slow
   * peer, while sending no later than the old one would have.
   */
  private replaceWaitingHeartbeat(message: HeartbeatRequest): boolean {
    const waiting = this.queue.findIndex((queued) => queued.type === "heartbeat-request");
    if (waiting < 0) return false;
    this.queue[waiting] = message;
    return true;
  }
}
