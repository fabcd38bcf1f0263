/**
 * Goal: a leader serves a lease read (thesis 6.4.1) only while the followers that
 * acknowledged it are still bound not to elect anyone else: until the tick at which the
 * acknowledged heartbeat round was sent, plus electionTicks, minus leaseDriftMarginTicks.
 * However late the acknowledgements arrive, they never stretch the lease past that; and once
 * the leader has started a leadership transfer, whose votes bypass the followers' lease, it
 * serves no lease read in that term. When the lease does not hold, a read falls back to a
 * ReadIndex round (thesis 6.4) and is served once a quorum confirms it.
 * Method: a three-node cluster of RaftStates (test/core/state-cluster.ts). Only the leader
 * is ticked, so the followers never campaign; heartbeats and their acknowledgements are held
 * back or dropped by hand to place each acknowledgement at a chosen tick.
 */
import { StateCluster, storeWith } from "../../test/core/state-cluster.js";
import { NO_NODE, nodeId } from "./ids.js";
import type { HeartbeatRequest, Message } from "./message.js";
import type { RaftState } from "./raft-state.js";
import { requestRead } from "./read-index.js";
import { maybeFinishTransfer } from "./step-leader.js";

const ELECTION_TICKS = 10;
const MARGIN_TICKS = 2;
/** Ticks from a round's send tick during which its quorum acknowledgement holds a lease. */
const LEASE_TICKS = ELECTION_TICKS - MARGIN_TICKS;

/** Node 1 leads term 2 and has committed its no-op; no heartbeat round has been sent. */
function leaseCluster(): StateCluster {
  const cluster = new StateCluster();
  for (const id of [1, 2, 3]) {
    cluster.add(id, storeWith({ voters: [1, 2, 3], hard: { term: 1, commit: 1 } }), {
      electionTicks: ELECTION_TICKS, heartbeatTicks: 1, checkQuorum: true, preVote: true,
      leaseReads: true, leaseDriftMarginTicks: MARGIN_TICKS,
    });
  }
  cluster.tickUntil(1, "pre-candidate");
  cluster.deliverAll();
  const leader = cluster.state(1);
  expect(leader.role).toBe("leader");
  expect(leader.committedInCurrentTerm()).toBe(true);
  return cluster;
}

const isHeartbeat = (m: Message): m is HeartbeatRequest => m.type === "heartbeat-request";

/** Ticks the leader once and returns its heartbeats, undelivered; all else is dropped. */
function tickHoldingHeartbeats(cluster: StateCluster): HeartbeatRequest[] {
  cluster.tick(1);
  return cluster.outbox(1).filter(isHeartbeat);
}

/** Steps `requests` into their followers and returns each follower's answers, undelivered. */
function answersTo(cluster: StateCluster, requests: readonly Message[]): Map<number, Message[]> {
  const answers = new Map<number, Message[]>();
  for (const request of requests) {
    cluster.step(request);
    answers.set(request.to, cluster.outbox(request.to));
  }
  return answers;
}

/** Asks the leader for a local read; true when it was served at once (from the lease). */
function servedAtOnce(leader: RaftState, requestId: number): boolean {
  expect(requestRead(leader, requestId, leader.id)).toBeUndefined();
  const served = leader.readStates.some((read) => read.requestId === requestId);
  leader.readStates = [];
  return served;
}

describe("the leader lease", () => {
  it("holds only after a quorum acknowledged a round, not just for being elected", () => {
    const cluster = leaseCluster();
    const leader = cluster.state(1);
    expect(servedAtOnce(leader, 1)).toBe(false);
    // The read waits for a ReadIndex round instead, and is served when a quorum confirms it.
    expect(leader.pendingReads.map((read) => read.requestId)).toEqual([1]);
    cluster.deliverAll();
    expect(leader.readStates.map((read) => read.requestId)).toEqual([1]);
  });

  it("ends electionTicks - margin after the acknowledged round was sent, however late the " +
    "acknowledgements arrive", () => {
    const cluster = leaseCluster();
    const leader = cluster.state(1);
    const round = tickHoldingHeartbeats(cluster); // Sent at tick t.
    const answers = answersTo(cluster, round);
    // Every later heartbeat is lost, until tick t + LEASE_TICKS - 1.
    for (let i = 1; i < LEASE_TICKS; i++) tickHoldingHeartbeats(cluster);
    for (const answer of answers.get(2) ?? []) cluster.step(answer); // With ours, a quorum.
    expect(servedAtOnce(leader, 1)).toBe(true);
    // Tick t + LEASE_TICKS: node 3's acknowledgement of the same round arrives only now.
    tickHoldingHeartbeats(cluster);
    for (const answer of answers.get(3) ?? []) cluster.step(answer);
    expect(leader.role).toBe("leader");
    expect(servedAtOnce(leader, 2)).toBe(false);
    expect(leader.pendingReads.map((read) => read.requestId)).toEqual([2]);
    // The ReadIndex round the read started confirms it, and renews the lease from its tick.
    cluster.deliverAll();
    expect(leader.readStates.map((read) => read.requestId)).toEqual([2]);
    leader.readStates = [];
    expect(servedAtOnce(leader, 3)).toBe(true);
  });

  it("is renewed by the acknowledged heartbeat rounds that keep it alive", () => {
    const cluster = leaseCluster();
    const leader = cluster.state(1);
    for (let i = 0; i < 3 * ELECTION_TICKS; i++) {
      cluster.tick(1);
      cluster.deliverAll();
      expect(servedAtOnce(leader, i)).toBe(true);
    }
  });
});

describe("a leadership transfer", () => {
  /** A leader whose lease holds: its last round was acknowledged by everyone at once. */
  function leaderInLease(): { cluster: StateCluster; leader: RaftState } {
    const cluster = leaseCluster();
    cluster.tick(1);
    cluster.deliverAll();
    const leader = cluster.state(1);
    expect(servedAtOnce(leader, 100)).toBe(true);
    return { cluster, leader };
  }

  it("revokes the lease at once, for reads forwarded by followers too", () => {
    const { cluster, leader } = leaderInLease();
    leader.leadTransferee = nodeId(2); // What RaftCore.transferLeadership() records.
    cluster.step({
      type: "read-index-request", from: nodeId(3), to: leader.id, term: leader.term,
      requestId: 7,
    });
    const answers = cluster.outbox(1).filter((m) => m.type === "read-index-response");
    expect(answers).toEqual([]);
    expect(leader.pendingReads.map((read) => read.requestId)).toEqual([7]);
  });

  it("leaves no lease for the rest of the term once TimeoutNow was sent", () => {
    const { cluster, leader } = leaderInLease();
    leader.leadTransferee = nodeId(2);
    maybeFinishTransfer(leader, nodeId(2)); // Node 2 holds our whole log: TimeoutNow goes.
    const sent = cluster.outbox(1);
    expect(sent.map((m) => [m.type, m.to])).toEqual([["timeout-now", 2]]);
    // The TimeoutNow is lost and the transfer given up; the round trips keep succeeding.
    // Node 2 may still get it and win votes that our followers' lease would have refused.
    leader.leadTransferee = NO_NODE;
    for (let i = 0; i < 2 * ELECTION_TICKS; i++) {
      cluster.tick(1);
      cluster.deliverAll();
      expect(servedAtOnce(leader, i)).toBe(false);
      cluster.deliverAll();
      expect(leader.readStates.map((read) => read.requestId)).toEqual([i]); // Via ReadIndex.
      leader.readStates = [];
    }
  });
});
