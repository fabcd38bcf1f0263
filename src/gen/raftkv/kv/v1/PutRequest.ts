// Original file: proto/raftkv/kv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface PutRequest {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  'prev_kv'?: (boolean);
  'client_id'?: (string);
  'sequence'?: (number | string | Long);
}

export interface PutRequest__Output {
  'key': (string);
  'value': (Buffer);
  'prev_kv': (boolean);
  'client_id': (string);
  'sequence': (string);
}
