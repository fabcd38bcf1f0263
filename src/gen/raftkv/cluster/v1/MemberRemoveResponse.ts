// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Member as _raftkv_cluster_v1_Member, Member__Output as _raftkv_cluster_v1_Member__Output } from '../../../raftkv/cluster/v1/Member.js';
import type { Long } from '@grpc/proto-loader';

export interface MemberRemoveResponse {
  'cluster_id'?: (number | string | Long);
  'member_id'?: (number | string | Long);
  'members'?: (_raftkv_cluster_v1_Member)[];
}

export interface MemberRemoveResponse__Output {
  'cluster_id': (string);
  'member_id': (string);
  'members': (_raftkv_cluster_v1_Member__Output)[];
}
