// Original file: proto/raftkv/kv/v1/kv.proto

import type { RangeResponse as _raftkv_kv_v1_RangeResponse, RangeResponse__Output as _raftkv_kv_v1_RangeResponse__Output } from '../../../raftkv/kv/v1/RangeResponse.js';
import type { PutResponse as _raftkv_kv_v1_PutResponse, PutResponse__Output as _raftkv_kv_v1_PutResponse__Output } from '../../../raftkv/kv/v1/PutResponse.js';
import type { DeleteResponse as _raftkv_kv_v1_DeleteResponse, DeleteResponse__Output as _raftkv_kv_v1_DeleteResponse__Output } from '../../../raftkv/kv/v1/DeleteResponse.js';

export interface ResponseOp {
  'response_range'?: (_raftkv_kv_v1_RangeResponse | null);
  'response_put'?: (_raftkv_kv_v1_PutResponse | null);
  'response_delete_range'?: (_raftkv_kv_v1_DeleteResponse | null);
  'response'?: "response_range"|"response_put"|"response_delete_range";
}

export interface ResponseOp__Output {
  'response_range'?: (_raftkv_kv_v1_RangeResponse__Output | null);
  'response_put'?: (_raftkv_kv_v1_PutResponse__Output | null);
  'response_delete_range'?: (_raftkv_kv_v1_DeleteResponse__Output | null);
}
