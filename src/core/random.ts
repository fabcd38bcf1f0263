/**
 * Randomness is injected so that the core stays deterministic: the simulator seeds it, and
 * production seeds it from crypto. Only election-timeout jitter uses it.
 */
export interface Random {
  /** A uniformly distributed integer in [0, bound). Precondition: bound is a positive integer. */
  intBelow(bound: number): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, and is a dozen lines, so runs replay exactly from a seed with no dependency.
 */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    // splitmix32-style scrambling so that nearby seeds and streams diverge immediately.
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(seed + 0x7f4a7c15 + stream * 0x6a09e667);
    this.c = mix32(stream ^ 0xbb67ae85);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  intBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0) throw new RangeError(`bad bound ${String(bound)}`);
    return Math.floor(this.nextFloat() * bound);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** An independent stream, derived from this generator's seed material and a label. */
  fork(label: string): SeededRandom {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) {
      hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    }
    return new SeededRandom(this.nextUint32() ^ hash, hash >>> 0);
  }
}

function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
