// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadIndexRequest {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'request_id'?: (number | string | Long);
}

export interface ReadIndexRequest__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'request_id': (string);
}
