import { assert } from "../../src/core/assert.js";
import type { Bitset } from "./bitset.js";

interface CacheEntry<S> {
  readonly completed: Bitset;
  readonly unknown: Bitset;
  readonly state: S;
}

/**
 * Lowe's memoisation for the linearizability search ("Testing for Linearizability", 2017, §3):
 * the configurations (linearized set, model state) already visited. A configuration that was
 * visited once need not be searched again.
 *
 * Extension for unknown outcomes: the linearized set is split into completed operations and
 * unknown ones (ret = +Infinity). A configuration is also covered by a visited one with the
 * same completed set and state whose unknown set is a subset of its own: an unknown operation
 * may always never happen, so every completion of the larger configuration is a completion of
 * the smaller one that leaves the extra unknown operations out. (Soundness: if the search
 * failed although some visited configuration had a completion, pick such a configuration C
 * with the shortest completion c1..ck; the child C+c1 was either visited, or covered by a
 * visited configuration whose completion is at most k-1 long: both contradict the choice.)
 * This prunes configurations that differ only by unknown operations linearized to no avail;
 * it does not remove the exponential worst case of histories with many unknown writes.
 *
 * Invariant: within one (completed set, state) the stored unknown sets form an antichain;
 * an entry covered by a newer, smaller one is removed.
 */
export class LinearizationCache<S> {
  private readonly buckets = new Map<number, CacheEntry<S>[]>();
  private entryCount = 0;

  constructor(
    private readonly equal: (a: S, b: S) => boolean,
    private readonly hash: (state: S) => number,
  ) {}

  /** Number of configurations stored (for diagnostics and tests). */
  get size(): number {
    return this.entryCount;
  }

  /**
   * Records the configuration and returns true, unless a visited configuration covers it, in
   * which case nothing changes and it returns false. The bitsets are copied, never retained.
   */
  visit(completed: Bitset, unknown: Bitset, state: S): boolean {
    assert(completed.size === unknown.size, "completed and unknown sets differ in size");
    const key = (completed.hash() ^ Math.imul(this.hash(state), 0x9e3779b1)) | 0;
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, [this.entry(completed, unknown, state)]);
      this.entryCount++;
      return true;
    }
    const same = (entry: CacheEntry<S>): boolean =>
      entry.completed.equals(completed) && this.equal(entry.state, state);
    if (bucket.some((entry) => same(entry) && entry.unknown.isSubsetOf(unknown))) return false;
    const kept = bucket.filter((entry) => !(same(entry) && unknown.isSubsetOf(entry.unknown)));
    kept.push(this.entry(completed, unknown, state));
    this.entryCount += kept.length - bucket.length;
    this.buckets.set(key, kept);
    return true;
  }

  private entry(completed: Bitset, unknown: Bitset, state: S): CacheEntry<S> {
    return { completed: completed.clone(), unknown: unknown.clone(), state };
  }
}
