import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { ClusterService, type SnapshotReceiving } from "./api/cluster-service.js";
import { PreconditionError } from "./api/errors.js";
import { encodeHeader } from "./api/kv-codec.js";
import { KvService, type CallContext } from "./api/kv-service.js";
import type { LeaderForwarder } from "./api/leader-forwarder.js";
import type { MemberDirectory } from "./api/member-directory.js";
import { MembershipService } from "./api/membership-service.js";
import { guardedService } from "./api/request-guard.js";
import { snapshotDownloadHandler } from "./api/snapshot-download.js";
import { unaryHandler } from "./api/unary-handler.js";
import type { WatchHub } from "./api/watch-hub.js";
import { watchHandler } from "./api/watch-service.js";
import { nodeId } from "./core/ids.js";
import type { ClusterHandlers } from "./gen/raftkv/cluster/v1/Cluster.js";
import type { KVHandlers } from "./gen/raftkv/kv/v1/KV.js";
import type { RaftNode } from "./node/raft-node.js";
import type { Logger } from "./observability/logger.js";
import type { MemberMetrics } from "./observability/member-metrics.js";
import type { MemberSettings, Storage } from "./member-storage.js";
import { SystemScheduler } from "./runtime/system-scheduler.js";
import { describeBindError, StartupError } from "./startup-error.js";
import type { KvResult } from "./state-machine/kv-types.js";
import {
  addRaftPeerService, DEFAULT_PEER_SERVER_LIMITS, type RaftPeerService,
} from "./transport/grpc-peer-server.js";
import { HealthService } from "./transport/health-service.js";
import { isKnownPeerOf } from "./transport/peer-envelope.js";
import { raftkvProtos, SERVICE_NAMES } from "./transport/proto-loading.js";
import { addReflection, CLIENT_SERVICES } from "./transport/reflection.js";

/** Peer messages (AppendEntries batches, snapshot chunks) may be large; clients are bounded. */
export const PEER_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
const RANGE_LIMIT_MAX = 10_000;
const HEALTH_WATCHERS_MAX = 256;
/** How long a stopping member lets calls in progress finish before cancelling them. */
const SHUTDOWN_GRACE_MS = 2000;
/** The client calls that propose a log entry (metrics count them as proposals). */
const WRITE_METHODS = new Set(["Put", "Delete", "Txn"]);
/** What every call to a removed member hears. */
const REMOVED_MESSAGE = "this member was removed from the cluster and serves nothing more; " +
  "use another member";

export interface Handlers {
  readonly kv: KVHandlers;
  readonly cluster: ClusterHandlers;
}

type HandlerOptions = Parameters<typeof unaryHandler>[0];
/** Wraps a handler so a removed member refuses it. */
type Guard = <Request, Response>(
  handle: (request: Request, call: CallContext) => Promise<Response> | Response,
) => (request: Request, call: CallContext) => Promise<Response> | Response;

export function buildHandlers(parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; storage: Storage;
  forwarder: LeaderForwarder; directory: MemberDirectory; watches: WatchHub;
  removal: { readonly removed: boolean }; metrics: MemberMetrics;
  snapshotReceiving: () => SnapshotReceiving | undefined;
}): { handlers: Handlers; membership: MembershipService } {
  const { settings, logger, node, directory, removal } = parts;
  const nowMs = (): number => performance.now();
  const membership = new MembershipService({
    node, clusterId: settings.clusterId, directory, forwarder: parts.forwarder,
    logger, nowMs, promoteLagEntriesMax: settings.promoteLagEntries,
    reachableWithinMs: settings.tickMs * settings.electionTicks, scheduler: new SystemScheduler(),
  });
  const options = (method: string): HandlerOptions => ({
    method, defaultTimeoutMs: settings.requestTimeoutMs, logger, nowMs,
    leaderAddress: (id) => directory.clientAddress(nodeId(id)),
    observe: (name, code, durationMs) => {
      parts.metrics.recordRequest(name, code, durationMs, WRITE_METHODS.has(name));
    },
  });
  // A removed member answers nothing but Status and MemberList, which say it was removed.
  const unlessRemoved: Guard = (handle) => (request, call) => {
    if (removal.removed) throw new PreconditionError(REMOVED_MESSAGE);
    return handle(request, call);
  };
  const handlers: Handlers = {
    kv: kvHandlers(parts, options, unlessRemoved),
    cluster: clusterHandlers(parts, membership, options, unlessRemoved),
  };
  return { handlers, membership };
}

function kvHandlers(parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; storage: Storage;
  forwarder: LeaderForwarder; watches: WatchHub;
}, options: (method: string) => HandlerOptions, unlessRemoved: Guard): KVHandlers {
  const { settings, node } = parts;
  const limits = {
    keyBytesMax: settings.keyBytesMax, valueBytesMax: settings.valueBytesMax,
    rangeLimitMax: RANGE_LIMIT_MAX, txnOpsMax: settings.txnOpsMax,
  };
  const reader = parts.storage.stateMachine;
  const kv = new KvService({
    node, reader, forwarder: parts.forwarder, clusterId: settings.clusterId,
    nowMs: () => performance.now(), limits,
  });
  return {
    Put: unaryHandler(options("Put"), unlessRemoved((request, call) => kv.put(request, call))),
    Get: unaryHandler(options("Get"), unlessRemoved((request, call) => kv.get(request, call))),
    Delete: unaryHandler(options("Delete"),
      unlessRemoved((request, call) => kv.delete(request, call))),
    Range: unaryHandler(options("Range"),
      unlessRemoved((request, call) => kv.range(request, call))),
    Txn: unaryHandler(options("Txn"), unlessRemoved((request, call) => kv.txn(request, call))),
    Watch: watchHandler({
      hub: parts.watches, limits, logger: parts.logger,
      header: (revision) => encodeHeader({
        clusterId: settings.clusterId, memberId: node.id, term: node.status().term,
        revision: revision ?? reader.revision(),
      }),
    }),
  };
}

function clusterHandlers(parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; directory: MemberDirectory;
  removal: { readonly removed: boolean }; snapshotReceiving: () => SnapshotReceiving | undefined;
}, membership: MembershipService, options: (method: string) => HandlerOptions,
unlessRemoved: Guard): ClusterHandlers {
  const { node, removal } = parts;
  const cluster = new ClusterService({
    node, clusterId: parts.settings.clusterId, addresses: parts.directory,
    removed: () => removal.removed, snapshotReceiving: parts.snapshotReceiving,
  });
  return {
    Status: unaryHandler(options("Status"), () => cluster.status()),
    MemberList: unaryHandler(options("MemberList"), async () => cluster.memberList()),
    MemberAdd: unaryHandler(options("MemberAdd"),
      unlessRemoved((request, call) => membership.add(request, call))),
    MemberPromote: unaryHandler(options("MemberPromote"),
      unlessRemoved((request, call) => membership.promote(request, call))),
    MemberRemove: unaryHandler(options("MemberRemove"),
      unlessRemoved((request, call) => membership.remove(request, call))),
    MemberUpdate: unaryHandler(options("MemberUpdate"),
      unlessRemoved((request, call) => membership.update(request, call))),
    TransferLeadership: unaryHandler(options("TransferLeadership"),
      unlessRemoved((request, call) => membership.transferLeadership(request, call))),
    Snapshot: snapshotDownloadHandler({
      take: () => node.takeSnapshot(), logger: parts.logger,
      admit: () => {
        if (removal.removed) throw new PreconditionError(REMOVED_MESSAGE);
      },
    }),
  };
}

/**
 * The peer port: RaftPeer; KV as the target of followers' forwarded calls; Cluster, so that
 * members learn each other's client addresses (MemberDirectory).
 */
export function addPeerServices(server: grpc.Server, parts: {
  settings: MemberSettings; logger: Logger; node: RaftNode<KvResult>; handlers: Handlers;
}): RaftPeerService {
  const { settings, logger, node } = parts;
  const service = addRaftPeerService(server, {
    logger,
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
export function addClientServices(server: grpc.Server, handlers: Handlers): HealthService {
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

/**
 * Binds `address` with `credentials` (transport/tls.ts: plaintext, TLS or mutual TLS); a
 * failure is a StartupError naming `flag` (`--listen-client`) and the address.
 */
export function bind(
  server: grpc.Server, flag: string, address: string, credentials: grpc.ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
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
export function shutdown(server: grpc.Server): Promise<void> {
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}
