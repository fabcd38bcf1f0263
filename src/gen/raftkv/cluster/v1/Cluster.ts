// Original file: proto/raftkv/cluster/v1/cluster.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MemberAddRequest as _raftkv_cluster_v1_MemberAddRequest, MemberAddRequest__Output as _raftkv_cluster_v1_MemberAddRequest__Output } from '../../../raftkv/cluster/v1/MemberAddRequest.js';
import type { MemberAddResponse as _raftkv_cluster_v1_MemberAddResponse, MemberAddResponse__Output as _raftkv_cluster_v1_MemberAddResponse__Output } from '../../../raftkv/cluster/v1/MemberAddResponse.js';
import type { MemberListRequest as _raftkv_cluster_v1_MemberListRequest, MemberListRequest__Output as _raftkv_cluster_v1_MemberListRequest__Output } from '../../../raftkv/cluster/v1/MemberListRequest.js';
import type { MemberListResponse as _raftkv_cluster_v1_MemberListResponse, MemberListResponse__Output as _raftkv_cluster_v1_MemberListResponse__Output } from '../../../raftkv/cluster/v1/MemberListResponse.js';
import type { MemberPromoteRequest as _raftkv_cluster_v1_MemberPromoteRequest, MemberPromoteRequest__Output as _raftkv_cluster_v1_MemberPromoteRequest__Output } from '../../../raftkv/cluster/v1/MemberPromoteRequest.js';
import type { MemberPromoteResponse as _raftkv_cluster_v1_MemberPromoteResponse, MemberPromoteResponse__Output as _raftkv_cluster_v1_MemberPromoteResponse__Output } from '../../../raftkv/cluster/v1/MemberPromoteResponse.js';
import type { MemberRemoveRequest as _raftkv_cluster_v1_MemberRemoveRequest, MemberRemoveRequest__Output as _raftkv_cluster_v1_MemberRemoveRequest__Output } from '../../../raftkv/cluster/v1/MemberRemoveRequest.js';
import type { MemberRemoveResponse as _raftkv_cluster_v1_MemberRemoveResponse, MemberRemoveResponse__Output as _raftkv_cluster_v1_MemberRemoveResponse__Output } from '../../../raftkv/cluster/v1/MemberRemoveResponse.js';
import type { MemberUpdateRequest as _raftkv_cluster_v1_MemberUpdateRequest, MemberUpdateRequest__Output as _raftkv_cluster_v1_MemberUpdateRequest__Output } from '../../../raftkv/cluster/v1/MemberUpdateRequest.js';
import type { MemberUpdateResponse as _raftkv_cluster_v1_MemberUpdateResponse, MemberUpdateResponse__Output as _raftkv_cluster_v1_MemberUpdateResponse__Output } from '../../../raftkv/cluster/v1/MemberUpdateResponse.js';
import type { SnapshotChunk as _raftkv_cluster_v1_SnapshotChunk, SnapshotChunk__Output as _raftkv_cluster_v1_SnapshotChunk__Output } from '../../../raftkv/cluster/v1/SnapshotChunk.js';
import type { SnapshotRequest as _raftkv_cluster_v1_SnapshotRequest, SnapshotRequest__Output as _raftkv_cluster_v1_SnapshotRequest__Output } from '../../../raftkv/cluster/v1/SnapshotRequest.js';
import type { StatusRequest as _raftkv_cluster_v1_StatusRequest, StatusRequest__Output as _raftkv_cluster_v1_StatusRequest__Output } from '../../../raftkv/cluster/v1/StatusRequest.js';
import type { StatusResponse as _raftkv_cluster_v1_StatusResponse, StatusResponse__Output as _raftkv_cluster_v1_StatusResponse__Output } from '../../../raftkv/cluster/v1/StatusResponse.js';
import type { TransferLeadershipRequest as _raftkv_cluster_v1_TransferLeadershipRequest, TransferLeadershipRequest__Output as _raftkv_cluster_v1_TransferLeadershipRequest__Output } from '../../../raftkv/cluster/v1/TransferLeadershipRequest.js';
import type { TransferLeadershipResponse as _raftkv_cluster_v1_TransferLeadershipResponse, TransferLeadershipResponse__Output as _raftkv_cluster_v1_TransferLeadershipResponse__Output } from '../../../raftkv/cluster/v1/TransferLeadershipResponse.js';

export interface ClusterClient extends grpc.Client {
  MemberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftkv_cluster_v1_MemberAddRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  
  MemberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftkv_cluster_v1_MemberPromoteRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  
  MemberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftkv_cluster_v1_MemberRemoveRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  
  MemberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  MemberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  MemberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  MemberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  memberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  memberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  memberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  memberUpdate(argument: _raftkv_cluster_v1_MemberUpdateRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberUpdateResponse__Output>): grpc.ClientUnaryCall;
  
  Snapshot(argument: _raftkv_cluster_v1_SnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_cluster_v1_SnapshotChunk__Output>;
  Snapshot(argument: _raftkv_cluster_v1_SnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_cluster_v1_SnapshotChunk__Output>;
  snapshot(argument: _raftkv_cluster_v1_SnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_cluster_v1_SnapshotChunk__Output>;
  snapshot(argument: _raftkv_cluster_v1_SnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_cluster_v1_SnapshotChunk__Output>;
  
  Status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftkv_cluster_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ClusterHandlers extends grpc.UntypedServiceImplementation {
  MemberAdd: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberAddRequest__Output, _raftkv_cluster_v1_MemberAddResponse>;
  
  MemberList: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberListRequest__Output, _raftkv_cluster_v1_MemberListResponse>;
  
  MemberPromote: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberPromoteRequest__Output, _raftkv_cluster_v1_MemberPromoteResponse>;
  
  MemberRemove: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberRemoveRequest__Output, _raftkv_cluster_v1_MemberRemoveResponse>;
  
  MemberUpdate: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberUpdateRequest__Output, _raftkv_cluster_v1_MemberUpdateResponse>;
  
  Snapshot: grpc.handleServerStreamingCall<_raftkv_cluster_v1_SnapshotRequest__Output, _raftkv_cluster_v1_SnapshotChunk>;
  
  Status: grpc.handleUnaryCall<_raftkv_cluster_v1_StatusRequest__Output, _raftkv_cluster_v1_StatusResponse>;
  
  TransferLeadership: grpc.handleUnaryCall<_raftkv_cluster_v1_TransferLeadershipRequest__Output, _raftkv_cluster_v1_TransferLeadershipResponse>;
  
}

export interface ClusterDefinition extends grpc.ServiceDefinition {
  MemberAdd: MethodDefinition<_raftkv_cluster_v1_MemberAddRequest, _raftkv_cluster_v1_MemberAddResponse, _raftkv_cluster_v1_MemberAddRequest__Output, _raftkv_cluster_v1_MemberAddResponse__Output>
  MemberList: MethodDefinition<_raftkv_cluster_v1_MemberListRequest, _raftkv_cluster_v1_MemberListResponse, _raftkv_cluster_v1_MemberListRequest__Output, _raftkv_cluster_v1_MemberListResponse__Output>
  MemberPromote: MethodDefinition<_raftkv_cluster_v1_MemberPromoteRequest, _raftkv_cluster_v1_MemberPromoteResponse, _raftkv_cluster_v1_MemberPromoteRequest__Output, _raftkv_cluster_v1_MemberPromoteResponse__Output>
  MemberRemove: MethodDefinition<_raftkv_cluster_v1_MemberRemoveRequest, _raftkv_cluster_v1_MemberRemoveResponse, _raftkv_cluster_v1_MemberRemoveRequest__Output, _raftkv_cluster_v1_MemberRemoveResponse__Output>
  MemberUpdate: MethodDefinition<_raftkv_cluster_v1_MemberUpdateRequest, _raftkv_cluster_v1_MemberUpdateResponse, _raftkv_cluster_v1_MemberUpdateRequest__Output, _raftkv_cluster_v1_MemberUpdateResponse__Output>
  Snapshot: MethodDefinition<_raftkv_cluster_v1_SnapshotRequest, _raftkv_cluster_v1_SnapshotChunk, _raftkv_cluster_v1_SnapshotRequest__Output, _raftkv_cluster_v1_SnapshotChunk__Output>
  Status: MethodDefinition<_raftkv_cluster_v1_StatusRequest, _raftkv_cluster_v1_StatusResponse, _raftkv_cluster_v1_StatusRequest__Output, _raftkv_cluster_v1_StatusResponse__Output>
  TransferLeadership: MethodDefinition<_raftkv_cluster_v1_TransferLeadershipRequest, _raftkv_cluster_v1_TransferLeadershipResponse, _raftkv_cluster_v1_TransferLeadershipRequest__Output, _raftkv_cluster_v1_TransferLeadershipResponse__Output>
}
