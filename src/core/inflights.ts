/**
 * The bounded window of unacknowledged AppendEntries to one follower (after etcd's
 * tracker/inflights.go). In replicate state the leader pipelines appends without waiting for
 * each answer; this window caps how many are outstanding (RaftConfig.inflightAppendsMax) so a
 * slow follower costs bounded memory and bandwidth (docs/style.md, Everything has a limit).
 */
import { assert } from "./assert.js";
import type { LogIndex } from "./ids.js";

/**
 * A FIFO of sent appends, each recorded by the index of its last entry and its payload bytes,
 * in a ring buffer of fixed capacity allocated once.
 * Invariant: recorded last indexes strictly increase from oldest to newest.
 * Invariant: 0 <= count() <= capacity, and bytes() is the sum over the recorded appends.
 */
export class Inflights {
  /** Maximum number of appends in flight; never changes. */
  readonly capacity: number;
  private readonly lastIndexes: number[];
  private readonly sizesBytes: number[];
  /** Ring position of the oldest record. Invariant: 0 <= start < capacity. */
  private start = 0;
  private recordCount = 0;
  private totalBytes = 0;
  /** The last index most recently added since construction or reset; 0 when none. */
  private lastAddedIndex = 0;

  /** Precondition: `capacity` (RaftConfig.inflightAppendsMax) is a positive integer. */
  constructor(capacity: number) {
    assert(
      Number.isSafeInteger(capacity) && capacity > 0,
      `inflights capacity must be a positive integer, got ${String(capacity)}`,
    );
    this.capacity = capacity;
    this.lastIndexes = new Array<number>(capacity).fill(0);
    this.sizesBytes = new Array<number>(capacity).fill(0);
  }

  /**
   * Records a sent append whose last entry is `lastIndex`, carrying `bytes` of payload.
   * Preconditions: !full(); `lastIndex` exceeds every index added since the last reset (the
   * leader only pipelines forward, and any back-off goes through a state change that resets
   * the window); `bytes` is a non-negative integer.
   */
  add(lastIndex: LogIndex, bytes: number): void {
    assert(!this.full(), `inflights full (${String(this.capacity)}): caller must check full()`);
    assert(
      lastIndex > this.lastAddedIndex,
      `inflight lastIndex ${String(lastIndex)} must exceed ${String(this.lastAddedIndex)}`,
    );
    assert(Number.isSafeInteger(bytes) && bytes >= 0, `bad inflight size ${String(bytes)}`);
    const slot = (this.start + this.recordCount) % this.capacity;
    this.lastIndexes[slot] = lastIndex;
    this.sizesBytes[slot] = bytes;
    this.recordCount += 1;
    this.totalBytes += bytes;
    this.lastAddedIndex = lastIndex;
    assert(this.recordCount <= this.capacity, "inflights never exceed capacity");
  }

  /**
   * Drops every record with lastIndex <= `index`: the follower acknowledged up to `index`,
   * and acknowledgements are cumulative (paper §5.3, Log Matching). Idempotent, and a no-op
   * for an index below the oldest record (a stale or duplicated acknowledgement).
   */
  freeLE(index: LogIndex): void {
    while (this.recordCount > 0 && this.slotValue(this.lastIndexes, this.start) <= index) {
      this.dropOldest();
    }
  }

  /**
   * Drops the oldest record. Used when a heartbeat response arrives while the window is full:
   * the follower is alive, so let one more append through rather than stall on a lost answer.
   * Precondition: count() > 0.
   */
  freeFirstOne(): void {
    assert(this.recordCount > 0, "freeFirstOne on empty inflights: caller must check count()");
    this.dropOldest();
  }

  /** True when no further append may be sent until one is acknowledged. */
  full(): boolean {
    return this.recordCount === this.capacity;
  }

  /** The number of appends in flight. */
  count(): number {
    return this.recordCount;
  }

  /** The sum of payload bytes of the appends in flight. */
  bytes(): number {
    return this.totalBytes;
  }

  /** Forgets every record, e.g. on leaving replicate state; the window may restart anywhere. */
  reset(): void {
    this.start = 0;
    this.recordCount = 0;
    this.totalBytes = 0;
    this.lastAddedIndex = 0;
  }

  private dropOldest(): void {
    assert(this.recordCount > 0, "dropOldest needs a record");
    const sizeBytes = this.slotValue(this.sizesBytes, this.start);
    this.totalBytes -= sizeBytes;
    this.recordCount -= 1;
    this.start = (this.start + 1) % this.capacity;
    assert(this.totalBytes >= 0, "inflight bytes never go negative");
    assert(this.recordCount > 0 || this.totalBytes === 0, "an empty window holds no bytes");
  }

  private slotValue(values: readonly number[], slot: number): number {
    const value = values[slot];
    assert(value !== undefined, `inflight slot ${String(slot)} out of range`);
    return value;
  }
}
