// Original file: proto/raftkv/cluster/v1/cluster.proto


export interface SnapshotRequest {
}

export interface SnapshotRequest__Output {
}
