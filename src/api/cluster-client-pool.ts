import type * as grpc from "@grpc/grpc-js";
import type { ClusterClient } from "../gen/raftkv/cluster/v1/Cluster.js";
import { raftkvProtos } from "../transport/proto-loading.js";

/**
 * Cluster clients for other members' ports, one per address, created on first use with the
 * given credentials and reused (a channel per member, not per call).
 */
export class ClusterClientPool {
  private readonly clients = new Map<string, ClusterClient>();

  constructor(private readonly credentials: grpc.ChannelCredentials) {}

  get(address: string): ClusterClient {
    let client = this.clients.get(address);
    if (client === undefined) {
      const Cluster = raftkvProtos().grpcObject.raftkv.cluster.v1.Cluster;
      client = new Cluster(address, this.credentials);
      this.clients.set(address, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
