// Original file: proto/raftkv/raft/v1/raft.proto

import type { Entry as _raftkv_raft_v1_Entry, Entry__Output as _raftkv_raft_v1_Entry__Output } from '../../../raftkv/raft/v1/Entry.js';
import type { Long } from '@grpc/proto-loader';

export interface AppendEntriesRequest {
  'cluster_id'?: (number | string | Long);
  'from'?: (number | string | Long);
  'to'?: (number | string | Long);
  'term'?: (number | string | Long);
  'heartbeat'?: (boolean);
  'prev_log_index'?: (number | string | Long);
  'prev_log_term'?: (number | string | Long);
  'entries'?: (_raftkv_raft_v1_Entry)[];
  'leader_commit'?: (number | string | Long);
  'read_round'?: (number | string | Long);
}

export interface AppendEntriesRequest__Output {
  'cluster_id': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'heartbeat': (boolean);
  'prev_log_index': (string);
  'prev_log_term': (string);
  'entries': (_raftkv_raft_v1_Entry__Output)[];
  'leader_commit': (string);
  'read_round': (string);
}
