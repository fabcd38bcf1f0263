// Original file: proto/raftkv/raft/v1/raft.proto

import type { SnapshotMetadata as _raftkv_raft_v1_SnapshotMetadata, SnapshotMetadata__Output as _raftkv_raft_v1_SnapshotMetadata__Output } from '../../../raftkv/raft/v1/SnapshotMetadata.js';
import type { Long } from '@grpc/proto-loader';

export interface InstallSnapshotChunk {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'metadata'?: (_raftkv_raft_v1_SnapshotMetadata | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'done'?: (boolean);
  'crc32'?: (number);
}

export interface InstallSnapshotChunk__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'metadata': (_raftkv_raft_v1_SnapshotMetadata__Output | null);
  'offset': (string);
  'data': (Buffer);
  'done': (boolean);
  'crc32': (number);
}
