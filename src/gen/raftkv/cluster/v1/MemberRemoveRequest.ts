// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberRemoveRequest {
  'id'?: (number | string | Long);
  'force'?: (boolean);
}

export interface MemberRemoveRequest__Output {
  'id': (string);
  'force': (boolean);
}
