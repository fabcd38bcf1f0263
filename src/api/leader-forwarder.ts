import * as grpc from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { injectTraceContext } from "../observability/grpc-trace-context.js";
import { clusterClientPool, kvClientPool, type ClientPool } from "./client-pool.js";
import type { ClusterClient } from "../gen/raftkv/cluster/v1/Cluster.js";
import type { KVClient } from "../gen/raftkv/kv/v1/KV.js";
import type { NodeId } from "../core/ids.js";
import { NotLeaderError } from "../node/errors.js";

/** Marks a call forwarded by a follower: the receiver serves it or fails, never forwards. */
export const FORWARDED_KEY = "raftkv-forwarded";

type KvMethod = "Put" | "Get" | "Delete" | "Range" | "Txn";
/** The Cluster calls only a leader can serve: membership changes and leadership transfer. */
export type ClusterLeaderMethod =
  | "MemberAdd" | "MemberPromote" | "MemberRemove" | "MemberUpdate" | "TransferLeadership";

type AnyClient = KVClient | ClusterClient;

/**
 * Forwards client calls to the leader's peer port, which serves the KV service for exactly
 * this purpose (thesis 6.2: route requests to the leader). One channel per leader address,
 * reused; each call carries the client's remaining deadline. `credentials` are the peer
 * port's (transport/tls.ts): the leader's peer port may require this member's peer
 * certificate.
 */
export class LeaderForwarder {
  private readonly kvClients: ClientPool<KVClient>;
  private readonly clusterClients: ClientPool<ClusterClient>;

  constructor(
    private readonly peerAddressOf: (id: NodeId) => string | undefined,
    messageBytesMax: number,
    credentials: grpc.ChannelCredentials,
  ) {
    this.kvClients = kvClientPool(credentials, messageBytesMax);
    this.clusterClients = clusterClientPool(credentials);
  }

  forward<Response>(
    leader: NodeId, method: KvMethod, request: unknown, deadlineMs: number,
  ): Promise<Response> {
    const address = this.peerAddressOf(leader);
    if (address === undefined) return Promise.reject(new NotLeaderError(leader, "the leader's address is unknown"));
    return this.call(this.kvClients.get(address), method, request, deadlineMs);
  }

  /** A Cluster call only the leader serves, to the leader's peer port (which serves Cluster). */
  forwardCluster<Response>(
    leader: NodeId, method: ClusterLeaderMethod, request: unknown, deadlineMs: number,
  ): Promise<Response> {
    const address = this.peerAddressOf(leader);
    if (address === undefined) return Promise.reject(new NotLeaderError(leader, "the leader's address is unknown"));
    return this.call(this.clusterClients.get(address), method, request, deadlineMs);
  }

  private call<Response>(
    client: AnyClient, method: string, request: unknown, deadlineMs: number,
  ): Promise<Response> {
    const call = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!
      .bind(client) as unknown as (
      request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: Response) => void,
    ) => grpc.ClientUnaryCall;
    // The hop to the leader is a client span of the caller's trace; the leader continues it.
    const span = trace.getTracer("raftkv").startSpan(`raftkv.forward/${method}`, {
      kind: SpanKind.CLIENT, attributes: { "rpc.system": "grpc", "rpc.method": method },
    });
    const metadata = new grpc.Metadata();
    metadata.set(FORWARDED_KEY, "1");
    context.with(trace.setSpan(context.active(), span), () => injectTraceContext(metadata));
    return new Promise<Response>((resolve, reject) => {
      const options = { deadline: Date.now() + Math.max(0, deadlineMs) };
      call(request, metadata, options, (error, response) => {
        if (error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.end();
        if (error !== null) reject(error);
        else if (response === undefined) reject(new Error("forwarded call returned no response"));
        else resolve(response);
      });
    });
  }

  close(): void {
    this.kvClients.close();
    this.clusterClients.close();
  }
}
