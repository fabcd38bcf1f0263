// Original file: proto/raftkv/kv/v1/kv.proto

import type { Consistency as _raftkv_kv_v1_Consistency, Consistency__Output as _raftkv_kv_v1_Consistency__Output } from '../../../raftkv/kv/v1/Consistency.js';
import type { Long } from '@grpc/proto-loader';

export interface RangeRequest {
  'key'?: (string);
  'range_end'?: (string);
  'limit'?: (number | string | Long);
  'consistency'?: (_raftkv_kv_v1_Consistency);
  'keys_only'?: (boolean);
  'count_only'?: (boolean);
  'revision'?: (number | string | Long);
}

export interface RangeRequest__Output {
  'key': (string);
  'range_end': (string);
  'limit': (string);
  'consistency': (_raftkv_kv_v1_Consistency__Output);
  'keys_only': (boolean);
  'count_only': (boolean);
  'revision': (string);
}
