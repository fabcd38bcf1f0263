import { assert } from "../../src/core/assert.js";
import type { KvOperation } from "./kv-model.js";

/**
 * Shrinks the search space of one key's history without changing its verdict, in the spirit
 * of etcd's robustness `patch_history.go` but using only the history itself. Unknown writes
 * (ret = +Infinity) are what make an illegal history expensive: each one may take effect at
 * any later point or never, so the search must try every subset of them at every point.
 * Both rules rely on unique write values: only one write on the key can produce a value.
 *
 * Rule A (observed write): if some get returns V, or some cas reported success expecting V,
 * the unknown write W of V happened, and before that observer: any linearization puts W
 * ahead of it. W's ret becomes the earliest such observer's ret.
 *
 * Rule B (unobservable write): if no get returns V, no cas expects V, and no cas on the key
 * reported failure after W was called, W can be dropped. Proof: in a linearization that
 * contains W, the operations between W and the next write that changes the state cannot
 * be gets (they would return V), successful cases (they would expect V) or failed cases
 * (excluded); only unknown cases that did nothing, which may be dropped too. Removing W and
 * them leaves every other operation's state unchanged, so the history without W is
 * linearizable; the converse holds because W may never have happened.
 *
 * Precondition: `partition` holds the operations of a single key, unknown outputs carry
 * ret = +Infinity, and unknown gets were already dropped. If write values on the key are not
 * unique, the partition is returned unchanged (the rules would be unsound).
 */
export function patchKeyHistory(partition: readonly KvOperation[]): {
  operations: KvOperation[];
  /** kept[i] is the index in `partition` of operations[i]. */
  kept: number[];
} {
  const identity = { operations: partition.slice(), kept: partition.map((_, index) => index) };
  if (!hasUniqueWriteValues(partition)) return identity;
  const observedBy = earliestObservation(partition);
  const operations: KvOperation[] = [];
  const kept: number[] = [];
  partition.forEach((op, index) => {
    const patched = patchOne(partition, op, observedBy);
    if (patched === null) return;
    operations.push(patched);
    kept.push(index);
  });
  return { operations, kept };
}

/** Returns `op` unchanged, with an earlier ret (rule A), or null to drop it (rule B). */
function patchOne(
  partition: readonly KvOperation[],
  op: KvOperation,
  observedBy: ReadonlyMap<string, number>,
): KvOperation | null {
  if (op.output.kind !== "unknown") return op;
  assert(op.ret === Number.POSITIVE_INFINITY, "unknown outcome with a finite ret");
  if (op.input.kind !== "put" && op.input.kind !== "cas") return op;
  const value = op.input.value;
  const observedRet = observedBy.get(value);
  if (observedRet !== undefined) {
    // An observer returning before the call makes the history illegal either way; leave W
    // alone so that the search reports it plainly.
    return observedRet >= op.call ? { ...op, ret: observedRet } : op;
  }
  const expectedSomewhere = partition.some(
    (other) => other.input.kind === "cas" && other.input.expected === value,
  );
  const failedCasLater = partition.some(
    (other) => other.output.kind === "cas" && !other.output.succeeded && other.ret > op.call,
  );
  return expectedSomewhere || failedCasLater ? op : null;
}

/** For each value, the earliest ret of a completed get returning it or a completed cas that
 *  succeeded expecting it. */
function earliestObservation(partition: readonly KvOperation[]): Map<string, number> {
  const observedBy = new Map<string, number>();
  const observe = (value: string | null, ret: number): void => {
    if (value === null) return;
    observedBy.set(value, Math.min(ret, observedBy.get(value) ?? Number.POSITIVE_INFINITY));
  };
  for (const op of partition) {
    if (op.output.kind === "get") observe(op.output.value, op.ret);
    if (op.input.kind === "cas" && op.output.kind === "cas" && op.output.succeeded) {
      observe(op.input.expected, op.ret);
    }
  }
  return observedBy;
}

function hasUniqueWriteValues(partition: readonly KvOperation[]): boolean {
  const seen = new Set<string>();
  for (const op of partition) {
    if (op.input.kind !== "put" && op.input.kind !== "cas") continue;
    if (seen.has(op.input.value)) return false;
    seen.add(op.input.value);
  }
  return true;
}
