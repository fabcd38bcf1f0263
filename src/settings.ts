import { parseArgs } from "node:util";

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
  readonly clusterId: number;
  readonly listenClient: string;
  readonly listenPeer: string;
  readonly advertiseClient: string;
  readonly advertisePeer: string;
  readonly dataDir: string;
  readonly initialCluster: readonly PeerSpec[];
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly requestBytesMax: number;
  readonly snapshotEveryEntries: number;
  readonly pendingProposalsMax: number;
  readonly requestTimeoutMs: number;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

/** Every setting: its flag, its RAFTKV_* variable, its default and what it means (README table). */
export interface SettingDoc {
  readonly flag: string;
  readonly env: string;
  readonly fallback: string;
  readonly meaning: string;
}

export const SETTING_DOCS: readonly SettingDoc[] = [
  { flag: "--id", env: "RAFTKV_ID", fallback: "1", meaning: "this member's id (positive integer)" },
  { flag: "--cluster-id", env: "RAFTKV_CLUSTER_ID", fallback: "hash of --initial-cluster", meaning: "cluster id; peers from another cluster are refused" },
  { flag: "--listen-client", env: "RAFTKV_LISTEN_CLIENT", fallback: "127.0.0.1:7379", meaning: "client gRPC listen address (KV, Cluster, Health, reflection)" },
  { flag: "--listen-peer", env: "RAFTKV_LISTEN_PEER", fallback: "127.0.0.1:7380", meaning: "peer gRPC listen address (RaftPeer, forwarded calls)" },
  { flag: "--advertise-client", env: "RAFTKV_ADVERTISE_CLIENT", fallback: "--listen-client", meaning: "client address given to others" },
  { flag: "--advertise-peer", env: "RAFTKV_ADVERTISE_PEER", fallback: "--listen-peer", meaning: "peer address given to others" },
  { flag: "--data-dir", env: "RAFTKV_DATA_DIR", fallback: "./data", meaning: "directory for the SQLite log, state machine and snapshots" },
  { flag: "--initial-cluster", env: "RAFTKV_INITIAL_CLUSTER", fallback: "<id>=<advertise-peer>", meaning: "founding members, id=host:port,..." },
  { flag: "--tick-ms", env: "RAFTKV_TICK_MS", fallback: "50", meaning: "length of one Raft tick in milliseconds" },
  { flag: "--election-ticks", env: "RAFTKV_ELECTION_TICKS", fallback: "20", meaning: "base election timeout in ticks (randomized up to 2x)" },
  { flag: "--heartbeat-ticks", env: "RAFTKV_HEARTBEAT_TICKS", fallback: "2", meaning: "heartbeat interval in ticks" },
  { flag: "--max-key-bytes", env: "RAFTKV_MAX_KEY_BYTES", fallback: "4096", meaning: "largest accepted key" },
  { flag: "--max-value-bytes", env: "RAFTKV_MAX_VALUE_BYTES", fallback: "1048576", meaning: "largest accepted value" },
  { flag: "--max-request-bytes", env: "RAFTKV_MAX_REQUEST_BYTES", fallback: "2097152", meaning: "largest accepted gRPC request" },
  { flag: "--snapshot-entries", env: "RAFTKV_SNAPSHOT_ENTRIES", fallback: "10000", meaning: "snapshot and compact every this many applied entries (0 = never)" },
  { flag: "--max-pending-proposals", env: "RAFTKV_MAX_PENDING_PROPOSALS", fallback: "10000", meaning: "client writes waiting for apply before RESOURCE_EXHAUSTED" },
  { flag: "--request-timeout-ms", env: "RAFTKV_REQUEST_TIMEOUT_MS", fallback: "5000", meaning: "deadline for a client call that carries none" },
  { flag: "--log-level", env: "RAFTKV_LOG_LEVEL", fallback: "info", meaning: "debug, info, warn or error" },
];

export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** Parses flags (which win) and RAFTKV_* variables; throws SettingsError naming the bad input. */
export function loadSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const options = Object.fromEntries(
    SETTING_DOCS.map((doc) => [doc.flag.slice(2), { type: "string" as const }]),
  );
  let parsed: Record<string, string | undefined>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error: unknown) {
    throw new SettingsError(error instanceof Error ? error.message : String(error));
  }
  const raw = (flag: string): string | undefined => {
    const doc = SETTING_DOCS.find((d) => d.flag === flag);
    return parsed[flag.slice(2)] ?? (doc === undefined ? undefined : env[doc.env]);
  };
  const id = integer(raw("--id") ?? "1", "--id", 1);
  const listenClient = address(raw("--listen-client") ?? "127.0.0.1:7379", "--listen-client");
  const listenPeer = address(raw("--listen-peer") ?? "127.0.0.1:7380", "--listen-peer");
  const advertisePeer = address(raw("--advertise-peer") ?? listenPeer, "--advertise-peer");
  const initialCluster = parseInitialCluster(raw("--initial-cluster") ?? `${String(id)}=${advertisePeer}`);
  if (!initialCluster.some((peer) => peer.id === id)) {
    throw new SettingsError(`--initial-cluster does not list this member's --id ${String(id)}`);
  }
  const electionTicks = integer(raw("--election-ticks") ?? "20", "--election-ticks", 2);
  const heartbeatTicks = integer(raw("--heartbeat-ticks") ?? "2", "--heartbeat-ticks", 1);
  if (heartbeatTicks >= electionTicks) throw new SettingsError("--heartbeat-ticks must be below --election-ticks");
  const logLevel = raw("--log-level") ?? "info";
  if (logLevel !== "debug" && logLevel !== "info" && logLevel !== "warn" && logLevel !== "error") {
    throw new SettingsError(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  }
  return Object.freeze({
    id,
    clusterId: integer(raw("--cluster-id") ?? String(clusterIdOf(initialCluster)), "--cluster-id", 1),
    listenClient,
    listenPeer,
    advertiseClient: address(raw("--advertise-client") ?? listenClient, "--advertise-client"),
    advertisePeer,
    dataDir: raw("--data-dir") ?? "./data",
    initialCluster,
    tickMs: integer(raw("--tick-ms") ?? "50", "--tick-ms", 1),
    electionTicks,
    heartbeatTicks,
    keyBytesMax: integer(raw("--max-key-bytes") ?? "4096", "--max-key-bytes", 1),
    valueBytesMax: integer(raw("--max-value-bytes") ?? "1048576", "--max-value-bytes", 1),
    requestBytesMax: integer(raw("--max-request-bytes") ?? "2097152", "--max-request-bytes", 1024),
    snapshotEveryEntries: integer(raw("--snapshot-entries") ?? "10000", "--snapshot-entries", 0),
    pendingProposalsMax: integer(raw("--max-pending-proposals") ?? "10000", "--max-pending-proposals", 1),
    requestTimeoutMs: integer(raw("--request-timeout-ms") ?? "5000", "--request-timeout-ms", 1),
    logLevel,
  });
}

export function parseInitialCluster(text: string): PeerSpec[] {
  const peers = text.split(",").filter((part) => part.trim() !== "").map((part) => {
    const [idText, peerAddress, ...rest] = part.trim().split("=");
    if (idText === undefined || peerAddress === undefined || rest.length > 0) {
      throw new SettingsError(`--initial-cluster entry "${part}" is not id=host:port`);
    }
    return { id: integer(idText, "--initial-cluster id", 1), peerAddress: address(peerAddress, "--initial-cluster") };
  });
  if (peers.length === 0) throw new SettingsError("--initial-cluster is empty");
  if (new Set(peers.map((p) => p.id)).size !== peers.length) {
    throw new SettingsError("--initial-cluster lists a member id twice");
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

function integer(text: string, name: string, minimum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new SettingsError(`${name} must be an integer >= ${String(minimum)}, got "${text}"`);
  }
  return value;
}

function address(text: string, name: string): string {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  if (match === null || Number(match[2]) > 65535) {
    throw new SettingsError(`${name} must be host:port, got "${text}"`);
  }
  return text.trim();
}
