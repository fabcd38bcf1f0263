// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface RequestVoteResponse {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'pre_vote'?: (boolean);
  'granted'?: (boolean);
}

export interface RequestVoteResponse__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'pre_vote': (boolean);
  'granted': (boolean);
}
