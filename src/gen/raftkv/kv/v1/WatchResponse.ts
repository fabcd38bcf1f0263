// Original file: proto/raftkv/kv/v1/kv.proto

import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from '../../../raftkv/kv/v1/ResponseHeader.js';
import type { Event as _raftkv_kv_v1_Event, Event__Output as _raftkv_kv_v1_Event__Output } from '../../../raftkv/kv/v1/Event.js';

export interface WatchResponse {
  'header'?: (_raftkv_kv_v1_ResponseHeader | null);
  'created'?: (boolean);
  'events'?: (_raftkv_kv_v1_Event)[];
}

export interface WatchResponse__Output {
  'header': (_raftkv_kv_v1_ResponseHeader__Output | null);
  'created': (boolean);
  'events': (_raftkv_kv_v1_Event__Output)[];
}
