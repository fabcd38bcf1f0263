import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ClusterClient as _raftkv_cluster_v1_ClusterClient, ClusterDefinition as _raftkv_cluster_v1_ClusterDefinition } from './raftkv/cluster/v1/Cluster.js';
import type { Member as _raftkv_cluster_v1_Member, Member__Output as _raftkv_cluster_v1_Member__Output } from './raftkv/cluster/v1/Member.js';
import type { MemberListRequest as _raftkv_cluster_v1_MemberListRequest, MemberListRequest__Output as _raftkv_cluster_v1_MemberListRequest__Output } from './raftkv/cluster/v1/MemberListRequest.js';
import type { MemberListResponse as _raftkv_cluster_v1_MemberListResponse, MemberListResponse__Output as _raftkv_cluster_v1_MemberListResponse__Output } from './raftkv/cluster/v1/MemberListResponse.js';
import type { StatusRequest as _raftkv_cluster_v1_StatusRequest, StatusRequest__Output as _raftkv_cluster_v1_StatusRequest__Output } from './raftkv/cluster/v1/StatusRequest.js';
import type { StatusResponse as _raftkv_cluster_v1_StatusResponse, StatusResponse__Output as _raftkv_cluster_v1_StatusResponse__Output } from './raftkv/cluster/v1/StatusResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftkv: {
    cluster: {
      v1: {
        Cluster: SubtypeConstructor<typeof grpc.Client, _raftkv_cluster_v1_ClusterClient> & { service: _raftkv_cluster_v1_ClusterDefinition }
        Member: MessageTypeDefinition<_raftkv_cluster_v1_Member, _raftkv_cluster_v1_Member__Output>
        MemberListRequest: MessageTypeDefinition<_raftkv_cluster_v1_MemberListRequest, _raftkv_cluster_v1_MemberListRequest__Output>
        MemberListResponse: MessageTypeDefinition<_raftkv_cluster_v1_MemberListResponse, _raftkv_cluster_v1_MemberListResponse__Output>
        Role: EnumTypeDefinition
        StatusRequest: MessageTypeDefinition<_raftkv_cluster_v1_StatusRequest, _raftkv_cluster_v1_StatusRequest__Output>
        StatusResponse: MessageTypeDefinition<_raftkv_cluster_v1_StatusResponse, _raftkv_cluster_v1_StatusResponse__Output>
      }
    }
  }
}

