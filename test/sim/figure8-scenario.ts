import { assert } from "../../src/core/assert.js";
import type { NodeId, Term } from "../../src/core/ids.js";
import type { Message } from "../../src/core/message.js";
import type { PlantedBug } from "../../src/core/raft-config.js";
import {
  DELIVER_ALL,
  DirectedSim,
  HEARTBEAT_TICKS,
  VOTES_ONLY,
  type DirectedViolation,
} from "./directed-sim.js";

/**
 * The Figure 8 directed scenario (Raft paper §5.4.2; docs/testing.md, Directed scenarios): a
 * five-step script on DirectedSim that places an old-term entry on a majority, then lets a later
 * leader overwrite it. A correct core never commits that entry by counting; the planted bug
 * "commit-old-term-by-counting" does, and the checker reports the loss.
 */

/**
 * The paper's Figure 8 index, shifted by one: index 1 holds the bootstrap configuration and
 * index 2 the term-2 leader's no-op, so the paper's contested index 2 is our index 3.
 */
export const FIGURE8_INDEX = 3;

/** What the Figure 8 script saw; the tests assert on it. */
export interface Figure8Result {
  readonly violations: readonly DirectedViolation[];
  /** The terms that S1, S5, S1 and S5 won in steps (a) to (d). */
  readonly termsWon: readonly Term[];
  /** The dangerous state, at the end of step (c). */
  readonly stepC: {
    /** Running nodes whose durable log holds the term-2 entry at FIGURE8_INDEX. */
    readonly holders: readonly NodeId[];
    /** Followers whose term-4 acknowledgement told the leader they hold FIGURE8_INDEX. */
    readonly acknowledgedBy: readonly NodeId[];
    readonly leaderCommit: number;
    /** The highest index committed anywhere, by the checker's global record. */
    readonly highestCommitted: number;
  };
  /** At the end: the term of each node's entry at FIGURE8_INDEX (undefined: node is down). */
  readonly finalTerms: ReadonlyMap<number, Term | undefined>;
  /** Convergence of all five nodes at the end; undefined when converged. */
  readonly convergence: string | undefined;
  readonly traceTail: readonly string[];
}

export interface Figure8Options {
  readonly seed: number;
  readonly plantedBugs: readonly PlantedBug[];
  readonly traceSink?: (line: string) => void;
}

/**
 * Raft paper §5.4.2, Figure 8, on five nodes (S1..S5 are ids 1..5):
 * (a) S1 leads term 2 and replicates index 3 to S2 only, then crashes.
 * (b) S5 wins term 3 with the votes of S3 and S4 (S2's log is longer), appends its no-op at
 *     index 3 and crashes before sending it.
 * (c) S1 restarts and wins term 4 (its term-3 campaign fails: S3 and S4 voted for S5). One
 *     entry per append, it brings S3 the term-2 entry; S2 and S3 acknowledge it, so the entry
 *     sits on a majority and the leader knows it. Entries of an earlier term must not commit
 *     by counting; with the planted bug, S1 commits and applies it here. S2 also holds 4@4:
 *     this core learns a follower's log position only from appends, which carry the tail.
 * (d) S1 crashes; S5 restarts and, after a failed term-4 campaign, wins term 5: its last term
 *     3 beats the term 2 of S3 and S4 (§5.4.1; S2 refuses, holding 4@4). It overwrites index 3.
 * (e) S1 returns and catches up. With a correct core nothing was lost: index 3 was never
 *     committed until term 5 committed S5's entry there, and all five converge.
 */
export function runFigure8(options: Figure8Options): Figure8Result {
  const sim = new DirectedSim({ ...options, voters: 5, appendEntriesMax: 1 });
  const termsWon: Term[] = [];
  termsWon.push(figure8StepA(sim));
  sim.beginStep("(b) S5 wins term 3 with S3 and S4, appends 3@3 and crashes");
  termsWon.push(sim.elect(5, VOTES_ONLY));
  assert(sim.termAt(5, FIGURE8_INDEX) === 3, "(b): S5 appended its own entry at the Figure 8 index");
  sim.crash(5);
  const termC = figure8StepC(sim);
  termsWon.push(termC);
  const stepC = {
    holders: sim.holders(FIGURE8_INDEX, 2),
    acknowledgedBy: acknowledgers(sim.delivered, { leader: 1, term: termC, index: FIGURE8_INDEX }),
    leaderCommit: sim.status(1).commitIndex,
    highestCommitted: sim.highestCommitted,
  };
  sim.beginStep("(d) S1 crashes; S5 wins term 5 and overwrites index 3");
  sim.crash(1);
  sim.restart(5);
  termsWon.push(sim.elect(5, DELIVER_ALL));
  sim.beginStep("(e) S1 returns and catches up from S5");
  sim.restart(1);
  sim.tick(5, HEARTBEAT_TICKS);
  sim.deliver(DELIVER_ALL);
  const finalTerms = new Map<number, Term | undefined>();
  for (let id = 1; id <= 5; id++) {
    finalTerms.set(id, sim.isRunning(id) ? sim.termAt(id, FIGURE8_INDEX) : undefined);
  }
  return {
    violations: sim.violations,
    termsWon,
    stepC,
    finalTerms,
    convergence: sim.convergence(),
    traceTail: sim.traceTail(),
  };
}

function figure8StepA(sim: DirectedSim): Term {
  sim.beginStep("(a) S1 leads term 2 and replicates 3@2 to S2 only");
  const won = sim.elect(1, DELIVER_ALL);
  assert(sim.status(1).commitIndex === FIGURE8_INDEX - 1, "(a): the term-2 no-op commits first");
  const entry = sim.propose(1, "x", "a");
  assert(entry.index === FIGURE8_INDEX && entry.term === 2, `(a): the write went to ${entry.index}@${entry.term}`);
  sim.deliver((m) => m.type !== "append-request" || m.to === 2);
  assert(sameIds(sim.holders(FIGURE8_INDEX, 2), [1, 2]), "(a): 3@2 is on S1 and S2 only");
  sim.crash(1);
  return won;
}

/**
 * S2 gets every append; S3 gets appends only until it holds index 3 (the probe it rejects,
 * then 3@2 alone), so 4@4 never reaches it; S4 gets none; S5 is down.
 */
function figure8StepC(sim: DirectedSim): Term {
  sim.beginStep("(c) S1 restarts, wins term 4 and brings S3 the term-2 entry");
  sim.restart(1);
  const won = sim.elect(1, (m) => {
    if (m.type !== "append-request" || m.to === 2) return true;
    return m.to === 3 && sim.termAt(3, FIGURE8_INDEX) === undefined;
  });
  assert(sim.termAt(3, FIGURE8_INDEX) === 2, "(c): S3 received the term-2 entry");
  assert(sim.termAt(3, FIGURE8_INDEX + 1) === undefined, "(c): S3 did not receive the term-4 entry");
  return won;
}

/** Followers whose successful append-response to `leader` in `term` covers `index`. */
function acknowledgers(
  delivered: readonly Message[],
  at: { leader: number; term: number; index: number },
): NodeId[] {
  const out: NodeId[] = [];
  for (const m of delivered) {
    if (m.type !== "append-response" || m.to !== at.leader || m.term !== at.term) continue;
    if (m.success && m.matchIndex >= at.index && !out.includes(m.from)) out.push(m.from);
  }
  return out.sort((a, b) => a - b);
}

function sameIds(actual: readonly NodeId[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((id, k) => id === expected[k]);
}
