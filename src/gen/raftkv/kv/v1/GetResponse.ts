// Original file: proto/raftkv/kv/v1/kv.proto

import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from '../../../raftkv/kv/v1/ResponseHeader.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from '../../../raftkv/kv/v1/KeyValue.js';

export interface GetResponse {
  'header'?: (_raftkv_kv_v1_ResponseHeader | null);
  'kv'?: (_raftkv_kv_v1_KeyValue | null);
}

export interface GetResponse__Output {
  'header': (_raftkv_kv_v1_ResponseHeader__Output | null);
  'kv': (_raftkv_kv_v1_KeyValue__Output | null);
}
