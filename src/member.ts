import { randomInt } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { ClusterService, type MemberAddresses } from "./api/cluster-service.js";
import { MemberDirectory } from "./api/member-directory.js";
import { KvService } from "./api/kv-service.js";
import { LeaderForwarder } from "./api/leader-forwarder.js";
import { guardedService } from "./api/request-guard.js";
import { encodeHeader } from "./api/kv-codec.js";
import { unaryHandler } from "./api/unary-handler.js";
import { WatchHub } from "./api/watch-hub.js";
import { watchHandler } from "./api/watch-service.js";
import { bootstrapEntries } from "./core/bootstrap.js";
import { NO_NODE, nodeId, type NodeId } from "./core/ids.js";
import { makeConfig } from "./core/membership-config.js";
import { DEFAULT_RAFT_CONFIG, type RaftConfig } from "./core/raft-config.js";
import { SeededRandom } from "./core/random.js";
import { SystemScheduler } from "./runtime/system-scheduler.js";
import type { ClusterHandlers } from "./gen/raftkv/cluster/v1/Cluster.js";
import type { KVHandlers } from "./gen/raftkv/kv/v1/KV.js";
import { RaftNode } from "./node/raft-node.js";
import type { Logger } from "./observability/logger.js";
import type { Settings } from "./settings.js";
import { prepareDataDirectory } from "./startup-data-dir.js";
import { describeBindError, StartupError } from "./startup-error.js";
import { CLIENT_SESSIONS_MAX, type KvResult } from "./state-machine/kv-types.js";
import { SqliteKvStateMachine } from "./state-machine/sqlite-kv-state-machine.js";
import { withChangeListener } from "./state-machine/state-machine.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";
import type { AsyncLogStore } from "./storage/async-log-store.js";
import { WorkerSqliteLogStore } from "./storage/sqlite/worker-sqlite-log-store.js";
import { FileSnapshotStore } from "./storage/sqlite/sqlite-snapshot-store.js";
import { DEFAULT_PEER_CLIENT_LIMITS, GrpcPeerClient } from "./transport/grpc-peer-client.js";
import {
  addRaftPeerService, DEFAULT_PEER_SERVER_LIMITS, type RaftPeerService,
} from "./transport/grpc-peer-server.js";
import { isKnownPeerOf } from "./transport/peer-envelope.js";
import { HealthService } from "./transport/health-service.js";
import { raftkvProtos, SERVICE_NAMES } from "./transport/proto-loading.js";
import { addReflection, CLIENT_SERVICES } from "./transport/reflection.js";

/** A running member: its bound addresses and how to stop it. */
export interface Member {
  readonly clientAddress: string;
  readonly peerAddress: string;
  readonly node: RaftNode<KvResult>;
  /** Stops accepting calls, fails pending ones, closes the servers and SQLite. */
  close(): Promise<void>;
}

/** Peer messages (AppendEntries batches, snapshot chunks) may be large; clients are bounded. */
const PEER_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
const RANGE_LIMIT_MAX = 10_000;
const READS_PENDING_MAX = 10_000;
const HEALTH_WATCHERS_MAX = 256;
/** Ready writes queued for the log's writer thread; the core batches what comes meanwhile. */
const READY_WRITES_IN_FLIGHT_MAX = 64;
/** How long a stopping member lets calls in progress finish before cancelling them. */
const SHUTDOWN_GRACE_MS = 2000;
/** Responses queued per watch, events per response, progress ticks a stalled client gets. */
const WATCH_LIMITS = { queuedBatchesMax: 64, batchEventsMax: 256, stalledTicksMax: 6 };
/** How often a watch that asked for progress notifications and got nothing hears the revision. */
const WATCH_PROGRESS_INTERVAL_MS = 5000;

interface Storage {
  readonly logStore: AsyncLogStore;
  readonly stateMachine: SqliteKvStateMachine;
  readonly snapshotStore: FileSnapshotStore;
}

/**
 * The composition root of one member: the only code that knows the concrete SQLite and gRPC
 * classes. Opens (or bootstraps) the data directory, wires node, transport and services,
 * and binds both ports.
 */
export async function startMember(settings: Settings, logger: Logger): Promise<Member> {
  const selfId = nodeId(settings.id);
  const storage = await openStorage(settings, logger);
  const peers = new Map<NodeId, string>(
    settings.initialCluster.map((peer) => [nodeId(peer.id), peer.peerAddress]),
  );
  const self = { id: selfId, clientAddress: settings.advertiseClient };
  const addresses = new MemberDirectory(self, peers);
  // ReadIndex answers produced after their RPC returned go to the call still waiting.
  const reply: { service: RaftPeerService | undefined } = { service: undefined };
  const transport = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS,
    clusterId: settings.clusterId, selfId, messageBytesMax: PEER_MESSAGE_BYTES_MAX,
    rpcDeadlineMs: Math.max(1000, settings.tickMs * settings.electionTicks),
    deliverReply: (message) => reply.service?.deliverReply(message) ?? false,
  });
  for (const [id, address] of peers) if (id !== selfId) transport.setPeerAddress(id, address);
  const watches = new WatchHub(storage.stateMachine, {
    ...WATCH_LIMITS, watchersMax: settings.watchersMax,
  });
  const node = createNode(settings, storage, transport, watches);
  const forwarder = new LeaderForwarder((id) => peers.get(id), settings.requestBytesMax + 1024);
  const handlers = buildHandlers({
    settings, logger, node, storage, forwarder, addresses, watches,
  });
  const peerServer = new grpc.Server({
    "grpc.max_receive_message_length": PEER_MESSAGE_BYTES_MAX,
    "grpc.max_send_message_length": PEER_MESSAGE_BYTES_MAX,
  });
  reply.service = addPeerServices(peerServer, { settings, logger, node, handlers });
  const clientServer = new grpc.Server({
    "grpc.max_receive_message_length": settings.requestBytesMax,
    "grpc.max_send_message_length": PEER_MESSAGE_BYTES_MAX,
  });
  const health = addClientServices(clientServer, handlers);
  const peerPort = await bind(peerServer, "--listen-peer", settings.listenPeer);
  const clientPort = await bind(clientServer, "--listen-client", settings.listenClient);
  node.start();
  const healthTimer = setInterval(() => {
    health.setStatus("", isServing(node) ? "serving" : "not-serving");
  }, settings.tickMs);
  const watchProgressTimer = setInterval(() => watches.progressTick(), WATCH_PROGRESS_INTERVAL_MS);
  logEvents(node, logger);
  // Learn the new leader's client address early: it goes into UNAVAILABLE hints.
  node.subscribe((event) => {
    if (event.type === "leader-changed" && event.leader !== NO_NODE) addresses.clientAddress(event.leader);
  });
  let closing: Promise<void> | undefined;
  return {
    clientAddress: withPort(settings.listenClient, clientPort),
    peerAddress: withPort(settings.listenPeer, peerPort),
    node,
    close: () => {
      closing ??= (async () => {
        clearInterval(healthTimer);
        clearInterval(watchProgressTimer);
        watches.closeAll();
        health.close();
        await shutdown(clientServer);
        await node.stop();
        reply.service?.close();
        await shutdown(peerServer);
        forwarder.close();
        addresses.close();
        await storage.logStore.close();
        storage.stateMachine.close();
      })();
      return closing;
    },
  };
}

/** The Raft node over the member's storage; every apply tells the watches. */
function createNode(
  settings: Settings, storage: Storage, transport: GrpcPeerClient, watches: WatchHub,
): RaftNode<KvResult> {
  return new RaftNode<KvResult>({
    raftConfig: raftConfigOf(settings, nodeId(settings.id)), ...storage, transport,
    stateMachine: withChangeListener(storage.stateMachine, () => watches.applied()),
    scheduler: new SystemScheduler(), tickIntervalMs: settings.tickMs,
    random: new SeededRandom(randomInt(2 ** 31)),
    writesInFlightMax: READY_WRITES_IN_FLIGHT_MAX,
    pendingProposalsMax: settings.pendingProposalsMax,
    pendingReadsMax: READS_PENDING_MAX,
    snapshotEveryEntries: settings.snapshotEveryEntries,
  });
}

/**
 * Opens the data directory. The Raft log's writes and fsyncs run on a worker thread
 * (WorkerSqliteLogStore), so a slow disk does not stall heartbeats, peer messages or client
 * calls on the event loop; a failed log write ends the process (Raft cannot go on once it
 * may have lost an acknowledged entry), and the restart recovers from what is durable.
 */
async function openStorage(settings: Settings, logger: Logger): Promise<Storage> {
  prepareDataDirectory(settings.dataDir);
  const logOptions = {
    ...SQLITE_LOG_STORE_SETTINGS,
    path: join(settings.dataDir, "raft.db"),
    identity: { clusterId: String(settings.clusterId), memberId: nodeId(settings.id) },
  };
  // Checked (identity, integrity) and bootstrapped on this thread, before the worker starts.
  const bootstrapStore = SqliteLogStore.open(logOptions);
  try {
    bootstrapIfNew(bootstrapStore, settings, logger);
  } finally {
    bootstrapStore.close();
  }
  const asyncLogStore = await WorkerSqliteLogStore.open({
    ...logOptions,
    onFatal: (error) => {
      logger.error("raft log write failed; stopping so that a restart recovers", {
        error: error.message,
      });
      process.exit(1);
    },
  });
  const stateMachine = SqliteKvStateMachine.open({
    // NORMAL: after power loss the state machine may come back behind the log and is
    // re-applied from it (docs/decisions/0005-sqlite-durability.md, decision 3).
    path: join(settings.dataDir, "kv.db"), synchronous: "NORMAL", sessionsMax: CLIENT_SESSIONS_MAX,
    historyRevisionsMax: settings.historyRevisions,
    busyTimeoutMs: 5000, walAutocheckpointPages: 1000,
  });
  const snapshotStore = FileSnapshotStore.open({
    directory: join(settings.dataDir, "snapshots"), retainCount: 2,
  });
  return { logStore: asyncLogStore, stateMachine, snapshotStore };
}

/** A brand-new data directory gets the founding configuration at index 1 (bootstrap.ts). */
function bootstrapIfNew(logStore: SqliteLogStore, settings: Settings, logger: Logger): void {
  if (logStore.lastIndex() > 0 || logStore.initialState().hardState.term > 0) return;
  const config = makeConfig(settings.initialCluster.map((peer) => peer.id));
  logStore.persist(bootstrapEntries(config));
  logger.info("bootstrapped a new cluster member", { voters: config.voters });
}

interface Handlers {
  readonly kv: KVHandlers;
  readonly cluster: ClusterHandlers;
}

function buildHandlers(parts: {
  settings: Settings; logger: Logger; node: RaftNode<KvResult>; storage: Storage;
  forwarder: LeaderForwarder; addresses: MemberAddresses; watches: WatchHub;
}): Handlers {
  const { settings, logger, node, addresses } = parts;
  const nowMs = (): number => performance.now();
  const limits = {
    keyBytesMax: settings.keyBytesMax, valueBytesMax: settings.valueBytesMax,
    rangeLimitMax: RANGE_LIMIT_MAX, txnOpsMax: settings.txnOpsMax,
  };
  const reader = parts.storage.stateMachine;
  const kv = new KvService({
    node, reader, forwarder: parts.forwarder, clusterId: settings.clusterId, nowMs, limits,
  });
  const cluster = new ClusterService({ node, clusterId: settings.clusterId, addresses });
  const options = (method: string): Parameters<typeof unaryHandler>[0] => ({
    method, defaultTimeoutMs: settings.requestTimeoutMs, logger, nowMs,
    leaderAddress: (id) => addresses.clientAddress(nodeId(id)),
  });
  return {
    kv: {
      Put: unaryHandler(options("Put"), (request, call) => kv.put(request, call)),
      Get: unaryHandler(options("Get"), (request, call) => kv.get(request, call)),
      Delete: unaryHandler(options("Delete"), (request, call) => kv.delete(request, call)),
      Range: unaryHandler(options("Range"), (request, call) => kv.range(request, call)),
      Txn: unaryHandler(options("Txn"), (request, call) => kv.txn(request, call)),
      Watch: watchHandler({
        hub: parts.watches, limits, logger,
        header: (revision) => encodeHeader({
          clusterId: settings.clusterId, memberId: node.id, term: node.status().term,
          revision: revision ?? reader.revision(),
        }),
      }),
    },
    cluster: {
      Status: unaryHandler(options("Status"), () => cluster.status()),
      MemberList: unaryHandler(options("MemberList"), async () => cluster.memberList()),
    },
  };
}

/**
 * The peer port: RaftPeer; KV as the target of followers' forwarded calls; Cluster, so that
 * members learn each other's client addresses (MemberDirectory).
 */
function addPeerServices(server: grpc.Server, parts: {
  settings: Settings; logger: Logger; node: RaftNode<KvResult>; handlers: Handlers;
}): RaftPeerService {
  const { settings, logger, node } = parts;
  const service = addRaftPeerService(server, {
    ...DEFAULT_PEER_SERVER_LIMITS,
    clusterId: settings.clusterId, selfId: node.id, handler: node,
    isKnownPeer: (id) => isKnownPeerOf(node.membership(), id),
    currentTerm: () => node.status().term,
    onHandlerError: (error) => {
      // A handler threw: a broken invariant. Crash and restart from durable state.
      logger.error("peer handler failed; exiting", { error: errorText(error) });
      process.exit(70);
    },
  });
  addKvAndCluster(server, parts.handlers);
  return service;
}

/** The client port: KV, Cluster, Health and reflection (so grpcurl needs no proto files). */
function addClientServices(server: grpc.Server, handlers: Handlers): HealthService {
  addKvAndCluster(server, handlers);
  const health = new HealthService({ services: [""], watchersMax: HEALTH_WATCHERS_MAX });
  health.addToServer(server);
  addReflection(server, CLIENT_SERVICES);
  return health;
}

/**
 * KV and Cluster with guarded request decoding: bytes that are not a valid request (or hold
 * a key that is not UTF-8) are answered INVALID_ARGUMENT, not grpc-js's INTERNAL.
 */
function addKvAndCluster(server: grpc.Server, handlers: Handlers): void {
  const definition = raftkvProtos().packageDefinition;
  server.addService(guardedService(definition, SERVICE_NAMES.kv), handlers.kv);
  server.addService(guardedService(definition, SERVICE_NAMES.cluster), handlers.cluster);
}

function raftConfigOf(settings: Settings, id: NodeId): RaftConfig {
  return {
    ...DEFAULT_RAFT_CONFIG,
    nodeId: id,
    electionTicks: settings.electionTicks,
    heartbeatTicks: settings.heartbeatTicks,
  };
}

/** SERVING once a leader is known and this member has applied what it knows is committed. */
function isServing(node: RaftNode<KvResult>): boolean {
  const status = node.status();
  return status.leader !== NO_NODE && status.appliedIndex >= status.commitIndex;
}

function logEvents(node: RaftNode<KvResult>, logger: Logger): void {
  node.subscribe((event) => {
    if (event.type === "leader-changed") {
      logger.info("leader changed", { leader: event.leader, term: event.term });
    } else if (event.type === "role-changed") {
      logger.info("role changed", { role: event.role, term: event.term });
    } else if (event.type === "snapshot-installed") {
      logger.info("snapshot installed from the leader", { index: event.index });
    } else if (event.type === "snapshot-taken") {
      logger.info("snapshot taken, log compacted", { index: event.index, bytes: event.bytes });
    }
  });
}

/** Binds `address`; a failure is a StartupError naming `flag` (`--listen-client`) and it. */
function bind(server: grpc.Server, flag: string, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error !== null) {
        reject(new StartupError(`${flag} ${address}`, describeBindError(error), { cause: error }));
      } else {
        resolve(port);
      }
    });
  });
}

/**
 * Lets calls in progress finish for up to SHUTDOWN_GRACE_MS, then cancels the rest. It does
 * not wait for grpc-js to report the forced shutdown done: with a client that stopped
 * reading (a frozen process), its sessions never report closing, and the drain would wait
 * for that client.
 */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

function withPort(address: string, port: number): string {
  return address.replace(/:\d+$/, `:${String(port)}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}
