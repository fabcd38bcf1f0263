/**
 * Majority arithmetic over a voter set: the commit candidate, the outcome of an election and
 * whether a set of recently active peers still forms a quorum. Pure functions; the caller
 * supplies the voter set of the configuration in force (thesis §4.1: a node uses the latest
 * configuration in its log), and learners never appear in it.
 */
import { assert } from "./assert.js";
import type { LogIndex, NodeId } from "./ids.js";
import { NO_NODE } from "./ids.js";

/**
 * The number of votes (or replicas) that forms a majority of `voterCount` voters:
 * floor(n/2) + 1 (paper §5.2). Precondition: `voterCount` is a positive integer.
 */
export function majority(voterCount: number): number {
  assert(
    Number.isSafeInteger(voterCount) && voterCount >= 1,
    `voterCount must be >= 1, got ${String(voterCount)}`,
  );
  const result = Math.floor(voterCount / 2) + 1;
  assert(result > voterCount - result, "a majority must outnumber the rest");
  return result;
}

/**
 * The largest index held by a majority of `voters` (the commit candidate, §5.3/§5.4).
 * `matchOf(id)` gives each voter's match index (the leader passes its own last index for
 * itself). The caller must still apply the §5.4.2 rule: only an index whose entry carries the
 * leader's current term may be committed by counting replicas.
 * Precondition: `voters` is non-empty and has no duplicates.
 */
export function committedIndex(
  voters: readonly NodeId[],
  matchOf: (id: NodeId) => LogIndex,
): LogIndex {
  assertVoterSet(voters);
  const matchesDescending = voters.map(matchOf).sort((a, b) => b - a);
  // After sorting descending, the value at position majority-1 is held by at least a
  // majority (every voter before it holds as much or more) and no larger value is.
  const result = matchesDescending[majority(voters.length) - 1];
  assert(result !== undefined, "majority position lies inside the voter list");
  assert(
    Number.isSafeInteger(result) && result >= 0,
    `match index must be a LogIndex, got ${String(result)}`,
  );
  return result;
}

/** The state of an election from the votes received so far. */
export type VoteOutcome = "won" | "lost" | "pending";

/**
 * The outcome of an election (paper §5.2) or pre-vote round (thesis §9.6).
 * `votes` maps a responder to granted (true) or rejected (false); a voter missing from it has
 * not answered yet. Entries for non-voters are ignored. "lost" means no set of answers from the
 * missing voters can reach a majority any more.
 * Precondition: `voters` is non-empty and has no duplicates.
 */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteOutcome {
  assertVoterSet(voters);
  let granted = 0;
  let missing = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === undefined) missing += 1;
    else if (vote) granted += 1;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return "won";
  if (granted + missing < needed) return "lost";
  return "pending";
}

/**
 * True when the members of `active` that are voters form a majority of `voters`. Used by
 * check-quorum (thesis §6.2) and to confirm ReadIndex rounds (thesis §6.4).
 * Precondition: `voters` is non-empty and has no duplicates.
 */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  assertVoterSet(voters);
  let activeCount = 0;
  for (const voter of voters) {
    if (active(voter)) activeCount += 1;
  }
  return activeCount >= majority(voters.length);
}

/** A duplicated voter would be counted twice and could fake a majority, so refuse it. */
function assertVoterSet(voters: readonly NodeId[]): void {
  assert(voters.length >= 1, "the voter set must not be empty");
  assert(new Set(voters).size === voters.length, `duplicate voter in [${voters.join(",")}]`);
  assert(!voters.includes(NO_NODE), "NO_NODE is never a voter");
}
