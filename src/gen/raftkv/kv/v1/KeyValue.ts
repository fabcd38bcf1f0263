// Original file: proto/raftkv/kv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  'create_revision'?: (number | string | Long);
  'mod_revision'?: (number | string | Long);
  'version'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (string);
  'value': (Buffer);
  'create_revision': (string);
  'mod_revision': (string);
  'version': (string);
}
