// Original file: proto/raftkv/raft/v1/raft.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AppendEntriesRequest as _raftkv_raft_v1_AppendEntriesRequest, AppendEntriesRequest__Output as _raftkv_raft_v1_AppendEntriesRequest__Output } from '../../../raftkv/raft/v1/AppendEntriesRequest.js';
import type { AppendEntriesResponse as _raftkv_raft_v1_AppendEntriesResponse, AppendEntriesResponse__Output as _raftkv_raft_v1_AppendEntriesResponse__Output } from '../../../raftkv/raft/v1/AppendEntriesResponse.js';
import type { InstallSnapshotChunk as _raftkv_raft_v1_InstallSnapshotChunk, InstallSnapshotChunk__Output as _raftkv_raft_v1_InstallSnapshotChunk__Output } from '../../../raftkv/raft/v1/InstallSnapshotChunk.js';
import type { ReadIndexRequest as _raftkv_raft_v1_ReadIndexRequest, ReadIndexRequest__Output as _raftkv_raft_v1_ReadIndexRequest__Output } from '../../../raftkv/raft/v1/ReadIndexRequest.js';
import type { ReadIndexResponse as _raftkv_raft_v1_ReadIndexResponse, ReadIndexResponse__Output as _raftkv_raft_v1_ReadIndexResponse__Output } from '../../../raftkv/raft/v1/ReadIndexResponse.js';
import type { RequestVoteRequest as _raftkv_raft_v1_RequestVoteRequest, RequestVoteRequest__Output as _raftkv_raft_v1_RequestVoteRequest__Output } from '../../../raftkv/raft/v1/RequestVoteRequest.js';
import type { RequestVoteResponse as _raftkv_raft_v1_RequestVoteResponse, RequestVoteResponse__Output as _raftkv_raft_v1_RequestVoteResponse__Output } from '../../../raftkv/raft/v1/RequestVoteResponse.js';
import type { SnapshotOffsetRequest as _raftkv_raft_v1_SnapshotOffsetRequest, SnapshotOffsetRequest__Output as _raftkv_raft_v1_SnapshotOffsetRequest__Output } from '../../../raftkv/raft/v1/SnapshotOffsetRequest.js';
import type { SnapshotOffsetResponse as _raftkv_raft_v1_SnapshotOffsetResponse, SnapshotOffsetResponse__Output as _raftkv_raft_v1_SnapshotOffsetResponse__Output } from '../../../raftkv/raft/v1/SnapshotOffsetResponse.js';
import type { TimeoutNowRequest as _raftkv_raft_v1_TimeoutNowRequest, TimeoutNowRequest__Output as _raftkv_raft_v1_TimeoutNowRequest__Output } from '../../../raftkv/raft/v1/TimeoutNowRequest.js';
import type { TimeoutNowResponse as _raftkv_raft_v1_TimeoutNowResponse, TimeoutNowResponse__Output as _raftkv_raft_v1_TimeoutNowResponse__Output } from '../../../raftkv/raft/v1/TimeoutNowResponse.js';

export interface RaftPeerClient extends grpc.Client {
  AppendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  AppendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  AppendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  AppendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  appendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  appendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  appendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  appendEntries(argument: _raftkv_raft_v1_AppendEntriesRequest, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientUnaryCall;
  
  InstallSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  InstallSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  InstallSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  InstallSnapshot(callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  installSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  installSnapshot(callback: grpc.requestCallback<_raftkv_raft_v1_AppendEntriesResponse__Output>): grpc.ClientWritableStream<_raftkv_raft_v1_InstallSnapshotChunk>;
  
  ReadIndex(argument: _raftkv_raft_v1_ReadIndexRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  ReadIndex(argument: _raftkv_raft_v1_ReadIndexRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  ReadIndex(argument: _raftkv_raft_v1_ReadIndexRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  ReadIndex(argument: _raftkv_raft_v1_ReadIndexRequest, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  readIndex(argument: _raftkv_raft_v1_ReadIndexRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  readIndex(argument: _raftkv_raft_v1_ReadIndexRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  readIndex(argument: _raftkv_raft_v1_ReadIndexRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  readIndex(argument: _raftkv_raft_v1_ReadIndexRequest, callback: grpc.requestCallback<_raftkv_raft_v1_ReadIndexResponse__Output>): grpc.ClientUnaryCall;
  
  Replicate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse__Output>;
  Replicate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse__Output>;
  replicate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse__Output>;
  replicate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse__Output>;
  
  RequestVote(argument: _raftkv_raft_v1_RequestVoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  RequestVote(argument: _raftkv_raft_v1_RequestVoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  RequestVote(argument: _raftkv_raft_v1_RequestVoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  RequestVote(argument: _raftkv_raft_v1_RequestVoteRequest, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  requestVote(argument: _raftkv_raft_v1_RequestVoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  requestVote(argument: _raftkv_raft_v1_RequestVoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  requestVote(argument: _raftkv_raft_v1_RequestVoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  requestVote(argument: _raftkv_raft_v1_RequestVoteRequest, callback: grpc.requestCallback<_raftkv_raft_v1_RequestVoteResponse__Output>): grpc.ClientUnaryCall;
  
  SnapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  SnapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  SnapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  SnapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  snapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  snapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  snapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  snapshotOffset(argument: _raftkv_raft_v1_SnapshotOffsetRequest, callback: grpc.requestCallback<_raftkv_raft_v1_SnapshotOffsetResponse__Output>): grpc.ClientUnaryCall;
  
  TimeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  TimeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  TimeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  TimeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  timeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  timeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  timeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  timeoutNow(argument: _raftkv_raft_v1_TimeoutNowRequest, callback: grpc.requestCallback<_raftkv_raft_v1_TimeoutNowResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RaftPeerHandlers extends grpc.UntypedServiceImplementation {
  AppendEntries: grpc.handleUnaryCall<_raftkv_raft_v1_AppendEntriesRequest__Output, _raftkv_raft_v1_AppendEntriesResponse>;
  
  InstallSnapshot: grpc.handleClientStreamingCall<_raftkv_raft_v1_InstallSnapshotChunk__Output, _raftkv_raft_v1_AppendEntriesResponse>;
  
  ReadIndex: grpc.handleUnaryCall<_raftkv_raft_v1_ReadIndexRequest__Output, _raftkv_raft_v1_ReadIndexResponse>;
  
  Replicate: grpc.handleBidiStreamingCall<_raftkv_raft_v1_AppendEntriesRequest__Output, _raftkv_raft_v1_AppendEntriesResponse>;
  
  RequestVote: grpc.handleUnaryCall<_raftkv_raft_v1_RequestVoteRequest__Output, _raftkv_raft_v1_RequestVoteResponse>;
  
  SnapshotOffset: grpc.handleUnaryCall<_raftkv_raft_v1_SnapshotOffsetRequest__Output, _raftkv_raft_v1_SnapshotOffsetResponse>;
  
  TimeoutNow: grpc.handleUnaryCall<_raftkv_raft_v1_TimeoutNowRequest__Output, _raftkv_raft_v1_TimeoutNowResponse>;
  
}

export interface RaftPeerDefinition extends grpc.ServiceDefinition {
  AppendEntries: MethodDefinition<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse, _raftkv_raft_v1_AppendEntriesRequest__Output, _raftkv_raft_v1_AppendEntriesResponse__Output>
  InstallSnapshot: MethodDefinition<_raftkv_raft_v1_InstallSnapshotChunk, _raftkv_raft_v1_AppendEntriesResponse, _raftkv_raft_v1_InstallSnapshotChunk__Output, _raftkv_raft_v1_AppendEntriesResponse__Output>
  ReadIndex: MethodDefinition<_raftkv_raft_v1_ReadIndexRequest, _raftkv_raft_v1_ReadIndexResponse, _raftkv_raft_v1_ReadIndexRequest__Output, _raftkv_raft_v1_ReadIndexResponse__Output>
  Replicate: MethodDefinition<_raftkv_raft_v1_AppendEntriesRequest, _raftkv_raft_v1_AppendEntriesResponse, _raftkv_raft_v1_AppendEntriesRequest__Output, _raftkv_raft_v1_AppendEntriesResponse__Output>
  RequestVote: MethodDefinition<_raftkv_raft_v1_RequestVoteRequest, _raftkv_raft_v1_RequestVoteResponse, _raftkv_raft_v1_RequestVoteRequest__Output, _raftkv_raft_v1_RequestVoteResponse__Output>
  SnapshotOffset: MethodDefinition<_raftkv_raft_v1_SnapshotOffsetRequest, _raftkv_raft_v1_SnapshotOffsetResponse, _raftkv_raft_v1_SnapshotOffsetRequest__Output, _raftkv_raft_v1_SnapshotOffsetResponse__Output>
  TimeoutNow: MethodDefinition<_raftkv_raft_v1_TimeoutNowRequest, _raftkv_raft_v1_TimeoutNowResponse, _raftkv_raft_v1_TimeoutNowRequest__Output, _raftkv_raft_v1_TimeoutNowResponse__Output>
}
