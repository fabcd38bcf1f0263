// Original file: proto/raftkv/kv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'key'?: (string);
  'range_end'?: (string);
  'start_revision'?: (number | string | Long);
  'prev_kv'?: (boolean);
  'progress_notify'?: (boolean);
}

export interface WatchRequest__Output {
  'key': (string);
  'range_end': (string);
  'start_revision': (string);
  'prev_kv': (boolean);
  'progress_notify': (boolean);
}
