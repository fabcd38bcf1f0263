import * as grpc from "@grpc/grpc-js";
import { NO_NODE, type NodeId } from "../core/ids.js";
import { isMember } from "../core/membership-config.js";
import type { MemberListResponse__Output } from "../gen/raftkv/cluster/v1/MemberListResponse.js";
import type { StatusResponse__Output } from "../gen/raftkv/cluster/v1/StatusResponse.js";
import type { RaftNode } from "../node/raft-node.js";
import type { ClusterClient } from "../gen/raftkv/cluster/v1/Cluster.js";
import { clusterClientPool, type ClientPool } from "./client-pool.js";

/** How long one question to a peer may take. */
const ASK_DEADLINE_MS = 1000;

export interface RemovalDetectorOptions {
  readonly node: RaftNode<unknown>;
  readonly peerAddress: (id: NodeId) => string | undefined;
  /** Without a leader this long, the member asks its peers whether it is still a member. */
  readonly leaderlessMs: number;
  readonly nowMs: () => number;
  /** Called once, when a peer that follows a leader lists this member no more. */
  readonly onRemoved: (evidence: { readonly askedMember: NodeId; readonly leader: NodeId }) => void;
  /**
   * For the calls to peer ports: the peer port's credentials (transport/tls.ts). Plaintext
   * when absent, which a member with --peer-cert must not rely on: its peers refuse it.
   */
  readonly credentials?: grpc.ChannelCredentials;
}

/**
 * Tells a member that it was removed. The configuration that removes a member takes effect
 * on the leader as soon as it is appended (thesis 4.1), so the leader stops replicating to
 * that member and it usually never sees the entry: it only notices that no leader speaks to
 * it any more. Then it asks the other members it knows; one that follows a leader and whose
 * configuration no longer lists it is the evidence (etcd's removed member learns it the same
 * way, from its peers). A member whose own configuration is empty (joining, not yet added)
 * never concludes it was removed.
 */
export class RemovalDetector {
  private leaderSeenMs: number;
  private asking = false;
  private removed = false;
  private readonly clients: ClientPool<ClusterClient>;

  constructor(private readonly options: RemovalDetectorOptions) {
    this.leaderSeenMs = options.nowMs();
    this.clients = clusterClientPool(options.credentials ?? grpc.credentials.createInsecure());
  }

  /** Called periodically. */
  check(): void {
    const { node } = this.options;
    const now = this.options.nowMs();
    const config = node.membership();
    const listed = isMember(config, node.id);
    if (node.leader() !== NO_NODE && listed) this.leaderSeenMs = now;
    const everConfigured = config.voters.length > 0;
    const leaderless = now - this.leaderSeenMs >= this.options.leaderlessMs;
    const suspicious = everConfigured && (!listed || leaderless);
    if (!suspicious || this.asking || this.removed) return;
    this.asking = true;
    void this.askPeers().finally(() => {
      this.asking = false;
    });
  }

  close(): void {
    this.clients.close();
  }

  private async askPeers(): Promise<void> {
    const { node } = this.options;
    const config = node.membership();
    for (const id of [...config.voters, ...config.learners]) {
      if (id === node.id || this.removed) continue;
      const address = this.options.peerAddress(id);
      if (address === undefined) continue;
      const status = await this.ask<StatusResponse__Output>(address, "Status");
      if (status === undefined || status.leader_id === "0" || status.member_id !== String(id)) continue;
      const list = await this.ask<MemberListResponse__Output>(address, "MemberList");
      if (list === undefined) continue;
      if (!list.members.some((member) => member.id === String(node.id))) {
        this.removed = true;
        this.options.onRemoved({ askedMember: id, leader: Number(status.leader_id) as NodeId });
      }
      return; // One peer that follows a leader answers for the cluster.
    }
  }

  private ask<Response>(address: string, method: "Status" | "MemberList"): Promise<Response | undefined> {
    const client = this.clients.get(address);
    const call = client[method].bind(client) as unknown as (
      request: object, options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: Response) => void,
    ) => void;
    return new Promise((resolve) => {
      call({}, { deadline: Date.now() + ASK_DEADLINE_MS }, (error, response) => {
        resolve(error === null ? response : undefined);
      });
    });
  }
}
