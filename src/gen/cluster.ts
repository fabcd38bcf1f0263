import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ClusterClient as _raftkv_cluster_v1_ClusterClient, ClusterDefinition as _raftkv_cluster_v1_ClusterDefinition } from './raftkv/cluster/v1/Cluster.js';
import type { Member as _raftkv_cluster_v1_Member, Member__Output as _raftkv_cluster_v1_Member__Output } from './raftkv/cluster/v1/Member.js';
import type { MemberAddRequest as _raftkv_cluster_v1_MemberAddRequest, MemberAddRequest__Output as _raftkv_cluster_v1_MemberAddRequest__Output } from './raftkv/cluster/v1/MemberAddRequest.js';
import type { MemberAddResponse as _raftkv_cluster_v1_MemberAddResponse, MemberAddResponse__Output as _raftkv_cluster_v1_MemberAddResponse__Output } from './raftkv/cluster/v1/MemberAddResponse.js';
import type { MemberListRequest as _raftkv_cluster_v1_MemberListRequest, MemberListRequest__Output as _raftkv_cluster_v1_MemberListRequest__Output } from './raftkv/cluster/v1/MemberListRequest.js';
import type { MemberListResponse as _raftkv_cluster_v1_MemberListResponse, MemberListResponse__Output as _raftkv_cluster_v1_MemberListResponse__Output } from './raftkv/cluster/v1/MemberListResponse.js';
import type { MemberPromoteRequest as _raftkv_cluster_v1_MemberPromoteRequest, MemberPromoteRequest__Output as _raftkv_cluster_v1_MemberPromoteRequest__Output } from './raftkv/cluster/v1/MemberPromoteRequest.js';
import type { MemberPromoteResponse as _raftkv_cluster_v1_MemberPromoteResponse, MemberPromoteResponse__Output as _raftkv_cluster_v1_MemberPromoteResponse__Output } from './raftkv/cluster/v1/MemberPromoteResponse.js';
import type { MemberRemoveRequest as _raftkv_cluster_v1_MemberRemoveRequest, MemberRemoveRequest__Output as _raftkv_cluster_v1_MemberRemoveRequest__Output } from './raftkv/cluster/v1/MemberRemoveRequest.js';
import type { MemberRemoveResponse as _raftkv_cluster_v1_MemberRemoveResponse, MemberRemoveResponse__Output as _raftkv_cluster_v1_MemberRemoveResponse__Output } from './raftkv/cluster/v1/MemberRemoveResponse.js';
import type { MemberUpdateRequest as _raftkv_cluster_v1_MemberUpdateRequest, MemberUpdateRequest__Output as _raftkv_cluster_v1_MemberUpdateRequest__Output } from './raftkv/cluster/v1/MemberUpdateRequest.js';
import type { MemberUpdateResponse as _raftkv_cluster_v1_MemberUpdateResponse, MemberUpdateResponse__Output as _raftkv_cluster_v1_MemberUpdateResponse__Output } from './raftkv/cluster/v1/MemberUpdateResponse.js';
import type { SnapshotChunk as _raftkv_cluster_v1_SnapshotChunk, SnapshotChunk__Output as _raftkv_cluster_v1_SnapshotChunk__Output } from './raftkv/cluster/v1/SnapshotChunk.js';
import type { SnapshotInfo as _raftkv_cluster_v1_SnapshotInfo, SnapshotInfo__Output as _raftkv_cluster_v1_SnapshotInfo__Output } from './raftkv/cluster/v1/SnapshotInfo.js';
import type { SnapshotRequest as _raftkv_cluster_v1_SnapshotRequest, SnapshotRequest__Output as _raftkv_cluster_v1_SnapshotRequest__Output } from './raftkv/cluster/v1/SnapshotRequest.js';
import type { StatusRequest as _raftkv_cluster_v1_StatusRequest, StatusRequest__Output as _raftkv_cluster_v1_StatusRequest__Output } from './raftkv/cluster/v1/StatusRequest.js';
import type { StatusResponse as _raftkv_cluster_v1_StatusResponse, StatusResponse__Output as _raftkv_cluster_v1_StatusResponse__Output } from './raftkv/cluster/v1/StatusResponse.js';
import type { TransferLeadershipRequest as _raftkv_cluster_v1_TransferLeadershipRequest, TransferLeadershipRequest__Output as _raftkv_cluster_v1_TransferLeadershipRequest__Output } from './raftkv/cluster/v1/TransferLeadershipRequest.js';
import type { TransferLeadershipResponse as _raftkv_cluster_v1_TransferLeadershipResponse, TransferLeadershipResponse__Output as _raftkv_cluster_v1_TransferLeadershipResponse__Output } from './raftkv/cluster/v1/TransferLeadershipResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftkv: {
    cluster: {
      v1: {
        Cluster: SubtypeConstructor<typeof grpc.Client, _raftkv_cluster_v1_ClusterClient> & { service: _raftkv_cluster_v1_ClusterDefinition }
        Member: MessageTypeDefinition<_raftkv_cluster_v1_Member, _raftkv_cluster_v1_Member__Output>
        MemberAddRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberAddRequest, _raftkv_cluster_v1_MemberAddRequest__Output>
        MemberAddResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberAddResponse, _raftkv_cluster_v1_MemberAddResponse__Output>
        MemberListRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberListRequest, _raftkv_cluster_v1_MemberListRequest__Output>
        MemberListResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberListResponse, _raftkv_cluster_v1_MemberListResponse__Output>
        MemberPromoteRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberPromoteRequest, _raftkv_cluster_v1_MemberPromoteRequest__Output>
        MemberPromoteResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberPromoteResponse, _raftkv_cluster_v1_MemberPromoteResponse__Output>
        MemberRemoveRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberRemoveRequest, _raftkv_cluster_v1_MemberRemoveRequest__Output>
        MemberRemoveResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberRemoveResponse, _raftkv_cluster_v1_MemberRemoveResponse__Output>
        MemberUpdateRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberUpdateRequest, _raftkv_cluster_v1_MemberUpdateRequest__Output>
        MemberUpdateResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberUpdateResponse, _raftkv_cluster_v1_MemberUpdateResponse__Output>
        Role: EnumTypeDefinition
        SnapshotChunk: MessageTypeDefinition<_raftkv_cluster_v1_SnapshotChunk, _raftkv_cluster_v1_SnapshotChunk__Output>
        SnapshotInfo: MessageTypeDefinition<_raftkv_cluster_v1_SnapshotInfo, _raftkv_cluster_v1_SnapshotInfo__Output>
        SnapshotRequest: MessageTypeDefinition<_raftkv_cluster_v1_SnapshotRequest, _raftkv_cluster_v1_SnapshotRequest__Output>
        StatusRequest: MessageTypeDefinition<_raftkv_cluster_v1_StatusRequest, _raftkv_cluster_v1_StatusRequest__Output>
        StatusResponse: MessageTypeDefinition<_raftkv_cluster_v1_StatusResponse, _raftkv_cluster_v1_StatusResponse__Output>
        TransferLeadershipRequest: MessageTypeDefinition<_raftkv_cluster_v1_TransferLeadershipRequest, _raftkv_cluster_v1_TransferLeadershipRequest__Output>
        TransferLeadershipResponse: MessageTypeDefinition<_raftkv_cluster_v1_TransferLeadershipResponse, _raftkv_cluster_v1_TransferLeadershipResponse__Output>
      }
    }
  }
}

