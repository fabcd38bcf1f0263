// Original file: proto/raftkv/kv/v1/kv.proto

import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from '../../../raftkv/kv/v1/ResponseHeader.js';
import type { ResponseOp as _raftkv_kv_v1_ResponseOp, ResponseOp__Output as _raftkv_kv_v1_ResponseOp__Output } from '../../../raftkv/kv/v1/ResponseOp.js';

export interface TxnResponse {
  'header'?: (_raftkv_kv_v1_ResponseHeader | null);
  'succeeded'?: (boolean);
  'responses'?: (_raftkv_kv_v1_ResponseOp)[];
}

export interface TxnResponse__Output {
  'header': (_raftkv_kv_v1_ResponseHeader__Output | null);
  'succeeded': (boolean);
  'responses': (_raftkv_kv_v1_ResponseOp__Output)[];
}
