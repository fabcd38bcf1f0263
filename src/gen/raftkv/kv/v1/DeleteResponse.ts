// Original file: proto/raftkv/kv/v1/kv.proto

import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from '../../../raftkv/kv/v1/ResponseHeader.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from '../../../raftkv/kv/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  'header'?: (_raftkv_kv_v1_ResponseHeader | null);
  'deleted'?: (number | string | Long);
  'prev_kvs'?: (_raftkv_kv_v1_KeyValue)[];
}

export interface DeleteResponse__Output {
  'header': (_raftkv_kv_v1_ResponseHeader__Output | null);
  'deleted': (string);
  'prev_kvs': (_raftkv_kv_v1_KeyValue__Output)[];
}
