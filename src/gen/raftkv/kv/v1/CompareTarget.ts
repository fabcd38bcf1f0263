// Original file: proto/raftkv/kv/v1/kv.proto

export const CompareTarget = {
  VERSION: 0,
  CREATE: 1,
  MOD: 2,
  VALUE: 3,
} as const;

export type CompareTarget =
  | 'VERSION'
  | 0
  | 'CREATE'
  | 1
  | 'MOD'
  | 2
  | 'VALUE'
  | 3

export type CompareTarget__Output = typeof CompareTarget[keyof typeof CompareTarget]
