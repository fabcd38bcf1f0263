// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotInfo {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'size_bytes'?: (number | string | Long);
  'sha256'?: (string);
}

export interface SnapshotInfo__Output {
  'index': (string);
  'term': (string);
  'size_bytes': (string);
  'sha256': (string);
}
