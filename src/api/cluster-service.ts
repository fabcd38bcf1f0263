import type { NodeId } from "../core/ids.js";
import { addressOf } from "../core/membership-config.js";
import type { Role } from "../core/ready.js";
import { Role as ProtoRole } from "../gen/raftkv/cluster/v1/Role.js";
import type { MemberListResponse } from "../gen/raftkv/cluster/v1/MemberListResponse.js";
import type { StatusResponse } from "../gen/raftkv/cluster/v1/StatusResponse.js";
import type { RaftNode } from "../node/raft-node.js";

/** Where a member is reached, as configured or learned (see MemberDirectory). */
export interface MemberAddresses {
  peerAddress(id: NodeId): string | undefined;
  clientAddress(id: NodeId): string | undefined;
  /** Tries to learn unknown client addresses; resolves when done or given up. */
  learnAll(ids: readonly NodeId[]): Promise<void>;
}

/** Progress of a snapshot arriving from the leader (bytes kept across a resumed stream). */
export interface SnapshotReceiving {
  readonly index: number;
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

const ROLE_CODES: Record<Role, ProtoRole> = {
  follower: ProtoRole.ROLE_FOLLOWER,
  "pre-candidate": ProtoRole.ROLE_PRE_CANDIDATE,
  candidate: ProtoRole.ROLE_CANDIDATE,
  leader: ProtoRole.ROLE_LEADER,
};

/** The operator's view: served locally by every member, never forwarded. */
export class ClusterService {
  constructor(private readonly deps: {
    readonly node: RaftNode<unknown>;
    readonly clusterId: number;
    readonly addresses: MemberAddresses;
    /** Whether this member learned it was removed (MembershipUpkeep). */
    readonly removed: () => boolean;
    /** The snapshot being received from the leader now, if any. */
    readonly snapshotReceiving: () => SnapshotReceiving | undefined;
  }) {}

  status(): StatusResponse {
    const s = this.deps.node.status();
    const receiving = this.deps.snapshotReceiving();
    return {
      cluster_id: String(this.deps.clusterId), member_id: String(s.id), role: ROLE_CODES[s.role],
      is_learner: s.isLearner, term: String(s.term), leader_id: String(s.leader),
      commit_index: String(s.commitIndex), applied_index: String(s.appliedIndex),
      last_log_index: String(s.lastIndex), snapshot_index: String(s.snapshotIndex),
      client_address: this.deps.addresses.clientAddress(s.id) ?? "",
      peer_address: this.deps.addresses.peerAddress(s.id) ?? "",
      snapshot_receiving_index: String(receiving?.index ?? 0),
      snapshot_received_bytes: String(receiving?.receivedBytes ?? 0),
      snapshot_receiving_total_bytes: String(receiving?.totalBytes ?? 0),
      removed: this.deps.removed(),
    };
  }

  async memberList(): Promise<MemberListResponse> {
    const config = this.deps.node.membership();
    await this.deps.addresses.learnAll([...config.voters, ...config.learners]);
    return describeMembers(this.deps.node, this.deps.clusterId, this.deps.addresses);
  }
}

/** The configuration `node` knows, as MemberList and every membership change answer it. */
export function describeMembers(
  node: RaftNode<unknown>, clusterId: number, addresses: MemberAddresses,
): MemberListResponse {
  const config = node.membership();
  const describe = (id: NodeId, isLearner: boolean): NonNullable<MemberListResponse["members"]>[number] => ({
    id: String(id),
    peer_address: addresses.peerAddress(id) ?? "",
    client_address: addresses.clientAddress(id) ?? "",
    is_learner: isLearner,
    auto_promote: isLearner && (addressOf(config, id)?.autoPromote ?? false),
  });
  return {
    cluster_id: String(clusterId),
    member_id: String(node.id),
    members: [
      ...config.voters.map((id) => describe(id, false)),
      ...config.learners.map((id) => describe(id, true)),
    ],
  };
}
