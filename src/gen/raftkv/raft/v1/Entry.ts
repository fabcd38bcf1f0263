// Original file: proto/raftkv/raft/v1/raft.proto

import type { EntryKind as _raftkv_raft_v1_EntryKind, EntryKind__Output as _raftkv_raft_v1_EntryKind__Output } from '../../../raftkv/raft/v1/EntryKind.js';
import type { Long } from '@grpc/proto-loader';

export interface Entry {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'kind'?: (_raftkv_raft_v1_EntryKind);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Entry__Output {
  'index': (string);
  'term': (string);
  'kind': (_raftkv_raft_v1_EntryKind__Output);
  'data': (Buffer);
}
