// Goal: each safety checker fires on the violation it exists for, and stays quiet on legal
// histories. Method: feed SafetyChecker synthetic persists, sends, applies and statuses (no
// Raft core) built on MemoryLogStore, and expect a SafetyViolation naming the broken rule.
// Power loss (ADR 0005) is the one legal way back for an applied index: those tests check that
// re-application is allowed exactly down to the state the machine came back in, and only
// with the same entries and results.
import type { Entry, HardState } from "../../src/core/entry.js";
import { logIndex, nodeId, NO_NODE, term, type NodeId } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";
import type { Message } from "../../src/core/message.js";
import type { Role, Status } from "../../src/core/ready.js";
import type { KvResult } from "../../src/state-machine/kv-types.js";
import type { PersistBatch } from "../../src/storage/log-store.js";
import { bootstrapEntries, MemoryLogStore } from "../../src/storage/memory-log-store.js";
import { SafetyChecker } from "./invariants.js";

const n1 = nodeId(1);
const n2 = nodeId(2);
const n3 = nodeId(3);

function entry(index: number, entryTerm: number, text = `e${index}t${entryTerm}`): Entry {
  return { index: logIndex(index), term: term(entryTerm), kind: "command", data: new TextEncoder().encode(text) };
}

function status(id: NodeId, role: Role, statusTerm: number, commit: number): Status {
  return {
    id, role, term: term(statusTerm), vote: NO_NODE, leader: role === "leader" ? id : NO_NODE,
    commitIndex: logIndex(commit), appliedIndex: logIndex(0), lastIndex: logIndex(0),
    firstIndex: logIndex(1),
    snapshotIndex: logIndex(0), isLearner: false, leadershipTransferTarget: NO_NODE,
  };
}

function ready(entries: Entry[], hardState?: HardState): PersistBatch {
  return { hardState, entries };
}

function hs(hsTerm: number, vote: number, commit: number): HardState {
  return { term: term(hsTerm), vote: nodeId(vote), commit: logIndex(commit) };
}

/** Three founders, registered; `stores` are their durable logs. */
function cluster(): { checker: SafetyChecker; stores: Map<NodeId, MemoryLogStore> } {
  const checker = new SafetyChecker();
  const stores = new Map<NodeId, MemoryLogStore>();
  for (const id of [n1, n2, n3]) {
    const store = new MemoryLogStore(bootstrapEntries(makeConfig([1, 2, 3])));
    stores.set(id, store);
    checker.registerIncarnation(id, store, 0);
  }
  return { checker, stores };
}

/** Persists into the store and tells the checker, as the driver does. */
function persist(c: ReturnType<typeof cluster>, id: NodeId, r: PersistBatch, after: Status): void {
  const store = c.stores.get(id)!;
  const before = store.lastIndex();
  store.persist({ entries: r.entries, hardState: r.hardState });
  c.checker.persisted(id, r, before, after);
}

/** A command's result as the state machine reports it (a put; `revision` tells them apart). */
function outcome(ok: boolean, previous: string | null): KvResult {
  return { type: "put", revision: ok ? 2 : 3, ...(previous === null ? {} : { deleted: 0 }) };
}

/** The cluster after n1 durably committed (2, 2) and applied 1 and 2 (2 a client put). */
function applyTwo(): ReturnType<typeof cluster> {
  const c = cluster();
  persist(c, n1, ready([entry(2, 2, "a")], hs(2, 1, 2)), status(n1, "leader", 2, 2));
  c.checker.applied(n1, entry(1, 1, "x"), 2);
  c.checker.applied(n1, entry(2, 2, "a"), 2, outcome(true, null));
  return c;
}

describe("SafetyChecker", () => {
  it("accepts a legal election, replication and apply", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2)], hs(2, 1, 1)), status(n1, "leader", 2, 1));
    c.checker.observe(n1, status(n1, "leader", 2, 1));
    persist(c, n2, ready([entry(2, 2)], hs(2, 1, 1)), status(n2, "follower", 2, 1));
    persist(c, n1, ready([], hs(2, 1, 2)), status(n1, "leader", 2, 2));
    c.checker.observe(n1, status(n1, "leader", 2, 2));
    c.checker.applied(n1, entry(1, 1, "x"), 2);
    expect(() => c.checker.applied(n1, entry(2, 2), 2)).not.toThrow();
  });

  it("catches two leaders in one term (Election Safety)", () => {
    const c = cluster();
    c.checker.observe(n1, status(n1, "leader", 2, 1));
    expect(() => c.checker.observe(n2, status(n2, "leader", 2, 1))).toThrow(/second leader in term 2/);
  });

  it("catches a second vote in the same term, across a restart", () => {
    const c = cluster();
    persist(c, n3, ready([], hs(4, 1, 1)), status(n3, "follower", 4, 1));
    c.checker.registerIncarnation(n3, c.stores.get(n3)!, 0);
    expect(() => persist(c, n3, ready([], hs(4, 2, 1)), status(n3, "follower", 4, 1))).toThrow(/voted for 1 and 2 in term 4/);
  });

  it("catches a durable term going back", () => {
    const c = cluster();
    persist(c, n2, ready([], hs(5, 0, 1)), status(n2, "follower", 5, 1));
    // The store itself would refuse this write, so the checker is fed directly.
    const back = ready([], hs(4, 0, 1));
    expect(() => c.checker.persisted(n2, back, 1, status(n2, "follower", 4, 1))).toThrow(/term went back/);
  });

  it("catches the same (index, term) with different content (Log Matching)", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2, "a")]), status(n1, "follower", 2, 1));
    expect(() => persist(c, n2, ready([entry(2, 2, "b")]), status(n2, "follower", 2, 1))).toThrow(/Log Matching/);
  });

  it("catches a leader truncating its own log (Leader Append-Only)", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2), entry(3, 2)]), status(n1, "leader", 2, 1));
    expect(() => persist(c, n1, ready([entry(3, 3)]), status(n1, "leader", 3, 1))).toThrow(/Leader Append-Only/);
  });

  it("catches truncation of a committed entry", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2)], hs(2, 1, 2)), status(n1, "leader", 2, 2));
    c.checker.observe(n1, status(n1, "leader", 2, 2));
    persist(c, n2, ready([entry(2, 2)], hs(2, 1, 1)), status(n2, "follower", 2, 1));
    expect(() => persist(c, n2, ready([entry(2, 3)]), status(n2, "follower", 3, 1))).toThrow(/truncated committed index 2/);
  });

  it("catches a new leader missing a committed entry (Leader Completeness)", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2)], hs(2, 1, 2)), status(n1, "leader", 2, 2));
    c.checker.observe(n1, status(n1, "leader", 2, 2));
    expect(() => c.checker.observe(n3, status(n3, "leader", 3, 1))).toThrow(/Leader Completeness/);
  });

  it("lets a late leader of an older term lack what later terms committed (seed 9135)", () => {
    // A candidate of term 2 wins late, through vote grants delayed in the network, after
    // term 3 committed index 2. Raft's Leader Completeness only covers entries committed in
    // earlier terms; the late leader cannot commit anything against term 3 anyway.
    const c = cluster();
    persist(c, n1, ready([entry(2, 3)], hs(3, 1, 2)), status(n1, "leader", 3, 2));
    c.checker.observe(n1, status(n1, "leader", 3, 2));
    expect(() => c.checker.observe(n3, status(n3, "leader", 2, 1))).not.toThrow();
    expect(() => c.checker.observe(n2, status(n2, "leader", 4, 1))).toThrow(/Leader Completeness/);
  });

  it("catches different entries applied at one index (State Machine Safety)", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2, "a")], hs(2, 1, 2)), status(n1, "follower", 2, 2));
    persist(c, n2, ready([entry(2, 3, "b")], hs(3, 2, 2)), status(n2, "follower", 3, 2));
    c.checker.applied(n1, entry(1, 1, "x"), 2);
    c.checker.applied(n2, entry(1, 1, "x"), 2);
    c.checker.applied(n1, entry(2, 2, "a"), 2);
    expect(() => c.checker.applied(n2, entry(2, 3, "b"), 2)).toThrow(/State Machine Safety/);
  });

  it("catches gaps and regressions in applied indexes", () => {
    const c = cluster();
    expect(() => c.checker.applied(n1, entry(2, 1), 2)).toThrow(/contiguous/);
  });

  it("catches an apply beyond the commit index or beyond the durable log", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2)]), status(n1, "follower", 2, 1));
    c.checker.applied(n1, entry(1, 1, "x"), 1);
    expect(() => c.checker.applied(n1, entry(2, 2), 1)).toThrow(/beyond its commit index 1/);
    const other = cluster();
    other.checker.applied(n1, entry(1, 1, "x"), 2);
    expect(() => other.checker.applied(n1, entry(2, 2), 2)).toThrow(/beyond its durable log/);
  });

  it("catches applied going back across an ordinary restart", () => {
    const c = applyTwo();
    expect(() => c.checker.registerIncarnation(n1, c.stores.get(n1)!, 1)).toThrow(/restarted with applied 1 < 2/);
  });

  it("accepts re-applying the same entries with the same results after a power loss", () => {
    const c = applyTwo();
    c.checker.powerLost(n1, 2, 0);
    c.checker.registerIncarnation(n1, c.stores.get(n1)!, 0);
    c.checker.applied(n1, entry(1, 1, "x"), 2);
    expect(() => c.checker.applied(n1, entry(2, 2, "a"), 2, outcome(true, null))).not.toThrow();
  });

  it("lets a power loss move applied back only to the state it came back in", () => {
    const c = applyTwo();
    expect(() => c.checker.powerLost(n1, 1, 0)).toThrow(/checker saw 2/);
    c.checker.powerLost(n1, 2, 1);
    expect(() => c.checker.registerIncarnation(n1, c.stores.get(n1)!, 0)).toThrow(/restarted with applied 0 < 1/);
    const forward = applyTwo();
    expect(() => forward.checker.powerLost(n1, 2, 3)).toThrow(/moved applied forward/);
  });

  it("catches a re-application after a power loss of another entry or with another result", () => {
    const c = applyTwo();
    c.checker.powerLost(n1, 2, 1);
    c.checker.registerIncarnation(n1, c.stores.get(n1)!, 1);
    expect(() => c.checker.applied(n1, entry(2, 3, "b"), 2)).toThrow(/State Machine Safety/);
    const d = applyTwo();
    d.checker.powerLost(n1, 2, 1);
    d.checker.registerIncarnation(n1, d.stores.get(n1)!, 1);
    expect(() => d.checker.applied(n1, entry(2, 2, "a"), 2, outcome(true, "c9-9"))).toThrow(/non-deterministic apply/);
  });

  it("catches a vote or an acknowledgement sent before it is durable", () => {
    const c = cluster();
    const store = c.stores.get(n2)!;
    const vote: Message = { type: "vote-response", from: n2, to: n1, term: term(2), preVote: false, granted: true };
    expect(() => c.checker.sent(n2, vote, store)).toThrow(/durable term is 1/);
    store.persist({ entries: [], hardState: hs(2, 3, 1) });
    expect(() => c.checker.sent(n2, vote, store)).toThrow(/durable vote is 3@2/);
    const ack: Message = {
      type: "append-response", from: n2, to: n1, term: term(2), success: true, matchIndex: logIndex(5),
      rejectedIndex: logIndex(0), hintIndex: logIndex(0), hintTerm: term(0),
    };
    expect(() => c.checker.sent(n2, ack, store)).toThrow(/durable log ends at 1/);
    const preVote: Message = { type: "vote-response", from: n2, to: n1, term: term(9), preVote: true, granted: true };
    expect(() => c.checker.sent(n2, preVote, store)).not.toThrow();
  });

  it("catches commitIndex going back", () => {
    const c = cluster();
    persist(c, n1, ready([entry(2, 2)], hs(2, 1, 2)), status(n1, "follower", 2, 2));
    c.checker.observe(n1, status(n1, "follower", 2, 2));
    expect(() => c.checker.observe(n1, status(n1, "follower", 2, 1))).toThrow(/commitIndex went back/);
  });
});
