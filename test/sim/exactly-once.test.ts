// Goal: client writes are applied exactly once across retries (Raft thesis 6.3), and the
// checker that says so can tell a retry answered from the session table from a second
// application. Method: drive ExactlyOnceChecker with entries applied by the production
// MemoryKvStateMachine (so replies come from its real session table), including one whose
// session table is too small to remember a retrying client, and with hand-made
// acknowledgements; then sweep a few simulator seeds, where clients retry writes across
// timeouts, leader changes, crashes and restarts, and require that retries happened, that
// some were answered from the session table, and that nothing was applied twice. The
// planted naive client (a new sequence per retry) is in planted-bugs.test.ts.
import type { Entry } from "../../src/core/entry.js";
import { logIndex, term } from "../../src/core/ids.js";
import { encodeKvCommand } from "../../src/state-machine/kv-command.js";
import type { KvCommand, KvResult, KvSession } from "../../src/state-machine/kv-types.js";
import { MemoryKvStateMachine } from "../../src/state-machine/memory-kv-state-machine.js";
import {
  describeExactlyOnce, ExactlyOnceChecker, writeText, type ClientWrite,
} from "./exactly-once.js";
import { sweepExactlyOnceInWorker } from "./exactly-once-sweep.js";
import { DEFAULT_SIM_OPTIONS } from "./simulator.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A log applied in order to one KV state machine, every application shown to the checker. */
class AppliedLog {
  readonly checker = new ExactlyOnceChecker();
  private readonly kv: MemoryKvStateMachine;
  private index = 0;

  constructor(sessionsMax = 8) {
    this.kv = new MemoryKvStateMachine(sessionsMax);
    this.append({ term: term(1), index: logIndex(1), kind: "noop", data: new Uint8Array(0) });
  }

  /** Appends and applies `command`; returns its index and result. */
  apply(command: KvCommand): { index: number; result: KvResult } {
    const entry: Entry = {
      term: term(1), index: logIndex(this.index + 1), kind: "command", data: encodeKvCommand(command),
    };
    const result = this.append(entry);
    if (result === undefined) throw new Error("a command applied without a result");
    return { index: entry.index, result };
  }

  private append(entry: Entry): KvResult | undefined {
    this.index = entry.index;
    const result = this.kv.apply([entry]).get(entry.index);
    this.checker.applied(entry, result);
    return result;
  }
}

function put(key: string, value: string, session: KvSession): KvCommand {
  return { type: "put", key: bytes(key), value: bytes(value), session };
}

/** The logical writes of these tests, as the workload describes them to the checker. */
function putWrite(name: string, key: string, value: string): ClientWrite {
  return { name, command: writeText("put", key, value) };
}

describe("ExactlyOnceChecker", () => {
  it("counts a retry answered from the session table as no second application", () => {
    const log = new AppliedLog();
    const session = { clientId: "c1", sequence: 1 };
    const write = putWrite("c1#1", "k", "c1-1");
    log.checker.attempted(session, write, false);
    log.apply(put("k", "c1-1", session));
    log.checker.attempted(session, write, true);
    const retry = log.apply(put("k", "c1-1", session));
    const answer = { index: logIndex(retry.index), term: term(1), result: retry.result };
    log.checker.acknowledged(session, answer);
    expect(log.checker.violation).toBeUndefined();
    expect(log.checker.stats).toMatchObject({
      writes: 1, retries: 1, applications: 1, sessionReplays: 1, acknowledgedFromSession: 1,
    });
  });

  it("finds a retry applied again once its session was evicted", () => {
    const log = new AppliedLog(1);
    const first = { clientId: "c1", sequence: 1 };
    const other = { clientId: "c2", sequence: 1 };
    log.checker.attempted(first, putWrite("c1#1", "k", "c1-1"), false);
    log.checker.attempted(other, putWrite("c2#1", "k", "c2-1"), false);
    log.apply(put("k", "c1-1", first));
    log.apply(put("k", "c2-1", other)); // Evicts c1's session: one session fits.
    log.apply(put("k", "c1-1", first));
    expect(log.checker.violation).toMatch(/double application: c1\/1 was applied twice: at index 2/);
    expect(log.checker.stats.doubleApplications).toBe(1);
  });

  it("finds a write retried with a new sequence applied twice", () => {
    const log = new AppliedLog();
    const write = putWrite("c1#1", "k", "c1-1");
    const attempts = [{ clientId: "c1", sequence: 1 }, { clientId: "c1", sequence: 2 }];
    attempts.forEach((session, i) => {
      log.checker.attempted(session, write, i > 0);
      log.apply(put("k", "c1-1", session));
    });
    expect(log.checker.violation).toMatch(
      /double application: c1#1 \(put k=c1-1\) was applied twice: at index 2 \(c1\/1\) and at index 3/);
  });

  it("takes a remembered no-op delete for the reply it is; refusals apply nothing", () => {
    const log = new AppliedLog();
    const removal = { clientId: "c1", sequence: 1 };
    const write = { clientId: "c2", sequence: 1 };
    log.checker.attempted(removal, { name: "c1#1", command: writeText("delete", "k") }, false);
    log.checker.attempted(write, putWrite("c2#1", "k", "c2-1"), false);
    log.apply({ type: "delete", key: bytes("k"), session: removal }); // Removes nothing.
    log.apply(put("k", "c2-1", write));
    log.apply({ type: "delete", key: bytes("k"), session: removal });
    log.apply(put("k", "c2-1", write)); // A retry of c2/1, answered from the session.
    const newer = { clientId: "c1", sequence: 2 };
    log.checker.attempted(newer, putWrite("c1#2", "j", "c1-2"), false);
    log.apply(put("j", "c1-2", newer));
    log.apply({ type: "delete", key: bytes("k"), session: removal }); // Older than c1's last.
    const unopened = { clientId: "c3", sequence: 2 }; // Sessions open at sequence 1.
    log.checker.attempted(unopened, putWrite("c3#2", "k", "c3-2"), false);
    log.apply(put("k", "c3-2", unopened));
    expect(log.checker.violation).toBeUndefined();
    const stats = log.checker.stats;
    expect(stats).toMatchObject({ applications: 3, sessionReplays: 2, refusedEntries: 2 });
  });

  it("finds a withdrawn session in the log, carrying the write that withdrew it", () => {
    const log = new AppliedLog();
    const session = { clientId: "c1", sequence: 1 };
    const refused = putWrite("c1#1", "k", "c1-1");
    log.checker.attempted(session, refused, false);
    log.checker.withdrawn(session, refused); // Every attempt refused: sequence 1 is free.
    log.checker.attempted(session, putWrite("c1#2", "j", "c1-2"), false);
    log.apply(put("k", "c1-1", session)); // Yet the refused write reached the log.
    expect(log.checker.violation).toMatch(
      /index 2 carries put k=c1-1 under c1\/1, sent for c1#2: put j=c1-2/);
  });

  it("finds an acknowledgement for an entry that holds another write", () => {
    const log = new AppliedLog();
    const session = { clientId: "c1", sequence: 1 };
    log.checker.attempted(session, putWrite("c1#1", "k", "c1-1"), false);
    const applied = log.apply(put("k", "c1-1", session));
    const wrong = { index: logIndex(1), term: term(1), result: applied.result };
    log.checker.acknowledged(session, wrong);
    expect(log.checker.violation).toMatch(/c1\/1 was acknowledged at index 1, which holds no client write/);
  });

  it("finds a remembered reply for a write that was never applied", () => {
    const checker = new ExactlyOnceChecker();
    const session = { clientId: "c1", sequence: 1 };
    checker.attempted(session, putWrite("c1#1", "k", "c1-1"), false);
    const entry: Entry = {
      term: term(1), index: logIndex(1), kind: "command",
      data: encodeKvCommand(put("k", "c1-1", session)),
    };
    checker.applied(entry, { type: "put", revision: 0 });
    expect(checker.violation).toMatch(/a remembered reply, but was never applied/);
  });

  it("finds an index that no member applied", () => {
    const checker = new ExactlyOnceChecker();
    checker.applied({ term: term(1), index: logIndex(2), kind: "noop", data: new Uint8Array(0) }, undefined);
    expect(checker.violation).toMatch(/index 2 was applied first, after 0/);
  });
});

/**
 * Clients that time out after 100 ms, not 400: more writes are in doubt while they are in
 * a log, so more retries reach the session table (39 in these seeds, 3 at the default).
 */
const IMPATIENT_CLIENTS = { ...DEFAULT_SIM_OPTIONS.workload, opTimeoutMicros: 100_000 };

describe("simulated clients retry writes with their sessions", () => {
  it("10 seeds: retries answered from the session table, nothing applied twice", async () => {
    const sweep = await sweepExactlyOnceInWorker(1, 10, { workload: IMPATIENT_CLIENTS });
    console.log(`10 seeds: ${describeExactlyOnce(sweep.stats)}`);
    expect(sweep.failures).toEqual([]);
    expect(sweep.stats.doubleApplications).toBe(0);
    expect(sweep.stats.retries).toBeGreaterThan(0);
    expect(sweep.stats.sessionReplays).toBeGreaterThan(0);
    expect(sweep.stats.acknowledgedFromSession).toBeGreaterThan(0);
  });
});
