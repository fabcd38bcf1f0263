// Original file: proto/raftkv/kv/v1/kv.proto

import type { CompareResult as _raftkv_kv_v1_CompareResult, CompareResult__Output as _raftkv_kv_v1_CompareResult__Output } from '../../../raftkv/kv/v1/CompareResult.js';
import type { CompareTarget as _raftkv_kv_v1_CompareTarget, CompareTarget__Output as _raftkv_kv_v1_CompareTarget__Output } from '../../../raftkv/kv/v1/CompareTarget.js';
import type { Long } from '@grpc/proto-loader';

export interface Compare {
  'result'?: (_raftkv_kv_v1_CompareResult);
  'target'?: (_raftkv_kv_v1_CompareTarget);
  'key'?: (string);
  'version'?: (number | string | Long);
  'create_revision'?: (number | string | Long);
  'mod_revision'?: (number | string | Long);
  'value'?: (Buffer | Uint8Array | string);
  'target_union'?: "version"|"create_revision"|"mod_revision"|"value";
}

export interface Compare__Output {
  'result': (_raftkv_kv_v1_CompareResult__Output);
  'target': (_raftkv_kv_v1_CompareTarget__Output);
  'key': (string);
  'version'?: (string);
  'create_revision'?: (string);
  'mod_revision'?: (string);
  'value'?: (Buffer);
}
