import type { Entry } from "../../src/core/entry.js";
import type { NodeId } from "../../src/core/ids.js";
import type { Applied } from "../../src/node/raft-node.js";
import { decodeOrReason } from "../../src/state-machine/kv-command.js";
import type { KvCommand, KvResult, KvSession } from "../../src/state-machine/kv-types.js";
import { SafetyChecker } from "./invariants.js";

/**
 * The exactly-once checker (Raft thesis 6.3): every client write is applied at most once,
 * and an acknowledged one exactly once, however often the client retried it.
 *
 * What it is told:
 * - by the workload, which session (clientId, sequence) each attempt of a logical write
 *   carried (one session per write; the planted "new sequence" fault gives every retry its
 *   own), every acknowledgement (the Applied the member resolved with), and the sessions
 *   of writes refused before they reached any log, which the client uses again;
 * - by the cluster's apply hook (through SafetyCheckerWithExactlyOnce), every entry each
 *   member applied, with what applying it returned.
 *
 * How it decides. Only the first application of each log index anywhere is looked at: the
 * SafetyChecker already fails any later application (another member, or the same one after
 * a power loss) that is of another entry or returns another result. First applications
 * happen in index order with no gap, since a member applies in order and a snapshot only
 * holds what a member applied. An entry carrying session (c, s) must carry the write
 * (c, s) was sent for, and its result tells:
 * - `stale-sequence` or `session-expired`: not applied (an old attempt committed after a
 *   newer write; a sequence from a session the table does not hold);
 * - exactly the reply remembered from (c, s)'s earlier application: answered from the
 *   session table, not applied again;
 * - anything else: an application. A second one for (c, s), or for another session of the
 *   same logical write, is a double application. A put that reports another index as its
 *   revision (a reply remembered from nowhere) is a violation too. A delete that removed
 *   nothing cannot show whether it ran; it counts as applied the first time its session
 *   appears (its effect and reply are the same either way).
 * An acknowledgement must name an index holding its session, and carry the reply of the
 * write's one application.
 *
 * Violations are recorded, not thrown: acknowledgements arrive in promise continuations.
 * The simulator reads `violation` after every event and ends the run with it.
 */
export class ExactlyOnceChecker {
  readonly stats: ExactlyOnceStats = noExactlyOnce();
  /** The first violation found, if any. */
  violation: string | undefined;
  /** Session key -> the logical write it was sent for. */
  private readonly writeOfSession = new Map<string, ClientWrite>();
  /** Session key -> its application. Invariant: at most one per session. */
  private readonly sessionApplication = new Map<string, Application>();
  /** Logical write -> its application. Invariant: at most one per write. */
  private readonly writeApplication = new Map<string, Application>();
  /** Log index -> the session key of the command there (commands with a session only). */
  private readonly sessionAtIndex = new Map<number, string>();
  /** The session keys sessionAtIndex holds. */
  private readonly sessionsInLog = new Set<string>();
  /** Every session's client id seen in an attempt. */
  private readonly clientIds = new Set<string>();
  /** The highest index applied anywhere. */
  private appliedMax = 0;

  /** A SafetyChecker for the cluster that feeds every application it checks to this one. */
  feedingSafetyChecker(): SafetyChecker {
    return new SafetyCheckerWithExactlyOnce(this);
  }

  /** An attempt of logical write `write` goes out with `session`; `retry`: not its first. */
  attempted(session: KvSession, write: ClientWrite, retry: boolean): void {
    const key = sessionKey(session);
    const known = this.writeOfSession.get(key);
    this.check(known === undefined || known === write,
      `${key} was sent for ${known?.name ?? ""} and ${write.name}`);
    this.writeOfSession.set(key, write);
    if (retry) this.stats.retries++;
    else this.stats.writes++;
    if (!this.clientIds.has(session.clientId)) {
      this.clientIds.add(session.clientId);
      this.stats.sessions++;
    }
  }

  /** A write ended unanswered, and may be in a log: it may still apply, once. */
  gaveUp(): void {
    this.stats.gaveUp++;
  }

  /**
   * Write `write` ended unanswered, every attempt refused before it reached a log, so the
   * client gives its one session back for its next write. It must never appear in the log.
   */
  withdrawn(session: KvSession, write: ClientWrite): void {
    const key = sessionKey(session);
    this.check(this.writeOfSession.get(key) === write, `${write.name} withdrew ${key}, not its own`);
    this.check(!this.sessionsInLog.has(key), `${write.name} was refused, but ${key} is in the log`);
    this.writeOfSession.delete(key);
    this.stats.neverProposed++;
  }

  /** The session table refused an attempt (stale sequence, ended session): not applied. */
  refused(): void {
    this.stats.refusedAnswers++;
  }

  /** Entry `entry` was applied somewhere and returned `result`. */
  applied(entry: Entry, result: KvResult | undefined): void {
    if (entry.index <= this.appliedMax) return; // Not its first application.
    this.check(entry.index === this.appliedMax + 1,
      `index ${entry.index} was applied first, after ${this.appliedMax}: an index no member applied`);
    this.appliedMax = entry.index;
    if (entry.kind !== "command") return;
    const command = decodeOrReason(entry.data);
    if (typeof command === "string" || command.session === undefined) return;
    const key = sessionKey(command.session);
    this.sessionAtIndex.set(entry.index, key);
    this.sessionsInLog.add(key);
    const sent = this.writeOfSession.get(key);
    const carried = commandText(command);
    this.check(sent?.command === carried, `index ${entry.index} carries ${carried} under ${key}, ` +
      (sent === undefined ? "a session no client sent" : `sent for ${sent.name}: ${sent.command}`));
    if (result === undefined) {
      this.check(false, `${key} at index ${entry.index} applied without a result`);
      return;
    }
    if (result.type === "stale-sequence" || result.type === "session-expired") {
      this.stats.refusedEntries++;
      return;
    }
    this.classify(entry.index, key, JSON.stringify(result), result);
  }

  /** The member answered an attempt sent with `session`: the client has its reply. */
  acknowledged(session: KvSession, answer: Applied<KvResult>): void {
    const key = sessionKey(session);
    this.stats.acknowledged++;
    const held = this.sessionAtIndex.get(answer.index);
    this.check(held === key, `${key} was acknowledged at index ${answer.index}, which holds ` +
      (held ?? "no client write"));
    const result = JSON.stringify(answer.result);
    const write = this.writeOfSession.get(key)?.name ?? key;
    const application = this.writeApplication.get(write);
    if (application === undefined) {
      this.check(false, `${write} (${key}) was acknowledged at index ${answer.index} but never applied`);
      return;
    }
    this.check(application.result === result, `${write} (${key}) was acknowledged with ${result}, ` +
      `its one application at index ${application.index} returned ${application.result}`);
    if (application.index !== answer.index) this.stats.acknowledgedFromSession++;
  }

  private classify(index: number, key: string, result: string, parsed: KvResult): void {
    const earlier = this.sessionApplication.get(key);
    if (earlier !== undefined) {
      if (result === earlier.result) {
        this.stats.sessionReplays++;
        return;
      }
      this.doubleApplication(`${key} was applied twice: at index ${earlier.index} and at ` +
        `index ${index} (which returned ${result}, not the remembered ${earlier.result})`);
      return;
    }
    this.check(!repliesForAnotherIndex(parsed, index),
      `${key} at index ${index} was answered ${result}, a remembered reply, but was never applied`);
    const application: Application = { index, key, result };
    this.sessionApplication.set(key, application);
    this.stats.applications++;
    const write = this.writeOfSession.get(key);
    if (write === undefined) return; // Reported by applied().
    const first = this.writeApplication.get(write.name);
    if (first !== undefined) {
      this.doubleApplication(`${write.name} (${write.command}) was applied twice: at index ` +
        `${first.index} (${first.key}) and at index ${index} (${key})`);
      return;
    }
    this.writeApplication.set(write.name, application);
  }

  private doubleApplication(text: string): void {
    this.stats.doubleApplications++;
    this.check(false, `double application: ${text}`);
  }

  private check(condition: boolean, text: string): void {
    if (!condition) this.violation ??= `ExactlyOnceViolation: ${text}`;
  }
}

/** One logical client write, however many attempts and sessions it takes. */
export interface ClientWrite {
  /** Unique in a run, e.g. "c1#7". */
  readonly name: string;
  /** What every attempt carries, as writeText() renders it. */
  readonly command: string;
}

/** A write as text, for comparing what a client sent with what an entry carries. */
export function writeText(type: "put" | "delete", key: string, value?: string): string {
  return type === "put" ? `put ${key}=${String(value)}` : `${type} ${key}`;
}

const utf8 = new TextDecoder();

function commandText(command: KvCommand): string {
  if (command.type === "put") {
    return writeText("put", utf8.decode(command.key), utf8.decode(command.value));
  }
  return command.type === "delete" ? writeText("delete", utf8.decode(command.key)) : command.type;
}

interface Application {
  readonly index: number;
  readonly key: string;
  /** What applying it returned (JSON): a retry answered from the session gets exactly this. */
  readonly result: string;
}

/**
 * Whether `result` names a revision other than its own index where a fresh application
 * would name its own: a put always writes at its index, and so does a delete that removed
 * something. A fresh no-op delete or txn names the store's older revision, so it tells
 * nothing.
 */
function repliesForAnotherIndex(result: KvResult, index: number): boolean {
  if (result.type === "put") return result.revision !== index;
  if (result.type === "delete") return result.deleted > 0 && result.revision !== index;
  return false;
}

function sessionKey(session: KvSession): string {
  return `${session.clientId}/${session.sequence}`;
}

/**
 * The SafetyChecker, which the cluster feeds every application, also feeding each one to
 * the exactly-once checker after its own checks passed (State Machine Safety first: the
 * exactly-once checker then only sees entries every member agrees on).
 */
export class SafetyCheckerWithExactlyOnce extends SafetyChecker {
  constructor(private readonly exactlyOnce: ExactlyOnceChecker) {
    super();
  }

  override applied(id: NodeId, entry: Entry, commitIndex: number, outcome?: unknown): void {
    super.applied(id, entry, commitIndex, outcome);
    // The cluster's apply hook passes the KV state machine's result (sim-cluster.ts).
    this.exactlyOnce.applied(entry, outcome as KvResult | undefined);
  }
}

/** What the exactly-once checker saw, so that tests can see retries were exercised. */
export interface ExactlyOnceStats {
  /** Logical writes the clients issued. */
  writes: number;
  /** Client sessions the clients began (client ids); an opened one takes a table slot. */
  sessions: number;
  /** Attempts after a write's first: the same session, or a new one under the planted fault. */
  retries: number;
  acknowledged: number;
  /** Writes that ended unanswered after an attempt that may have been proposed (unknown). */
  gaveUp: number;
  /** Writes that ended unanswered, every attempt refused before the log (left out). */
  neverProposed: number;
  /** Answers refusing an attempt for its session (stale sequence, session ended). */
  refusedAnswers: number;
  /** Entries the state machine applied as a new write. */
  applications: number;
  /** Entries answered from the session table: a retry of a write already applied. */
  sessionReplays: number;
  /** Acknowledgements whose reply came from the session table, not from the application. */
  acknowledgedFromSession: number;
  /** Entries refused for their session: stale sequence or ended session. */
  refusedEntries: number;
  doubleApplications: number;
}

/** All zero: the sum over no runs. */
export function noExactlyOnce(): ExactlyOnceStats {
  return {
    writes: 0, sessions: 0, retries: 0, acknowledged: 0, gaveUp: 0, neverProposed: 0,
    refusedAnswers: 0, applications: 0, sessionReplays: 0, acknowledgedFromSession: 0,
    refusedEntries: 0, doubleApplications: 0,
  };
}

/** Adds `more` into `sum`, field by field. */
export function addExactlyOnce(sum: ExactlyOnceStats, more: ExactlyOnceStats): void {
  for (const field of Object.keys(sum) as (keyof ExactlyOnceStats)[]) sum[field] += more[field];
}

/** One line for test logs and the CLI. */
export function describeExactlyOnce(stats: ExactlyOnceStats): string {
  return `exactly-once: ${stats.writes} writes in ${stats.sessions} sessions, ` +
    `${stats.retries} retries; ${stats.acknowledged} acknowledged ` +
    `(${stats.acknowledgedFromSession} by a reply from the session table), ${stats.gaveUp} ` +
    `given up as unknown, ${stats.neverProposed} never proposed, ${stats.refusedAnswers} ` +
    `answers refusing the session; in the log: ${stats.applications} applications, ` +
    `${stats.sessionReplays} retries answered from the session table, ` +
    `${stats.refusedEntries} refused, ${stats.doubleApplications} double applications`;
}
