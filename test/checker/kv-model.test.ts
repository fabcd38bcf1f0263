// Goal: the KV register model and checkKvHistory accept exactly the linearizable hand-written
// histories: porcupine's README examples, overlapping operations, unknown outcomes, cas, delete
// and stale reads. Method: small histories written out with call/return times, each checked
// for its outcome and, for failures, for what the report names (key, prefix, blocked op).
import { describe, expect, it } from "@jest/globals";
import { checkKvHistory, kvRegisterModel, type KvOperation } from "./kv-model.js";

const INF = Number.POSITIVE_INFINITY;

function put(
  clientId: number,
  call: number,
  ret: number,
  key: string,
  value: string,
): KvOperation {
  return { clientId, call, ret, input: { kind: "put", key, value }, output: { kind: "put" } };
}

function get(
  clientId: number,
  call: number,
  ret: number,
  key: string,
  value: string | null,
): KvOperation {
  return { clientId, call, ret, input: { kind: "get", key }, output: { kind: "get", value } };
}

function del(clientId: number, call: number, ret: number, key: string): KvOperation {
  return { clientId, call, ret, input: { kind: "delete", key }, output: { kind: "delete" } };
}

function cas(
  clientId: number,
  interval: [call: number, ret: number],
  key: string,
  change: [expected: string | null, value: string],
  succeeded: boolean,
): KvOperation {
  const [call, ret] = interval;
  const [expected, value] = change;
  return {
    clientId,
    call,
    ret,
    input: { kind: "cas", key, expected, value },
    output: { kind: "cas", succeeded },
  };
}

/** The same operation, but its response was lost: unknown outcome, ret = +Infinity. */
function lost(op: KvOperation): KvOperation {
  return { ...op, output: { kind: "unknown" }, ret: INF };
}

function outcomeOf(history: KvOperation[]): string {
  return checkKvHistory(history).outcome;
}

describe("porcupine README examples, translated to one key (0 = absent)", () => {
  it("accepts C0 put(100) over C1 get -> 100 over C2 get -> 0", () => {
    const history = [
      put(0, 0, 100, "x", "100"),
      get(1, 10, 80, "x", "100"),
      get(2, 20, 60, "x", null),
    ];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("rejects get -> 0 after a get -> 200 that already returned", () => {
    const history = [
      put(0, 0, 100, "x", "200"),
      get(1, 10, 30, "x", "200"),
      get(2, 40, 90, "x", null),
    ];
    const result = checkKvHistory(history);
    expect(result.outcome).toBe("illegal");
    expect(result.perKey.get("x")?.blockedOperation).toBe('get("x") -> absent');
    expect(result.perKey.get("x")?.longestPrefix).toEqual([0, 1]);
  });
});

describe("overlapping operations", () => {
  it("accepts concurrent puts read in either order by overlapping gets", () => {
    const history = [
      put(0, 0, 50, "k", "a"),
      put(1, 10, 60, "k", "b"),
      get(2, 20, 70, "k", "a"),
      get(3, 65, 80, "k", "b"),
    ];
    // Witness: put a, get -> a, put b (before 60), get -> b.
    expect(outcomeOf(history)).toBe("ok");
  });

  it("rejects two sequential reads that observe concurrent puts in opposite orders", () => {
    const history = [
      put(0, 0, 100, "k", "a"),
      put(1, 0, 100, "k", "b"),
      get(2, 10, 20, "k", "a"),
      get(2, 30, 40, "k", "b"),
      get(3, 50, 60, "k", "a"),
    ];
    expect(outcomeOf(history)).toBe("illegal");
  });

  it("treats an operation returning at the instant another is called as concurrent", () => {
    // The put returns at 10 and the get is called at 10: calls sort before returns at equal
    // times, so the get may still be ordered before the put.
    expect(outcomeOf([put(0, 0, 10, "k", "a"), get(1, 10, 20, "k", null)])).toBe("ok");
    expect(outcomeOf([put(0, 0, 10, "k", "a"), get(1, 11, 20, "k", null)])).toBe("illegal");
  });
});

describe("stale reads", () => {
  it("rejects a read of the old value after a put completed", () => {
    const history = [
      put(0, 0, 10, "k", "old"),
      put(0, 20, 30, "k", "new"),
      get(1, 40, 50, "k", "old"),
    ];
    expect(outcomeOf(history)).toBe("illegal");
  });

  it("rejects a read of absent after a completed put, and accepts it after a delete", () => {
    expect(outcomeOf([put(0, 0, 10, "k", "a"), get(1, 20, 30, "k", null)])).toBe("illegal");
    const deleted = [put(0, 0, 10, "k", "a"), del(0, 15, 18, "k"), get(1, 20, 30, "k", null)];
    expect(outcomeOf(deleted)).toBe("ok");
  });

  it("rejects a value read before the put that wrote it was called", () => {
    expect(outcomeOf([get(1, 0, 10, "k", "a"), put(0, 20, 30, "k", "a")])).toBe("illegal");
  });
});

describe("unknown outcomes", () => {
  it("accepts an unknown put whose value is read later", () => {
    const history = [lost(put(0, 0, 5, "k", "a")), get(1, 100, 110, "k", "a")];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("accepts an unknown put that never took effect", () => {
    const history = [lost(put(0, 0, 5, "k", "a")), get(1, 100, 110, "k", null)];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("accepts an unknown put that took effect long after the client gave up", () => {
    const history = [
      lost(put(0, 0, 5, "k", "a")),
      put(1, 10, 20, "k", "b"),
      get(2, 30, 40, "k", "b"),
      get(2, 50, 60, "k", "a"),
    ];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("rejects an unknown put whose value is read before the put was called", () => {
    const history = [get(1, 0, 10, "k", "a"), lost(put(0, 20, 25, "k", "a"))];
    const result = checkKvHistory(history);
    expect(result.outcome).toBe("illegal");
    expect(result.perKey.get("k")?.blockedOperation).toBe('get("k") -> "a"');
  });

  it("normalises an unknown output with a finite ret to +Infinity", () => {
    const unknownWithRet: KvOperation = {
      ...put(0, 0, 5, "k", "a"),
      output: { kind: "unknown" },
    };
    expect(outcomeOf([unknownWithRet, get(1, 100, 110, "k", "a")])).toBe("ok");
  });

  it("drops unknown gets, which constrain nothing", () => {
    const unknownGet: KvOperation = { ...get(1, 20, 30, "k", null), output: { kind: "unknown" } };
    const result = checkKvHistory([put(0, 0, 10, "k", "a"), unknownGet]);
    expect(result.outcome).toBe("ok");
    expect(result.perKey.get("k")?.outcome).toBe("ok");
  });

  it("lets an unknown cas apply only where its expectation holds", () => {
    const applied = [
      put(0, 0, 10, "k", "a"),
      lost(cas(1, [20, 25], "k", ["a", "b"], true)),
      get(2, 30, 40, "k", "b"),
    ];
    expect(outcomeOf(applied)).toBe("ok");
    const mismatched = [
      put(0, 0, 10, "k", "a"),
      lost(cas(1, [20, 25], "k", ["z", "b"], true)),
      get(2, 30, 40, "k", "b"),
    ];
    expect(outcomeOf(mismatched)).toBe("illegal");
  });
});

describe("compare-and-set", () => {
  it("accepts a successful cas from absent and a failed cas with a stale expectation", () => {
    const history = [
      cas(0, [0, 10], "k", [null, "a"], true),
      cas(1, [20, 30], "k", [null, "b"], false),
      get(2, 40, 50, "k", "a"),
    ];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("rejects a cas reported successful when the value did not match", () => {
    const history = [put(0, 0, 10, "k", "a"), cas(1, [20, 30], "k", ["b", "c"], true)];
    const result = checkKvHistory(history);
    expect(result.outcome).toBe("illegal");
    expect(result.perKey.get("k")?.explanation).toContain("not legal in that state");
  });

  it("rejects a cas reported failed when the value matched", () => {
    const history = [put(0, 0, 10, "k", "a"), cas(1, [20, 30], "k", ["a", "c"], false)];
    expect(outcomeOf(history)).toBe("illegal");
  });

  it("accepts a cas that fails because a concurrent put got in first", () => {
    const history = [
      put(0, 0, 10, "k", "a"),
      put(1, 20, 40, "k", "b"),
      cas(2, [25, 35], "k", ["a", "c"], false),
      get(0, 50, 60, "k", "b"),
    ];
    expect(outcomeOf(history)).toBe("ok");
  });

  it("rejects two cas from the same expected value both succeeding", () => {
    const history = [
      cas(0, [0, 10], "k", [null, "a"], true),
      cas(1, [0, 10], "k", [null, "b"], true),
    ];
    expect(outcomeOf(history)).toBe("illegal");
  });
});

describe("partitioning and the report", () => {
  it("checks keys independently and reports only the illegal key", () => {
    const history = [
      put(0, 0, 10, "good", "g1"),
      get(1, 20, 30, "good", "g1"),
      put(0, 40, 50, "bad", "b1"),
      get(1, 60, 70, "bad", null),
    ];
    const result = checkKvHistory(history);
    expect(result.outcome).toBe("illegal");
    expect(result.perKey.get("good")?.outcome).toBe("ok");
    expect(result.perKey.get("bad")?.longestPrefix).toEqual([2]);
    expect(result.report).toContain('key "bad": illegal');
    expect(result.report).not.toContain('key "good"');
    expect(result.report).toContain('#2 client 0 [40, 50] put("bad", "b1")');
    expect(result.perKey.get("bad")?.blockedOpIndex).toBe(3);
    expect(result.report).toContain('blocked: #3 client 1 [60, 70] get("bad") -> absent');
  });

  it("reports a timeout, never an ok, when the budget is exhausted", () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 18; i++) history.push(put(i, 0, 100, "k", `v${i}`));
    history.push(get(99, 200, 210, "k", "never-written"));
    const result = checkKvHistory(history, { timeoutMs: 0 });
    expect(result.outcome).toBe("timeout");
    expect(result.report).toContain('key "k": timeout');
  });

  it("accepts the empty history", () => {
    const result = checkKvHistory([]);
    expect(result.outcome).toBe("ok");
    expect(result.perKey.size).toBe(0);
  });
});

describe("kvRegisterModel", () => {
  it("does not mutate its input state and hashes equal states equally", () => {
    const state = kvRegisterModel.init();
    const input = { kind: "put", key: "k", value: "a" } as const;
    const { next } = kvRegisterModel.step(state, input, { kind: "put" });
    expect(state).toBeNull();
    expect(next).toBe("a");
    expect(kvRegisterModel.equal("ab", ["a", "b"].join(""))).toBe(true);
    expect(kvRegisterModel.hash("ab")).toBe(kvRegisterModel.hash(["a", "b"].join("")));
    expect(kvRegisterModel.hash(null)).not.toBe(kvRegisterModel.hash(""));
  });
});
