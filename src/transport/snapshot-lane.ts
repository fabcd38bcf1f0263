import { assert } from "../core/assert.js";
import type { SnapshotRequest } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";

/** One snapshot-request and the stored snapshot whose bytes it streams. */
export interface SnapshotSend {
  readonly message: SnapshotRequest;
  readonly snapshot: StoredSnapshot;
}

/**
 * Starts streaming `send`. The stream calls `ended` exactly once, however it ends; the
 * returned function cancels it (then `ended` still comes, with "failed").
 */
export type StartSnapshotStream = (
  send: SnapshotSend, ended: (status: SnapshotStatus) => void,
) => () => void;

interface Streaming {
  readonly send: SnapshotSend;
  cancel: () => void;
  /** Cancelled for a newer send: its outcome is not reported, the newer one's is. */
  superseded: boolean;
}

/**
 * The snapshot sends to one peer: at most one stream at a time, and at most one send
 * waiting for it. The leader's core sends one snapshot at a time per follower and waits for
 * its report (RaftCore.reportSnapshot), so a second send here comes only from a core that
 * could not know of the first (a new term, a restarted leadership). A send that is not
 * newer than the one streaming or waiting (an older snapshot, or the same one again) is
 * dropped: the one already there serves the follower as well, and its report stands for
 * both. A newer send replaces the waiting one and cancels the stream, which could only
 * deliver something older. A stream reads its snapshot a chunk at a time from the store, so
 * a lane holds a chunk or two of at most two snapshots (for the moment a cancelled stream
 * takes to end), never a whole one, and never one copy per retry.
 */
export class SnapshotLane {
  private streaming: Streaming | undefined;
  private waiting: SnapshotSend | undefined;
  private closed = false;

  constructor(
    private readonly start: StartSnapshotStream,
    private readonly report: (send: SnapshotSend, status: SnapshotStatus) => void,
  ) {}

  /** The snapshot-request streaming now, if any. */
  get current(): SnapshotRequest | undefined {
    return this.streaming?.send.message;
  }

  offer(send: SnapshotSend): void {
    if (this.closed) return;
    const streaming = this.streaming;
    const live = streaming !== undefined && !streaming.superseded ? streaming : undefined;
    if (live !== undefined && !isNewer(send.message, live.send.message)) return;
    if (this.waiting !== undefined && !isNewer(send.message, this.waiting.message)) return;
    this.waiting = send;
    if (live !== undefined) {
      live.superseded = true;
      live.cancel();
    }
    this.pump();
  }

  /** Cancels the stream and forgets the waiting send; nothing is reported any more. */
  close(): void {
    this.closed = true;
    this.waiting = undefined;
    this.streaming?.cancel();
  }

  private pump(): void {
    const send = this.waiting;
    if (this.closed || this.streaming !== undefined || send === undefined) return;
    this.waiting = undefined;
    const streaming: Streaming = { send, cancel: () => undefined, superseded: false };
    this.streaming = streaming;
    let ended = false;
    streaming.cancel = this.start(send, (status) => {
      assert(!ended && this.streaming === streaming, "a snapshot stream ends once, later");
      ended = true;
      this.streaming = undefined;
      if (!streaming.superseded && !this.closed) this.report(send, status);
      this.pump();
    });
  }
}

/**
 * Whether `a` makes `b` redundant: a later snapshot, or the same one in a later term (a
 * leader's snapshot index and term only grow, so the later send is the newer one).
 */
function isNewer(a: SnapshotRequest, b: SnapshotRequest): boolean {
  return a.snapshot.index > b.snapshot.index ||
    (a.snapshot.index === b.snapshot.index && a.term > b.term);
}
