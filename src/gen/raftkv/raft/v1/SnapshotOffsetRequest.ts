// Original file: proto/raftkv/raft/v1/raft.proto

import type { SnapshotMetadata as _raftkv_raft_v1_SnapshotMetadata, SnapshotMetadata__Output as _raftkv_raft_v1_SnapshotMetadata__Output } from '../../../raftkv/raft/v1/SnapshotMetadata.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotOffsetRequest {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'metadata'?: (_raftkv_raft_v1_SnapshotMetadata | null);
}

export interface SnapshotOffsetRequest__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'metadata': (_raftkv_raft_v1_SnapshotMetadata__Output | null);
}
