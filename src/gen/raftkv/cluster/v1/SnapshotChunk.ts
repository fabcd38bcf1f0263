// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { SnapshotInfo as _raftkv_cluster_v1_SnapshotInfo, SnapshotInfo__Output as _raftkv_cluster_v1_SnapshotInfo__Output } from '../../../raftkv/cluster/v1/SnapshotInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotChunk {
  'info'?: (_raftkv_cluster_v1_SnapshotInfo | null);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface SnapshotChunk__Output {
  'info': (_raftkv_cluster_v1_SnapshotInfo__Output | null);
  'offset': (string);
  'data': (Buffer);
}
