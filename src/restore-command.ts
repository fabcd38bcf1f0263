import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseCommandLine } from "./cli-flags.js";
import type { MembershipConfig, SnapshotMeta } from "./core/entry.js";
import { logIndex, NO_NODE, nodeId, term } from "./core/ids.js";
import { makeConfig } from "./core/membership-config.js";
import { openSnapshotStore, openStateMachine } from "./member-storage.js";
import { ARGUMENT_CHARS_MAX, describeConfig, messageOf } from "./recover-command.js";
import { loadSettings, type Settings } from "./settings.js";
import { StartupError } from "./startup-error.js";
import { prepareDataDirectory } from "./startup-data-dir.js";
import { readKvImage } from "./state-machine/sqlite-kv-state-machine.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";

/**
 * `raftkv restore --from FILE <member flags>`: founds a new cluster from a backup (etcd's
 * `etcdutl snapshot restore`). FILE is a state-machine image, as `raftkvctl snapshot save`
 * downloads it or as a member keeps it in `snapshots/`. The command prepares an empty data
 * directory so that the member started on it with the same flags holds exactly that state:
 *
 * - its snapshot store holds FILE as the snapshot at the image's applied index I, term 1,
 *   whose configuration is the founding one of --initial-cluster (voters, no learners);
 * - its Raft log starts after that snapshot (nothing in it yet), hard state term 1, commit I;
 * - its state machine is FILE itself, installed as a received snapshot is (restoreFrom).
 *
 * Every founding member restored from the same file with the same --initial-cluster holds
 * the same snapshot (I, 1, configuration), so their logs agree; the first leader is elected
 * in term 2 and its no-op follows at I + 1. Revisions and client sessions go on from the
 * image's. Members added later catch up from the leader by snapshot as usual.
 *
 * raft.db is written last: a data directory with a raft.db is a member's and is refused, so
 * a restore that failed half way is simply run again.
 */

/** What the restore was asked to do: the member's own settings and the backup file. */
export interface RestoreOptions {
  readonly settings: Settings;
  readonly backupPath: string;
}

export interface RestoreOutcome {
  readonly memberId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly index: number;
  readonly revision: number;
  readonly sizeBytes: number;
  readonly config: MembershipConfig;
}

/** An expected refusal: the CLI prints its message as one line and exits 1. */
export class RestoreRefusal extends Error {
  override readonly name = "RestoreRefusal";
}

/** The term of the restored snapshot: the first a new cluster has (bootstrap.ts uses it too). */
const RESTORED_TERM = term(1);

/** Prepares `settings.dataDir` from the backup; throws RestoreRefusal for operator errors. */
export function restoreBackup(options: RestoreOptions): RestoreOutcome {
  const { settings, backupPath } = options;
  if (settings.join.length > 0) {
    throw new RestoreRefusal("--join: a restore founds a new cluster from the backup; " +
      "restore the founding members with --initial-cluster, then let others join it");
  }
  if (!settings.initialCluster.some((peer) => peer.id === settings.id)) {
    throw new RestoreRefusal(`--initial-cluster does not list member ${String(settings.id)}`);
  }
  if (!existsSync(backupPath) || !statSync(backupPath).isFile()) {
    throw new RestoreRefusal(`--from ${backupPath}: no such file`);
  }
  let image: { appliedIndex: number; revision: number };
  try {
    image = readKvImage(backupPath);
  } catch (error: unknown) {
    throw new RestoreRefusal(`--from ${backupPath}: not a raftkv backup: ${messageOf(error)}`,
      { cause: error });
  }
  if (!Number.isSafeInteger(image.appliedIndex) || image.appliedIndex < 1) {
    throw new RestoreRefusal(`--from ${backupPath}: the image holds no applied entry ` +
      `(applied index ${String(image.appliedIndex)})`);
  }
  prepareDataDirectory(settings.dataDir);
  const logPath = join(settings.dataDir, "raft.db");
  if (existsSync(logPath)) {
    throw new RestoreRefusal(`--data-dir ${settings.dataDir} holds a member's data (raft.db); ` +
      "restore into an empty directory");
  }
  if (settings.clusterId === undefined) {
    throw new RestoreRefusal("the cluster id is unknown: give --initial-cluster or --cluster-id");
  }
  const config = makeConfig(settings.initialCluster.map((peer) => peer.id));
  const meta: SnapshotMeta = { index: logIndex(image.appliedIndex), term: RESTORED_TERM, config };

  // 1. The snapshot the log will name, written, fsynced and checksummed by the store.
  const snapshots = openSnapshotStore(settings.dataDir);
  const draft = snapshots.create();
  if (draft.path === undefined) throw new Error("a file snapshot store drafts to a file");
  copyFileSync(backupPath, draft.path);
  const stored = draft.commit(meta);
  // 2. The state machine, installed from it exactly as a follower installs a snapshot.
  const stateMachine = openStateMachine(settings);
  try {
    stateMachine.restoreFrom(stored);
  } finally {
    stateMachine.close();
  }
  // 3. The log: empty after the snapshot, committed through it. Last, see above.
  const clusterId = String(settings.clusterId);
  const log = SqliteLogStore.open({
    ...SQLITE_LOG_STORE_SETTINGS, path: logPath,
    identity: { clusterId, memberId: nodeId(settings.id) },
  });
  try {
    log.persist({
      snapshot: meta, entries: [],
      hardState: { term: RESTORED_TERM, vote: NO_NODE, commit: meta.index },
    });
  } finally {
    log.close();
  }
  return {
    memberId: settings.id, clusterId, dataDir: settings.dataDir, index: image.appliedIndex,
    revision: image.revision, sizeBytes: stored.sizeBytes, config,
  };
}

/** Where the CLI writes; process.stdout and process.stderr in production. */
export interface RestoreIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const RESTORE_USAGE =
  "Usage: raftkv restore --from <backup file> --id <id> --initial-cluster <id=host:port,...>\n" +
  "                      --data-dir <empty dir> [other member flags]\n" +
  "Founds a new cluster from a backup (raftkvctl snapshot save). Run it for every member\n" +
  "named in --initial-cluster, each with the flags it will be started with, from the same\n" +
  "file; then start the members. Members added later catch up by snapshot.\n";

/**
 * The `raftkv restore` subcommand (argv after the word `restore`). Prints what it did, or
 * one line `raftkv restore: <reason>` on stderr; returns the exit status (0 done, 1 refused
 * or a bad command line, 2 unexpected failure with its stack).
 */
export function runRestoreCommand(
  argv: readonly string[], io: RestoreIo, env: NodeJS.ProcessEnv,
): number {
  let outcome: RestoreOutcome;
  try {
    const parsed = parseRestoreArgs(argv, env);
    if (parsed === "help") {
      io.stdout.write(RESTORE_USAGE);
      return 0;
    }
    outcome = restoreBackup(parsed);
  } catch (error: unknown) {
    if (!(error instanceof RestoreRefusal) && !(error instanceof StartupError)) {
      const text = error instanceof Error ? error.stack ?? error.message : String(error);
      io.stderr.write(`raftkv restore: ${text}\n`);
      return 2;
    }
    io.stderr.write(`raftkv restore: ${error.message}\n`);
    return 1;
  }
  io.stdout.write([
    `raftkv restore: member ${String(outcome.memberId)} of cluster "${outcome.clusterId}" ` +
      `restored in ${outcome.dataDir}`,
    `  state: applied index ${String(outcome.index)}, revision ${String(outcome.revision)}, ` +
      `${String(outcome.sizeBytes)} bytes`,
    `  membership: ${describeConfig(outcome.config)}`,
    "next: restore every other member of --initial-cluster from the same file, " +
      "then start them all with the same flags",
  ].join("\n") + "\n");
  return 0;
}

/** `--from FILE` (or `--from=FILE`) and the member's own flags, read as the member reads them. */
function parseRestoreArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RestoreOptions | "help" {
  const rest: string[] = [];
  let backupPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--from") {
      backupPath = argv[i + 1];
      if (backupPath === undefined) throw new RestoreRefusal("--from needs a file");
      i += 1;
    } else if (arg.startsWith("--from=")) {
      backupPath = arg.slice("--from=".length);
    } else {
      rest.push(arg);
    }
  }
  const commandLine = parseCommandLine(rest);
  if (commandLine.action === "help") return "help";
  if (commandLine.action === "version") {
    throw new RestoreRefusal("--version is not a restore flag (raftkv --version prints it)");
  }
  if (backupPath === undefined || backupPath === "") {
    throw new RestoreRefusal("--from is required (raftkv restore --help shows the usage)");
  }
  if (backupPath.length > ARGUMENT_CHARS_MAX) {
    throw new RestoreRefusal(`--from: longer than ${String(ARGUMENT_CHARS_MAX)} characters`);
  }
  if (!commandLine.flags.has("--data-dir") && (env.RAFTKV_DATA_DIR ?? "") === "") {
    // A member's default is ./data/<id>; a restore writes, so the directory is named on purpose.
    throw new RestoreRefusal("--data-dir is required (raftkv restore --help shows the usage)");
  }
  return { settings: loadSettings(commandLine.flags, env), backupPath };
}
