import { assert } from "./assert.js";
import type { MembershipConfig } from "./entry.js";
import { NO_NODE, nodeId, type NodeId } from "./ids.js";

/**
 * A single-server membership change (thesis 4.1). Each change moves exactly one node, so the
 * old and new voter sets always overlap in a majority and no joint consensus is needed.
 * - `add-voter`: adds a new voter, or promotes an existing learner;
 * - `add-learner`: adds a non-voting member (replicated to, never counted);
 * - `remove`: removes a voter or a learner (the leader may remove itself).
 */
export type ConfigChange =
  | { readonly type: "add-voter"; readonly node: NodeId }
  | { readonly type: "add-learner"; readonly node: NodeId }
  | { readonly type: "remove"; readonly node: NodeId };

export const EMPTY_CONFIG: MembershipConfig = { voters: [], learners: [] };

export function makeConfig(
  voters: readonly number[],
  learners: readonly number[] = [],
): MembershipConfig {
  const config: MembershipConfig = {
    voters: [...voters].map(nodeId).sort((a, b) => a - b),
    learners: [...learners].map(nodeId).sort((a, b) => a - b),
  };
  assertValidConfig(config);
  return config;
}

export function assertValidConfig(config: MembershipConfig): void {
  const all = [...config.voters, ...config.learners];
  assert(new Set(all).size === all.length, "a node is listed twice in a configuration");
  assert(!all.includes(NO_NODE), "NO_NODE cannot be a member");
  for (let i = 1; i < config.voters.length; i++) {
    assert(config.voters[i - 1]! < config.voters[i]!, "voters must be sorted ascending");
  }
  for (let i = 1; i < config.learners.length; i++) {
    assert(config.learners[i - 1]! < config.learners[i]!, "learners must be sorted ascending");
  }
}

export function isVoter(config: MembershipConfig, node: NodeId): boolean {
  return config.voters.includes(node);
}

export function isLearner(config: MembershipConfig, node: NodeId): boolean {
  return config.learners.includes(node);
}

export function isMember(config: MembershipConfig, node: NodeId): boolean {
  return isVoter(config, node) || isLearner(config, node);
}

/** Every member, voters first; used to address replication. */
export function members(config: MembershipConfig): NodeId[] {
  return [...config.voters, ...config.learners];
}

export function configsEqual(a: MembershipConfig, b: MembershipConfig): boolean {
  return sameIds(a.voters, b.voters) && sameIds(a.learners, b.learners);
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Applies one change, or explains why it is not a valid single-server change. Returns a
 * string (the reason) rather than throwing: a bad change is a caller error, not a bug.
 */
export function applyConfigChange(
  config: MembershipConfig,
  change: ConfigChange,
): MembershipConfig | string {
  const node = change.node;
  if (node === NO_NODE) return "node id 0 is reserved";
  const voters = config.voters.filter((id) => id !== node);
  const learners = config.learners.filter((id) => id !== node);
  switch (change.type) {
    case "add-voter":
      if (isVoter(config, node)) return `node ${String(node)} is already a voter`;
      voters.push(node);
      break;
    case "add-learner":
      if (isVoter(config, node)) return `node ${String(node)} is a voter; remove it first`;
      if (isLearner(config, node)) return `node ${String(node)} is already a learner`;
      learners.push(node);
      break;
    case "remove":
      if (!isMember(config, node)) return `node ${String(node)} is not a member`;
      if (isVoter(config, node) && config.voters.length === 1) {
        return "cannot remove the last voter";
      }
      break;
  }
  const next = { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
  assertValidConfig(next);
  return next;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a configuration as the data of a `config` entry (versioned, JSON text). */
export function encodeMembershipConfig(config: MembershipConfig): Uint8Array {
  assertValidConfig(config);
  const record = { v: 1, voters: config.voters, learners: config.learners };
  return textEncoder.encode(JSON.stringify(record));
}

/** Decodes the data of a `config` entry; asserts, because entries come from our own log. */
export function decodeMembershipConfig(data: Uint8Array): MembershipConfig {
  const parsed: unknown = JSON.parse(textDecoder.decode(data));
  assert(typeof parsed === "object" && parsed !== null, "config entry is not an object");
  const record = parsed as { v?: unknown; voters?: unknown; learners?: unknown };
  assert(record.v === 1, "unknown config entry version");
  assert(Array.isArray(record.voters) && Array.isArray(record.learners), "config lists missing");
  return makeConfig(record.voters as number[], record.learners as number[]);
}
