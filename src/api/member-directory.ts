import * as grpc from "@grpc/grpc-js";
import type { MemberAddress, MembershipConfig } from "../core/entry.js";
import type { NodeId } from "../core/ids.js";
import type { ClusterClient } from "../gen/raftkv/cluster/v1/Cluster.js";
import { clusterClientPool, type ClientPool } from "./client-pool.js";

/** How long a lookup of another member's client address may take. */
const LOOKUP_DEADLINE_MS = 500;

/**
 * Where members are reached. The configuration's address records (MembershipConfig
 * .addresses, changed only through the log) come first; --initial-cluster's peer addresses
 * stand in for members that have no record yet. A client address missing from both is
 * learned by asking that member (Cluster/Status, served on the peer port too) and cached.
 * Lookups are best-effort: an unreachable member simply has no client address yet.
 */
export class MemberDirectory {
  private readonly clientAddresses = new Map<NodeId, string>();
  private readonly lookups = new Map<NodeId, Promise<void>>();
  private readonly clients: ClientPool<ClusterClient>;
  private records = new Map<NodeId, MemberAddress>();

  constructor(
    private readonly self: { readonly id: NodeId; readonly clientAddress: string },
    private readonly configuredPeers: ReadonlyMap<NodeId, string>,
    /** For Status calls to peer ports (transport/tls.ts: the peer port's credentials). */
    private readonly credentials: grpc.ChannelCredentials,
  ) {
    this.clientAddresses.set(self.id, self.clientAddress);
    this.clients = clusterClientPool(credentials);
  }

  /** Adopts the address records of the configuration now in force. */
  follow(config: MembershipConfig): void {
    this.records = new Map((config.addresses ?? []).map((record) => [record.id, record]));
  }

  /** The configuration's record for `id`, if it has one. */
  record(id: NodeId): MemberAddress | undefined {
    return this.records.get(id);
  }

  peerAddress(id: NodeId): string | undefined {
    return this.records.get(id)?.peerAddress ?? this.configuredPeers.get(id);
  }

  /** The cached client address; starts a lookup when unknown, for next time. */
  clientAddress(id: NodeId): string | undefined {
    const recorded = this.records.get(id)?.clientAddress;
    if (recorded !== undefined && recorded !== "" && id !== this.self.id) return recorded;
    const known = this.clientAddresses.get(id);
    if (known === undefined) void this.learn(id);
    return known;
  }

  /** Learns the client addresses of `ids` that are not known yet (bounded wait). */
  async learnAll(ids: readonly NodeId[]): Promise<void> {
    const unknown = ids.filter((id) => this.clientAddress(id) === undefined);
    await Promise.all(unknown.map((id) => this.learn(id)));
  }

  close(): void {
    this.clients.close();
  }

  private learn(id: NodeId): Promise<void> {
    const pending = this.lookups.get(id);
    if (pending !== undefined) return pending;
    const address = this.peerAddress(id);
    if (address === undefined || id === this.self.id) return Promise.resolve();
    const lookup = new Promise<void>((resolve) => {
      const options = { deadline: Date.now() + LOOKUP_DEADLINE_MS };
      this.clients.get(address).Status({}, options, (error, status) => {
        if (error === null && status !== undefined && status.member_id === String(id) &&
            status.client_address !== "") {
          this.clientAddresses.set(id, status.client_address);
        }
        resolve();
      });
    }).finally(() => this.lookups.delete(id));
    this.lookups.set(id, lookup);
    return lookup;
  }

}
