// Goal: Progress moves between probe, replicate and snapshot exactly as its contract says,
// ignores stale acknowledgements and rejections, and never lets matchIndex decrease or reach
// nextIndex. Method: one hand case per transition and per stale-message rule, then a
// fast-check property that drives random operation sequences and checks match monotonic and
// match < next after every operation.
import fc from "fast-check";
import { AssertionError } from "./assert.js";
import type { LogIndex } from "./ids.js";
import { logIndex } from "./ids.js";
import { Progress } from "./progress.js";

const at = logIndex;

function progress(next = 1, inflightsMax = 4, isLearner = false): Progress {
  return new Progress({ next: at(next), inflightsMax, isLearner });
}

/** A Progress in replicate state with match = `match`, next = match + 1. */
function replicating(match: number, inflightsMax = 4): Progress {
  const pr = progress(match + 1, inflightsMax);
  pr.maybeUpdate(at(match));
  pr.becomeReplicate();
  return pr;
}

describe("Progress construction", () => {
  test("starts in probe with nothing known about the follower", () => {
    const pr = progress(8, 4, true);
    expect(pr.state).toBe("probe");
    expect(pr.match).toBe(0);
    expect(pr.next).toBe(8);
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.probeSent).toBe(false);
    expect(pr.recentActive).toBe(true);
    expect(pr.readRoundAcked).toBe(0);
    expect(pr.isLearner).toBe(true);
    expect(pr.inflights.capacity).toBe(4);
    expect(pr.toString()).toBe("probe match=0 next=8 inflight=0 learner");
  });

  test("refuses next = 0 and an empty inflights window", () => {
    expect(() => progress(0)).toThrow(AssertionError);
    expect(() => progress(1, 0)).toThrow(AssertionError);
  });
});

describe("Progress transitions", () => {
  test("becomeReplicate sets next = match + 1 and empties the window", () => {
    const pr = progress(10);
    pr.maybeUpdate(at(6));
    pr.becomeReplicate();
    expect(pr.state).toBe("replicate");
    expect(pr.next).toBe(7);
    pr.inflights.add(at(9), 100);
    pr.optimisticUpdate(at(9));
    pr.becomeReplicate();
    expect(pr.next).toBe(7);
    expect(pr.inflights.count()).toBe(0);
  });

  test("becomeProbe from replicate resumes at match + 1", () => {
    const pr = replicating(5);
    pr.inflights.add(at(8), 10);
    pr.optimisticUpdate(at(8));
    pr.becomeProbe();
    expect(pr.state).toBe("probe");
    expect(pr.next).toBe(6);
    expect(pr.probeSent).toBe(false);
    expect(pr.inflights.count()).toBe(0);
  });

  test("becomeProbe from probe clears probeSent", () => {
    const pr = progress(4);
    pr.probeSent = true;
    pr.becomeProbe();
    expect(pr.probeSent).toBe(false);
    expect(pr.next).toBe(1);
  });

  test("becomeSnapshot records the snapshot, empties the window and pauses", () => {
    const pr = replicating(3);
    pr.inflights.add(at(4), 1);
    pr.becomeSnapshot(at(20));
    expect(pr.state).toBe("snapshot");
    expect(pr.pendingSnapshot).toBe(20);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.isPaused()).toBe(true);
    expect(pr.toString()).toBe("snapshot match=3 next=4 inflight=0 pendingSnapshot=20");
    expect(() => pr.becomeSnapshot(at(0))).toThrow(AssertionError);
  });

  test("becomeProbe from snapshot resumes after the snapshot and clears it", () => {
    const pr = replicating(3);
    pr.becomeSnapshot(at(20));
    pr.becomeProbe();
    expect(pr.next).toBe(21);
    expect(pr.pendingSnapshot).toBe(0);
  });

  test("becomeProbe from snapshot resumes after match when match passed the snapshot", () => {
    const pr = replicating(3);
    pr.becomeSnapshot(at(20));
    expect(pr.maybeUpdate(at(25))).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(26);
  });
});

describe("Progress.snapshotSendEnded (etcd's ReportSnapshot)", () => {
  test("finished: probes after the snapshot and waits for the follower's answer", () => {
    const pr = replicating(3);
    pr.becomeSnapshot(at(20));
    pr.snapshotSendEnded("finished");
    expect(pr.state).toBe("probe");
    expect(pr.next).toBe(21);
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(at(20))).toBe(true);
    expect(pr.isPaused()).toBe(false);
  });

  test("failed: forgets the snapshot, probes from match + 1, and waits for a heartbeat", () => {
    const pr = replicating(3);
    pr.becomeSnapshot(at(20));
    pr.snapshotSendEnded("failed");
    expect(pr.state).toBe("probe");
    expect(pr.next).toBe(4);
    expect(pr.pendingSnapshot).toBe(0);
    expect(pr.isPaused()).toBe(true);
  });

  test("only a follower in snapshot state has a send to end", () => {
    expect(() => replicating(3).snapshotSendEnded("finished")).toThrow(AssertionError);
  });
});

describe("Progress.maybeUpdate", () => {
  test("raises match and next and reports growth", () => {
    const pr = progress(3);
    expect(pr.maybeUpdate(at(7))).toBe(true);
    expect(pr.match).toBe(7);
    expect(pr.next).toBe(8);
  });

  test("ignores a stale acknowledgement but keeps an optimistic next", () => {
    const pr = replicating(5);
    pr.optimisticUpdate(at(12));
    expect(pr.maybeUpdate(at(4))).toBe(false);
    expect(pr.match).toBe(5);
    expect(pr.next).toBe(13);
    expect(pr.maybeUpdate(at(5))).toBe(false);
    expect(pr.maybeUpdate(at(9))).toBe(true);
    expect(pr.next).toBe(13);
  });

  test("clears probeSent even for a stale acknowledgement", () => {
    const pr = progress(6);
    pr.maybeUpdate(at(5));
    pr.probeSent = true;
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(at(5))).toBe(false);
    expect(pr.probeSent).toBe(false);
    expect(pr.isPaused()).toBe(false);
  });

  test("frees acknowledged inflights", () => {
    const pr = replicating(0, 3);
    for (const last of [2, 4, 6]) {
      pr.inflights.add(at(last), 1);
      pr.optimisticUpdate(at(last));
    }
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(at(4));
    expect(pr.inflights.count()).toBe(1);
    expect(pr.isPaused()).toBe(false);
  });
});

describe("Progress.optimisticUpdate", () => {
  test("advances next past the last entry sent", () => {
    const pr = replicating(2);
    pr.optimisticUpdate(at(9));
    expect(pr.next).toBe(10);
    expect(pr.match).toBe(2);
  });

  test("is only for replicate state and never below match", () => {
    expect(() => progress(3).optimisticUpdate(at(5))).toThrow(AssertionError);
    expect(() => replicating(5).optimisticUpdate(at(4))).toThrow(AssertionError);
  });
});

describe("Progress.maybeDecrTo", () => {
  test("replicate: a rejection at or below match is stale", () => {
    const pr = replicating(5);
    pr.optimisticUpdate(at(10));
    expect(pr.maybeDecrTo(at(5), at(2))).toBe(false);
    expect(pr.maybeDecrTo(at(3), at(2))).toBe(false);
    expect(pr.next).toBe(11);
  });

  test("replicate: a fresh rejection moves next back, never to or below match", () => {
    const pr = replicating(5);
    pr.optimisticUpdate(at(10));
    expect(pr.maybeDecrTo(at(9), at(7))).toBe(true);
    expect(pr.next).toBe(7);
    pr.optimisticUpdate(at(10));
    expect(pr.maybeDecrTo(at(9), at(1))).toBe(true);
    expect(pr.next).toBe(6);
    expect(pr.match).toBe(5);
  });

  test("probe: only a rejection of next - 1 counts", () => {
    const pr = progress(10);
    pr.probeSent = true;
    expect(pr.maybeDecrTo(at(8), at(3))).toBe(false);
    expect(pr.maybeDecrTo(at(10), at(3))).toBe(false);
    expect(pr.next).toBe(10);
    expect(pr.probeSent).toBe(true);
    expect(pr.maybeDecrTo(at(9), at(3))).toBe(true);
    expect(pr.next).toBe(3);
    expect(pr.probeSent).toBe(false);
  });

  test("probe: the hint never moves next above the rejected index", () => {
    const pr = progress(10);
    expect(pr.maybeDecrTo(at(9), at(50))).toBe(true);
    expect(pr.next).toBe(9);
  });

  test("probe: the hint never moves next to or below match", () => {
    const pr = progress(10);
    pr.maybeUpdate(at(4));
    expect(pr.maybeDecrTo(at(9), at(0))).toBe(true);
    expect(pr.next).toBe(5);
  });

  test("snapshot: every rejection is stale", () => {
    const pr = progress(10);
    pr.becomeSnapshot(at(30));
    expect(pr.maybeDecrTo(at(9), at(2))).toBe(false);
    expect(pr.next).toBe(10);
  });
});

describe("Progress.isPaused", () => {
  test("probe pauses while a probe is outstanding", () => {
    const pr = progress(1);
    expect(pr.isPaused()).toBe(false);
    pr.probeSent = true;
    expect(pr.isPaused()).toBe(true);
    expect(pr.toString()).toBe("probe match=0 next=1 inflight=0 probeSent");
  });

  test("replicate pauses while the inflights window is full", () => {
    const pr = replicating(0, 2);
    pr.inflights.add(at(1), 1);
    pr.optimisticUpdate(at(1));
    expect(pr.isPaused()).toBe(false);
    pr.inflights.add(at(2), 1);
    pr.optimisticUpdate(at(2));
    expect(pr.isPaused()).toBe(true);
    expect(pr.toString()).toBe("replicate match=0 next=3 inflight=2");
    pr.inflights.freeFirstOne();
    expect(pr.isPaused()).toBe(false);
  });
});

describe("Progress.ackReadRound", () => {
  test("keeps the highest round acknowledged", () => {
    const pr = progress(1);
    pr.ackReadRound(3);
    pr.ackReadRound(2);
    expect(pr.readRoundAcked).toBe(3);
    pr.ackReadRound(7);
    expect(pr.readRoundAcked).toBe(7);
    expect(() => pr.ackReadRound(-1)).toThrow(AssertionError);
  });
});

describe("Progress.checkInvariants", () => {
  test("catches a field edited into an inconsistent state", () => {
    const pr = progress(5);
    pr.maybeUpdate(at(4));
    pr.next = at(4);
    expect(() => pr.checkInvariants()).toThrow(AssertionError);
  });
});

type Operation =
  | { kind: "update"; offset: number }
  | { kind: "decr"; offset: number; hintBack: number }
  | { kind: "send"; entries: number }
  | { kind: "probe" | "replicate" | "heartbeatFull" }
  | { kind: "snapshot"; ahead: number };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant("update" as const), offset: fc.integer({ min: -5, max: 5 }) }),
  fc.record({
    kind: fc.constant("decr" as const),
    offset: fc.integer({ min: -6, max: 2 }),
    hintBack: fc.integer({ min: -3, max: 12 }),
  }),
  fc.record({ kind: fc.constant("send" as const), entries: fc.integer({ min: 1, max: 4 }) }),
  fc.constantFrom(
    { kind: "probe" as const },
    { kind: "replicate" as const },
    { kind: "heartbeatFull" as const },
  ),
  fc.record({ kind: fc.constant("snapshot" as const), ahead: fc.integer({ min: 0, max: 8 }) }),
);

/** Clamp to a valid LogIndex; the offsets deliberately straddle match and next. */
const clampIndex = (value: number): LogIndex => at(Math.max(0, value));

/** Drives one operation the way a leader would, within each method's preconditions. */
function apply(pr: Progress, operation: Operation): void {
  switch (operation.kind) {
    case "update":
      pr.maybeUpdate(clampIndex(pr.next - 1 + operation.offset));
      return;
    case "decr": {
      const rejected = clampIndex(pr.next - 1 + operation.offset);
      const wasReplicating = pr.state === "replicate";
      // As the leader does (etcd stepLeader): a fresh rejection ends pipelining.
      if (pr.maybeDecrTo(rejected, clampIndex(rejected - operation.hintBack)) && wasReplicating) {
        pr.becomeProbe();
      }
      return;
    }
    case "send": {
      if (pr.isPaused()) return;
      const last = at(pr.next - 1 + operation.entries);
      if (pr.state === "replicate") {
        pr.inflights.add(last, operation.entries * 10);
        pr.optimisticUpdate(last);
      } else {
        pr.probeSent = true;
      }
      return;
    }
    case "probe":
      pr.becomeProbe();
      return;
    case "replicate":
      pr.becomeReplicate();
      return;
    case "heartbeatFull":
      if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
      return;
    case "snapshot":
      pr.becomeSnapshot(at(pr.match + 1 + operation.ahead));
      return;
  }
}

describe("Progress under random operations", () => {
  test("match never decreases and stays below next", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(operationArbitrary, { maxLength: 100 }),
        (next, operations) => {
          const pr = progress(next, 3);
          for (const operation of operations) {
            const matchBefore = pr.match;
            apply(pr, operation);
            expect(pr.match).toBeGreaterThanOrEqual(matchBefore);
            expect(pr.match).toBeLessThan(pr.next);
            pr.checkInvariants();
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
