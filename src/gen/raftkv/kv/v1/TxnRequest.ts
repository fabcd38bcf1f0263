// Original file: proto/raftkv/kv/v1/kv.proto

import type { Compare as _raftkv_kv_v1_Compare, Compare__Output as _raftkv_kv_v1_Compare__Output } from '../../../raftkv/kv/v1/Compare.js';
import type { RequestOp as _raftkv_kv_v1_RequestOp, RequestOp__Output as _raftkv_kv_v1_RequestOp__Output } from '../../../raftkv/kv/v1/RequestOp.js';
import type { Long } from '@grpc/proto-loader';

export interface TxnRequest {
  'compare'?: (_raftkv_kv_v1_Compare)[];
  'success'?: (_raftkv_kv_v1_RequestOp)[];
  'failure'?: (_raftkv_kv_v1_RequestOp)[];
  'client_id'?: (string);
  'sequence'?: (number | string | Long);
}

export interface TxnRequest__Output {
  'compare': (_raftkv_kv_v1_Compare__Output)[];
  'success': (_raftkv_kv_v1_RequestOp__Output)[];
  'failure': (_raftkv_kv_v1_RequestOp__Output)[];
  'client_id': (string);
  'sequence': (string);
}
