import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AppendEntriesRequest as _raftkv_raft_v1_AppendEntriesRequest, AppendEntriesRequest__Output as _raftkv_raft_v1_AppendEntriesRequest__Output } from './raftkv/raft/v1/AppendEntriesRequest.js';
import type { AppendEntriesResponse as _raftkv_raft_v1_AppendEntriesResponse, AppendEntriesResponse__Output as _raftkv_raft_v1_AppendEntriesResponse__Output } from './raftkv/raft/v1/AppendEntriesResponse.js';
import type { Entry as _raftkv_raft_v1_Entry, Entry__Output as _raftkv_raft_v1_Entry__Output } from './raftkv/raft/v1/Entry.js';
import type { InstallSnapshotChunk as _raftkv_raft_v1_InstallSnapshotChunk, InstallSnapshotChunk__Output as _raftkv_raft_v1_InstallSnapshotChunk__Output } from './raftkv/raft/v1/InstallSnapshotChunk.js';
import type { RaftPeerClient as _raftkv_raft_v1_RaftPeerClient, RaftPeerDefinition as _raftkv_raft_v1_RaftPeerDefinition } from './raftkv/raft/v1/RaftPeer.js';
import type { ReadIndexRequest as _raftkv_raft_v1_ReadIndexRequest, ReadIndexRequest__Output as _raftkv_raft_v1_ReadIndexRequest__Output } from './raftkv/raft/v1/ReadIndexRequest.js';
import type { ReadIndexResponse as _raftkv_raft_v1_ReadIndexResponse, ReadIndexResponse__Output as _raftkv_raft_v1_ReadIndexResponse__Output } from './raftkv/raft/v1/ReadIndexResponse.js';
import type { RequestVoteRequest as _raftkv_raft_v1_RequestVoteRequest, RequestVoteRequest__Output as _raftkv_raft_v1_RequestVoteRequest__Output } from './raftkv/raft/v1/RequestVoteRequest.js';
import type { RequestVoteResponse as _raftkv_raft_v1_RequestVoteResponse, RequestVoteResponse__Output as _raftkv_raft_v1_RequestVoteResponse__Output } from './raftkv/raft/v1/RequestVoteResponse.js';
import type { SnapshotMetadata as _raftkv_raft_v1_SnapshotMetadata, SnapshotMetadata__Output as _raftkv_raft_v1_SnapshotMetadata__Output } from './raftkv/raft/v1/SnapshotMetadata.js';
import type { SnapshotOffsetRequest as _raftkv_raft_v1_SnapshotOffsetRequest, SnapshotOffsetRequest__Output as _raftkv_raft_v1_SnapshotOffsetRequest__Output } from './raftkv/raft/v1/SnapshotOffsetRequest.js';
import type { SnapshotOffsetResponse as _raftkv_raft_v1_SnapshotOffsetResponse, SnapshotOffsetResponse__Output as _raftkv_raft_v1_SnapshotOffsetResponse__Output } from './raftkv/raft/v1/SnapshotOffsetResponse.js';
import type { TimeoutNowRequest as _raftkv_raft_v1_TimeoutNowRequest, TimeoutNowRequest__Output as _raftkv_raft_v1_TimeoutNowRequest__Output } from './raftkv/raft/v1/TimeoutNowRequest.js';
import type { TimeoutNowResponse as _raftkv_raft_v1_TimeoutNowResponse, TimeoutNowResponse__Output as _raftkv_raft_v1_TimeoutNowResponse__Output } from './raftkv/raft/v1/TimeoutNowResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftkv: {
    raft: {
      v1: {
        AppendEntriesRequest: MessageTypeDefinition<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesRequest__Output>
        AppendEntriesResponse: MessageTypeDefinition<_raftkv_raft_v1_AppendEntriesResponse, _raftkv_raft_v1_AppendEntriesResponse__Output>
        Entry: MessageTypeDefinition<_raftkv_raft_v1_Entry, _raftkv_raft_v1_Entry__Output>
        EntryKind: EnumTypeDefinition
        InstallSnapshotChunk: MessageTypeDefinition<_raftkv_raft_v1_InstallSnapshotChunk, _raftkv_raft_v1_InstallSnapshotChunk__Output>
        RaftPeer: SubtypeConstructor<typeof grpc.Client, _raftkv_raft_v1_RaftPeerClient> & { service: _raftkv_raft_v1_RaftPeerDefinition }
        ReadIndexRequest: MessageTypeDefinition<_raftkv_raft_v1_ReadIndexRequest, _raftkv_raft_v1_ReadIndexRequest__Output>
        ReadIndexResponse: MessageTypeDefinition<_raftkv_raft_v1_ReadIndexResponse, _raftkv_raft_v1_ReadIndexResponse__Output>
        RequestVoteRequest: MessageTypeDefinition<_raftkv_raft_v1_RequestVoteRequest, _raftkv_raft_v1_RequestVoteRequest__Output>
        RequestVoteResponse: MessageTypeDefinition<_raftkv_raft_v1_RequestVoteResponse, _raftkv_raft_v1_RequestVoteResponse__Output>
        SnapshotMetadata: MessageTypeDefinition<_raftkv_raft_v1_SnapshotMetadata, _raftkv_raft_v1_SnapshotMetadata__Output>
        SnapshotOffsetRequest: MessageTypeDefinition<_raftkv_raft_v1_SnapshotOffsetRequest, _raftkv_raft_v1_SnapshotOffsetRequest__Output>
        SnapshotOffsetResponse: MessageTypeDefinition<_raftkv_raft_v1_SnapshotOffsetResponse, _raftkv_raft_v1_SnapshotOffsetResponse__Output>
        TimeoutNowRequest: MessageTypeDefinition<_raftkv_raft_v1_TimeoutNowRequest, _raftkv_raft_v1_TimeoutNowRequest__Output>
        TimeoutNowResponse: MessageTypeDefinition<_raftkv_raft_v1_TimeoutNowResponse, _raftkv_raft_v1_TimeoutNowResponse__Output>
      }
    }
  }
}

