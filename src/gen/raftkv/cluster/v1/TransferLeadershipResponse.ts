// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeadershipResponse {
  'cluster_id'?: (number | string | Long);
  'member_id'?: (number | string | Long);
  'leader_id'?: (number | string | Long);
}

export interface TransferLeadershipResponse__Output {
  'cluster_id': (string);
  'member_id': (string);
  'leader_id': (string);
}
