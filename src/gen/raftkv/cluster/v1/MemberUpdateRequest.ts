// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberUpdateRequest {
  'id'?: (number | string | Long);
  'peer_address'?: (string);
  'client_address'?: (string);
}

export interface MemberUpdateRequest__Output {
  'id': (string);
  'peer_address': (string);
  'client_address': (string);
}
