import { assert } from "../../src/core/assert.js";

/**
 * One call or return event in the doubly linked, time-ordered event list that the
 * Wing & Gong / Lowe search walks. A call node points at its operation's return node, so
 * the search can lift both out of the list when it linearizes the operation and put them
 * back, in LIFO order, when it backtracks (Knuth's "dancing links").
 */
export interface EventNode {
  /** Index of the operation in the checked history. -1 only for the sentinel head. */
  readonly opIndex: number;
  /** The matching return node; null on return nodes and on the sentinel. */
  readonly match: EventNode | null;
  /** Time of this event in harness clock units; +Infinity for an unknown return. */
  readonly time: number;
  prev: EventNode | null;
  next: EventNode | null;
}

/** The minimal shape the list needs from an operation: its interval. */
export interface Interval {
  readonly call: number;
  readonly ret: number;
}

/**
 * Builds the event list for `intervals` and returns its sentinel head (head.next is the
 * earliest event). Events are ordered by time; at equal times calls come before returns,
 * which treats touching operations as concurrent: the conservative choice, since it never
 * invents a real-time order the harness did not observe. Remaining ties break by operation
 * index so the search, and hence its reports, are deterministic.
 *
 * Preconditions: every call is finite, every ret is finite or +Infinity, and call <= ret.
 */
export function buildEventList(intervals: readonly Interval[]): EventNode {
  const order: { opIndex: number; isCall: boolean; time: number }[] = [];
  intervals.forEach((interval, opIndex) => {
    assertInterval(interval, opIndex);
    order.push({ opIndex, isCall: true, time: interval.call });
    order.push({ opIndex, isCall: false, time: interval.ret });
  });
  order.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1;
    if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
    return a.opIndex - b.opIndex;
  });

  const returns = new Map<number, EventNode>();
  for (const event of order) {
    if (event.isCall) continue;
    returns.set(event.opIndex, {
      opIndex: event.opIndex,
      match: null,
      time: event.time,
      prev: null,
      next: null,
    });
  }
  const head: EventNode = { opIndex: -1, match: null, time: -Infinity, prev: null, next: null };
  let tail = head;
  for (const event of order) {
    const returnNode = returns.get(event.opIndex);
    assert(returnNode !== undefined, `event list: no return node for op ${event.opIndex}`);
    const node: EventNode = event.isCall
      ? { opIndex: event.opIndex, match: returnNode, time: event.time, prev: null, next: null }
      : returnNode;
    node.prev = tail;
    tail.next = node;
    tail = node;
  }
  assert(countEvents(head) === 2 * intervals.length, "event list: lost an event while linking");
  return head;
}

/**
 * Removes a call node and its return node from the list. The nodes keep their own
 * prev/next pointers, which is what lets `unlift` restore them.
 * Precondition: `call` is a call node currently in the list.
 */
export function lift(call: EventNode): void {
  const ret = call.match;
  assert(ret !== null, "lift: not a call node");
  unlink(call);
  unlink(ret);
}

/**
 * Reinserts a call node and its return node exactly where they were. Precondition: this
 * undoes the most recent `lift` still in effect (lifts and unlifts nest like a stack).
 */
export function unlift(call: EventNode): void {
  const ret = call.match;
  assert(ret !== null, "unlift: not a call node");
  relink(ret);
  relink(call);
}

function unlink(node: EventNode): void {
  assert(node.prev !== null, "unlink: node has no predecessor");
  node.prev.next = node.next;
  if (node.next !== null) node.next.prev = node.prev;
}

function relink(node: EventNode): void {
  assert(node.prev !== null, "relink: node has no predecessor");
  node.prev.next = node;
  if (node.next !== null) node.next.prev = node;
}

function countEvents(head: EventNode): number {
  let count = 0;
  for (let node = head.next; node !== null; node = node.next) count++;
  return count;
}

function assertInterval(interval: Interval, opIndex: number): void {
  const { call, ret } = interval;
  assert(Number.isFinite(call), `operation ${opIndex}: call time must be finite, got ${call}`);
  assert(
    Number.isFinite(ret) || ret === Number.POSITIVE_INFINITY,
    `operation ${opIndex}: ret must be finite or +Infinity, got ${ret}`,
  );
  assert(call <= ret, `operation ${opIndex}: call ${call} is after ret ${ret}`);
}
