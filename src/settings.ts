import { existsSync, statSync } from "node:fs";
import { literalDefault, rawSettings, type RawSetting } from "./cli-flags.js";
import { StartupError } from "./startup-error.js";
import { portOf } from "./transport/host-port.js";
import type { MemberTlsFiles, TlsFiles } from "./transport/tls.js";

/** One member of --initial-cluster: its id and the peer address others reach it at. */
export interface PeerSpec {
  readonly id: number;
  readonly peerAddress: string;
}

/**
 * Process settings, validated and frozen. Deliberately a different word from RaftConfig:
 * these describe the process (addresses, files, limits), RaftConfig describes one core.
 */
export interface Settings {
  readonly id: number;
  /** Undefined only with --join and no --cluster-id: then the cluster tells (member.ts). */
  readonly clusterId: number | undefined;
  readonly listenClient: string;
  readonly listenPeer: string;
  readonly advertiseClient: string;
  readonly advertisePeer: string;
  /** host:port of the HTTP metrics and health endpoints; undefined: off. */
  readonly listenMetrics: string | undefined;
  /** TLS of the peer and client ports (--peer-*, --client-*); undefined files: plaintext. */
  readonly tls: MemberTlsFiles;
  /** How often the TLS files are read again (also on SIGHUP). */
  readonly tlsReloadMs: number;
  readonly dataDir: string;
  readonly initialCluster: readonly PeerSpec[];
  /** Client addresses of running members to join through; empty: found or restart a cluster. */
  readonly join: readonly string[];
  /**
   * Whether an empty data directory founds the cluster (bootstraps --initial-cluster): without
   * --join, or when --initial-cluster lists this member. Otherwise it joins through --join.
   */
  readonly founding: boolean;
  readonly promoteLagEntries: number;
  readonly promoteAfterMs: number;
  readonly transferLeadershipOnStop: boolean;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** The disk-stall watchdog's bound (node/stall-watchdog.ts); 0: off. */
  readonly stallStepDownMs: number;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly requestBytesMax: number;
  readonly snapshotEveryEntries: number;
  readonly snapshotEveryBytes: number;
  readonly logTailEntries: number;
  readonly pendingProposalsMax: number;
  /** Compares, and operations per branch, in one Txn (etcd's --max-txn-ops). */
  readonly txnOpsMax: number;
  /** Revisions of history kept for Watch and past reads; the same on every member. */
  readonly historyRevisions: number;
  readonly watchersMax: number;
  readonly requestTimeoutMs: number;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

/**
 * The peer address of a member started with neither --listen-peer nor --initial-cluster.
 * The other literal defaults live in FLAG_DOCS, where --help shows them.
 */
export const DEFAULT_LISTEN_PEER = "127.0.0.1:7380";

type Raw = (flag: string) => RawSetting | undefined;

/**
 * Builds Settings from parsed flags (which win) and RAFTKV_* variables; throws StartupError
 * naming the flag (or variable) and its value. The addresses follow one rule, so that a
 * member restarted with only --id, --data-dir and --initial-cluster comes back where it was:
 * --listen-peer defaults to this member's own --initial-cluster entry, --listen-client to the
 * port below it on the same host, and the peer address this member advertises must be its
 * entry (a member listening where its peers do not look would never hear from them).
 */
export function loadSettings(flags: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): Settings {
  const raw = rawSettings(flags, env);
  const id = integer(raw, "--id", 1);
  const electionTicks = integer(raw, "--election-ticks", 2);
  const heartbeatTicks = integer(raw, "--heartbeat-ticks", 1);
  if (heartbeatTicks >= electionTicks) {
    throw new StartupError(subjectOf(raw, "--heartbeat-ticks"),
      `must be below --election-ticks (${String(electionTicks)})`);
  }
  const clusterIdInput = raw("--cluster-id");
  const join = joinAddresses(raw("--join"));
  const { founding, ...addresses } = addressesOf(raw, id, join.length > 0);
  return Object.freeze({
    id,
    clusterId: clusterIdInput !== undefined
      ? integer(raw, "--cluster-id", 1)
      : founding || raw("--initial-cluster") !== undefined
        ? clusterIdOf(addresses.initialCluster) : undefined,
    ...addresses,
    join,
    founding,
    promoteLagEntries: integer(raw, "--promote-lag-entries", 0),
    promoteAfterMs: integer(raw, "--promote-after-ms", 0),
    transferLeadershipOnStop: boolean(raw, "--transfer-leadership-on-stop"),
    listenMetrics: optionalAddress(raw("--listen-metrics") ?? {
      text: literalDefault("--listen-metrics"), subject: "--listen-metrics",
    }),
    tls: { peer: tlsFilesOf(raw, "peer"), client: tlsFilesOf(raw, "client") },
    tlsReloadMs: integer(raw, "--tls-reload-ms", 100),
    dataDir: raw("--data-dir")?.text ?? literalDefault("--data-dir"),
    tickMs: integer(raw, "--tick-ms", 1),
    electionTicks,
    heartbeatTicks,
    stallStepDownMs: integer(raw, "--stall-step-down-ms", 0),
    keyBytesMax: integer(raw, "--max-key-bytes", 1),
    valueBytesMax: integer(raw, "--max-value-bytes", 1),
    requestBytesMax: integer(raw, "--max-request-bytes", 1024),
    snapshotEveryEntries: integer(raw, "--snapshot-entries", 0),
    snapshotEveryBytes: integer(raw, "--snapshot-bytes", 0),
    logTailEntries: integer(raw, "--log-tail-entries", 0),
    pendingProposalsMax: integer(raw, "--max-pending-proposals", 1),
    txnOpsMax: integer(raw, "--max-txn-ops", 1),
    historyRevisions: integer(raw, "--history-revisions", 1),
    watchersMax: integer(raw, "--max-watchers", 1),
    requestTimeoutMs: integer(raw, "--request-timeout-ms", 1),
    logLevel: logLevelOf(raw),
  });
}

type Addresses = Pick<Settings,
  "listenClient" | "listenPeer" | "advertiseClient" | "advertisePeer" | "initialCluster">;

/**
 * The rule in loadSettings()'s comment, and the check that this member is where it is listed.
 * With --join, --initial-cluster may leave this member out: it then joins the cluster the
 * list founded (the Helm chart gives every pod both, so pods added by scaling up join).
 */
function addressesOf(raw: Raw, id: number, joining: boolean): Addresses & { founding: boolean } {
  const clusterInput = raw("--initial-cluster");
  const listed = clusterInput === undefined
    ? undefined
    : parseInitialCluster(clusterInput.text, clusterInput.subject);
  const entry = listed?.find((peer) => peer.id === id);
  if (clusterInput !== undefined && entry === undefined && !joining) {
    throw new StartupError(clusterInput.subject, `does not list this member's --id ${String(id)}`);
  }
  const listenPeerInput = raw("--listen-peer");
  const listenPeer = address(listenPeerInput) ?? entry?.peerAddress ?? DEFAULT_LISTEN_PEER;
  const listenClient = address(raw("--listen-client")) ??
    clientAddressBeside(listenPeer, listenPeerInput);
  const taken = listed?.find((peer) => peer.peerAddress === listenClient) ??
    (listenClient === listenPeer ? { id, peerAddress: listenPeer } : undefined);
  if (taken !== undefined) {
    throw new StartupError(`--listen-client ${listenClient}`, `is member ${String(taken.id)}'s ` +
      "peer address; give this member's client port with --listen-client");
  }
  const advertisePeerInput = raw("--advertise-peer");
  const advertisePeer = address(advertisePeerInput) ?? listenPeer;
  if (entry !== undefined && advertisePeer !== entry.peerAddress) {
    const subject = advertisePeerInput?.subject ?? listenPeerInput?.subject ??
      `--listen-peer ${listenPeer}`;
    throw new StartupError(subject, `this member's peer address does not match its entry ` +
      `${String(id)}=${entry.peerAddress} in --initial-cluster (peers would not reach it; ` +
      "fix the entry, or set --advertise-peer to it)");
  }
  return {
    listenClient, listenPeer,
    advertiseClient: address(raw("--advertise-client")) ?? listenClient,
    advertisePeer,
    initialCluster: listed ?? (joining ? [] : [{ id, peerAddress: advertisePeer }]),
    founding: !joining || entry !== undefined,
  };
}

/** The default client address: the peer address's host, one port below (7380 -> 7379). */
function clientAddressBeside(peerAddress: string, peerInput: RawSetting | undefined): string {
  const split = /^(.*):(\d+)$/.exec(peerAddress);
  if (split === null) throw new Error(`${peerAddress} was validated as host:port`);
  const port = Number(split[2]);
  if (port === 1) {
    throw new StartupError(peerInput?.subject ?? `--listen-peer ${peerAddress}`,
      "has no port below it for the client address; set --listen-client");
  }
  return `${split[1]!}:${String(port === 0 ? 0 : port - 1)}`;
}

function logLevelOf(raw: Raw): Settings["logLevel"] {
  const level = raw("--log-level")?.text ?? literalDefault("--log-level");
  if (level === "debug" || level === "info" || level === "warn" || level === "error") return level;
  throw new StartupError(subjectOf(raw, "--log-level"), "must be debug, info, warn or error");
}

/**
 * Parses `id=host:port,...`; `subject` names the input in errors (`--initial-cluster ...`).
 * Ids are distinct and so are addresses: two members at one address could not both listen.
 */
export function parseInitialCluster(text: string, subject = `--initial-cluster ${text}`): PeerSpec[] {
  const peers = text.split(",").filter((part) => part.trim() !== "").map((part) => {
    const [idText, peerAddress, ...rest] = part.trim().split("=");
    if (idText === undefined || peerAddress === undefined || rest.length > 0) {
      throw new StartupError(subject, `entry "${part}" is not id=host:port`);
    }
    const id = Number(idText);
    if (!/^\d+$/.test(idText.trim()) || !Number.isSafeInteger(id) || id < 1) {
      throw new StartupError(subject, `entry "${part}" has no positive integer id`);
    }
    if (!isAddress(peerAddress)) throw new StartupError(subject, `entry "${part}" is not id=host:port`);
    return { id, peerAddress: peerAddress.trim() };
  });
  if (peers.length === 0) throw new StartupError(subject, "is empty");
  if (new Set(peers.map((p) => p.id)).size !== peers.length) {
    throw new StartupError(subject, "lists a member id twice");
  }
  if (new Set(peers.map((p) => p.peerAddress)).size !== peers.length) {
    throw new StartupError(subject, "lists a peer address twice");
  }
  return peers;
}

/** A stable id for a cluster from its founding members (FNV-1a, 48 bits, never 0). */
export function clusterIdOf(peers: readonly PeerSpec[]): number {
  const text = [...peers].sort((a, b) => a.id - b.id).map((p) => `${String(p.id)}=${p.peerAddress}`).join(",");
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  }
  return Number(hash & 0xffffffffffffn) || 1;
}

/** Setting `flag` as an integer >= minimum; its FLAG_DOCS default when it is not given. */
function integer(raw: Raw, flag: string, minimum: number): number {
  const text = raw(flag)?.text ?? literalDefault(flag);
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new StartupError(subjectOf(raw, flag), `must be an integer >= ${String(minimum)}`);
  }
  return value;
}

/** Setting `flag` as true or false; its FLAG_DOCS default when it is not given. */
function boolean(raw: Raw, flag: string): boolean {
  const text = (raw(flag)?.text ?? literalDefault(flag)).trim();
  if (text === "true" || text === "false") return text === "true";
  throw new StartupError(subjectOf(raw, flag), "must be true or false");
}

/**
 * One port's --<port>-cert, --<port>-key and --<port>-ca: all absent (plaintext), or a
 * certificate with its key and maybe a CA. Each named file must exist; whether it holds
 * valid PEM is checked when the member loads it (member.ts).
 */
function tlsFilesOf(raw: Raw, port: "peer" | "client"): TlsFiles | undefined {
  const [cert, key, ca] = (["cert", "key", "ca"] as const).map((part) => {
    const input = raw(`--${port}-${part}`);
    if (input !== undefined) existingFile(input);
    return input;
  });
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) {
      throw new StartupError(ca.subject, `needs --${port}-cert and --${port}-key ` +
        `(the CA verifies the other side of a TLS port)`);
    }
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    const given = cert ?? key;
    const missing = cert === undefined ? "cert" : "key";
    throw new StartupError(given!.subject, `needs --${port}-${missing} too`);
  }
  return { certFile: cert.text, keyFile: key.text, caFile: ca?.text };
}

/** Refuses a path that is not an existing file. */
function existingFile(input: RawSetting): void {
  if (!existsSync(input.text)) throw new StartupError(input.subject, "no such file");
  if (!statSync(input.text).isFile()) throw new StartupError(input.subject, "is not a file");
}

/** --join's comma-separated host:port list; empty when it is not given. */
function joinAddresses(input: RawSetting | undefined): string[] {
  if (input === undefined) return [];
  const parts = input.text.split(",").map((part) => part.trim()).filter((part) => part !== "");
  if (parts.length === 0 || !parts.every(isAddress)) {
    throw new StartupError(input.subject, "must be host:port[,host:port...]");
  }
  return parts;
}

/** How errors name setting `flag`: as given (`--id 0`, `RAFTKV_ID=0`), else with its default. */
function subjectOf(raw: Raw, flag: string): string {
  return raw(flag)?.subject ?? `${flag} ${literalDefault(flag)}`;
}

/** host:port, or undefined for "none". */
function optionalAddress(input: RawSetting): string | undefined {
  return input.text.trim() === "none" ? undefined : address(input);
}

/** The input as host:port, or undefined when it is absent. */
function address(input: RawSetting | undefined): string | undefined {
  if (input === undefined) return undefined;
  if (!isAddress(input.text)) throw new StartupError(input.subject, "must be host:port");
  return input.text.trim();
}

function isAddress(text: string): boolean {
  return portOf(text) !== undefined;
}
