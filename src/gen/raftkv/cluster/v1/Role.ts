// Original file: proto/raftkv/cluster/v1/cluster.proto

export const Role = {
  ROLE_UNSPECIFIED: 0,
  ROLE_FOLLOWER: 1,
  ROLE_PRE_CANDIDATE: 2,
  ROLE_CANDIDATE: 3,
  ROLE_LEADER: 4,
} as const;

export type Role =
  | 'ROLE_UNSPECIFIED'
  | 0
  | 'ROLE_FOLLOWER'
  | 1
  | 'ROLE_PRE_CANDIDATE'
  | 2
  | 'ROLE_CANDIDATE'
  | 3
  | 'ROLE_LEADER'
  | 4

export type Role__Output = typeof Role[keyof typeof Role]
