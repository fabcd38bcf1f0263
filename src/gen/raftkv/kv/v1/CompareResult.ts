// Original file: proto/raftkv/kv/v1/kv.proto

export const CompareResult = {
  EQUAL: 0,
  GREATER: 1,
  LESS: 2,
  NOT_EQUAL: 3,
} as const;

export type CompareResult =
  | 'EQUAL'
  | 0
  | 'GREATER'
  | 1
  | 'LESS'
  | 2
  | 'NOT_EQUAL'
  | 3

export type CompareResult__Output = typeof CompareResult[keyof typeof CompareResult]
