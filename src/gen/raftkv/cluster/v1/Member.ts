// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface Member {
  'id'?: (number | string | Long);
  'peer_address'?: (string);
  'client_address'?: (string);
  'is_learner'?: (boolean);
  'auto_promote'?: (boolean);
}

export interface Member__Output {
  'id': (string);
  'peer_address': (string);
  'client_address': (string);
  'is_learner': (boolean);
  'auto_promote': (boolean);
}
