import { assert } from "../../src/core/assert.js";
import type { NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";

/**
 * How unreliable the simulated network is. All probabilities are per message and per
 * directed link; delays are in virtual microseconds (docs/testing.md, Fault injection).
 */
export interface NetworkProfile {
  readonly baseDelayMicrosMin: number;
  readonly baseDelayMicrosMax: number;
  /** Added uniformly in [0, jitterMicrosMax) per message; this is what reorders messages. */
  readonly jitterMicrosMax: number;
  readonly spikeProbability: number;
  /** A long-tail spike adds a delay in [0, spikeMicrosMax). */
  readonly spikeMicrosMax: number;
  readonly dropProbability: number;
  readonly duplicateProbability: number;
}

export const CALM_NETWORK: NetworkProfile = {
  baseDelayMicrosMin: 500,
  baseDelayMicrosMax: 2_000,
  jitterMicrosMax: 1_000,
  spikeProbability: 0,
  spikeMicrosMax: 0,
  dropProbability: 0,
  duplicateProbability: 0,
};

export const FAULTY_NETWORK: NetworkProfile = {
  baseDelayMicrosMin: 500,
  baseDelayMicrosMax: 5_000,
  jitterMicrosMax: 4_000,
  spikeProbability: 0.01,
  spikeMicrosMax: 80_000,
  dropProbability: 0.02,
  duplicateProbability: 0.01,
};

/** One directed link's fixed character, drawn once when the link is first used. */
interface Link {
  readonly baseDelayMicros: number;
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${String(from)}>${String(to)}`;
}

/**
 * The simulated network: per directed link delay, loss and duplication, plus partitions of
 * directed links (so one-way ones too) in two flavours. A *blocked* link drops everything
 * (iptables DROP and a broken connection). A *clogged* link holds messages and releases them
 * when it heals, like TCP retransmitting over a connection that outlived a short partition
 * (FoundationDB's clog/unclog): this is what delivers a stale leader's appends after a heal.
 * The network only decides what happens to a message; the simulator owns the clock and
 * schedules deliveries. `P` is the simulator's payload for held messages.
 */
export class SimNetwork<P> {
  private readonly links = new Map<string, Link>();
  /** Directed links that currently drop everything. Invariant: keys are linkKey(from, to). */
  private readonly blocked = new Map<string, { from: NodeId; to: NodeId }>();
  /** Clogged directed links and the messages they hold, in send order. */
  private readonly clogged = new Map<string, P[]>();
  private profile: NetworkProfile;

  constructor(
    private readonly random: SeededRandom,
    profile: NetworkProfile,
  ) {
    this.profile = profile;
  }

  setProfile(profile: NetworkProfile): void {
    assert(profile.baseDelayMicrosMin <= profile.baseDelayMicrosMax, "delay range is inverted");
    this.profile = profile;
  }

  currentProfile(): NetworkProfile {
    return this.profile;
  }

  /**
   * Decides the fate of one message: the returned delays (in microseconds, each >= 1) are
   * the deliveries to schedule. Empty means dropped; two entries mean duplicated.
   */
  deliveryDelaysMicros(from: NodeId, to: NodeId): number[] {
    assert(from !== to, "a node never sends to itself");
    if (this.isBlocked(from, to)) return [];
    const p = this.profile;
    if (this.random.chance(p.dropProbability)) return [];
    const copies = this.random.chance(p.duplicateProbability) ? 2 : 1;
    const link = this.link(from, to);
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) {
      let delay = link.baseDelayMicros;
      if (p.jitterMicrosMax > 0) delay += this.random.intBelow(p.jitterMicrosMax);
      if (p.spikeMicrosMax > 0 && this.random.chance(p.spikeProbability)) {
        delay += this.random.intBelow(p.spikeMicrosMax);
      }
      delays.push(Math.max(1, delay));
    }
    return delays;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(linkKey(from, to));
  }

  /** Holds `payload` if the link is clogged; returns whether it did. */
  holdIfClogged(from: NodeId, to: NodeId, payload: P): boolean {
    const held = this.clogged.get(linkKey(from, to));
    if (held === undefined) return false;
    held.push(payload);
    return true;
  }

  clog(from: NodeId, to: NodeId): void {
    const key = linkKey(from, to);
    if (from !== to && !this.clogged.has(key)) this.clogged.set(key, []);
  }

  block(from: NodeId, to: NodeId): void {
    if (from !== to) this.blocked.set(linkKey(from, to), { from, to });
  }

  unblock(from: NodeId, to: NodeId): void {
    this.blocked.delete(linkKey(from, to));
  }

  /** Blocks every link between nodes of different groups, in both directions. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const from of groups[g]!) for (const to of groups[h]!) this.block(from, to);
      }
    }
  }

  /** Heals every link; returns the messages clogged links held, to be delivered now. */
  healAll(): P[] {
    this.blocked.clear();
    const released: P[] = [];
    for (const held of this.clogged.values()) released.push(...held);
    this.clogged.clear();
    return released;
  }

  blockedLinks(): { from: NodeId; to: NodeId }[] {
    return [...this.blocked.values()];
  }

  /** A short description of the partition state for traces, e.g. "1>2 1>3". */
  describe(): string {
    const keys = [...this.blocked.keys()].sort();
    const clogged = [...this.clogged.keys()].sort().map((key) => `${key}(clog)`);
    const all = [...keys, ...clogged];
    return all.length === 0 ? "healed" : all.join(" ");
  }

  private link(from: NodeId, to: NodeId): Link {
    const key = linkKey(from, to);
    let link = this.links.get(key);
    if (link === undefined) {
      const span = this.profile.baseDelayMicrosMax - this.profile.baseDelayMicrosMin;
      const jitterMicros = span > 0 ? this.random.intBelow(span) : 0;
      const baseDelayMicros = this.profile.baseDelayMicrosMin + jitterMicros;
      link = { baseDelayMicros };
      this.links.set(key, link);
    }
    return link;
  }
}
