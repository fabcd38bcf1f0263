import type * as grpc from "@grpc/grpc-js";
import type { ClusterClient } from "../gen/raftkv/cluster/v1/Cluster.js";
import type { KVClient } from "../gen/raftkv/kv/v1/KV.js";
import { raftkvProtos } from "../transport/proto-loading.js";

/**
 * gRPC clients for other members' ports, one per address, created on first use and reused:
 * a channel per member, not per call.
 */
export class ClientPool<Client extends grpc.Client> {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly create: (address: string) => Client) {}

  get(address: string): Client {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = this.create(address);
      this.clients.set(address, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/** Cluster clients with `credentials`. */
export function clusterClientPool(credentials: grpc.ChannelCredentials): ClientPool<ClusterClient> {
  const Cluster = raftkvProtos().grpcObject.raftkv.cluster.v1.Cluster;
  return new ClientPool((address) => new Cluster(address, credentials));
}

/** KV clients with `credentials` whose messages may be up to `messageBytesMax` each way. */
export function kvClientPool(
  credentials: grpc.ChannelCredentials, messageBytesMax: number,
): ClientPool<KVClient> {
  const KV = raftkvProtos().grpcObject.raftkv.kv.v1.KV;
  return new ClientPool((address) => new KV(address, credentials, {
    "grpc.max_send_message_length": messageBytesMax,
    "grpc.max_receive_message_length": messageBytesMax,
  }));
}
