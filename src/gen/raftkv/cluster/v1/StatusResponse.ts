// Original file: proto/raftkv/cluster/v1/cluster.proto

import type { Role as _raftkv_cluster_v1_Role, Role__Output as _raftkv_cluster_v1_Role__Output } from '../../../raftkv/cluster/v1/Role.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'cluster_id'?: (number | string | Long);
  'member_id'?: (number | string | Long);
  'role'?: (_raftkv_cluster_v1_Role);
  'is_learner'?: (boolean);
  'term'?: (number | string | Long);
  'leader_id'?: (number | string | Long);
  'commit_index'?: (number | string | Long);
  'applied_index'?: (number | string | Long);
  'last_log_index'?: (number | string | Long);
  'snapshot_index'?: (number | string | Long);
  'client_address'?: (string);
  'peer_address'?: (string);
  'snapshot_receiving_index'?: (number | string | Long);
  'snapshot_received_bytes'?: (number | string | Long);
  'snapshot_receiving_total_bytes'?: (number | string | Long);
  'removed'?: (boolean);
}

export interface StatusResponse__Output {
  'cluster_id': (string);
  'member_id': (string);
  'role': (_raftkv_cluster_v1_Role__Output);
  'is_learner': (boolean);
  'term': (string);
  'leader_id': (string);
  'commit_index': (string);
  'applied_index': (string);
  'last_log_index': (string);
  'snapshot_index': (string);
  'client_address': (string);
  'peer_address': (string);
  'snapshot_receiving_index': (string);
  'snapshot_received_bytes': (string);
  'snapshot_receiving_total_bytes': (string);
  'removed': (boolean);
}
