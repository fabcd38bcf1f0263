import { assert } from "../../src/core/assert.js";

/**
 * The set of operations already linearized, as a fixed-size bitset over operation ids
 * 0..size-1. The linearizability search keys its memo cache on (this set, model state), so
 * the set keeps an incrementally maintained hash: the XOR of a mixed word per member
 * (Zobrist-style), which costs O(1) per set/clear instead of rehashing every word.
 *
 * Invariant: `hashValue` is the XOR of `memberHash(id)` over exactly the ids whose bit is set.
 */
export class Bitset {
  private readonly words: Uint32Array;
  private hashValue = 0;

  constructor(readonly size: number) {
    assert(Number.isSafeInteger(size) && size >= 0, `bitset size must be >= 0, got ${size}`);
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** Adds `id`. Precondition: `id` is in range and not yet a member. */
  set(id: number): void {
    // Static messages: these run in the search's inner loop, so no string is built per call.
    assert(!this.has(id), "bitset: id is already set");
    const word = id >>> 5;
    this.words[word] = (this.words[word] ?? 0) | (1 << (id & 31));
    this.hashValue = (this.hashValue ^ memberHash(id)) | 0;
  }

  /** Removes `id`. Precondition: `id` is in range and currently a member. */
  clear(id: number): void {
    assert(this.has(id), "bitset: id is not set");
    const word = id >>> 5;
    this.words[word] = (this.words[word] ?? 0) & ~(1 << (id & 31));
    this.hashValue = (this.hashValue ^ memberHash(id)) | 0;
  }

  has(id: number): boolean {
    assert(Number.isInteger(id) && id >= 0 && id < this.size, "bitset: id out of range");
    return (((this.words[id >>> 5] ?? 0) >>> (id & 31)) & 1) === 1;
  }

  /** A 32-bit hash that depends only on the members, never on the order they were added. */
  hash(): number {
    return this.hashValue;
  }

  /** An independent copy (the memo cache keeps copies; the search mutates its own set). */
  clone(): Bitset {
    const copy = new Bitset(this.size);
    copy.words.set(this.words);
    copy.hashValue = this.hashValue;
    return copy;
  }

  /** Whether every member of this set is a member of `other`. Precondition: same size. */
  isSubsetOf(other: Bitset): boolean {
    assert(this.size === other.size, "bitset: subset test across different sizes");
    for (let i = 0; i < this.words.length; i++) {
      const mine = this.words[i] ?? 0;
      if (((mine & (other.words[i] ?? 0)) >>> 0) !== mine) return false;
    }
    return true;
  }

  equals(other: Bitset): boolean {
    if (this.size !== other.size || this.hashValue !== other.hashValue) return false;
    for (let i = 0; i < this.words.length; i++) {
      if (this.words[i] !== other.words[i]) return false;
    }
    return true;
  }
}

/** A well-scrambled 32-bit value per id (murmur3's finaliser), so XORs rarely collide. */
function memberHash(id: number): number {
  let z = (id + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
