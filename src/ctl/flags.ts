/**
 * Every flag raftkvctl knows, global and per command, in one table: the parser (args.ts),
 * the help (help.ts) and the README are all written from it. A command lists the local
 * flags it accepts by name (commands.ts); a local flag given to another command is a usage
 * error, not silently ignored.
 */

/** How a command prints what it got back. */
export type OutputFormat = "simple" | "json" | "table";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["simple", "json", "table"];

export interface FlagDoc {
  /** The long name, without dashes. */
  readonly name: string;
  readonly short?: string;
  /** parseArgs types: a boolean switch or a flag that takes a value. */
  readonly type: "boolean" | "string";
  /** The value placeholder in help, for string flags. */
  readonly value?: string;
  readonly help: string;
}

/** Default client endpoint: a member started with no flags listens here. */
export const DEFAULT_ENDPOINTS = "127.0.0.1:7379";
/** Environment variable for --endpoints; the flag wins over it. */
export const ENDPOINTS_ENV = "RAFTKVCTL_ENDPOINTS";
/** etcdctl's defaults: 2 s to connect to an endpoint, 5 s for the call itself. */
export const DEFAULT_DIAL_TIMEOUT = "2s";
export const DEFAULT_COMMAND_TIMEOUT = "5s";

export const GLOBAL_FLAGS: readonly FlagDoc[] = [
  {
    name: "endpoints", type: "string", value: "HOST:PORT[,HOST:PORT...]",
    help: `members' client addresses, in order (default $${ENDPOINTS_ENV}, ` +
      `else ${DEFAULT_ENDPOINTS})`,
  },
  {
    name: "dial-timeout", type: "string", value: "DURATION",
    help: `time to connect to one endpoint (default ${DEFAULT_DIAL_TIMEOUT})`,
  },
  {
    name: "command-timeout", type: "string", value: "DURATION",
    help: `deadline of one call, once connected (default ${DEFAULT_COMMAND_TIMEOUT})`,
  },
  {
    name: "write-out", short: "w", type: "string", value: "FORMAT",
    help: "output format: simple (default), json or table",
  },
  { name: "hex", type: "boolean", help: "read and print keys and values as hex (666f6f for foo)" },
  // etcdctl's names. TLS is on when any of the three is given.
  {
    name: "cacert", type: "string", value: "FILE",
    help: "TLS: verify the members with this CA bundle (PEM; default: Node's root CAs)",
  },
  {
    name: "cert", type: "string", value: "FILE",
    help: "TLS: present this client certificate (PEM), for members with --client-ca",
  },
  { name: "key", type: "string", value: "FILE", help: "TLS: the private key (PEM) of --cert" },
  { name: "help", short: "h", type: "boolean", help: "print help (of a command, after its name)" },
  { name: "version", type: "boolean", help: "print the version" },
];

export type LocalFlagName =
  | "prev-kv" | "prefix" | "from-key" | "limit" | "consistency" | "keys-only" | "count-only"
  | "rev" | "progress-notify" | "interactive"
  | "peer-urls" | "client-urls" | "learner" | "voter" | "auto-promote" | "force" | "overwrite";

export const LOCAL_FLAGS: Readonly<Record<LocalFlagName, FlagDoc>> = {
  "prev-kv": { name: "prev-kv", type: "boolean", help: "print the key's previous value, if any" },
  prefix: { name: "prefix", type: "boolean", help: "every key that starts with KEY" },
  "from-key": { name: "from-key", type: "boolean", help: "every key >= KEY in byte order" },
  limit: {
    name: "limit", type: "string", value: "N",
    help: "at most N keys (default 0: every key in the range)",
  },
  consistency: {
    name: "consistency", type: "string", value: "l|s",
    help: "l: linearizable (default); s: serializable (maybe stale)",
  },
  "keys-only": { name: "keys-only", type: "boolean", help: "print keys without values" },
  "count-only": { name: "count-only", type: "boolean", help: "print only how many keys match" },
  rev: {
    name: "rev", type: "string", value: "N",
    help: "watch: start at revision N, past or future (default 0: the next write); " +
      "get: read as of revision N (default 0: the latest)",
  },
  "progress-notify": {
    name: "progress-notify", type: "boolean",
    help: "print the current revision after each idle interval",
  },
  interactive: {
    name: "interactive", short: "i", type: "boolean",
    help: "prompt for the compares, success and failure requests",
  },
  // Membership flags keep etcdctl's names; raftkv takes one host:port each, not URLs.
  "peer-urls": {
    name: "peer-urls", type: "string", value: "HOST:PORT",
    help: "where other members reach the member (its --advertise-peer)",
  },
  "client-urls": {
    name: "client-urls", type: "string", value: "HOST:PORT",
    help: "where clients reach the member (its --advertise-client)",
  },
  learner: { name: "learner", type: "boolean", help: "add it as a learner (the default)" },
  voter: { name: "voter", type: "boolean", help: "add it as a voter at once" },
  "auto-promote": {
    name: "auto-promote", type: "boolean",
    help: "the leader promotes the learner by itself once it has caught up",
  },
  force: {
    name: "force", type: "boolean",
    help: "remove it even if the voters left would have no reachable quorum",
  },
  overwrite: { name: "overwrite", type: "boolean", help: "replace FILE if it exists" },
};

/** The flag values parseArgs returns, by long name. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/**
 * The parseArgs option table for every flag at once. Global flags may appear anywhere on
 * the line, as in etcdctl, so one strict parse of the whole line is enough; which local
 * flags the chosen command accepts is checked afterwards (args.ts).
 */
export function parseArgsOptions(): Record<string, { type: "boolean" | "string"; short?: string }> {
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = {};
  for (const flag of [...GLOBAL_FLAGS, ...Object.values(LOCAL_FLAGS)]) {
    options[flag.name] = flag.short === undefined
      ? { type: flag.type }
      : { type: flag.type, short: flag.short };
  }
  return options;
}

/** `-w, --write-out FORMAT` or `--prefix`, as help shows a flag. */
export function flagUsage(flag: FlagDoc): string {
  const long = `--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`;
  return flag.short === undefined ? `    ${long}` : `-${flag.short}, ${long}`;
}

/** --cacert, --cert and --key: the files of a TLS connection to the members. */
export interface TlsFlagFiles {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

/**
 * The TLS files the flags name, or undefined for plaintext (none given). --cert and --key
 * go together; a problem is a message for a UsageError, returned as `{ error }`.
 */
export function tlsFlagFiles(values: FlagValues): TlsFlagFiles | undefined | { error: string } {
  const caFile = stringFlag(values, "cacert");
  const certFile = stringFlag(values, "cert");
  const keyFile = stringFlag(values, "key");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    return { error: certFile === undefined ? "--key needs --cert" : "--cert needs --key" };
  }
  if (caFile === undefined && certFile === undefined) return undefined;
  return { caFile, certFile, keyFile };
}

/** A boolean flag's value: false when absent. */
export function booleanFlag(values: FlagValues, name: LocalFlagName | "hex"): boolean {
  return values[name] === true;
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}
