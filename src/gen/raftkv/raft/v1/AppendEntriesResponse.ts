// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface AppendEntriesResponse {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'heartbeat'?: (boolean);
  'success'?: (boolean);
  'match_index'?: (number | string | Long);
  'rejected_index'?: (number | string | Long);
  'hint_index'?: (number | string | Long);
  'hint_term'?: (number | string | Long);
  'read_round'?: (number | string | Long);
}

export interface AppendEntriesResponse__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'heartbeat': (boolean);
  'success': (boolean);
  'match_index': (string);
  'rejected_index': (string);
  'hint_index': (string);
  'hint_term': (string);
  'read_round': (string);
}
