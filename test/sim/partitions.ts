import { assert } from "../../src/core/assert.js";
import type { NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";

/**
 * Partition shapes from the Jepsen repertoire (docs/testing.md, Fault injection), as pure
 * functions from a node list to the directed links to block. The nemesis applies them to the
 * network.
 */
export type PartitionShape =
  | "isolate-one"
  | "random-halves"
  | "majorities-ring"
  | "bridge"
  | "one-way"
  | "asymmetric-triangle";

export const PARTITION_SHAPES: readonly PartitionShape[] = [
  "isolate-one",
  "random-halves",
  "majorities-ring",
  "bridge",
  "one-way",
  "asymmetric-triangle",
];

export interface DirectedLink {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** A seeded Fisher-Yates shuffle; returns a new array. */
export function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.intBelow(i + 1);
    const a = out[i]!;
    out[i] = out[j]!;
    out[j] = a;
  }
  return out;
}

/** Every directed link between nodes of different groups. */
export function linksBetweenGroups(groups: readonly (readonly NodeId[])[]): DirectedLink[] {
  const links: DirectedLink[] = [];
  for (let g = 0; g < groups.length; g++) {
    for (let h = 0; h < groups.length; h++) {
      if (g === h) continue;
      for (const from of groups[g]!) for (const to of groups[h]!) links.push({ from, to });
    }
  }
  return links;
}

/**
 * The links to block for `shape` over `nodes`. `focus` (usually the current leader) is the
 * node singled out by "isolate-one" and "one-way" when given.
 */
export function partitionLinks(
  shape: PartitionShape,
  nodes: readonly NodeId[],
  random: SeededRandom,
  focus?: NodeId,
): DirectedLink[] {
  assert(nodes.length >= 2, "a partition needs at least two nodes");
  const order = shuffled(nodes, random);
  const pick = focus !== undefined && nodes.includes(focus) ? focus : order[0]!;
  switch (shape) {
    case "isolate-one":
      return linksBetweenGroups([[pick], nodes.filter((n) => n !== pick)]);
    case "random-halves": {
      const cut = 1 + random.intBelow(order.length - 1);
      return linksBetweenGroups([order.slice(0, cut), order.slice(cut)]);
    }
    case "majorities-ring":
      return majoritiesRing(order);
    case "bridge":
      return bridge(order);
    case "one-way":
      // The focus can still send (its heartbeats arrive) but hears nothing back.
      return nodes.filter((n) => n !== pick).map((n) => ({ from: n, to: pick }));
    case "asymmetric-triangle":
      return asymmetricTriangle(order);
  }
}

/**
 * Every node sees a majority (itself and its ring neighbours), but no two nodes see the same
 * majority. With fewer than five nodes the ring degenerates, so we cut one directed link per
 * node instead, which still leaves every node with a different view.
 */
function majoritiesRing(ring: readonly NodeId[]): DirectedLink[] {
  const n = ring.length;
  const links: DirectedLink[] = [];
  if (n < 5) {
    for (let i = 0; i < n; i++) links.push({ from: ring[i]!, to: ring[(i + 1) % n]! });
    return links;
  }
  const majority = Math.floor(n / 2) + 1;
  const reach = Math.ceil((majority - 1) / 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const distance = Math.min((i - j + n) % n, (j - i + n) % n);
      if (distance > reach) links.push({ from: ring[i]!, to: ring[j]! });
    }
  }
  return links;
}

/** Two halves that can only talk through one bridge node (Jepsen "bridge"). */
function bridge(order: readonly NodeId[]): DirectedLink[] {
  if (order.length < 3) return linksBetweenGroups([[order[0]!], order.slice(1)]);
  // order[0] is the bridge: it is in neither group, so its links stay open.
  const rest = order.slice(1);
  const cut = Math.ceil(rest.length / 2);
  return linksBetweenGroups([rest.slice(0, cut), rest.slice(cut)]);
}

/**
 * The Cloudflare-style partial partition: A and B talk, B and C talk, but A and C cannot
 * (docs/testing.md, Known Raft failures). Other nodes keep full connectivity.
 */
function asymmetricTriangle(order: readonly NodeId[]): DirectedLink[] {
  if (order.length < 3) return [{ from: order[0]!, to: order[1]! }];
  const a = order[0]!;
  const c = order[2]!;
  return [
    { from: a, to: c },
    { from: c, to: a },
  ];
}
