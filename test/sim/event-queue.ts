import { assert } from "../../src/core/assert.js";

/**
 * The simulator's agenda: a binary min-heap keyed by (virtual time, sequence number). The
 * global sequence number breaks ties between events scheduled for the same instant in the
 * order they were scheduled, so a run depends on nothing but its seed (docs/testing.md,
 * Determinism).
 */
export class EventQueue<T> {
  private readonly heap: { timeMicros: number; seq: number; item: T }[] = [];
  private seqNext = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `item` at `timeMicros`. Precondition: a finite, non-negative integer time. */
  push(timeMicros: number, item: T): void {
    assert(Number.isSafeInteger(timeMicros) && timeMicros >= 0, "event time must be a safe integer");
    this.heap.push({ timeMicros, seq: this.seqNext++, item });
    this.siftUp(this.heap.length - 1);
  }

  /** The time of the earliest event, or undefined when the queue is empty. */
  peekTimeMicros(): number | undefined {
    return this.heap[0]?.timeMicros;
  }

  /** Removes and returns the earliest event; undefined when empty. */
  pop(): { timeMicros: number; item: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop();
    assert(last !== undefined, "a non-empty heap has a last element");
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return { timeMicros: top.timeMicros, item: top.item };
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.timeMicros < b.timeMicros || (a.timeMicros === b.timeMicros && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = a;
  }

  private siftUp(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(start: number): void {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heap.length && this.less(left, smallest)) smallest = left;
      if (right < this.heap.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
