// Original file: proto/raftkv/kv/v1/kv.proto

import type { RangeRequest as _raftkv_kv_v1_RangeRequest, RangeRequest__Output as _raftkv_kv_v1_RangeRequest__Output } from '../../../raftkv/kv/v1/RangeRequest.js';
import type { PutRequest as _raftkv_kv_v1_PutRequest, PutRequest__Output as _raftkv_kv_v1_PutRequest__Output } from '../../../raftkv/kv/v1/PutRequest.js';
import type { DeleteRequest as _raftkv_kv_v1_DeleteRequest, DeleteRequest__Output as _raftkv_kv_v1_DeleteRequest__Output } from '../../../raftkv/kv/v1/DeleteRequest.js';

export interface RequestOp {
  'request_range'?: (_raftkv_kv_v1_RangeRequest | null);
  'request_put'?: (_raftkv_kv_v1_PutRequest | null);
  'request_delete_range'?: (_raftkv_kv_v1_DeleteRequest | null);
  'request'?: "request_range"|"request_put"|"request_delete_range";
}

export interface RequestOp__Output {
  'request_range'?: (_raftkv_kv_v1_RangeRequest__Output | null);
  'request_put'?: (_raftkv_kv_v1_PutRequest__Output | null);
  'request_delete_range'?: (_raftkv_kv_v1_DeleteRequest__Output | null);
}
