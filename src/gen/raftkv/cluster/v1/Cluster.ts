// Original file: proto/raftkv/cluster/v1/cluster.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MemberListRequest as _raftkv_cluster_v1_MemberListRequest, MemberListRequest__Output as _raftkv_cluster_v1_MemberListRequest__Output } from '../../../raftkv/cluster/v1/MemberListRequest.js';
import type { MemberListResponse as _raftkv_cluster_v1_MemberListResponse, MemberListResponse__Output as _raftkv_cluster_v1_MemberListResponse__Output } from '../../../raftkv/cluster/v1/MemberListResponse.js';
import type { StatusRequest as _raftkv_cluster_v1_StatusRequest, StatusRequest__Output as _raftkv_cluster_v1_StatusRequest__Output } from '../../../raftkv/cluster/v1/StatusRequest.js';
import type { StatusResponse as _raftkv_cluster_v1_StatusResponse, StatusResponse__Output as _raftkv_cluster_v1_StatusResponse__Output } from '../../../raftkv/cluster/v1/StatusResponse.js';

export interface ClusterClient extends grpc.Client {
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftkv_cluster_v1_MemberListRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftkv_cluster_v1_MemberListRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftkv_cluster_v1_StatusRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftkv_cluster_v1_StatusRequest, callback: grpc.requestCallback<_raftkv_cluster_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ClusterHandlers extends grpc.UntypedServiceImplementation {
  MemberList: grpc.handleUnaryCall<_raftkv_cluster_v1_MemberListRequest__Output, _raftkv_cluster_v1_MemberListResponse>;
  
  Status: grpc.handleUnaryCall<_raftkv_cluster_v1_StatusRequest__Output, _raftkv_cluster_v1_StatusResponse>;
  
}

export interface ClusterDefinition extends grpc.ServiceDefinition {
  MemberList: MethodDefinition<_raftkv_cluster_v1_MemberListRequest, _raftkv_cluster_v1_MemberListResponse, _raftkv_cluster_v1_MemberListRequest__Output, _raftkv_cluster_v1_MemberListResponse__Output>
  Status: MethodDefinition<_raftkv_cluster_v1_StatusRequest, _raftkv_cluster_v1_StatusResponse, _raftkv_cluster_v1_StatusRequest__Output, _raftkv_cluster_v1_StatusResponse__Output>
}
