import { assert, assertNever } from "../../src/core/assert.js";
import { patchKeyHistory } from "./kv-history-patch.js";
import {
  checkOperations,
  type CheckOutcome,
  type CheckResult,
  type Model,
  type Operation,
} from "./linearizability.js";

/** A client request against the key-value service. Write values are unique per history. */
export type KvInput =
  | { kind: "get"; key: string }
  | { kind: "put"; key: string; value: string }
  | { kind: "delete"; key: string }
  /** Compare the current value with `expected` (null = absent) and, if equal, set `value`. */
  | { kind: "cas"; key: string; expected: string | null; value: string };

/** What the client observed. "unknown" means timed out or lost: the operation may or may not
 *  have taken effect, even after the client gave up, so record it with ret = +Infinity
 *  (checkKvHistory enforces this). */
export type KvOutput =
  | { kind: "get"; value: string | null }
  | { kind: "put" }
  | { kind: "delete" }
  | { kind: "cas"; succeeded: boolean }
  | { kind: "unknown" };

export type KvOperation = Operation<KvInput, KvOutput>;

/** The state of one key: its value, or null when absent. */
export type RegisterState = string | null;

/** Result of checkKvHistory: the overall outcome, one result per key, and a readable report. */
export interface KvCheckResult {
  outcome: CheckOutcome;
  /** Per key; `longestPrefix` and `blockedOpIndex` refer to the history passed to
   *  checkKvHistory, not to the key's partition. */
  perKey: Map<string, CheckResult>;
  report: string;
}

/**
 * The sequential specification of one key: a register with delete and compare-and-set.
 * An "unknown" output accepts the operation's effect when it is linearized; "not applied"
 * is covered by the checker never linearizing it (its ret is +Infinity). An unknown cas is
 * linearized by its real semantics: it sets the value iff the state equals `expected`.
 * An unknown get constrains nothing.
 */
export const kvRegisterModel: Model<RegisterState, KvInput, KvOutput> = {
  init: () => null,
  step: stepRegister,
  equal: (a, b) => a === b,
  hash: hashRegister,
  describeOperation: describeKvOperation,
  describeState: (state) => (state === null ? "absent" : JSON.stringify(state)),
};

function stepRegister(
  state: RegisterState,
  input: KvInput,
  output: KvOutput,
): { ok: boolean; next: RegisterState } {
  const unknown = output.kind === "unknown";
  assert(unknown || output.kind === input.kind, `output ${output.kind} for a ${input.kind}`);
  switch (input.kind) {
    case "get":
      return { ok: unknown || (output.kind === "get" && output.value === state), next: state };
    case "put":
      return { ok: true, next: input.value };
    case "delete":
      return { ok: true, next: null };
    case "cas": {
      const applies = state === input.expected;
      const next = applies ? input.value : state;
      return { ok: unknown || (output.kind === "cas" && output.succeeded === applies), next };
    }
    default:
      return assertNever(input, "KvInput");
  }
}

/** FNV-1a over the UTF-16 code units; absent hashes apart from every string. */
function hashRegister(state: RegisterState): number {
  if (state === null) return 0x5bd1e995;
  let hash = 0x811c9dc5;
  for (let i = 0; i < state.length; i++) {
    hash = Math.imul(hash ^ state.charCodeAt(i), 0x01000193);
  }
  return hash | 0;
}

/** Renders an operation as `put("k", "v")`, `get("k") -> "v"`, `cas("k", null -> "v") -> ok`. */
export function describeKvOperation(input: KvInput, output: KvOutput): string {
  const key = JSON.stringify(input.key);
  const call = describeCall(input, key);
  switch (output.kind) {
    case "unknown":
      return `${call} -> unknown`;
    case "get":
      return `${call} -> ${output.value === null ? "absent" : JSON.stringify(output.value)}`;
    case "cas":
      return `${call} -> ${output.succeeded ? "ok" : "failed"}`;
    case "put":
    case "delete":
      return call;
    default:
      return assertNever(output, "KvOutput");
  }
}

function describeCall(input: KvInput, key: string): string {
  switch (input.kind) {
    case "get":
      return `get(${key})`;
    case "put":
      return `put(${key}, ${JSON.stringify(input.value)})`;
    case "delete":
      return `delete(${key})`;
    case "cas": {
      const expected = input.expected === null ? "absent" : JSON.stringify(input.expected);
      return `cas(${key}, ${expected} -> ${JSON.stringify(input.value)})`;
    }
    default:
      return assertNever(input, "KvInput");
  }
}

/**
 * Checks a key-value client history for linearizability, one key at a time: linearizability
 * is compositional (Herlihy & Wing 1990, Theorem 1), so the history is linearizable iff each
 * key's sub-history is, and small partitions keep the exponential search tractable.
 *
 * Normalisation, as in etcd's robustness validation: a get with an "unknown" output tells
 * nothing and is dropped; any other "unknown" operation is given ret = +Infinity, because a
 * request that timed out may still take effect later. Each key's history is then patched by
 * patchKeyHistory (unknown writes bounded by their observers or dropped when unobservable),
 * which keeps the verdict and shrinks the search. Returned `longestPrefix` and
 * `blockedOpIndex` refer to `history`. `timeoutMs` is a budget for the whole call, shared by
 * the keys in order.
 *
 * Outcome: "illegal" if any key is illegal, else "timeout" if any key timed out, else "ok".
 */
export function checkKvHistory(
  history: readonly KvOperation[],
  options?: { timeoutMs?: number },
): KvCheckResult {
  const startMs = performance.now();
  const partitions = partitionByKey(history);
  const perKey = new Map<string, CheckResult>();
  for (const [key, partition] of partitions) {
    const spentMs = performance.now() - startMs;
    const keyOptions =
      options?.timeoutMs === undefined
        ? {}
        : { timeoutMs: Math.max(0, options.timeoutMs - spentMs) };
    const patched = patchKeyHistory(partition.operations);
    const historyIndexes = patched.kept.map((index) => {
      const historyIndex = partition.historyIndexes[index];
      assert(historyIndex !== undefined, `kept index ${index} out of range`);
      return historyIndex;
    });
    const result = checkOperations(kvRegisterModel, patched.operations, keyOptions);
    perKey.set(key, toHistoryIndexes(result, historyIndexes));
  }
  const outcomes = [...perKey.values()].map((result) => result.outcome);
  const outcome: CheckOutcome = outcomes.includes("illegal")
    ? "illegal"
    : outcomes.includes("timeout")
      ? "timeout"
      : "ok";
  return { outcome, perKey, report: renderKvReport(history, perKey, outcome) };
}

interface KeyPartition {
  readonly operations: KvOperation[];
  /** historyIndexes[i] is the index in the caller's history of operations[i]. */
  readonly historyIndexes: number[];
}

function partitionByKey(history: readonly KvOperation[]): Map<string, KeyPartition> {
  const partitions = new Map<string, KeyPartition>();
  history.forEach((op, historyIndex) => {
    if (op.input.kind === "get" && op.output.kind === "unknown") return;
    let partition = partitions.get(op.input.key);
    if (partition === undefined) {
      partition = { operations: [], historyIndexes: [] };
      partitions.set(op.input.key, partition);
    }
    const ret = op.output.kind === "unknown" ? Number.POSITIVE_INFINITY : op.ret;
    partition.operations.push({ ...op, ret });
    partition.historyIndexes.push(historyIndex);
  });
  return partitions;
}

function toHistoryIndexes(result: CheckResult, historyIndexes: readonly number[]): CheckResult {
  const toHistory = (index: number): number => {
    const historyIndex = historyIndexes[index];
    assert(historyIndex !== undefined, `partition index ${index} out of range`);
    return historyIndex;
  };
  const mapped = { ...result };
  if (result.longestPrefix !== undefined) {
    mapped.longestPrefix = result.longestPrefix.map(toHistory);
  }
  if (result.blockedOpIndex !== undefined) {
    mapped.blockedOpIndex = toHistory(result.blockedOpIndex);
  }
  return mapped;
}

/**
 * A human-readable account of the check: a one-line summary, then for each key that is not
 * "ok" its longest linearizable prefix, op by op, and the operation that was blocked.
 */
export function renderKvReport(
  history: readonly KvOperation[],
  perKey: ReadonlyMap<string, CheckResult>,
  outcome: CheckOutcome,
): string {
  const lines = [
    `linearizability: ${outcome} (${history.length} operations over ${perKey.size} keys)`,
  ];
  for (const [key, result] of perKey) {
    if (result.outcome === "ok") continue;
    lines.push(`key ${JSON.stringify(key)}: ${result.outcome}`);
    if (result.longestPrefix !== undefined) {
      lines.push(`  longest linearizable prefix (${result.longestPrefix.length} operations):`);
      result.longestPrefix.forEach((historyIndex, position) => {
        lines.push(`    ${position + 1}. ${describeRecorded(history, historyIndex)}`);
      });
    }
    if (result.blockedOpIndex !== undefined) {
      lines.push(`  blocked: ${describeRecorded(history, result.blockedOpIndex)}`);
    }
    if (result.explanation !== undefined) lines.push(`  ${result.explanation}`);
  }
  return lines.join("\n");
}

function describeRecorded(history: readonly KvOperation[], historyIndex: number): string {
  const op = history[historyIndex];
  assert(op !== undefined, `history index ${historyIndex} out of range`);
  const ret = op.ret === Number.POSITIVE_INFINITY ? "inf" : String(op.ret);
  const operation = describeKvOperation(op.input, op.output);
  return `#${historyIndex} client ${op.clientId} [${op.call}, ${ret}] ${operation}`;
}
