// Original file: proto/raftkv/kv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteRequest {
  'key'?: (string);
  'range_end'?: (string);
  'client_id'?: (string);
  'sequence'?: (number | string | Long);
  'prev_kv'?: (boolean);
}

export interface DeleteRequest__Output {
  'key': (string);
  'range_end': (string);
  'client_id': (string);
  'sequence': (string);
  'prev_kv': (boolean);
}
