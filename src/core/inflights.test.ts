// Goal: Inflights keeps a FIFO of sent appends bounded by its capacity, frees acknowledged
// ones in order (also across the ring buffer's wrap-around) and keeps count and bytes exact.
// Method: hand cases for each operation and its assertions, then a fast-check model test that
// runs random operation sequences against a plain unbounded array.
import fc from "fast-check";
import { AssertionError } from "./assert.js";
import { logIndex } from "./ids.js";
import { Inflights } from "./inflights.js";

/** Adds appends ending at each index, each `bytes` long. */
function addAll(inflights: Inflights, lastIndexes: number[], bytes = 10): void {
  for (const index of lastIndexes) inflights.add(logIndex(index), bytes);
}

describe("Inflights", () => {
  test("starts empty", () => {
    const inflights = new Inflights(3);
    expect(inflights.count()).toBe(0);
    expect(inflights.bytes()).toBe(0);
    expect(inflights.full()).toBe(false);
  });

  test("refuses a capacity that is not a positive integer", () => {
    expect(() => new Inflights(0)).toThrow(AssertionError);
    expect(() => new Inflights(-1)).toThrow(AssertionError);
    expect(() => new Inflights(1.5)).toThrow(AssertionError);
  });

  test("counts records and bytes and becomes full at capacity", () => {
    const inflights = new Inflights(3);
    inflights.add(logIndex(2), 100);
    inflights.add(logIndex(5), 30);
    expect(inflights.full()).toBe(false);
    inflights.add(logIndex(6), 7);
    expect(inflights.count()).toBe(3);
    expect(inflights.bytes()).toBe(137);
    expect(inflights.full()).toBe(true);
  });

  test("asserts when adding to a full window", () => {
    const inflights = new Inflights(2);
    addAll(inflights, [1, 2]);
    expect(() => inflights.add(logIndex(3), 1)).toThrow(AssertionError);
    expect(inflights.count()).toBe(2);
  });

  test("asserts when last indexes do not increase, even after the window drained", () => {
    const inflights = new Inflights(4);
    addAll(inflights, [5]);
    expect(() => inflights.add(logIndex(5), 1)).toThrow(AssertionError);
    expect(() => inflights.add(logIndex(4), 1)).toThrow(AssertionError);
    inflights.freeLE(logIndex(5));
    expect(() => inflights.add(logIndex(3), 1)).toThrow(AssertionError);
  });

  test("asserts on a negative or fractional size", () => {
    const inflights = new Inflights(2);
    expect(() => inflights.add(logIndex(1), -1)).toThrow(AssertionError);
    expect(() => inflights.add(logIndex(1), 0.5)).toThrow(AssertionError);
  });

  test("freeLE drops exactly the records at or below the index, oldest first", () => {
    const inflights = new Inflights(5);
    inflights.add(logIndex(3), 1);
    inflights.add(logIndex(6), 2);
    inflights.add(logIndex(9), 4);
    inflights.freeLE(logIndex(2));
    expect(inflights.count()).toBe(3);
    inflights.freeLE(logIndex(7));
    expect(inflights.count()).toBe(1);
    expect(inflights.bytes()).toBe(4);
    inflights.freeLE(logIndex(7));
    expect(inflights.count()).toBe(1);
    inflights.freeLE(logIndex(100));
    expect(inflights.count()).toBe(0);
    expect(inflights.bytes()).toBe(0);
  });

  test("freeLE works across the ring buffer's wrap-around", () => {
    const inflights = new Inflights(4);
    addAll(inflights, [1, 2, 3, 4]);
    inflights.freeLE(logIndex(3));
    // The oldest record now sits in the last slot; the next three adds wrap to the front.
    addAll(inflights, [5, 6, 7], 20);
    expect(inflights.full()).toBe(true);
    expect(inflights.bytes()).toBe(10 + 60);
    inflights.freeLE(logIndex(5));
    expect(inflights.count()).toBe(2);
    expect(inflights.bytes()).toBe(40);
    addAll(inflights, [8, 9]);
    inflights.freeLE(logIndex(8));
    expect(inflights.count()).toBe(1);
    expect(inflights.bytes()).toBe(10);
    expect(inflights.full()).toBe(false);
  });

  test("freeFirstOne drops only the oldest record and asserts when empty", () => {
    const inflights = new Inflights(3);
    inflights.add(logIndex(4), 1);
    inflights.add(logIndex(8), 2);
    inflights.add(logIndex(9), 4);
    inflights.freeFirstOne();
    expect(inflights.count()).toBe(2);
    expect(inflights.bytes()).toBe(6);
    expect(inflights.full()).toBe(false);
    inflights.freeLE(logIndex(8));
    expect(inflights.bytes()).toBe(4);
    inflights.freeFirstOne();
    expect(() => inflights.freeFirstOne()).toThrow(AssertionError);
  });

  test("reset empties the window and lets indexes start over", () => {
    const inflights = new Inflights(2);
    addAll(inflights, [10, 11]);
    inflights.reset();
    expect(inflights.count()).toBe(0);
    expect(inflights.bytes()).toBe(0);
    expect(inflights.full()).toBe(false);
    addAll(inflights, [3, 4]);
    expect(inflights.full()).toBe(true);
  });

  test("matches an unbounded-array model under random operations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(operationArbitrary, { maxLength: 80 }),
        (capacity, operations) => {
          const inflights = new Inflights(capacity);
          const model = new InflightsModel(capacity);
          for (const operation of operations) {
            applyToBoth(inflights, model, operation);
            expect(inflights.count()).toBe(model.records.length);
            expect(inflights.bytes()).toBe(model.bytes());
            expect(inflights.full()).toBe(model.records.length === capacity);
          }
        }),
      { numRuns: 1000 },
    );
  });
});

type Operation =
  | { kind: "add"; gap: number; bytes: number }
  | { kind: "freeLE"; back: number }
  | { kind: "freeFirstOne" }
  | { kind: "reset" };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      gap: fc.integer({ min: 1, max: 3 }),
      bytes: fc.nat({ max: 1000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("freeLE" as const),
      back: fc.integer({ min: -2, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "freeFirstOne" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reset" as const }) },
);

/** The naive model: an unbounded array, filtered and shifted. */
class InflightsModel {
  records: { lastIndex: number; bytes: number }[] = [];
  lastAdded = 0;
  constructor(readonly capacity: number) {}
  bytes(): number {
    return this.records.reduce((sum, record) => sum + record.bytes, 0);
  }
}

/** Applies one operation to both; where the real one must assert, checks that it does. */
function applyToBoth(inflights: Inflights, model: InflightsModel, operation: Operation): void {
  switch (operation.kind) {
    case "add": {
      const lastIndex = model.lastAdded + operation.gap;
      if (model.records.length === model.capacity) {
        expect(() => inflights.add(logIndex(lastIndex), operation.bytes)).toThrow(AssertionError);
        return;
      }
      inflights.add(logIndex(lastIndex), operation.bytes);
      model.lastAdded = lastIndex;
      model.records.push({ lastIndex, bytes: operation.bytes });
      return;
    }
    case "freeLE": {
      const index = Math.max(0, model.lastAdded - operation.back);
      inflights.freeLE(logIndex(index));
      model.records = model.records.filter((record) => record.lastIndex > index);
      return;
    }
    case "freeFirstOne":
      if (model.records.length === 0) {
        expect(() => inflights.freeFirstOne()).toThrow(AssertionError);
        return;
      }
      inflights.freeFirstOne();
      model.records.shift();
      return;
    case "reset":
      inflights.reset();
      model.records = [];
      return;
  }
}
