// Goal: the data structures under the linearizability search behave as the search assumes:
// the Bitset matches a Set<number> oracle and its hash depends only on membership; the event
// list is time-ordered with calls before returns at ties, and nested lift/unlift restore it;
// the cache covers exactly the configurations it should (same completed set and state, and a
// subset of the unknown operations).
// Method: fast-check property tests against naive oracles, plus hand-built cases.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { Bitset } from "./bitset.js";
import { buildEventList, lift, unlift, type EventNode } from "./event-list.js";
import { LinearizationCache } from "./linearization-cache.js";

function bitsOf(size: number, ids: number[]): Bitset {
  const bits = new Bitset(size);
  for (const id of ids) bits.set(id);
  return bits;
}

function listOrder(head: EventNode): string[] {
  const order: string[] = [];
  for (let node = head.next; node !== null; node = node.next) {
    order.push(`${node.match === null ? "r" : "c"}${node.opIndex}`);
    if (node.next !== null) expect(node.next.prev).toBe(node);
  }
  return order;
}

describe("Bitset", () => {
  it("agrees with a Set oracle under random toggles, hash included", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 300 }), (toggles) => {
        const bits = new Bitset(100);
        const oracle = new Set<number>();
        for (const id of toggles) {
          if (oracle.has(id)) {
            oracle.delete(id);
            bits.clear(id);
          } else {
            oracle.add(id);
            bits.set(id);
          }
        }
        const rebuilt = new Bitset(100);
        for (const id of [...oracle].sort((a, b) => b - a)) rebuilt.set(id);
        for (let id = 0; id < 100; id++) expect(bits.has(id)).toBe(oracle.has(id));
        expect(bits.equals(rebuilt)).toBe(true);
        expect(bits.hash()).toBe(rebuilt.hash());
      }),
    );
  });

  it("clones independently and tells different sets apart", () => {
    const bits = new Bitset(40);
    bits.set(3);
    bits.set(35);
    const copy = bits.clone();
    copy.clear(35);
    expect(bits.has(35)).toBe(true);
    expect(bits.equals(copy)).toBe(false);
    expect(() => bits.set(3)).toThrow();
    expect(() => copy.clear(35)).toThrow();
  });
});

describe("event list", () => {
  it("orders by time, calls before returns at equal times, unknown returns last", () => {
    const head = buildEventList([
      { call: 5, ret: 10 },
      { call: 10, ret: 12 },
      { call: 0, ret: Infinity },
      { call: 0, ret: 5 },
    ]);
    expect(listOrder(head)).toEqual(["c2", "c3", "c0", "r3", "c1", "r0", "r1", "r2"]);
  });

  it("restores the exact order after nested lifts are undone in reverse", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (pairs, picks) => {
          const intervals = pairs.map(([a, b]) => ({ call: Math.min(a, b), ret: Math.max(a, b) }));
          const head = buildEventList(intervals);
          const original = listOrder(head);
          const lifted: EventNode[] = [];
          for (const pick of picks) {
            const calls: EventNode[] = [];
            for (let node = head.next; node !== null; node = node.next) {
              if (node.match !== null) calls.push(node);
            }
            const call = calls[pick % Math.max(1, calls.length)];
            if (call === undefined) break;
            lift(call);
            lifted.push(call);
            expect(listOrder(head)).not.toContain(`c${call.opIndex}`);
            expect(listOrder(head)).not.toContain(`r${call.opIndex}`);
          }
          for (const call of lifted.reverse()) unlift(call);
          expect(listOrder(head)).toEqual(original);
        },
      ),
    );
  });
});

describe("LinearizationCache", () => {
  const newCache = (): LinearizationCache<string> =>
    new LinearizationCache<string>((a, b) => a === b, (state) => state.length);

  it("visits a configuration once, and tells states and completed sets apart", () => {
    const cache = newCache();
    const none = bitsOf(8, []);
    expect(cache.visit(bitsOf(8, [1]), none, "a")).toBe(true);
    expect(cache.visit(bitsOf(8, [1]), none, "a")).toBe(false);
    expect(cache.visit(bitsOf(8, [1]), none, "b")).toBe(true);
    expect(cache.visit(bitsOf(8, [1, 2]), none, "a")).toBe(true);
    expect(cache.size).toBe(3);
  });

  it("covers a configuration with extra unknown operations, never one with fewer", () => {
    const cache = newCache();
    const completed = bitsOf(8, [0]);
    expect(cache.visit(completed, bitsOf(8, [5]), "a")).toBe(true);
    expect(cache.visit(completed, bitsOf(8, [5, 6]), "a")).toBe(false);
    expect(cache.visit(completed, bitsOf(8, [6]), "a")).toBe(true);
    // Fewer unknown operations is more freedom: recorded, and it replaces both entries above.
    expect(cache.visit(completed, bitsOf(8, []), "a")).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.visit(completed, bitsOf(8, [7]), "a")).toBe(false);
  });

  it("copies the sets it records", () => {
    const cache = newCache();
    const completed = bitsOf(8, [0]);
    cache.visit(completed, bitsOf(8, []), "a");
    completed.set(1);
    expect(cache.visit(bitsOf(8, [0]), bitsOf(8, []), "a")).toBe(false);
  });
});
