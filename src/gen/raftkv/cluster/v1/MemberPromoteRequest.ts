// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberPromoteRequest {
  'id'?: (number | string | Long);
}

export interface MemberPromoteRequest__Output {
  'id': (string);
}
