// Original file: proto/raftkv/kv/v1/kv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteRequest as _raftkv_kv_v1_DeleteRequest, DeleteRequest__Output as _raftkv_kv_v1_DeleteRequest__Output } from '../../../raftkv/kv/v1/DeleteRequest.js';
import type { DeleteResponse as _raftkv_kv_v1_DeleteResponse, DeleteResponse__Output as _raftkv_kv_v1_DeleteResponse__Output } from '../../../raftkv/kv/v1/DeleteResponse.js';
import type { GetRequest as _raftkv_kv_v1_GetRequest, GetRequest__Output as _raftkv_kv_v1_GetRequest__Output } from '../../../raftkv/kv/v1/GetRequest.js';
import type { GetResponse as _raftkv_kv_v1_GetResponse, GetResponse__Output as _raftkv_kv_v1_GetResponse__Output } from '../../../raftkv/kv/v1/GetResponse.js';
import type { PutRequest as _raftkv_kv_v1_PutRequest, PutRequest__Output as _raftkv_kv_v1_PutRequest__Output } from '../../../raftkv/kv/v1/PutRequest.js';
import type { PutResponse as _raftkv_kv_v1_PutResponse, PutResponse__Output as _raftkv_kv_v1_PutResponse__Output } from '../../../raftkv/kv/v1/PutResponse.js';
import type { RangeRequest as _raftkv_kv_v1_RangeRequest, RangeRequest__Output as _raftkv_kv_v1_RangeRequest__Output } from '../../../raftkv/kv/v1/RangeRequest.js';
import type { RangeResponse as _raftkv_kv_v1_RangeResponse, RangeResponse__Output as _raftkv_kv_v1_RangeResponse__Output } from '../../../raftkv/kv/v1/RangeResponse.js';
import type { TxnRequest as _raftkv_kv_v1_TxnRequest, TxnRequest__Output as _raftkv_kv_v1_TxnRequest__Output } from '../../../raftkv/kv/v1/TxnRequest.js';
import type { TxnResponse as _raftkv_kv_v1_TxnResponse, TxnResponse__Output as _raftkv_kv_v1_TxnResponse__Output } from '../../../raftkv/kv/v1/TxnResponse.js';
import type { WatchRequest as _raftkv_kv_v1_WatchRequest, WatchRequest__Output as _raftkv_kv_v1_WatchRequest__Output } from '../../../raftkv/kv/v1/WatchRequest.js';
import type { WatchResponse as _raftkv_kv_v1_WatchResponse, WatchResponse__Output as _raftkv_kv_v1_WatchResponse__Output } from '../../../raftkv/kv/v1/WatchResponse.js';

export interface KVClient extends grpc.Client {
  Delete(argument: _raftkv_kv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftkv_kv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftkv_kv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftkv_kv_v1_DeleteRequest, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftkv_kv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftkv_kv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftkv_kv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftkv_kv_v1_DeleteRequest, callback: grpc.requestCallback<_raftkv_kv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _raftkv_kv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftkv_kv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftkv_kv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftkv_kv_v1_GetRequest, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftkv_kv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftkv_kv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftkv_kv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftkv_kv_v1_GetRequest, callback: grpc.requestCallback<_raftkv_kv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  Put(argument: _raftkv_kv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftkv_kv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftkv_kv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftkv_kv_v1_PutRequest, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftkv_kv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftkv_kv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftkv_kv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftkv_kv_v1_PutRequest, callback: grpc.requestCallback<_raftkv_kv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  
  Range(argument: _raftkv_kv_v1_RangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftkv_kv_v1_RangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftkv_kv_v1_RangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftkv_kv_v1_RangeRequest, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftkv_kv_v1_RangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftkv_kv_v1_RangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftkv_kv_v1_RangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftkv_kv_v1_RangeRequest, callback: grpc.requestCallback<_raftkv_kv_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  
  Txn(argument: _raftkv_kv_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftkv_kv_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftkv_kv_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftkv_kv_v1_TxnRequest, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftkv_kv_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftkv_kv_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftkv_kv_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftkv_kv_v1_TxnRequest, callback: grpc.requestCallback<_raftkv_kv_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _raftkv_kv_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_kv_v1_WatchResponse__Output>;
  Watch(argument: _raftkv_kv_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_kv_v1_WatchResponse__Output>;
  watch(argument: _raftkv_kv_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_kv_v1_WatchResponse__Output>;
  watch(argument: _raftkv_kv_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftkv_kv_v1_WatchResponse__Output>;
  
}

export interface KVHandlers extends grpc.UntypedServiceImplementation {
  Delete: grpc.handleUnaryCall<_raftkv_kv_v1_DeleteRequest__Output, _raftkv_kv_v1_DeleteResponse>;
  
  Get: grpc.handleUnaryCall<_raftkv_kv_v1_GetRequest__Output, _raftkv_kv_v1_GetResponse>;
  
  Put: grpc.handleUnaryCall<_raftkv_kv_v1_PutRequest__Output, _raftkv_kv_v1_PutResponse>;
  
  Range: grpc.handleUnaryCall<_raftkv_kv_v1_RangeRequest__Output, _raftkv_kv_v1_RangeResponse>;
  
  Txn: grpc.handleUnaryCall<_raftkv_kv_v1_TxnRequest__Output, _raftkv_kv_v1_TxnResponse>;
  
  Watch: grpc.handleServerStreamingCall<_raftkv_kv_v1_WatchRequest__Output, _raftkv_kv_v1_WatchResponse>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_raftkv_kv_v1_DeleteRequest, _raftkv_kv_v1_DeleteResponse, _raftkv_kv_v1_DeleteRequest__Output, _raftkv_kv_v1_DeleteResponse__Output>
  Get: MethodDefinition<_raftkv_kv_v1_GetRequest, _raftkv_kv_v1_GetResponse, _raftkv_kv_v1_GetRequest__Output, _raftkv_kv_v1_GetResponse__Output>
  Put: MethodDefinition<_raftkv_kv_v1_PutRequest, _raftkv_kv_v1_PutResponse, _raftkv_kv_v1_PutRequest__Output, _raftkv_kv_v1_PutResponse__Output>
  Range: MethodDefinition<_raftkv_kv_v1_RangeRequest, _raftkv_kv_v1_RangeResponse, _raftkv_kv_v1_RangeRequest__Output, _raftkv_kv_v1_RangeResponse__Output>
  Txn: MethodDefinition<_raftkv_kv_v1_TxnRequest, _raftkv_kv_v1_TxnResponse, _raftkv_kv_v1_TxnRequest__Output, _raftkv_kv_v1_TxnResponse__Output>
  Watch: MethodDefinition<_raftkv_kv_v1_WatchRequest, _raftkv_kv_v1_WatchResponse, _raftkv_kv_v1_WatchRequest__Output, _raftkv_kv_v1_WatchResponse__Output>
}
