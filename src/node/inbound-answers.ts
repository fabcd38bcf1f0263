import { assert } from "../core/assert.js";
import type { NodeId } from "../core/ids.js";
import { isResponse, type Message } from "../core/message.js";
import type { StorageWrite } from "../core/ready.js";
import type { AnswerRequest } from "../transport/peer-transport.js";

interface OpenAnswer {
  readonly from: NodeId;
  readonly answer: AnswerRequest;
  readonly out: Message[];
  /** The last write that holds one of `out`; the answer leaves once it is durable. */
  waitForWriteId: number | undefined;
}

/**
 * Answers for request/response transports (PeerTransport's InboundHandler.receive). Raft
 * messages are one-way; a gRPC handler, though, must answer the call it was given. So while
 * a request is stepped, the responses it produces for its sender are set aside here instead
 * of being sent, and handed to the call's `answer` once they may leave: after the write they
 * wait for (src/core/ready.ts, rule 5). Answers leave in the order the requests arrived, so
 * a stream that answers in order (Replicate) never reorders them.
 */
export class InboundAnswers {
  private current: OpenAnswer | undefined;
  private readonly waiting: OpenAnswer[] = [];
  private readonly claimed = new Set<Message>();
  /**
   * The newest write released so far (writes are released in id order). A write can be
   * durable before its request's Ready loop ends: one with nothing to store completes
   * inside that loop. An answer waiting for it must then leave at close(), not wait for the
   * next write's release (which may be a heartbeat interval away).
   */
  private releasedThroughWriteId = Number.NEGATIVE_INFINITY;

  /** `holdReleased` plants the old bug (RaftConfig "hold-released-answers"); tests only. */
  constructor(private readonly holdReleased = false) {}

  /** A request from `from` is about to be stepped; `answer` receives its responses. */
  open(from: NodeId, answer: AnswerRequest): void {
    assert(this.current === undefined, "one request is stepped at a time");
    this.current = { from, answer, out: [], waitForWriteId: undefined };
  }

  /** Sets aside the open request's responses that wait for `write`. */
  claim(write: StorageWrite): void {
    const current = this.current;
    if (current === undefined) return;
    for (const message of write.messagesAfterWrite) {
      if (message.to !== current.from || !isResponse(message)) continue;
      current.out.push(message);
      this.claimed.add(message);
      current.waitForWriteId = write.id;
    }
  }

  /**
   * True if `message` belongs to an answer rather than to the transport: one claimed from a
   * write, or a response to the open request's sender that may leave at once.
   */
  take(message: Message): boolean {
    if (this.claimed.delete(message)) return true;
    const current = this.current;
    if (current === undefined || message.to !== current.from || !isResponse(message)) return false;
    current.out.push(message);
    return true;
  }

  /** The request's Ready loop is over: answer now, or once its write (or an earlier answer's). */
  close(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    const previous = this.waiting[this.waiting.length - 1];
    current.waitForWriteId ??= previous?.waitForWriteId;
    const writeId = current.waitForWriteId;
    const released = !this.holdReleased && writeId !== undefined &&
      writeId <= this.releasedThroughWriteId;
    if (writeId === undefined || released) {
      current.answer(current.out);
    } else {
      this.waiting.push(current);
    }
  }

  /** `writeId` is durable and its messages left: answers waiting for it (or earlier) go. */
  released(writeId: number): void {
    this.releasedThroughWriteId = Math.max(this.releasedThroughWriteId, writeId);
    while (this.waiting.length > 0 && this.waiting[0]!.waitForWriteId! <= writeId) {
      const next = this.waiting.shift()!;
      next.answer(next.out);
    }
  }

  /** The member stops: every waiting call is answered with nothing (the caller retries). */
  dropAll(): void {
    const all = this.waiting.splice(0);
    this.claimed.clear();
    for (const waiting of all) waiting.answer([]);
  }
}
