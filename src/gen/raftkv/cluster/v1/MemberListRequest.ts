// Original file: proto/raftkv/cluster/v1/cluster.proto


export interface MemberListRequest {
}

export interface MemberListRequest__Output {
}
