import { randomInt } from "node:crypto";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { LeaderForwarder } from "./api/leader-forwarder.js";
import { MemberDirectory } from "./api/member-directory.js";
import { MembershipUpkeep } from "./api/membership-upkeep.js";
import { WatchHub } from "./api/watch-hub.js";
import { NO_NODE, nodeId, type LogIndex, type NodeId, type Term } from "./core/ids.js";
import { DEFAULT_RAFT_CONFIG, type RaftConfig } from "./core/raft-config.js";
import { SeededRandom } from "./core/random.js";
import type { Status } from "./core/ready.js";
import { requestMembership } from "./join-cluster.js";
import {
  addClientServices, addPeerServices, bind, buildHandlers, PEER_MESSAGE_BYTES_MAX, shutdown,
} from "./member-services.js";
import {
  JOIN_TIMEOUT_MS, openStorage, resolveClusterId, type MemberSettings, type Storage,
} from "./member-storage.js";
import { handOffLeadership } from "./node/leader-handoff.js";
import { RaftNode } from "./node/raft-node.js";
import { startEventLoopProbe } from "./observability/event-loop-probe.js";
import type { Logger } from "./observability/logger.js";
import { MemberMetrics } from "./observability/member-metrics.js";
import { MetricsServer, type HealthChecks } from "./observability/metrics-server.js";
import { startTracing, type Tracing } from "./observability/tracing.js";
import { WriteTracer } from "./observability/write-tracer.js";
import { SystemScheduler } from "./runtime/system-scheduler.js";
import type { Settings } from "./settings.js";
import { describeBindError, StartupError } from "./startup-error.js";
import type { KvResult } from "./state-machine/kv-types.js";
import { withChangeListener } from "./state-machine/state-machine.js";
import { DEFAULT_PEER_CLIENT_LIMITS, GrpcPeerClient } from "./transport/grpc-peer-client.js";
import type { RaftPeerService } from "./transport/grpc-peer-server.js";
import {
  startMemberTls, TlsFilesError, type MemberTls, type ReloadOutcome,
} from "./transport/tls.js";

/** A running member: its bound addresses and how to stop it. */
export interface Member {
  readonly clientAddress: string;
  readonly peerAddress: string;
  /** Where /metrics, /healthz and /readyz are served; undefined without --listen-metrics. */
  readonly metricsAddress: string | undefined;
  readonly node: RaftNode<KvResult>;
  /** Stops accepting calls, fails pending ones, closes the servers and SQLite. */
  close(): Promise<void>;
}

const READS_PENDING_MAX = 10_000;
/** Ready writes queued for the log's writer thread; the core batches what comes meanwhile. */
const READY_WRITES_IN_FLIGHT_MAX = 64;
/** Responses queued per watch, events per response, progress ticks a stalled client gets. */
const WATCH_LIMITS = { queuedBatchesMax: 64, batchEventsMax: 256, stalledTicksMax: 6 };
/** What the metrics read before the node exists (while storage opens). */
const EMPTY_STATUS: Status = {
  id: NO_NODE, role: "follower", term: 0 as Term, vote: NO_NODE, leader: NO_NODE,
  commitIndex: 0 as LogIndex, appliedIndex: 0 as LogIndex, lastIndex: 0 as LogIndex,
  firstIndex: 1 as LogIndex, snapshotIndex: 0 as LogIndex, isLearner: false,
  leadershipTransferTarget: NO_NODE,
};
/** How often a watch that asked for progress notifications and got nothing hears the revision. */
const WATCH_PROGRESS_INTERVAL_MS = 5000;
/** Writes traced at once (WriteTracer): past it, the oldest spans end incomplete. */
const TRACED_WRITES_MAX = 10_000;
/** How often membership duties run (MembershipUpkeep): addresses, promotion, removal. */
const MEMBERSHIP_UPKEEP_INTERVAL_MS = 250;

/** Parts that exist only once the node does, read by callbacks created before it. */
interface LateParts {
  node?: RaftNode<KvResult>;
  watches?: WatchHub;
}

/** The servers a member runs and the addresses they bound. */
interface Servers {
  readonly peer: grpc.Server;
  readonly client: grpc.Server;
  readonly health: ReturnType<typeof addClientServices>;
  readonly metrics: { server: MetricsServer; port: number } | undefined;
  readonly peerPort: number;
  readonly clientPort: number;
}

/**
 * The composition root of one member: the only code that knows the concrete SQLite and gRPC
 * classes. Opens (or bootstraps) the data directory, wires node, transport and services,
 * binds its ports, and with --join on an empty data directory asks to be added.
 */
export async function startMember(given: Settings, logger: Logger): Promise<Member> {
  const tls = startTls(given, logger);
  const settings: MemberSettings = {
    ...given, clusterId: await resolveClusterId(given, tls.clientChannel),
  };
  const late: LateParts = {};
  const metrics = createMetrics(late, settings.id);
  const storage = await openStorage(settings, logger, !given.founding, metrics);
  const configuredPeers = peersOf(settings);
  const self = { id: nodeId(settings.id), clientAddress: settings.advertiseClient };
  const directory = new MemberDirectory(self, configuredPeers, tls.peerChannel);
  // ReadIndex answers produced after their RPC returned go to the call still waiting.
  const reply: { service: RaftPeerService | undefined } = { service: undefined };
  const transport = createTransport(settings, configuredPeers, reply, tls.peerChannel, metrics);
  const watchLimits = { ...WATCH_LIMITS, watchersMax: settings.watchersMax };
  const watches = new WatchHub(storage.stateMachine, watchLimits);
  const { node, tracing } = createNode(settings, storage, transport, watches);
  Object.assign(late, { node, watches });
  const forwarder = new LeaderForwarder(
    (id) => directory.peerAddress(id), settings.requestBytesMax + 1024, tls.peerChannel);
  const removal = { removed: false };
  const { handlers, membership } = buildHandlers({
    settings, logger, node, storage, forwarder, directory, watches, removal, metrics,
    snapshotReceiving: () => reply.service?.receivingSnapshot(),
  });
  const servers = await startServers(settings, {
    logger, node, handlers, metrics, removal, reply, tls,
  });
  const advertisedPeer = withBoundPort(settings.advertisePeer, servers.peerPort);
  const advertisedClient = withBoundPort(settings.advertiseClient, servers.clientPort);
  node.start();
  const stopTimers = startTimers(settings, {
    node, watches, metrics, health: servers.health, removal,
  });
  const upkeep = startUpkeep(settings, {
    node, membership, directory, logger, transport, removal, advertisedPeer, advertisedClient,
    peerCredentials: tls.peerChannel,
  });
  observeNode(node, logger, metrics, directory);
  let closing: Promise<void> | undefined;
  const member: Member = {
    clientAddress: withPort(settings.listenClient, servers.clientPort),
    peerAddress: withPort(settings.listenPeer, servers.peerPort),
    metricsAddress: servers.metrics === undefined || settings.listenMetrics === undefined
      ? undefined : withPort(settings.listenMetrics, servers.metrics.port),
    node,
    close: () => {
      closing ??= (async () => {
        if (settings.transferLeadershipOnStop && !removal.removed) {
          await handOver(node, settings, logger);
        }
        upkeep.stop();
        stopTimers();
        watches.closeAll();
        await closeServersAndStorage({
          servers, node, reply, forwarder, directory, storage, metrics, tls,
        });
        await tracing?.shutdown();
      })();
      return closing;
    },
  };
  if (!given.founding && storage.fresh) {
    const joiner = { id: node.id, peerAddress: advertisedPeer, clientAddress: advertisedClient };
    await joinThrough(settings, joiner, logger, tls).catch(async (error: unknown) => {
      await member.close();
      throw error;
    });
  }
  return member;
}

/**
 * Loads the TLS files (a bad one is a StartupError naming its flag), logs what each port
 * serves, and reads the files again on SIGHUP until close() (reloads also run on a timer).
 * Without TLS, SIGHUP keeps Node's default (it ends the process).
 */
function startTls(settings: Settings, logger: Logger): MemberTls {
  const log = (port: string, outcome: ReloadOutcome): void => {
    if (outcome.kind === "reloaded") {
      logger.info("TLS files reloaded; new connections use them", { port, ...outcome });
    } else if (outcome.kind === "refused") {
      logger.warn("TLS files not reloaded; the ones in use stay", {
        port, path: outcome.error.path, error: outcome.error.message,
      });
    }
  };
  let tls: MemberTls;
  try {
    tls = startMemberTls(settings.tls, settings.tlsReloadMs, log);
  } catch (error: unknown) {
    if (!(error instanceof TlsFilesError) || error.port === undefined) throw error;
    throw new StartupError(`--${error.port}-${error.role} ${error.path}`, error.message,
      { cause: error });
  }
  if (!tls.enabled) return tls;
  logger.info("TLS on", tls.describe());
  const onHangup = (): void => {
    logger.info("SIGHUP: reading the TLS files again");
    tls.reload();
  };
  process.on("SIGHUP", onHangup);
  return {
    ...tls,
    close: () => {
      process.off("SIGHUP", onHangup);
      tls.close();
    },
  };
}

/** Membership duties: follow configuration changes into the transport, and the rest. */
function startUpkeep(settings: MemberSettings, parts: {
  node: RaftNode<KvResult>; membership: ReturnType<typeof buildHandlers>["membership"];
  directory: MemberDirectory; logger: Logger; transport: GrpcPeerClient;
  removal: { removed: boolean }; advertisedPeer: string; advertisedClient: string;
  /** For its calls to peer ports (RemovalDetector). */
  peerCredentials: grpc.ChannelCredentials;
}): MembershipUpkeep {
  const { node, directory, transport, removal } = parts;
  return new MembershipUpkeep({
    ...parts,
    promoteLagEntriesMax: settings.promoteLagEntries, promoteAfterMs: settings.promoteAfterMs,
    electionTimeoutMs: electionTimeoutMsOf(settings), changeTimeoutMs: settings.requestTimeoutMs,
    intervalMs: MEMBERSHIP_UPKEEP_INTERVAL_MS, nowMs: () => performance.now(),
    onConfig: (config) => {
      directory.follow(config);
      for (const id of [...config.voters, ...config.learners]) {
        const address = directory.peerAddress(id);
        if (id !== node.id && address !== undefined) transport.setPeerAddress(id, address);
      }
    },
    onRemoved: () => {
      removal.removed = true;
      void node.stop();
    },
  });
}

/**
 * The drain after the node's duties stopped: client calls finish or are cancelled, the node
 * stops, then peers, then the log's writer thread and SQLite, then the metrics.
 */
async function closeServersAndStorage(parts: {
  servers: Servers; node: RaftNode<KvResult>; reply: { service: RaftPeerService | undefined };
  forwarder: LeaderForwarder; directory: MemberDirectory; storage: Storage;
  metrics: MemberMetrics; tls: MemberTls;
}): Promise<void> {
  const { servers, storage } = parts;
  servers.health.close();
  await shutdown(servers.client);
  await parts.node.stop();
  parts.reply.service?.close();
  await shutdown(servers.peer);
  parts.forwarder.close();
  parts.directory.close();
  await storage.logStore.close();
  storage.stateMachine.close();
  await servers.metrics?.server.close();
  await parts.metrics.close();
  parts.tls.close();
}

/** --initial-cluster's peer addresses: where members without an address record are. */
function peersOf(settings: Settings): Map<NodeId, string> {
  return new Map(settings.initialCluster.map((peer) => [nodeId(peer.id), peer.peerAddress]));
}

/** The members a leader replicates to: every member of its configuration but itself. */
function followersOf(node: RaftNode<KvResult> | undefined): NodeId[] {
  if (node === undefined) return [];
  const config = node.membership();
  return [...config.voters, ...config.learners].filter((id) => id !== node.id);
}

function electionTimeoutMsOf(settings: Settings): number {
  return settings.tickMs * settings.electionTicks;
}

/** The metrics, reading the node through `late` once it exists. */
function createMetrics(late: LateParts, memberId: number): MemberMetrics {
  return new MemberMetrics({
    status: () => late.node?.status() ?? EMPTY_STATUS,
    pendingProposals: () => Number(late.node?.stats().pendingProposals ?? 0),
    watchers: () => late.watches?.size ?? 0,
    memberCount: () => {
      const config = late.node?.membership();
      return { voters: config?.voters.length ?? 0, learners: config?.learners.length ?? 0 };
    },
  }, memberId);
}

function createTransport(
  settings: MemberSettings, configuredPeers: ReadonlyMap<NodeId, string>,
  reply: { service: RaftPeerService | undefined }, credentials: grpc.ChannelCredentials,
  metrics: MemberMetrics,
): GrpcPeerClient {
  const selfId = nodeId(settings.id);
  const transport = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS,
    clusterId: settings.clusterId, selfId, messageBytesMax: PEER_MESSAGE_BYTES_MAX,
    rpcDeadlineMs: Math.max(1000, electionTimeoutMsOf(settings)),
    deliverReply: (message) => reply.service?.deliverReply(message) ?? false,
    credentials, observer: metrics.peerObserver(),
  });
  for (const [id, address] of configuredPeers) {
    if (id !== selfId) transport.setPeerAddress(id, address);
  }
  return transport;
}

/** Binds the peer and client ports, and the metrics port when --listen-metrics is set. */
async function startServers(settings: MemberSettings, parts: {
  logger: Logger; node: RaftNode<KvResult>; handlers: Parameters<typeof addClientServices>[1];
  metrics: MemberMetrics; removal: { readonly removed: boolean };
  reply: { service: RaftPeerService | undefined }; tls: MemberTls;
}): Promise<Servers> {
  const { node, removal } = parts;
  const peer = new grpc.Server({
    "grpc.max_receive_message_length": PEER_MESSAGE_BYTES_MAX,
    "grpc.max_send_message_length": PEER_MESSAGE_BYTES_MAX,
  });
  parts.reply.service = addPeerServices(peer, { settings, ...parts });
  const client = new grpc.Server({
    "grpc.max_receive_message_length": settings.requestBytesMax,
    "grpc.max_send_message_length": PEER_MESSAGE_BYTES_MAX,
  });
  const health = addClientServices(client, parts.handlers);
  const peerPort = await bind(peer, "--listen-peer", settings.listenPeer, parts.tls.peerServer);
  const clientPort = await bind(
    client, "--listen-client", settings.listenClient, parts.tls.clientServer);
  const metrics = await listenMetrics(settings, parts.metrics, {
    live: () => (removal.removed
      ? { ok: false, reason: "removed from the cluster" } : { ok: true, reason: "running" }),
    ready: () => readiness(node, removal.removed),
  });
  return { peer, client, health, metrics, peerPort, clientPort };
}

/** The member's periodic work; returns how to stop it. */
function startTimers(settings: MemberSettings, parts: {
  node: RaftNode<KvResult>; watches: WatchHub; metrics: MemberMetrics;
  health: Servers["health"]; removal: { readonly removed: boolean };
}): () => void {
  const { node, removal } = parts;
  const healthTimer = setInterval(() => {
    parts.health.setStatus("", isServing(node) && !removal.removed ? "serving" : "not-serving");
  }, settings.tickMs);
  const watchProgressTimer = setInterval(() => {
    parts.watches.progressTick();
  }, WATCH_PROGRESS_INTERVAL_MS);
  const stopProbe = startEventLoopProbe((delayMs) => {
    parts.metrics.recordEventLoopDelay(delayMs);
  });
  return () => {
    clearInterval(healthTimer);
    clearInterval(watchProgressTimer);
    stopProbe();
  };
}

/**
 * A stopping leader hands leadership over first, while clients can still reach this member
 * and retry elsewhere, so a rolling restart costs no election timeout.
 */
async function handOver(
  node: RaftNode<KvResult>, settings: Settings, logger: Logger,
): Promise<void> {
  const handoff = await handOffLeadership(node, {
    timeoutMs: 2 * electionTimeoutMsOf(settings), scheduler: new SystemScheduler(),
    retryWithinMs: electionTimeoutMsOf(settings),
  });
  logger.info("leadership handoff before stopping", { ...handoff });
}

/** Logs what the node reports once, counts it in the metrics, learns leaders' addresses. */
function observeNode(
  node: RaftNode<KvResult>, logger: Logger, metrics: MemberMetrics, directory: MemberDirectory,
): void {
  logEvents(node, logger);
  node.subscribe((event) => {
    metrics.observeNode(event);
    // Learn the new leader's client address early: it goes into UNAVAILABLE hints.
    if (event.type === "leader-changed" && event.leader !== NO_NODE) {
      directory.clientAddress(event.leader);
    }
  });
}

async function joinThrough(
  settings: MemberSettings, request: { id: NodeId; peerAddress: string; clientAddress: string },
  logger: Logger, tls: MemberTls,
): Promise<void> {
  logger.info("asking the cluster to add this member", { join: settings.join, ...request });
  const answer = await requestMembership(
    settings.join, request, JOIN_TIMEOUT_MS, tls.clientChannel);
  logger.info("added to the cluster as a learner; catching up, then promoted", {
    leader: answer.member_id, members: answer.members.map((m) => m.id),
  });
}

/**
 * The Raft node over the member's storage; every apply tells the watches. With tracing on
 * (OTEL_EXPORTER_OTLP_ENDPOINT), the node reports its writes' progress to a WriteTracer.
 */
function createNode(
  settings: MemberSettings, storage: Storage, transport: GrpcPeerClient, watches: WatchHub,
): { node: RaftNode<KvResult>; tracing: Tracing | undefined } {
  const tracing = startTracing(settings.id, process.env);
  const built: { node?: RaftNode<KvResult> } = {};
  const writeTracer = tracing === undefined ? undefined : new WriteTracer(
    tracing.tracer, () => followersOf(built.node), TRACED_WRITES_MAX);
  built.node = new RaftNode<KvResult>({
    raftConfig: raftConfigOf(settings, nodeId(settings.id)), ...storage, transport,
    stateMachine: withChangeListener(storage.stateMachine, () => watches.applied()),
    scheduler: new SystemScheduler(), tickIntervalMs: settings.tickMs,
    random: new SeededRandom(randomInt(2 ** 31)),
    writesInFlightMax: READY_WRITES_IN_FLIGHT_MAX,
    pendingProposalsMax: settings.pendingProposalsMax,
    pendingReadsMax: READS_PENDING_MAX,
    snapshotEveryEntries: settings.snapshotEveryEntries,
    snapshotEveryBytes: settings.snapshotEveryBytes,
    logTailEntries: settings.logTailEntries,
    stallStepDownMs: settings.stallStepDownMs,
    ...(writeTracer === undefined ? {} : { progressObserver: writeTracer }),
  });
  return { node: built.node, tracing };
}

function raftConfigOf(settings: Settings, id: NodeId): RaftConfig {
  return {
    ...DEFAULT_RAFT_CONFIG,
    nodeId: id,
    electionTicks: settings.electionTicks,
    heartbeatTicks: settings.heartbeatTicks,
  };
}

/** Starts the HTTP metrics and health endpoints when --listen-metrics is set. */
async function listenMetrics(
  settings: MemberSettings, metrics: MemberMetrics, checks: HealthChecks,
): Promise<{ server: MetricsServer; port: number } | undefined> {
  const address = settings.listenMetrics;
  if (address === undefined) return undefined;
  const split = /^(.*):(\d+)$/.exec(address);
  if (split === null) throw new Error(`${address} was validated as host:port`);
  const host = split[1]!.replace(/^\[(.*)\]$/, "$1");
  try {
    return await MetricsServer.listen(host, Number(split[2]), metrics, checks);
  } catch (error: unknown) {
    throw new StartupError(`--listen-metrics ${address}`, describeBindError(error), { cause: error });
  }
}

/** /readyz: what gRPC health's SERVING means, said in words. */
function readiness(node: RaftNode<KvResult>, removed: boolean): { ok: boolean; reason: string } {
  if (removed) return { ok: false, reason: "removed from the cluster" };
  const status = node.status();
  if (status.leader === NO_NODE) return { ok: false, reason: "no leader known" };
  if (status.appliedIndex < status.commitIndex) {
    return { ok: false, reason: `applying: ${String(status.appliedIndex)} of ${String(status.commitIndex)}` };
  }
  return { ok: true, reason: `leader ${String(status.leader)}, applied ${String(status.appliedIndex)}` };
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
    } else if (event.type === "member-added") {
      logger.info("member added to the configuration", { added: event.member, learner: event.learner });
    } else if (event.type === "member-removed") {
      logger.info("member removed from the configuration", { removed: event.member });
    } else if (event.type === "stepped-down") {
      logger.warn("stepped down as leader: this member stalled past --stall-step-down-ms", {
        stall: event.kind, stalledMs: Math.round(event.stalledMs),
      });
    } else if (event.type === "snapshot-taken") {
      logger.info("snapshot taken, log compacted", { index: event.index, bytes: event.bytes });
    }
  });
}

function withPort(address: string, port: number): string {
  return address.replace(/:\d+$/, `:${String(port)}`);
}

/** An advertised address with port 0 (bind any) names the port really bound. */
function withBoundPort(address: string, port: number): string {
  return /:0$/.test(address) ? withPort(address, port) : address;
}
