// Original file: proto/raftkv/kv/v1/kv.proto

export const Consistency = {
  LINEARIZABLE: 0,
  SERIALIZABLE: 1,
} as const;

export type Consistency =
  | 'LINEARIZABLE'
  | 0
  | 'SERIALIZABLE'
  | 1

export type Consistency__Output = typeof Consistency[keyof typeof Consistency]
