import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { ClusterService, type MemberAddresses } from "./api/cluster-service.js";
import { MembershipService } from "./api/membership-service.js";
import { MemberDirectory } from "./api/member-directory.js";
import { KvService } from "./api/kv-service.js";
import { LeaderForwarder } from "./api/leader-forwarder.js";
import { guardedService } from "./api/request-guard.js";
import { encodeHeader } from "./api/kv-codec.js";
import { unaryHandler } from "./api/unary-handler.js";
import { WatchHub } from "./api/watch-hub.js";
import { watchHandler } from "./api/watch-service.js";
import { PreconditionError } from "./api/errors.js";
import type { CallContext } from "./api/kv-service.js";
import { MembershipUpkeep } from "./api/membership-upkeep.js";
import { snapshotDownloadHandler } from "./api/snapshot-download.js";
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
import { handOffLeadership } from "./node/leader-handoff.js";
import { clusterIdOfJoinTarget, requestMembership } from "./join-cluster.js";
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
/** What every call to a removed member hears. */
const REMOVED_MESSAGE = "this member was removed from the cluster and serves nothing more; " +
  "use another member";
/** How often a watch that asked for progress notifications and got nothing hears the revision. */
const WATCH_PROGRESS_INTERVAL_MS = 5000;

interface Storage {
  readonly logStore: AsyncLogStore;
  readonly stateMachine: SqliteKvStateMachine;
  readonly snapshotStore: FileSnapshotStore;
  /** The log was empty: a brand-new member (bootstrapped now, or joining). */
  readonly fresh: boolean;
}

/** Settings with the cluster id known (resolveClusterId). */
type MemberSettings = Settings & { readonly clusterId: number };

/** How long a member started with --join keeps asking to be added before giving up. */
const JOIN_TIMEOUT_MS = 60_000;
/** How often membership duties run (MembershipUpkeep): addresses, promotion, removal. */
const MEMBERSHIP_UPKEEP_INTERVAL_MS = 250;

/**
 * The composition root of one member: the only code that knows the concrete SQLite and gRPC
 * classes. Opens (or bootstraps) the data directory, wires node, transport and services,
 * binds both ports, and with --join on an empty data directory asks to be added.
 */
export async function startMember(given: Settings, logger: Logger): Promise<Member> {
  const settings: MemberSettings = { ...given, clusterId: await resolveClusterId(given) };
  const selfId = nodeId(settings.id);
  const joining = !given.founding;
  const storage = await openStorage(settings, logger, joining);
  const configuredPeers = new Map<NodeId, string>(
    settings.initialCluster.map((peer) => [nodeId(peer.id), peer.peerAddress]),
  );
  const self = { id: selfId, clientAddress: settings.advertiseClient };
  const directory = new MemberDirectory(self, configuredPeers);
  // ReadIndex answers produced after their RPC returned go to the call still waiting.
  const reply: { service: RaftPeerService | undefined } = { service: undefined };
  const transport = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS,
    clusterId: settings.clusterId, selfId, messageBytesMax: PEER_MESSAGE_BYTES_MAX,
    rpcDeadlineMs: Math.max(1000, settings.tickMs * settings.electionTicks),
    deliverReply: (message) => reply.service?.deliverReply(message) ?? false,
  });
  for (const [id, address] of configuredPeers) {
    if (id !== selfId) transport.setPeerAddress(id, address);
  }
  const watches = new WatchHub(storage.stateMachine, {
    ...WATCH_LIMITS, watchersMax: settings.watchersMax,
  });
  const node = createNode(settings, storage, transport, watches);
  const forwarder = new LeaderForwarder(
    (id) => directory.peerAddress(id), settings.requestBytesMax + 1024);
  const removal = { removed: false };
  const { handlers, membership } = buildHandlers({
    settings, logger, node, storage, forwarder, directory, watches, removal,
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
  const advertisedPeer = withBoundPort(settings.advertisePeer, peerPort);
  const advertisedClient = withBoundPort(settings.advertiseClient, clientPort);
  node.start();
  const healthTimer = setInterval(() => {
    health.setStatus("", isServing(node) && !removal.removed ? "serving" : "not-serving");
  }, settings.tickMs);
  const watchProgressTimer = setInterval(() => watches.progressTick(), WATCH_PROGRESS_INTERVAL_MS);
  const electionTimeoutMs = settings.tickMs * settings.electionTicks;
  const upkeep = new MembershipUpkeep({
    node, membership, directory, logger, advertisedPeer, advertisedClient,
    promoteLagEntriesMax: settings.promoteLagEntries, promoteAfterMs: settings.promoteAfterMs,
    electionTimeoutMs, changeTimeoutMs: settings.requestTimeoutMs,
    intervalMs: MEMBERSHIP_UPKEEP_INTERVAL_MS, nowMs: () => performance.now(),
    onConfig: (config) => {
      directory.follow(config);
      for (const id of [...config.voters, ...config.learners]) {
        const address = directory.peerAddress(id);
        if (id !== selfId && address !== undefined) transport.setPeerAddress(id, address);
      }
    },
    onRemoved: () => {
      removal.removed = true;
      void node.stop();
    },
  });
  logEvents(node, logger);
  // Learn the new leader's client address early: it goes into UNAVAILABLE hints.
  node.subscribe((event) => {
    if (event.type === "leader-changed" && event.leader !== NO_NODE) directory.clientAddress(event.leader);
  });
  let closing: Promise<void> | undefined;
  const member: Member = {
    clientAddress: withPort(settings.listenClient, clientPort),
    peerAddress: withPort(settings.listenPeer, peerPort),
    node,
    close: () => {
      closing ??= (async () => {
        if (settings.transferLeadershipOnStop && !removal.removed) {
          // Hand over first, while clients can still reach this member and retry elsewhere.
          const handoff = await handOffLeadership(node, {
            timeoutMs: 2 * electionTimeoutMs, scheduler: new SystemScheduler(),
          });
          logger.info("leadership handoff before stopping", { ...handoff });
        }
        upkeep.stop();
        clearInterval(healthTimer);
        clearInterval(watchProgressTimer);
        watches.closeAll();
        health.close();
        await shutdown(clientServer);
        await node.stop();
        reply.service?.close();
        await shutdown(peerServer);
        forwarder.close();
        directory.close();
        await storage.logStore.close();
        storage.stateMachine.close();
      })();
      return closing;
    },
  };
  if (joining && storage.fresh) {
    const joiner = { id: selfId, peerAddress: advertisedPeer, clientAddress: advertisedClient };
    await joinThrough(settings, joiner, logger).catch(async (error: unknown) => {
      await member.close();
      throw error;
    });
  }
  return member;
}

/**
 * The cluster id: given, or for a member started with --join, the one its data directory
 * records, else the one the members it joins through report.
 */
async function resolveClusterId(settings: Settings): Promise<number> {
  if (settings.clusterId !== undefined) return settings.clusterId;
  const logPath = join(settings.dataDir, "raft.db");
  const stored = existsSync(logPath) ? SqliteLogStore.storedIdentity(logPath) : undefined;
  if (stored !== undefined) return Number(stored.clusterId);
  return clusterIdOfJoinTarget(settings.join, JOIN_TIMEOUT_MS);
}

async function joinThrough(
  settings: MemberSettings, request: { id: NodeId; peerAddress: string; clientAddress: string },
  logger: Logger,
): Promise<void> {
  logger.info("asking the cluster to add this member", { join: settings.join, ...request });
  const answer = await requestMembership(settings.join, request, JOIN_TIMEOUT_MS);
  logger.info("added to the cluster as a learner; catching up, then promoted", {
    leader: answer.member_id, members: answer.members.map((m) => m.id),
  });
}


/** The Raft node over the member's storage; every apply tells the watches. */
function createNode(
  settings: MemberSettings, storage: Storage, transport: GrpcPeerClient, watches: WatchHub,
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
async function openStorage(
  settings: MemberSettings, logger: Logger, joining: boolean,
): Promise<Storage> {
  prepareDataDirectory(settings.dataDir);
  const logOptions = {
    ...SQLITE_LOG_STORE_SETTINGS,
    path: join(settings.dataDir, "raft.db"),
    identity: { clusterId: String(settings.clusterId), memberId: nodeId(settings.id) },
  };
  // Checked (identity, integrity) and bootstrapped on this thread, before the worker starts.
  const bootstrapStore = SqliteLogStore.open(logOptions);
  let fresh: boolean;
  try {
    fresh = bootstrapStore.lastIndex() === 0 && bootstrapStore.initialState().hardState.term === 0;
    // A joining member gets its configuration from the leader, by snapshot or log.
    if (fresh && !joining) bootstrap(bootstrapStore, settings, logger);
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
  return { logStore: asyncLogStore, stateMachine, snapshotStore, fresh };
}

/** A brand-new data directory gets the founding configuration at index 1 (bootstrap.ts). */
function bootstrap(logStore: SqliteLogStore, settings: Settings, logger: Logger): void {
  const config = makeConfig(settings.initialCluster.map((peer) => peer.id));
  logStore.persist(bootstrapEntries(config));
  logger.info("bootstrapped a new cluster member", { voters: config.voters });
}

interface Handlers {
  readonly kv: KVHandlers;
  readonly cluster: ClusterHandlers;
}

function buildHandlers(parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; storage: Storage;
  forwarder: LeaderForwarder; directory: MemberDirectory; watches: WatchHub;
  removal: { readonly removed: boolean };
}): { handlers: Handlers; membership: MembershipService } {
  const { settings, logger, node, directory: addresses, removal } = parts;
  const nowMs = (): number => performance.now();
  const limits = {
    keyBytesMax: settings.keyBytesMax, valueBytesMax: settings.valueBytesMax,
    rangeLimitMax: RANGE_LIMIT_MAX, txnOpsMax: settings.txnOpsMax,
  };
  const reader = parts.storage.stateMachine;
  const kv = new KvService({
    node, reader, forwarder: parts.forwarder, clusterId: settings.clusterId, nowMs, limits,
  });
  const cluster = new ClusterService({
    node, clusterId: settings.clusterId, addresses, removed: () => removal.removed,
    snapshotReceiving: () => undefined,
  });
  const membership = new MembershipService({
    node, clusterId: settings.clusterId, directory: parts.directory, forwarder: parts.forwarder,
    logger, nowMs, promoteLagEntriesMax: settings.promoteLagEntries,
    reachableWithinMs: settings.tickMs * settings.electionTicks, scheduler: new SystemScheduler(),
  });
  const options = (method: string): Parameters<typeof unaryHandler>[0] => ({
    method, defaultTimeoutMs: settings.requestTimeoutMs, logger, nowMs,
    leaderAddress: (id) => addresses.clientAddress(nodeId(id)),
  });
  // A removed member answers nothing but Status and MemberList, which say it was removed.
  const unlessRemoved = <Request, Response>(
    handle: (request: Request, call: CallContext) => Promise<Response> | Response,
  ) => (request: Request, call: CallContext): Promise<Response> | Response => {
    if (removal.removed) throw new PreconditionError(REMOVED_MESSAGE);
    return handle(request, call);
  };
  const handlers: Handlers = {
    kv: {
      Put: unaryHandler(options("Put"), unlessRemoved((request, call) => kv.put(request, call))),
      Get: unaryHandler(options("Get"), unlessRemoved((request, call) => kv.get(request, call))),
      Delete: unaryHandler(options("Delete"), unlessRemoved((request, call) => kv.delete(request, call))),
      Range: unaryHandler(options("Range"), unlessRemoved((request, call) => kv.range(request, call))),
      Txn: unaryHandler(options("Txn"), unlessRemoved((request, call) => kv.txn(request, call))),
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
      MemberAdd: unaryHandler(options("MemberAdd"), unlessRemoved((request, call) => membership.add(request, call))),
      MemberPromote: unaryHandler(options("MemberPromote"),
        unlessRemoved((request, call) => membership.promote(request, call))),
      MemberRemove: unaryHandler(options("MemberRemove"),
        unlessRemoved((request, call) => membership.remove(request, call))),
      MemberUpdate: unaryHandler(options("MemberUpdate"),
        unlessRemoved((request, call) => membership.update(request, call))),
      TransferLeadership: unaryHandler(options("TransferLeadership"),
        unlessRemoved((request, call) => membership.transferLeadership(request, call))),
      Snapshot: snapshotDownloadHandler({
        take: () => node.takeSnapshot(), logger,
        admit: () => {
          if (removal.removed) throw new PreconditionError(REMOVED_MESSAGE);
        },
      }),
    },
  };
  return { handlers, membership };
}

/**
 * The peer port: RaftPeer; KV as the target of followers' forwarded calls; Cluster, so that
 * members learn each other's client addresses (MemberDirectory).
 */
function addPeerServices(server: grpc.Server, parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; handlers: Handlers;
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

/** An advertised address with port 0 (bind any) names the port really bound. */
function withBoundPort(address: string, port: number): string {
  return /:0$/.test(address) ? withPort(address, port) : address;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}
