// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadIndexResponse {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'request_id'?: (number | string | Long);
  'served'?: (boolean);
  'read_index'?: (number | string | Long);
}

export interface ReadIndexResponse__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'request_id': (string);
  'served': (boolean);
  'read_index': (string);
}
