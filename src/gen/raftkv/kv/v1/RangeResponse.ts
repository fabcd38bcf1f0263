// Original file: proto/raftkv/kv/v1/kv.proto

import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from '../../../raftkv/kv/v1/ResponseHeader.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from '../../../raftkv/kv/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface RangeResponse {
  'header'?: (_raftkv_kv_v1_ResponseHeader | null);
  'kvs'?: (_raftkv_kv_v1_KeyValue)[];
  'more'?: (boolean);
  'count'?: (number | string | Long);
  'next_key'?: (string);
}

export interface RangeResponse__Output {
  'header': (_raftkv_kv_v1_ResponseHeader__Output | null);
  'kvs': (_raftkv_kv_v1_KeyValue__Output)[];
  'more': (boolean);
  'count': (string);
  'next_key': (string);
}
