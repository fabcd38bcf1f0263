// Original file: proto/raftkv/kv/v1/kv.proto

import type { EventType as _raftkv_kv_v1_EventType, EventType__Output as _raftkv_kv_v1_EventType__Output } from '../../../raftkv/kv/v1/EventType.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from '../../../raftkv/kv/v1/KeyValue.js';

export interface Event {
  'type'?: (_raftkv_kv_v1_EventType);
  'kv'?: (_raftkv_kv_v1_KeyValue | null);
  'prev_kv'?: (_raftkv_kv_v1_KeyValue | null);
}

export interface Event__Output {
  'type': (_raftkv_kv_v1_EventType__Output);
  'kv': (_raftkv_kv_v1_KeyValue__Output | null);
  'prev_kv': (_raftkv_kv_v1_KeyValue__Output | null);
}
