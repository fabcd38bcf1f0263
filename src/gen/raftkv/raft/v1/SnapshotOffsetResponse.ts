// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotOffsetResponse {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'offset'?: (number | string | Long);
}

export interface SnapshotOffsetResponse__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'offset': (string);
}
