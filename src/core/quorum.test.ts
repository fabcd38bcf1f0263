// Goal: quorum.ts computes majorities, commit candidates, election outcomes and check-quorum
// exactly as plain counting would. Method: hand cases for 1-5 voters, then fast-check
// properties against deliberately naive oracles (brute force over every candidate index;
// enumerating every way the missing votes could still arrive; counting active voters).
import fc from "fast-check";
import { AssertionError } from "./assert.js";
import type { LogIndex, NodeId } from "./ids.js";
import { logIndex, nodeId } from "./ids.js";
import { committedIndex, hasQuorum, majority, voteResult } from "./quorum.js";
import type { VoteOutcome } from "./quorum.js";

const ids = (...values: number[]): NodeId[] => values.map(nodeId);

/** Voters 1..n with the given match indexes. */
function matchTable(matches: readonly number[]): {
  voters: NodeId[];
  matchOf: (id: NodeId) => LogIndex;
} {
  const voters = matches.map((_, position) => nodeId(position + 1));
  const matchOf = (id: NodeId): LogIndex => {
    const match = matches[id - 1];
    if (match === undefined) throw new Error(`matchOf asked for a non-voter ${String(id)}`);
    return logIndex(match);
  };
  return { voters, matchOf };
}

/** Oracle: the largest i such that at least a majority holds match >= i, trying every i. */
function naiveCommittedIndex(matches: readonly number[]): number {
  const needed = Math.floor(matches.length / 2) + 1;
  const highest = Math.max(...matches);
  let best = 0;
  for (let candidate = 0; candidate <= highest; candidate++) {
    const holders = matches.filter((match) => match >= candidate).length;
    if (holders >= needed) best = candidate;
  }
  return best;
}

/** Oracle: won if already a majority; lost if every completion of the missing votes loses. */
function naiveVoteResult(answers: readonly (boolean | undefined)[]): VoteOutcome {
  const needed = Math.floor(answers.length / 2) + 1;
  const grantedNow = answers.filter((answer) => answer === true).length;
  if (grantedNow >= needed) return "won";
  const missing = answers.filter((answer) => answer === undefined).length;
  let anyCompletionWins = false;
  for (let mask = 0; mask < 1 << missing; mask++) {
    let extra = 0;
    for (let bit = 0; bit < missing; bit++) if ((mask >> bit) & 1) extra += 1;
    if (grantedNow + extra >= needed) anyCompletionWins = true;
  }
  return anyCompletionWins ? "pending" : "lost";
}

describe("majority", () => {
  test.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ])("of %i voters is %i", (voterCount, expected) => {
    expect(majority(voterCount)).toBe(expected);
  });

  test("rejects an empty or fractional voter count", () => {
    expect(() => majority(0)).toThrow(AssertionError);
    expect(() => majority(2.5)).toThrow(AssertionError);
  });
});

describe("committedIndex", () => {
  test.each<[number[], number]>([
    [[7], 7],
    [[5, 3], 3],
    [[5, 5], 5],
    [[9, 4, 1], 4],
    [[1, 9, 4], 4],
    [[8, 8, 2, 2], 2],
    [[8, 8, 8, 2], 8],
    [[10, 2, 7, 3, 9], 7],
    [[0, 0, 0, 6, 6], 0],
  ])("of matches %j is %i", (matches, expected) => {
    const { voters, matchOf } = matchTable(matches);
    expect(committedIndex(voters, matchOf)).toBe(expected);
  });

  test("sorts numerically, not as strings", () => {
    const { voters, matchOf } = matchTable([10, 9, 100]);
    expect(committedIndex(voters, matchOf)).toBe(10);
  });

  test("asks only about voters", () => {
    const asked: NodeId[] = [];
    const voters = ids(2, 4, 6);
    committedIndex(voters, (id) => {
      asked.push(id);
      return logIndex(id);
    });
    expect([...asked].sort((a, b) => a - b)).toEqual(voters);
  });

  test("refuses an empty or duplicated voter set", () => {
    expect(() => committedIndex([], () => logIndex(1))).toThrow(AssertionError);
    expect(() => committedIndex(ids(1, 1, 2), () => logIndex(1))).toThrow(AssertionError);
  });

  test("equals the brute-force oracle", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 9 }), (matches) => {
        const { voters, matchOf } = matchTable(matches);
        expect(committedIndex(voters, matchOf)).toBe(naiveCommittedIndex(matches));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("voteResult", () => {
  const tally = (voters: NodeId[], entries: [number, boolean][]): VoteOutcome =>
    voteResult(voters, new Map(entries.map(([id, granted]) => [nodeId(id), granted])));

  test("a single voter wins or loses on its own vote", () => {
    expect(tally(ids(1), [])).toBe("pending");
    expect(tally(ids(1), [[1, true]])).toBe("won");
    expect(tally(ids(1), [[1, false]])).toBe("lost");
  });

  test("two voters need both", () => {
    expect(tally(ids(1, 2), [[1, true]])).toBe("pending");
    expect(tally(ids(1, 2), [[1, true], [2, true]])).toBe("won");
    expect(tally(ids(1, 2), [[1, true], [2, false]])).toBe("lost");
  });

  test("three voters need two", () => {
    expect(tally(ids(1, 2, 3), [[1, true], [2, false]])).toBe("pending");
    expect(tally(ids(1, 2, 3), [[1, true], [3, true]])).toBe("won");
    expect(tally(ids(1, 2, 3), [[2, false], [3, false]])).toBe("lost");
  });

  test("four voters: two rejections already lose", () => {
    expect(tally(ids(1, 2, 3, 4), [[1, true], [2, true]])).toBe("pending");
    expect(tally(ids(1, 2, 3, 4), [[1, true], [2, false], [3, false]])).toBe("lost");
    expect(tally(ids(1, 2, 3, 4), [[1, true], [2, true], [4, true]])).toBe("won");
  });

  test("five voters need three", () => {
    const voters = ids(1, 2, 3, 4, 5);
    expect(tally(voters, [[1, true], [2, true], [3, false], [4, false]])).toBe("pending");
    expect(tally(voters, [[1, true], [2, false], [3, false], [4, false]])).toBe("lost");
    expect(tally(voters, [[1, true], [2, true], [5, true]])).toBe("won");
  });

  test("ignores votes from non-voters such as learners", () => {
    expect(tally(ids(1, 2, 3), [[1, true], [7, true], [8, true]])).toBe("pending");
    expect(tally(ids(1, 2, 3), [[1, true], [2, false], [7, false], [8, false]])).toBe("pending");
  });

  test("equals the enumerate-every-completion oracle", () => {
    const answer = fc.option(fc.boolean(), { nil: undefined });
    const outsiderVotes = fc.array(fc.tuple(fc.integer({ min: 100, max: 110 }), fc.boolean()));
    fc.assert(
      fc.property(
        fc.array(answer, { minLength: 1, maxLength: 9 }),
        outsiderVotes,
        (answers, outsiders) => {
          const voters = answers.map((_, position) => nodeId(position + 1));
          const votes = new Map<NodeId, boolean>();
          answers.forEach((granted, position) => {
            if (granted !== undefined) votes.set(nodeId(position + 1), granted);
          });
          for (const [id, granted] of outsiders) votes.set(nodeId(id), granted);
          expect(voteResult(voters, votes)).toBe(naiveVoteResult(answers));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("hasQuorum", () => {
  test.each<[number[], number[], boolean]>([
    [[1], [], false],
    [[1], [1], true],
    [[1, 2], [1], false],
    [[1, 2], [1, 2], true],
    [[1, 2, 3], [3], false],
    [[1, 2, 3], [1, 3], true],
    [[1, 2, 3, 4], [1, 2], false],
    [[1, 2, 3, 4], [2, 3, 4], true],
    [[1, 2, 3, 4, 5], [1, 2, 9], false],
    [[1, 2, 3, 4, 5], [1, 4, 5], true],
  ])("voters %j with active %j: %s", (voterValues, activeValues, expected) => {
    const active = new Set(activeValues);
    expect(hasQuorum(ids(...voterValues), (id) => active.has(id))).toBe(expected);
  });

  test("equals counting active voters, ignoring active non-voters", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 9 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 25 }), { maxLength: 25 }),
        (voterValues, activeValues) => {
          const active = new Set(activeValues);
          const activeVoters = voterValues.filter((id) => active.has(id)).length;
          const expected = 2 * activeVoters > voterValues.length;
          expect(hasQuorum(ids(...voterValues), (id) => active.has(id))).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
