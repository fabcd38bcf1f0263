// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberAddRequest {
  'id'?: (number | string | Long);
  'peer_address'?: (string);
  'client_address'?: (string);
  'as_voter'?: (boolean);
  'auto_promote'?: (boolean);
}

export interface MemberAddRequest__Output {
  'id': (string);
  'peer_address': (string);
  'client_address': (string);
  'as_voter': (boolean);
  'auto_promote': (boolean);
}
