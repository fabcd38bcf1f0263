// Goal: checkOperations decides linearizability for any model, reports the longest prefix and
// the blocked operation on failure, handles unknown outcomes, scales to long histories without
// recursion, and reports "timeout" rather than a verdict when out of budget.
// Method: two small models (porcupine's integer register and a FIFO queue) and hand-built
// histories whose verdicts are argued in comments.
import { describe, expect, it } from "@jest/globals";
import { AssertionError } from "../../src/core/assert.js";
import { checkOperations, type Model, type Operation } from "./linearizability.js";

type RegisterInput = { op: "put"; value: number } | { op: "get" };

/** porcupine README's register: initially 0; the output of a get is the value read. */
const registerModel: Model<number, RegisterInput, number> = {
  init: () => 0,
  step: (state, input, output) =>
    input.op === "put" ? { ok: true, next: input.value } : { ok: output === state, next: state },
  equal: (a, b) => a === b,
  hash: (state) => state | 0,
  describeOperation: (input, output) =>
    input.op === "put" ? `put(${input.value})` : `get() -> ${output}`,
  describeState: (state) => String(state),
};

function put(clientId: number, call: number, ret: number, value: number) {
  return { clientId, call, ret, input: { op: "put", value } as RegisterInput, output: 0 };
}

function get(clientId: number, call: number, ret: number, value: number) {
  return { clientId, call, ret, input: { op: "get" } as RegisterInput, output: value };
}

type QueueInput = { op: "enqueue"; value: number } | { op: "dequeue" };

/** A FIFO queue whose dequeue outputs the removed value, or -1 when empty. The state is an
 *  immutable array, so step never mutates the state it was given. */
const queueModel: Model<readonly number[], QueueInput, number> = {
  init: () => [],
  step: (state, input, output) => {
    if (input.op === "enqueue") return { ok: true, next: [...state, input.value] };
    const head = state[0];
    if (head === undefined) return { ok: output === -1, next: state };
    return { ok: output === head, next: state.slice(1) };
  },
  equal: (a, b) => a.length === b.length && a.every((value, i) => value === b[i]),
  hash: (state) => state.reduce((hash, value) => Math.imul(hash ^ value, 0x01000193), 7),
  describeOperation: (input, output) =>
    input.op === "enqueue" ? `enqueue(${input.value})` : `dequeue() -> ${output}`,
  describeState: (state) => `[${state.join(", ")}]`,
};

function enqueue(call: number, ret: number, value: number): Operation<QueueInput, number> {
  return { clientId: 0, call, ret, input: { op: "enqueue", value }, output: 0 };
}

function dequeue(call: number, ret: number, value: number): Operation<QueueInput, number> {
  return { clientId: 1, call, ret, input: { op: "dequeue" }, output: value };
}

describe("porcupine README examples", () => {
  it("accepts put(100) overlapping get -> 100 and get -> 0", () => {
    const history = [put(0, 0, 100, 100), get(1, 10, 80, 100), get(2, 20, 60, 0)];
    expect(checkOperations(registerModel, history)).toEqual({ outcome: "ok" });
  });

  it("rejects get -> 0 called after a get -> 200 returned, naming prefix and blocked op", () => {
    const history = [put(0, 0, 100, 200), get(1, 10, 30, 200), get(2, 40, 90, 0)];
    const result = checkOperations(registerModel, history);
    expect(result.outcome).toBe("illegal");
    expect(result.longestPrefix).toEqual([0, 1]);
    expect(result.blockedOpIndex).toBe(2);
    expect(result.blockedOperation).toBe("get() -> 0");
    expect(result.explanation).toContain("leaves the state 200");
    expect(result.explanation).toContain("not legal in that state");
  });
});

describe("a model with richer state (FIFO queue)", () => {
  it("accepts dequeues in an order allowed by overlapping enqueues", () => {
    const history = [enqueue(0, 10, 1), enqueue(5, 15, 2), dequeue(20, 30, 2), dequeue(40, 50, 1)];
    expect(checkOperations(queueModel, history).outcome).toBe("ok");
  });

  it("rejects dequeues that invert two enqueues ordered in real time", () => {
    const history = [enqueue(0, 10, 1), enqueue(20, 30, 2), dequeue(40, 50, 2)];
    const result = checkOperations(queueModel, history);
    expect(result.outcome).toBe("illegal");
    expect(result.longestPrefix).toEqual([0, 1]);
    expect(result.blockedOperation).toBe("dequeue() -> 2");
  });

  it("lets an unknown operation happen never, or anywhere after its call", () => {
    // An unknown dequeue of a value never enqueued is legal: it never happened.
    const never = [enqueue(0, 10, 1), dequeue(20, Infinity, 9), dequeue(30, 40, 1)];
    expect(checkOperations(queueModel, never).outcome).toBe("ok");
    // An unknown enqueue observed long after its call.
    const later = [enqueue(0, Infinity, 7), dequeue(50, 60, -1), dequeue(100, 110, 7)];
    expect(checkOperations(queueModel, later).outcome).toBe("ok");
    // ... but never before its call.
    const early = [dequeue(0, 10, 7), enqueue(20, Infinity, 7)];
    expect(checkOperations(queueModel, early).outcome).toBe("illegal");
  });
});

describe("search mechanics", () => {
  it("accepts the empty history", () => {
    expect(checkOperations(registerModel, [])).toEqual({ outcome: "ok" });
  });

  it("decides a long sequential history without recursion", () => {
    const history: ReturnType<typeof put>[] = [];
    for (let i = 0; i < 20_000; i++) {
      history.push(i % 2 === 0 ? put(0, 2 * i, 2 * i + 1, i) : get(0, 2 * i, 2 * i + 1, i - 1));
    }
    expect(checkOperations(registerModel, history).outcome).toBe("ok");
    const last = history.length;
    history.push(get(1, 2 * last, 2 * last + 1, 12345));
    const result = checkOperations(registerModel, history);
    expect(result.outcome).toBe("illegal");
    expect(result.longestPrefix).toHaveLength(20_000);
    expect(result.blockedOpIndex).toBe(20_000);
  });

  it("memoises (linearized set, state): 12 concurrent puts then an impossible read", () => {
    // Without the cache the search would try all 12! orders; with it, at most 12 * 2^11
    // (set, last value) pairs before concluding.
    const history = Array.from({ length: 12 }, (_, i) => put(i, 0, 100, i + 1));
    history.push(get(99, 200, 210, 1000));
    expect(checkOperations(registerModel, history).outcome).toBe("illegal");
    history[12] = get(99, 200, 210, 7);
    expect(checkOperations(registerModel, history).outcome).toBe("ok");
  });

  it("reports timeout, not a verdict, when the budget runs out", () => {
    const history = Array.from({ length: 20 }, (_, i) => put(i, 0, 100, i + 1));
    history.push(get(99, 200, 210, 1000));
    const result = checkOperations(registerModel, history, { timeoutMs: 0 });
    expect(result.outcome).toBe("timeout");
    expect(result.explanation).toContain("treat as a failure");
  });

  it("asserts that every interval is well formed", () => {
    expect(() => checkOperations(registerModel, [put(0, 10, 5, 1)])).toThrow(AssertionError);
    expect(() => checkOperations(registerModel, [put(0, NaN, 5, 1)])).toThrow(AssertionError);
    expect(() => checkOperations(registerModel, [put(0, -Infinity, 5, 1)])).toThrow(
      AssertionError,
    );
  });
});
