// Original file: proto/raftkv/raft/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotMetadata {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'voters'?: (number | string | Long)[];
  'learners'?: (number | string | Long)[];
  'size_bytes'?: (number | string | Long);
  'sha256'?: (string);
  'config'?: (Buffer | Uint8Array | string);
}

export interface SnapshotMetadata__Output {
  'index': (string);
  'term': (string);
  'voters': (string)[];
  'learners': (string)[];
  'size_bytes': (string);
  'sha256': (string);
  'config': (Buffer);
}
