import { assert } from "./assert.js";
import type { Entry, HardState, MembershipConfig } from "./entry.js";
import { logIndex, NO_NODE, term } from "./ids.js";
import { assertValidConfig, encodeMembershipConfig } from "./membership-config.js";

/**
 * The durable state every founding member of a new cluster starts from: one `config` entry
 * at index 1, term 1, holding the initial membership, already committed. Because every
 * founder writes exactly the same entry, their logs agree from the start and the first
 * leader (term >= 2) can replicate after it without a special case; etcd bootstraps the
 * same way. A node that joins an existing cluster starts empty instead and learns the
 * configuration from the leader's log or snapshot.
 * Precondition: the configuration has at least one voter.
 */
export function bootstrapEntries(config: MembershipConfig): {
  entries: Entry[];
  hardState: HardState;
} {
  assertValidConfig(config);
  assert(config.voters.length > 0, "a new cluster needs at least one voter");
  const entry: Entry = {
    term: term(1),
    index: logIndex(1),
    kind: "config",
    data: encodeMembershipConfig(config),
  };
  return { entries: [entry], hardState: { term: term(1), vote: NO_NODE, commit: logIndex(1) } };
}
