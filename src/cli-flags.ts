import { parseArgs } from "node:util";
import { StartupError } from "./startup-error.js";

/** The sections of `raftkv --help` and of README's configuration table, in their order. */
export const FLAG_GROUPS = [
  "Identity and cluster", "Listening", "TLS", "Storage", "Raft timing", "Limits", "Logging",
] as const;

export type FlagGroup = (typeof FLAG_GROUPS)[number];

/**
 * One setting: its flag, its RAFTKV_* variable, the placeholder for its value, its default
 * (as words when it is derived from other settings) and what it means. This table is the
 * single source of `raftkv --help`, of the flags the parser accepts, and of the variables
 * it reads; README's configuration table is checked against it (cli-help.test.ts).
 */
export interface FlagDoc {
  readonly flag: string;
  readonly env: string;
  readonly value: string;
  readonly fallback: string;
  readonly meaning: string;
  readonly group: FlagGroup;
}

export const FLAG_DOCS: readonly FlagDoc[] = [
  { group: "Identity and cluster", flag: "--id", env: "RAFTKV_ID", value: "<id>", fallback: "1", meaning: "this member's id (positive integer)" },
  { group: "Identity and cluster", flag: "--initial-cluster", env: "RAFTKV_INITIAL_CLUSTER", value: "<id=host:port,...>", fallback: "<id>=<advertise-peer>", meaning: "founding members and their peer addresses; this member's entry must be its --advertise-peer" },
  { group: "Identity and cluster", flag: "--cluster-id", env: "RAFTKV_CLUSTER_ID", value: "<n>", fallback: "hash of --initial-cluster; with --join, the cluster's", meaning: "cluster id; peers from another cluster are refused" },
  { group: "Identity and cluster", flag: "--join", env: "RAFTKV_JOIN", value: "<host:port,...>", fallback: "none", meaning: "client addresses of running members: a member with an empty data directory that --initial-cluster does not list asks them to add it as a learner, promoted once caught up" },
  { group: "Identity and cluster", flag: "--promote-lag-entries", env: "RAFTKV_PROMOTE_LAG_ENTRIES", value: "<n>", fallback: "1000", meaning: "a learner within this many entries of the leader counts as caught up (auto-promotion, MemberPromote)" },
  { group: "Identity and cluster", flag: "--promote-after-ms", env: "RAFTKV_PROMOTE_AFTER_MS", value: "<ms>", fallback: "2000", meaning: "an auto-promoting learner is promoted after staying caught up this long" },
  { group: "Identity and cluster", flag: "--transfer-leadership-on-stop", env: "RAFTKV_TRANSFER_LEADERSHIP_ON_STOP", value: "<bool>", fallback: "true", meaning: "a leader asked to stop (SIGTERM) hands leadership to the most caught-up voter first" },
  { group: "Listening", flag: "--listen-peer", env: "RAFTKV_LISTEN_PEER", value: "<host:port>", fallback: "this member's --initial-cluster entry, else 127.0.0.1:7380", meaning: "peer gRPC listen address (RaftPeer, forwarded calls)" },
  { group: "Listening", flag: "--listen-client", env: "RAFTKV_LISTEN_CLIENT", value: "<host:port>", fallback: "host of --listen-peer, port one below it", meaning: "client gRPC listen address (KV, Cluster, Health, reflection)" },
  { group: "Listening", flag: "--advertise-peer", env: "RAFTKV_ADVERTISE_PEER", value: "<host:port>", fallback: "--listen-peer", meaning: "peer address given to others; must equal this member's --initial-cluster entry" },
  { group: "Listening", flag: "--advertise-client", env: "RAFTKV_ADVERTISE_CLIENT", value: "<host:port>", fallback: "--listen-client", meaning: "client address given to others" },
  { group: "Listening", flag: "--listen-metrics", env: "RAFTKV_LISTEN_METRICS", value: "<host:port|none>", fallback: "none", meaning: "HTTP listen address for /metrics (Prometheus), /healthz and /readyz; none: off" },
  { group: "TLS", flag: "--peer-cert", env: "RAFTKV_PEER_CERT", value: "<file>", fallback: "none: plaintext peer port", meaning: "certificate (PEM) of the peer port, also presented when this member calls peers; needs --peer-key" },
  { group: "TLS", flag: "--peer-key", env: "RAFTKV_PEER_KEY", value: "<file>", fallback: "none", meaning: "private key (PEM) of --peer-cert" },
  { group: "TLS", flag: "--peer-ca", env: "RAFTKV_PEER_CA", value: "<file>", fallback: "none: Node's root CAs verify peers, and peers need no certificate", meaning: "CA bundle (PEM) that verifies peers; makes peer TLS mutual (a peer must present a certificate it issued)" },
  { group: "TLS", flag: "--client-cert", env: "RAFTKV_CLIENT_CERT", value: "<file>", fallback: "none: plaintext client port", meaning: "certificate (PEM) of the client port, also presented to the members --join names; needs --client-key" },
  { group: "TLS", flag: "--client-key", env: "RAFTKV_CLIENT_KEY", value: "<file>", fallback: "none", meaning: "private key (PEM) of --client-cert" },
  { group: "TLS", flag: "--client-ca", env: "RAFTKV_CLIENT_CA", value: "<file>", fallback: "none: Node's root CAs verify --join members, and clients need no certificate", meaning: "CA bundle (PEM) that verifies clients; makes client TLS mutual (a client must present a certificate it issued); also verifies the members --join names" },
  { group: "TLS", flag: "--tls-reload-ms", env: "RAFTKV_TLS_RELOAD_MS", value: "<ms>", fallback: "10000", meaning: "certificate files are read again this often, and on SIGHUP; new connections use changed files, open ones keep theirs" },
  { group: "Storage", flag: "--data-dir", env: "RAFTKV_DATA_DIR", value: "<dir>", fallback: "./data/default", meaning: "directory for the SQLite log, state machine and snapshots" },
  { group: "Storage", flag: "--history-revisions", env: "RAFTKV_HISTORY_REVISIONS", value: "<n>", fallback: "10000", meaning: "revisions of change history kept for Watch and reads at a past revision (the same on every member)" },
  { group: "Storage", flag: "--snapshot-entries", env: "RAFTKV_SNAPSHOT_ENTRIES", value: "<n>", fallback: "10000", meaning: "snapshot and compact every this many applied entries (0 = never)" },
  { group: "Storage", flag: "--snapshot-bytes", env: "RAFTKV_SNAPSHOT_BYTES", value: "<bytes>", fallback: "67108864", meaning: "also snapshot once the entries applied since the last snapshot pass this many bytes (0 = no byte trigger)" },
  { group: "Storage", flag: "--log-tail-entries", env: "RAFTKV_LOG_TAIL_ENTRIES", value: "<n>", fallback: "5000", meaning: "entries kept in the log behind a snapshot, so slightly slow followers catch up without one" },
  { group: "Raft timing", flag: "--tick-ms", env: "RAFTKV_TICK_MS", value: "<ms>", fallback: "50", meaning: "length of one Raft tick in milliseconds" },
  { group: "Raft timing", flag: "--election-ticks", env: "RAFTKV_ELECTION_TICKS", value: "<n>", fallback: "20", meaning: "base election timeout in ticks (randomized up to 2x)" },
  { group: "Raft timing", flag: "--heartbeat-ticks", env: "RAFTKV_HEARTBEAT_TICKS", value: "<n>", fallback: "2", meaning: "heartbeat interval in ticks (below --election-ticks)" },
  { group: "Raft timing", flag: "--stall-step-down-ms", env: "RAFTKV_STALL_STEP_DOWN_MS", value: "<ms>", fallback: "2000", meaning: "a leader whose log write or event loop stalls this long steps down so a healthy member leads (0 = never)" },
  { group: "Limits", flag: "--max-key-bytes", env: "RAFTKV_MAX_KEY_BYTES", value: "<bytes>", fallback: "4096", meaning: "largest accepted key" },
  { group: "Limits", flag: "--max-value-bytes", env: "RAFTKV_MAX_VALUE_BYTES", value: "<bytes>", fallback: "1048576", meaning: "largest accepted value" },
  { group: "Limits", flag: "--max-request-bytes", env: "RAFTKV_MAX_REQUEST_BYTES", value: "<bytes>", fallback: "2097152", meaning: "largest accepted gRPC request" },
  { group: "Limits", flag: "--max-pending-proposals", env: "RAFTKV_MAX_PENDING_PROPOSALS", value: "<n>", fallback: "10000", meaning: "client writes waiting for apply before RESOURCE_EXHAUSTED" },
  { group: "Limits", flag: "--max-txn-ops", env: "RAFTKV_MAX_TXN_OPS", value: "<n>", fallback: "128", meaning: "compares, and operations per branch, in one Txn" },
  { group: "Limits", flag: "--max-watchers", env: "RAFTKV_MAX_WATCHERS", value: "<n>", fallback: "1000", meaning: "watches one member serves at once before RESOURCE_EXHAUSTED" },
  { group: "Limits", flag: "--request-timeout-ms", env: "RAFTKV_REQUEST_TIMEOUT_MS", value: "<ms>", fallback: "5000", meaning: "deadline for a client call that carries none" },
  { group: "Logging", flag: "--log-level", env: "RAFTKV_LOG_LEVEL", value: "<level>", fallback: "info", meaning: "debug, info, warn or error (JSON lines on stderr)" },
];

/** What the command line asks for: help, the version, or to run a member with some flags. */
export type CommandLine =
  | { readonly action: "help" }
  | { readonly action: "version" }
  | { readonly action: "run"; readonly flags: ReadonlyMap<string, string> };

/** One setting's raw text and where it came from, for error messages. */
export interface RawSetting {
  readonly text: string;
  /** `--id 0` for a flag, `RAFTKV_ID=0` for a variable: how errors name the input. */
  readonly subject: string;
}

/**
 * Reads argv. `-h`/`--help` and `--version` win over everything else (a command line with
 * them is not validated further); otherwise every argument must be a known flag with a
 * value. Throws StartupError naming the offending argument.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options = Object.fromEntries(
    FLAG_DOCS.map((doc) => [doc.flag.slice(2), { type: "string" as const }]),
  );
  const { tokens } = parseArgs({
    args: [...argv], strict: false, allowPositionals: true, tokens: true,
    options: { ...options, help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
  });
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) return { action: "help" };
  if (tokens.some((token) => token.kind === "option" && token.name === "version")) return { action: "version" };
  const flags = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind === "positional") {
      throw new StartupError(token.value, "unexpected argument (flags take the form --name value)");
    }
    if (token.kind !== "option") continue; // "--" ends the options; nothing may follow it.
    const doc = FLAG_DOCS.find((candidate) => candidate.flag === `--${token.name}`);
    if (doc === undefined) throw new StartupError(token.rawName, "unknown flag (raftkv --help lists them)");
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("--"))) {
      throw new StartupError(doc.flag, `needs a value ${doc.value}`);
    }
    flags.set(doc.flag, value);
  }
  return { action: "run", flags };
}

/**
 * A lookup of each setting's raw text: the flag if given (flags win), else its RAFTKV_*
 * variable if set and not empty, else undefined.
 */
export function rawSettings(
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): (flag: string) => RawSetting | undefined {
  return (flag) => {
    const doc = FLAG_DOCS.find((candidate) => candidate.flag === flag);
    if (doc === undefined) throw new Error(`no setting ${flag}`); // A typo in settings.ts.
    const fromFlag = flags.get(flag);
    if (fromFlag !== undefined) return { text: fromFlag, subject: `${flag} ${fromFlag}` };
    const fromEnv = env[doc.env];
    if (fromEnv === undefined || fromEnv === "") return undefined;
    return { text: fromEnv, subject: `${doc.env}=${fromEnv}` };
  };
}

/** The default FLAG_DOCS gives for `flag`; only for flags whose default is a literal value. */
export function literalDefault(flag: string): string {
  const doc = FLAG_DOCS.find((candidate) => candidate.flag === flag);
  if (doc === undefined) throw new Error(`no setting ${flag}`); // A typo in settings.ts.
  return doc.fallback;
}
