import { assert } from "./assert.js";
import type { MemberAddress, MembershipConfig } from "./entry.js";
import { NO_NODE, nodeId, type NodeId } from "./ids.js";

/**
 * A single-server membership change (thesis 4.1). Each change moves exactly one node, so the
 * old and new voter sets always overlap in a majority and no joint consensus is needed.
 * - `add-voter`: adds a new voter, or promotes an existing learner;
 * - `add-learner`: adds a non-voting member (replicated to, never counted);
 * - `remove`: removes a voter or a learner (the leader may remove itself);
 * - `set-address`: changes where a member is reached; the voters and learners stay.
 * An `address` given with an add records where the member is reached; promoting a learner
 * without one keeps its record and ends its auto-promotion.
 */
export type ConfigChange =
  | { readonly type: "add-voter"; readonly node: NodeId; readonly address?: AddressRecord }
  | { readonly type: "add-learner"; readonly node: NodeId; readonly address?: AddressRecord }
  | { readonly type: "remove"; readonly node: NodeId }
  | { readonly type: "set-address"; readonly node: NodeId; readonly address: AddressRecord };

/** A MemberAddress without its id (the change names the node). */
export type AddressRecord = Omit<MemberAddress, "id">;

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
  const addressed = (config.addresses ?? []).map((record) => record.id);
  for (let i = 0; i < addressed.length; i++) {
    assert(all.includes(addressed[i]!), "an address record names a node that is not a member");
    assert(i === 0 || addressed[i - 1]! < addressed[i]!, "address records ascend by id, once each");
  }
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
  return sameIds(a.voters, b.voters) && sameIds(a.learners, b.learners) &&
    JSON.stringify(a.addresses ?? []) === JSON.stringify(b.addresses ?? []);
}

/** Where `node` is reached according to the configuration, if it says. */
export function addressOf(config: MembershipConfig, node: NodeId): MemberAddress | undefined {
  return config.addresses?.find((record) => record.id === node);
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
  let address: AddressRecord | undefined;
  switch (change.type) {
    case "add-voter": {
      if (isVoter(config, node)) return `node ${String(node)} is already a voter`;
      voters.push(node);
      const kept = addressOf(config, node);
      const keptRecord = kept === undefined ? undefined : { ...kept, autoPromote: false };
      address = change.address ?? keptRecord;
      break;
    }
    case "add-learner":
      if (isVoter(config, node)) return `node ${String(node)} is a voter; remove it first`;
      if (isLearner(config, node)) return `node ${String(node)} is already a learner`;
      learners.push(node);
      address = change.address;
      break;
    case "remove":
      if (!isMember(config, node)) return `node ${String(node)} is not a member`;
      if (isVoter(config, node) && config.voters.length === 1) {
        return "cannot remove the last voter";
      }
      break;
    case "set-address":
      if (!isMember(config, node)) return `node ${String(node)} is not a member`;
      if (isVoter(config, node)) voters.push(node);
      else learners.push(node);
      address = change.address;
      break;
  }
  const next = withAddress(
    { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) },
    (config.addresses ?? []).filter((record) => record.id !== node),
    address === undefined ? undefined : { id: node, ...address },
  );
  assertValidConfig(next);
  return next;
}

/** `ids` with `kept` records plus `added`, ascending; no `addresses` field when none. */
function withAddress(
  ids: { voters: NodeId[]; learners: NodeId[] }, kept: readonly MemberAddress[],
  added: MemberAddress | undefined,
): MembershipConfig {
  const records = added === undefined ? [...kept] : [...kept, added];
  records.sort((a, b) => a.id - b.id);
  return records.length === 0 ? ids : { ...ids, addresses: records };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a configuration as the data of a `config` entry (versioned, JSON text). */
export function encodeMembershipConfig(config: MembershipConfig): Uint8Array {
  assertValidConfig(config);
  // Version 1 when there are no addresses: the bytes of such configs stay what they were.
  const record = config.addresses === undefined
    ? { v: 1, voters: config.voters, learners: config.learners }
    : { v: 2, voters: config.voters, learners: config.learners, addresses: config.addresses };
  return textEncoder.encode(JSON.stringify(record));
}

/** Decodes the data of a `config` entry; asserts, because entries come from our own log. */
export function decodeMembershipConfig(data: Uint8Array): MembershipConfig {
  const parsed: unknown = JSON.parse(textDecoder.decode(data));
  assert(typeof parsed === "object" && parsed !== null, "config entry is not an object");
  const record = parsed as {
    v?: unknown; voters?: unknown; learners?: unknown; addresses?: unknown;
  };
  assert(record.v === 1 || record.v === 2, "unknown config entry version");
  assert(Array.isArray(record.voters) && Array.isArray(record.learners), "config lists missing");
  const ids = makeConfig(record.voters as number[], record.learners as number[]);
  if (record.v === 1) return ids;
  assert(Array.isArray(record.addresses), "a version 2 config entry lists addresses");
  const config = { ...ids, addresses: (record.addresses as unknown[]).map(decodeAddress) };
  assertValidConfig(config);
  return config;
}

function decodeAddress(value: unknown): MemberAddress {
  const record = value as Partial<Record<keyof MemberAddress, unknown>> | null;
  assert(
    typeof record === "object" && record !== null && typeof record.id === "number" &&
      typeof record.peerAddress === "string" && typeof record.clientAddress === "string" &&
      typeof record.autoPromote === "boolean",
    "a config entry's address record is malformed",
  );
  return {
    id: nodeId(record.id), peerAddress: record.peerAddress,
    clientAddress: record.clientAddress, autoPromote: record.autoPromote,
  };
}
