/**
 * Goal: two rules of a non-leader that are easy to get wrong at the edges of the protocol.
 * (1) A pre-candidate learns that it lost its pre-vote from the rejections themselves, and
 * goes back to following at once (thesis 9.6), without a term change. (2) A follower accepts
 * the appends of a current leader that its own configuration does not name yet, and so
 * catches up (thesis 4.1: a server's configuration may be older than the leader's).
 * Method: small clusters of RaftStates (test/core/state-cluster.ts) with logs built so
 * that the rule under test decides the outcome; messages are stepped directly.
 */
import {
  configEntry, noopEntry, StateCluster, storeWith,
} from "../../test/core/state-cluster.js";
import { nodeId, NO_NODE, term } from "./ids.js";
import { isVoter } from "./membership-config.js";

describe("a pre-candidate whose pre-votes are rejected", () => {
  /**
   * Nodes 2 and 3 hold 2@2, which node 1 lacks; all three are at term 2 and know no leader
   * (as after a leader of term 2 crashed). Node 1 times out first.
   */
  function behindPreCandidate(): StateCluster {
    const cluster = new StateCluster();
    cluster.add(1, storeWith({ voters: [1, 2, 3], hard: { term: 2, commit: 1 } }));
    for (const id of [2, 3]) {
      cluster.add(id, storeWith({
        voters: [1, 2, 3], later: [noopEntry(2, 2)], hard: { term: 2, commit: 2 },
      }));
    }
    cluster.tickUntil(1, "pre-candidate");
    return cluster;
  }

  it("counts the rejections and becomes a follower on the last one needed, at its term", () => {
    const cluster = behindPreCandidate();
    const requests = cluster.outbox(1);
    expect(requests.map((m) => [m.type, m.to, m.term])).toEqual([
      ["vote-request", 2, 3], ["vote-request", 3, 3],
    ]);
    for (const request of requests) cluster.step(request);
    const answers = [...cluster.outbox(2), ...cluster.outbox(3)];
    // A voter rejects with its own term (2), so that a pre-candidate behind it catches up.
    expect(answers.map((m) => m.type === "vote-response" && [m.term, m.granted])).toEqual([
      [2, false], [2, false],
    ]);
    const s = cluster.state(1);
    cluster.step(answers[0]!);
    expect(s.role).toBe("pre-candidate"); // One rejection of three: still undecided.
    cluster.step(answers[1]!);
    expect(s.role).toBe("follower");
    expect(s.term).toBe(2); // Pre-vote never moves the term.
    expect(s.electionElapsed).toBe(0); // A full, fresh timeout before the next attempt.
    expect(cluster.outbox(1)).toEqual([]);
  });

  it("catches up, without campaigning, when a voter rejects from a later term", () => {
    const cluster = behindPreCandidate();
    cluster.state(3).term = term(5); // 3 saw a later election.
    for (const request of cluster.outbox(1)) cluster.step(request);
    const fromThree = cluster.outbox(3);
    expect(fromThree.map((m) => m.type === "vote-response" && [m.term, m.granted])).toEqual([
      [5, false],
    ]);
    cluster.step(fromThree[0]!);
    expect([cluster.state(1).role, cluster.state(1).term]).toEqual(["follower", 5]);
  });

  it("ignores a stale grant for its current term", () => {
    const cluster = behindPreCandidate();
    const s = cluster.state(1);
    cluster.outbox(1);
    // A grant for a pre-vote at term 2 (an earlier round) answers a different campaign.
    for (const from of [2, 3]) {
      cluster.step({
        type: "vote-response", from: nodeId(from), to: nodeId(1), term: s.term, preVote: true,
        granted: true,
      });
    }
    expect([s.role, s.term]).toEqual(["pre-candidate", 2]);
  });
});

describe("a follower whose configuration does not name the leader yet", () => {
  it("accepts the leader's appends and catches up, learning the configuration", () => {
    // Entry 2@2 adds voter 4. Nodes 1, 2 and 4 hold it; node 3 missed it, so its
    // configuration is still (1,2,3) when 4 is elected by 1, 2 and itself.
    const withFour = [configEntry(2, 2, [1, 2, 3, 4])];
    const cluster = new StateCluster();
    for (const id of [1, 2, 4]) {
      cluster.add(id, storeWith({
        voters: [1, 2, 3], later: withFour, hard: { term: 2, commit: 2 },
      }));
    }
    const three = cluster.add(3, storeWith({ voters: [1, 2, 3], hard: { term: 2, commit: 1 } }));
    expect(isVoter(three.currentConfig(), nodeId(4))).toBe(false);
    cluster.tickUntil(4, "pre-candidate");
    cluster.deliverAll();
    const leader = cluster.state(4);
    expect(leader.role).toBe("leader");
    cluster.tick(4, leader.config.heartbeatTicks);
    cluster.deliverAll();
    expect([three.role, three.leader, three.term]).toEqual(["follower", 4, leader.term]);
    expect(three.log.lastIndex()).toBe(leader.log.lastIndex());
    expect(three.log.committed).toBe(leader.log.committed);
    expect(isVoter(three.currentConfig(), nodeId(4))).toBe(true);
    expect(leader.progress.get(nodeId(3))?.match).toBe(leader.log.lastIndex());
    expect(three.leader).not.toBe(NO_NODE);
  });
});
