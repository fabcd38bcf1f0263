import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { Entry, MembershipConfig } from "./core/entry.js";
import { logIndex, nodeId, term, type LogIndex, type NodeId, type Term } from "./core/ids.js";
import {
  addressOf, assertValidConfig, configsEqual, encodeMembershipConfig, isMember, isVoter,
} from "./core/membership-config.js";
import { MembershipTracker } from "./core/membership-tracker.js";
import { SchemaVersionError } from "./storage/sqlite/migrations.js";
import { DatabaseSetupError } from "./storage/sqlite/open-database.js";
import {
  IdentityMismatchError, SQLITE_LOG_STORE_SETTINGS, SqliteLogStore, type MemberIdentity,
} from "./storage/sqlite/sqlite-log-store.js";

/**
 * `raftkv recover --data-dir D`: quorum-loss recovery (etcd's --force-new-cluster,
 * hashicorp/raft's RecoverCluster). When a majority of the voters is gone for good, no
 * configuration change can ever commit again (thesis 4.1 needs a majority of the old
 * configuration), so the survivor's membership is rewritten offline instead: one `config`
 * entry naming it as the only voter is appended to its log. A configuration takes effect as
 * soon as it is in the log (thesis 4.1), so on its next start the member campaigns alone,
 * wins, and its leader no-op commits the whole log, the new entry included (§5.4.2).
 *
 * Nothing else changes: the hard state, the snapshot metadata and kv.db are left alone, and
 * the state machine re-applies from the log as on any restart. This breaks Raft's safety on
 * purpose (docs in the README's "Recovering from quorum loss"): it is for an operator who
 * knows the other members will never come back with their data.
 */

/** What recover() was asked to do. */
export interface RecoverOptions {
  readonly dataDir: string;
  /**
   * This member's id and cluster id, needed only when raft.db does not record them (it
   * always does once a member has started on it). When raft.db does record an id, a given
   * `memberId` must match it: a guard against pointing the command at the wrong directory.
   */
  readonly memberId?: NodeId | undefined;
  readonly clusterId?: string | undefined;
}

/** What recover() found and did. `index` and `term` are those of the appended entry. */
export type RecoverOutcome =
  | {
    readonly action: "recovered";
    readonly identity: MemberIdentity;
    readonly oldConfig: MembershipConfig;
    readonly newConfig: MembershipConfig;
    readonly index: LogIndex;
    readonly term: Term;
  }
  | {
    readonly action: "unchanged";
    readonly identity: MemberIdentity;
    readonly config: MembershipConfig;
  };

/**
 * An expected refusal (no raft.db, the member is running, a foreign or damaged database, a
 * member that is not in its own configuration): the CLI prints its message as one line.
 */
export class RecoverRefusal extends Error {
  override readonly name = "RecoverRefusal";
}

/**
 * Rewrites the Raft state in `options.dataDir` so that this member is the only voter, or
 * reports that it already is. Precondition for a correct result: the member is stopped and
 * no other member of its cluster will ever run again with its old data. A running member is
 * detected (see probeIdentity) and refused; a member started while this runs is not.
 * Throws RecoverRefusal for every condition an operator can fix; anything else is a bug.
 */
export function recover(options: RecoverOptions): RecoverOutcome {
  const path = join(options.dataDir, "raft.db");
  if (!existsSync(options.dataDir) || !statSync(options.dataDir).isDirectory()) {
    throw new RecoverRefusal(`--data-dir ${options.dataDir}: no such directory`);
  }
  if (!existsSync(path)) {
    throw new RecoverRefusal(`--data-dir ${options.dataDir}: no raft.db here; ` +
      "is this a member's data directory?");
  }
  const identity = identityOf(probeIdentity(path), options);
  const store = openLogStore(path, identity);
  try {
    const oldConfig = configInForce(store);
    const self = identity.memberId;
    if (!isMember(oldConfig, self)) {
      throw new RecoverRefusal(`member ${String(self)} is not in the membership in force ` +
        `(${describeConfig(oldConfig)}): it was removed or never joined; recover a member that is`);
    }
    const newConfig = soleVoterConfig(oldConfig, self);
    if (configsEqual(oldConfig, newConfig)) {
      return { action: "unchanged", identity, config: oldConfig };
    }
    const entry = recoveryEntry(store, newConfig);
    // The store's own write path: one transaction with synchronous=FULL, so the entry is
    // durable (fsynced) when persist() returns, and its checks (contiguity, terms that do
    // not decrease) run as for any write. The hard state is left as it is: the next start
    // campaigns at a higher term anyway.
    store.persist({ entries: [entry] });
    return {
      action: "recovered", identity, oldConfig, newConfig, index: entry.index, term: entry.term,
    };
  } finally {
    store.close();
  }
}

/**
 * `oldConfig` with `self` as the only voter and no learners. Of the member addresses it
 * carries (if any), only self's is kept: the others name members that are gone, and a
 * member added back later brings its own address with the change that adds it.
 */
export function soleVoterConfig(oldConfig: MembershipConfig, self: NodeId): MembershipConfig {
  const own = addressOf(oldConfig, self);
  // No `addresses` at all rather than an empty list, as applyConfigChange() leaves it.
  const config: MembershipConfig = own === undefined
    ? { voters: [self], learners: [] }
    : { voters: [self], learners: [], addresses: [own] };
  assertValidConfig(config);
  return config;
}

/**
 * The configuration in force, found as the core finds it at startup: the snapshot's, then
 * every `config` entry after it, the latest winning whether committed or not (thesis 4.1).
 */
function configInForce(store: SqliteLogStore): MembershipConfig {
  const tracker = new MembershipTracker(store.snapshotMeta());
  const first = store.firstIndex();
  const last = store.lastIndex();
  if (last >= first) tracker.onAppend(store.configEntries(first, logIndex(last + 1)));
  return tracker.latest();
}

/**
 * The entry to append: at lastIndex + 1, in the current term (the larger of the hard
 * state's term and the last entry's), so that it follows the log without decreasing its
 * terms and never claims a term no leader of this cluster could have used before.
 */
function recoveryEntry(store: SqliteLogStore, config: MembershipConfig): Entry {
  const last = store.lastIndex();
  const lastTerm = store.term(last);
  if (lastTerm === undefined) throw new Error(`no term for the last index ${String(last)}`);
  const currentTerm = Math.max(store.initialState().hardState.term, lastTerm);
  if (currentTerm < 1) {
    throw new RecoverRefusal("raft.db holds no term: the member never started in a cluster");
  }
  return {
    index: logIndex(last + 1), term: term(currentTerm), kind: "config",
    data: encodeMembershipConfig(config),
  };
}

/**
 * Reads the identity raft.db records, while proving no other process has it open. There is
 * no lock file or pid file: a member holds raft.db open through two SQLite connections (the
 * reader and the write worker), and in WAL mode every open connection keeps a shared lock on
 * the database file. A connection in EXCLUSIVE locking mode must take an exclusive lock on
 * its first read, so with busy_timeout 0 that read fails at once with SQLITE_BUSY while a
 * member (even a stopped, SIGSTOPped one) has the file open. The probe is closed before the
 * store opens (which would otherwise wait on this very lock), so a member started in that
 * moment is not caught; the operator's promise that it is stopped still matters.
 */
function probeIdentity(path: string): MemberIdentity | undefined {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (error: unknown) {
    throw new RecoverRefusal(`cannot open ${path}: ${messageOf(error)}`);
  }
  try {
    db.pragma("busy_timeout = 0");
    db.pragma("locking_mode = EXCLUSIVE");
    const row = db.prepare("SELECT cluster_id, member_id FROM identity WHERE id = 1").get() as
      | { cluster_id: string; member_id: number }
      | undefined;
    return row === undefined
      ? undefined
      : { clusterId: row.cluster_id, memberId: nodeId(row.member_id) };
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === "SQLITE_BUSY") {
      throw new RecoverRefusal(`${path} is in use by another process: ` +
        "the member is running; stop it first");
    }
    throw new RecoverRefusal(`${path} is not a usable raftkv Raft database: ${messageOf(error)}`);
  } finally {
    db.close();
  }
}

/** The identity to open the store with: the recorded one, else the one the operator gave. */
function identityOf(recorded: MemberIdentity | undefined, options: RecoverOptions): MemberIdentity {
  if (recorded !== undefined) {
    if (options.memberId !== undefined && options.memberId !== recorded.memberId) {
      throw new RecoverRefusal(`--id ${String(options.memberId)}: raft.db belongs to member ` +
        `${String(recorded.memberId)} of cluster "${recorded.clusterId}"`);
    }
    if (options.clusterId !== undefined && options.clusterId !== recorded.clusterId) {
      throw new RecoverRefusal(`--cluster-id ${options.clusterId}: raft.db belongs to cluster ` +
        `"${recorded.clusterId}"`);
    }
    return recorded;
  }
  if (options.memberId === undefined || options.clusterId === undefined) {
    throw new RecoverRefusal("raft.db does not record which member it belongs to: " +
      "give --id and --cluster-id as the member was started with");
  }
  return { clusterId: options.clusterId, memberId: options.memberId };
}

function openLogStore(path: string, identity: MemberIdentity): SqliteLogStore {
  try {
    return SqliteLogStore.open({ ...SQLITE_LOG_STORE_SETTINGS, path, identity });
  } catch (error: unknown) {
    const refused = error instanceof IdentityMismatchError || error instanceof DatabaseSetupError ||
      error instanceof SchemaVersionError;
    if (refused) throw new RecoverRefusal(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** `voters [1, 2, 3], learners [4]`: how the CLI names a membership. */
export function describeConfig(config: MembershipConfig): string {
  return `voters [${config.voters.join(", ")}], learners [${config.learners.join(", ")}]`;
}

/** The message of an error, also of one from another realm (Node's own, under jest). */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/** Where the CLI writes; process.stdout and process.stderr in production. */
export interface RecoverIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Command-line inputs are bounded (docs/style.md, Everything has a limit). */
export const ARGUMENT_CHARS_MAX = 4096;

export const RECOVER_USAGE =
  "Usage: raftkv recover --data-dir <dir> [--id <id> --cluster-id <n>]\n" +
  "Run only while the member is stopped and the lost members can never come back.\n" +
  "Makes this member the only voter of its cluster; --id and --cluster-id are needed only\n" +
  "when raft.db does not record them (an --id given must match the recorded one).\n";

/**
 * The `raftkv recover` subcommand (argv after the word `recover`). Prints what it did, or
 * one line `raftkv recover: <reason>` on stderr; returns the exit status (0 done or nothing
 * to do, 1 refused or a bad command line, 2 unexpected failure with its stack).
 */
export function runRecoverCommand(argv: readonly string[], io: RecoverIo): number {
  let outcome: RecoverOutcome;
  try {
    const options = parseRecoverArgs(argv);
    if (options === "help") {
      io.stdout.write(RECOVER_USAGE);
      return 0;
    }
    outcome = recover(options);
  } catch (error: unknown) {
    if (!(error instanceof RecoverRefusal)) {
      const text = error instanceof Error ? error.stack ?? error.message : String(error);
      io.stderr.write(`raftkv recover: ${text}\n`);
      return 2;
    }
    io.stderr.write(`raftkv recover: ${error.message}\n`);
    return 1;
  }
  io.stdout.write(reportLines(outcome).join("\n") + "\n");
  return 0;
}

function reportLines(outcome: RecoverOutcome): string[] {
  const { memberId, clusterId } = outcome.identity;
  const who = `member ${String(memberId)} of cluster "${clusterId}"`;
  if (outcome.action === "unchanged") {
    return [
      `raftkv recover: nothing to do: ${who} is already the only voter ` +
        `(${describeConfig(outcome.config)})`,
    ];
  }
  const lines = [
    `raftkv recover: ${who} is now the only voter`,
    `  old membership: ${describeConfig(outcome.oldConfig)}`,
    `  new membership: ${describeConfig(outcome.newConfig)}`,
    `  appended config entry: index ${String(outcome.index)}, ` +
      `term ${String(outcome.term)} (durable)`,
  ];
  if (!isVoter(outcome.oldConfig, outcome.identity.memberId)) {
    lines.push("  warning: this member was a learner: " +
      "its log may lack entries the voters committed");
  }
  lines.push("next: start the member with the same flags; it will elect itself; " +
    "then add members back with raftkvctl member add (wipe their old data directories first)");
  return lines;
}

/** Parses the subcommand's flags; throws RecoverRefusal naming a bad one. */
function parseRecoverArgs(argv: readonly string[]): RecoverOptions | "help" {
  let values: { "data-dir"?: string; id?: string; "cluster-id"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: {
        "data-dir": { type: "string" }, id: { type: "string" }, "cluster-id": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error: unknown) {
    // Node's text goes on to explain "--" at length; its first sentence names the problem.
    const problem = messageOf(error).split(". ")[0] ?? "bad arguments";
    throw new RecoverRefusal(`${problem} (raftkv recover --help shows the usage)`);
  }
  if (values.help === true) return "help";
  const dataDir = values["data-dir"];
  // No default and no RAFTKV_DATA_DIR: this rewrites a cluster's membership, so the
  // directory must be named on purpose.
  if (dataDir === undefined || dataDir === "") {
    throw new RecoverRefusal("--data-dir is required (raftkv recover --help shows the usage)");
  }
  for (const [flag, text] of [["--data-dir", dataDir], ["--id", values.id],
    ["--cluster-id", values["cluster-id"]]] as const) {
    if (text !== undefined && text.length > ARGUMENT_CHARS_MAX) {
      throw new RecoverRefusal(`${flag}: longer than ${String(ARGUMENT_CHARS_MAX)} characters`);
    }
  }
  const id = positiveInteger("--id", values.id);
  const clusterId = positiveInteger("--cluster-id", values["cluster-id"]);
  return {
    dataDir,
    memberId: id === undefined ? undefined : nodeId(id),
    // Recorded as the decimal text of the member's numeric --cluster-id (src/member.ts).
    clusterId: clusterId === undefined ? undefined : String(clusterId),
  };
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new RecoverRefusal(`${flag} ${text}: must be a positive integer`);
  }
  return value;
}
