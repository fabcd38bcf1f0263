// Original file: proto/raftkv/kv/v1/kv.proto

export const EventType = {
  PUT: 0,
  DELETE: 1,
} as const;

export type EventType =
  | 'PUT'
  | 0
  | 'DELETE'
  | 1

export type EventType__Output = typeof EventType[keyof typeof EventType]
