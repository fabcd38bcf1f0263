// Goal: patchKeyHistory never changes a key history's verdict, and applies each rule only when
// its conditions hold. Method: hand-written cases for rule A (bound an observed unknown write)
// and rule B (drop an unobservable one), then an oracle test: on many small seeded histories
// with many unknown writes and randomly falsified reads, the search gives the same verdict on
// the patched and the unpatched history.
import { describe, expect, it } from "@jest/globals";
import { SeededRandom } from "../../src/core/random.js";
import { checkOperations } from "./linearizability.js";
import { kvRegisterModel, type KvOperation } from "./kv-model.js";
import { patchKeyHistory } from "./kv-history-patch.js";
import { generateKvHistory } from "./random-kv-history.js";

const INF = Number.POSITIVE_INFINITY;

function lostPut(call: number, value: string): KvOperation {
  const input = { kind: "put", key: "k", value } as const;
  return { clientId: 9, call, ret: INF, input, output: { kind: "unknown" } };
}

function get(call: number, ret: number, value: string | null): KvOperation {
  const input = { kind: "get", key: "k" } as const;
  return { clientId: 1, call, ret, input, output: { kind: "get", value } };
}

function cas(call: number, ret: number, expected: string | null, succeeded: boolean): KvOperation {
  const input = { kind: "cas", key: "k", expected, value: `cas-${call}` } as const;
  return { clientId: 2, call, ret, input, output: { kind: "cas", succeeded } };
}

describe("rule A: an observed unknown write", () => {
  it("takes the earliest observer's ret", () => {
    const patched = patchKeyHistory([lostPut(0, "a"), get(10, 20, "a"), get(5, 15, "a")]);
    expect(patched.operations[0]?.ret).toBe(15);
    expect(patched.kept).toEqual([0, 1, 2]);
  });

  it("counts a successful cas expecting the value as an observer", () => {
    const patched = patchKeyHistory([lostPut(0, "a"), cas(10, 30, "a", true)]);
    expect(patched.operations[0]?.ret).toBe(30);
  });

  it("is left alone when the observer returned before the write was called", () => {
    const patched = patchKeyHistory([get(0, 5, "a"), lostPut(10, "a")]);
    expect(patched.operations[1]?.ret).toBe(INF);
  });
});

describe("rule B: an unobservable unknown write", () => {
  it("is dropped when nothing reads or expects its value", () => {
    const patched = patchKeyHistory([lostPut(0, "a"), get(10, 20, null)]);
    expect(patched.kept).toEqual([1]);
  });

  it("is kept when a cas expects its value, even one that failed", () => {
    expect(patchKeyHistory([lostPut(0, "a"), cas(10, 20, "a", false)]).kept).toEqual([0, 1]);
  });

  it("is kept when an unknown cas expects its value, and the verdict stays ok", () => {
    const chained: KvOperation = {
      ...cas(5, INF, "a", true),
      output: { kind: "unknown" },
    };
    const history = [lostPut(0, "a"), chained, get(20, 30, "cas-5")];
    const patched = patchKeyHistory(history);
    expect(patched.kept).toEqual([0, 1, 2]);
    expect(patched.operations[1]?.ret).toBe(30);
    expect(checkOperations(kvRegisterModel, patched.operations).outcome).toBe("ok");
  });

  it("is kept when a failed cas might owe its failure to it", () => {
    // Without the lost put the cas expecting absent would have succeeded.
    expect(patchKeyHistory([lostPut(0, "a"), cas(10, 20, null, false)]).kept).toEqual([0, 1]);
  });
});

it("leaves a history with repeated write values unchanged", () => {
  const history = [lostPut(0, "a"), lostPut(1, "a"), get(10, 20, null)];
  expect(patchKeyHistory(history).operations).toEqual(history);
});

/**
 * Falsifies some outputs so that a good share of the histories become illegal, or legal only
 * thanks to an unknown write: reads changed to another written value (or absent), and cas
 * results flipped (a failure that only a lost write can explain).
 */
function falsify(history: readonly KvOperation[], random: SeededRandom): KvOperation[] {
  const values = history.flatMap((op) =>
    op.input.kind === "put" || op.input.kind === "cas" ? [op.input.value] : [],
  );
  return history.map((op): KvOperation => {
    if (!random.chance(0.15)) return op;
    if (op.output.kind === "get") {
      const pick = random.intBelow(values.length + 1);
      return { ...op, output: { kind: "get", value: values[pick] ?? null } };
    }
    if (op.output.kind === "cas") {
      return { ...op, output: { kind: "cas", succeeded: !op.output.succeeded } };
    }
    return op;
  });
}

describe("verdict is preserved (oracle: the unpatched search)", () => {
  it("agrees on 300 small histories with many unknown writes", () => {
    const verdicts = { ok: 0, illegal: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const random = new SeededRandom(seed, 4);
      const history = generateKvHistory(random, {
        operationCount: 24,
        keyCount: 1,
        clientCount: 3,
        unknownProbability: 0.3,
      }).filter((op) => !(op.input.kind === "get" && op.output.kind === "unknown"));
      const mutated = falsify(history, random);
      const raw = checkOperations(kvRegisterModel, mutated, { timeoutMs: 10_000 });
      const patched = patchKeyHistory(mutated).operations;
      const reduced = checkOperations(kvRegisterModel, patched, { timeoutMs: 10_000 });
      if (raw.outcome === "timeout" || reduced.outcome === "timeout") {
        throw new Error(`seed ${seed}: timed out`);
      }
      if (raw.outcome !== reduced.outcome) {
        throw new Error(`seed ${seed}: unpatched ${raw.outcome}, patched ${reduced.outcome}`);
      }
      verdicts[raw.outcome]++;
    }
    expect(verdicts.ok).toBeGreaterThan(30);
    expect(verdicts.illegal).toBeGreaterThan(30);
  });
});
