// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeadershipRequest {
  'target_id'?: (number | string | Long);
}

export interface TransferLeadershipRequest__Output {
  'target_id': (string);
}
