import type { Entry } from "../../src/core/entry.js";

/**
 * Hash chains over Raft logs, for the Log Matching check (docs/testing.md, Safety invariants):
 * the chain value at index i is H(chain[i-1], term_i, hash(entry_i)), so two logs that hold the
 * same (index, term) must have the same chain value there, or Log Matching is broken.
 * 32-bit FNV-style hashes: a collision can only hide a violation, never invent one.
 */
export function entryHash(entry: Entry): number {
  let hash = 0x811c9dc5 ^ entry.term;
  hash = Math.imul(hash, 0x01000193) ^ (entry.kind === "command" ? 1 : entry.kind === "noop" ? 2 : 3);
  const data = entry.data;
  for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i]!, 0x01000193);
  return hash >>> 0;
}

/**
 * The chain value of `entry` after a prefix whose chain value is `previous`. The entry's
 * term enters once, through entryHash(): mixing it in twice let the two uses cancel, so two
 * no-ops at one index whose terms differed only in the lowest bit (8 and 9) got the same
 * chain value, and the checker took a replaced entry for the committed one.
 */
export function chainHash(previous: number, entry: Entry): number {
  let hash = Math.imul(previous ^ 0x9e3779b9, 0x85ebca6b) ^ entry.index;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = Math.imul(hash ^ (hash >>> 16), 0x01000193) ^ entryHash(entry);
  return hash >>> 0;
}

/**
 * The checker's copy of one node's durable log, reduced to terms and chain values.
 * Invariant: chains[k] and terms[k] describe index snapshotIndex + k; chains[0] is the
 * chain value at the snapshot (0 for the empty prefix).
 */
export class LogChainView {
  snapshotIndex = 0;
  private chains: number[] = [0];
  private terms: number[] = [0];
  private hashes: number[] = [0];

  get lastIndex(): number {
    return this.snapshotIndex + this.chains.length - 1;
  }

  chainAt(index: number): number | undefined {
    if (index < this.snapshotIndex) return undefined;
    return this.chains[index - this.snapshotIndex];
  }

  termAt(index: number): number | undefined {
    if (index < this.snapshotIndex) return undefined;
    return this.terms[index - this.snapshotIndex];
  }

  /** The entry hash at `index`; undefined at or below the snapshot. */
  entryHashAt(index: number): number | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.hashes[index - this.snapshotIndex];
  }

  /** Restarts the view at a snapshot whose chain value is `chain`. */
  resetToSnapshot(index: number, term: number, chain: number): void {
    this.snapshotIndex = index;
    this.chains = [chain];
    this.terms = [term];
    this.hashes = [0];
  }

  /** Drops everything at or below `index`, keeping the entries after it. */
  compactTo(index: number): void {
    const k = index - this.snapshotIndex;
    if (k <= 0) return;
    this.chains = this.chains.slice(k);
    this.terms = this.terms.slice(k);
    this.hashes = this.hashes.slice(k);
    this.snapshotIndex = index;
  }

  /**
   * Writes `entries` (contiguous) from entries[0].index, dropping any suffix at or after it,
   * and returns the chain value of each written entry. Precondition: they fit the view.
   */
  write(entries: readonly Entry[]): number[] {
    const first = entries[0];
    if (first === undefined) return [];
    const k = first.index - this.snapshotIndex;
    this.chains.length = k;
    this.terms.length = k;
    this.hashes.length = k;
    const out: number[] = [];
    for (const entry of entries) {
      const chain = chainHash(this.chains[this.chains.length - 1]!, entry);
      this.chains.push(chain);
      this.terms.push(entry.term);
      this.hashes.push(entryHash(entry));
      out.push(chain);
    }
    return out;
  }
}
