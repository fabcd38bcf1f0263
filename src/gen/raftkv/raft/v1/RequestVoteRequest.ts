// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface RequestVoteRequest {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'pre_vote'?: (boolean);
  'last_log_index'?: (number | string | Long);
  'last_log_term'?: (number | string | Long);
  'leadership_transfer'?: (boolean);
}

export interface RequestVoteRequest__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'pre_vote': (boolean);
  'last_log_index': (string);
  'last_log_term': (string);
  'leadership_transfer': (boolean);
}
