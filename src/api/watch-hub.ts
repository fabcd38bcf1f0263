import {
  keyInRange, keyRange, type HistoryCursor, type KeyRange, type KvEvent, type KvReader,
} from "../state-machine/kv-types.js";

/** What one watch asks for (validated by the service). */
export interface WatchSpec {
  readonly key: Uint8Array;
  /** As in a Range: empty = `key` alone, [0x00] = every key >= key, else [key, rangeEnd). */
  readonly rangeEnd: Uint8Array;
  /** The first revision to report; 0 = the next one written. */
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
}

/** Where a watch's events go: one gRPC server stream. */
export interface WatchSink {
  /** Sends one batch of events (or none: a progress notification) at `revision`. */
  send(events: readonly KvEvent[], revision: number): void;
  /** How many batches are queued and not yet taken by the network. */
  queuedBatches(): number;
  /** Calls `resume` once the queue has drained (flow control). */
  onDrain(resume: () => void): void;
  /** Ends the stream with an error the client can act on. */
  fail(reason: WatchFailure): void;
}

export type WatchFailure =
  | { readonly type: "compacted"; readonly message: string; readonly oldestRevision: number }
  /** `resumeRevision`: one past the last event queued; the client may have missed some before. */
  | { readonly type: "slow"; readonly message: string; readonly resumeRevision: number };

export interface WatchLimits {
  /** Watches open on this member at once. */
  readonly watchersMax: number;
  /** Batches a watch may have queued (unsent); past this it waits for its client. */
  readonly queuedBatchesMax: number;
  /** Progress ticks a watch may wait for its client before it is cancelled as stalled. */
  readonly stalledTicksMax: number;
  /** Events per batch, and per read of the history. */
  readonly batchEventsMax: number;
}

/** A refused watch: too many open, or a start revision the history no longer holds. */
export class WatchRefusedError extends Error {
  constructor(readonly reason: "too-many" | "compacted", message: string) {
    super(message);
  }
}

/** One open watch: its range, its place in the history, and whether it is caught up. */
interface Watcher {
  readonly spec: WatchSpec;
  readonly range: KeyRange;
  readonly sink: WatchSink;
  cursor: HistoryCursor;
  /** Sent nothing since the last progress tick. */
  idle: boolean;
  /** Waiting for its sink to drain before reading more history. */
  paused: boolean;
  /** Progress ticks spent paused without the client draining. */
  stalledTicks: number;
  closed: boolean;
}

const END_OF_REVISION = Number.MAX_SAFE_INTEGER;

/**
 * The watches of one member, fed from its own state machine's history (KvReader.events),
 * so a follower serves watches as well as the leader: every member applies the same log in
 * the same order, so events arrive in revision order with no gap and no duplicate, across
 * leader changes too.
 *
 * A watch first catches up from the history (from its start revision), page by page, as
 * fast as its stream drains; then it is live and gets each new page right after apply
 * (applied()). Memory is bounded per watch: a watch whose stream holds queuedBatchesMax
 * batches gets no more until its client drains them; then it catches up from the history
 * (on disk), as etcd's unsynced watchers do. A client that does not drain for
 * stalledTicksMax progress ticks is cancelled (RESOURCE_EXHAUSTED) with where to resume,
 * and so is a watch that fell out of the history window (OUT_OF_RANGE). A watch whose
 * start the history no longer holds fails with OUT_OF_RANGE naming the oldest revision.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly reader: KvReader, private readonly limits: WatchLimits) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Opens a watch; throws WatchRefusedError. Returns the function that cancels it. */
  open(spec: WatchSpec, sink: WatchSink): () => void {
    if (this.watchers.size >= this.limits.watchersMax) {
      throw new WatchRefusedError("too-many", `this member already serves ` +
        `${this.limits.watchersMax} watches; retry later or on another member`);
    }
    const start = spec.startRevision === 0 ? this.reader.revision() + 1 : spec.startRevision;
    const oldest = this.reader.historyStart();
    if (start < oldest) {
      throw new WatchRefusedError("compacted",
        `revision ${start} is compacted; the oldest revision available is ${oldest}`);
    }
    const watcher: Watcher = {
      spec, range: keyRange(spec.key, spec.rangeEnd), sink,
      cursor: { revision: start - 1, position: END_OF_REVISION },
      idle: true, paused: false, stalledTicks: 0, closed: false,
    };
    this.watchers.add(watcher);
    this.catchUp(watcher);
    return () => this.close(watcher);
  }

  /** After every apply: each watch reads what is new (the state machine calls this). */
  applied(): void {
    for (const watcher of this.watchers) {
      if (!watcher.paused) this.catchUp(watcher);
    }
  }

  /**
   * Every few seconds: a progress notification to each watch that asked for them and sent
   * nothing since, and the end of watches whose clients stopped reading.
   */
  progressTick(): void {
    const revision = this.reader.revision();
    for (const watcher of [...this.watchers]) {
      if (watcher.paused && ++watcher.stalledTicks >= this.limits.stalledTicksMax) {
        this.fail(watcher, {
          type: "slow", resumeRevision: watcher.cursor.revision + 1,
          message: `the client stopped reading its watch (${watcher.sink.queuedBatches()} ` +
            "responses unread) and it was cancelled; to resume, watch again from the revision " +
            `after the last event received (events up to revision ${watcher.cursor.revision} were sent)`,
        });
        continue;
      }
      if (watcher.spec.progressNotify && watcher.idle && !watcher.paused) {
        watcher.sink.send([], revision);
      }
      watcher.idle = true;
    }
  }

  /** Cancels every watch (the member is stopping). */
  closeAll(): void {
    for (const watcher of [...this.watchers]) this.close(watcher);
  }

  /** Reads the history after the watch's cursor until it is caught up or its stream is full. */
  private catchUp(watcher: Watcher): void {
    for (;;) {
      if (watcher.closed) return;
      if (watcher.sink.queuedBatches() >= this.limits.queuedBatchesMax) {
        // The history is on disk: wait for the client instead of queueing it in memory.
        this.pause(watcher);
        return;
      }
      if (watcher.cursor.revision + 1 < this.reader.historyStart()) {
        this.fail(watcher, {
          type: "compacted", oldestRevision: this.reader.historyStart(),
          message: `the watch fell behind the history window; revision ${watcher.cursor.revision + 1} ` +
            `is compacted, the oldest available is ${this.reader.historyStart()}`,
        });
        return;
      }
      const page = this.reader.events(watcher.cursor, this.limits.batchEventsMax);
      const last = page.at(-1);
      if (last === undefined) return;
      watcher.cursor = { revision: last.kv.modRevision, position: last.position };
      const matching = page
        .filter((event) => keyInRange(event.kv.key, watcher.range))
        .map((event) => (watcher.spec.prevKv ? event : withoutPrev(event)));
      if (matching.length > 0) {
        watcher.sink.send(matching, last.kv.modRevision);
        watcher.idle = false;
      }
      if (page.length < this.limits.batchEventsMax) return;
    }
  }

  private pause(watcher: Watcher): void {
    watcher.paused = true;
    watcher.sink.onDrain(() => {
      watcher.paused = false;
      watcher.stalledTicks = 0;
      this.catchUp(watcher);
    });
  }

  private fail(watcher: Watcher, failure: WatchFailure): void {
    this.close(watcher);
    watcher.sink.fail(failure);
  }

  private close(watcher: Watcher): void {
    watcher.closed = true;
    this.watchers.delete(watcher);
  }
}

function withoutPrev(event: KvEvent): KvEvent {
  return { type: event.type, kv: event.kv, position: event.position };
}
