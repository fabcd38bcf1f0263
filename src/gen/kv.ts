import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Compare as _raftkv_kv_v1_Compare, Compare__Output as _raftkv_kv_v1_Compare__Output } from './raftkv/kv/v1/Compare.js';
import type { DeleteRequest as _raftkv_kv_v1_DeleteRequest, DeleteRequest__Output as _raftkv_kv_v1_DeleteRequest__Output } from './raftkv/kv/v1/DeleteRequest.js';
import type { DeleteResponse as _raftkv_kv_v1_DeleteResponse, DeleteResponse__Output as _raftkv_kv_v1_DeleteResponse__Output } from './raftkv/kv/v1/DeleteResponse.js';
import type { Event as _raftkv_kv_v1_Event, Event__Output as _raftkv_kv_v1_Event__Output } from './raftkv/kv/v1/Event.js';
import type { GetRequest as _raftkv_kv_v1_GetRequest, GetRequest__Output as _raftkv_kv_v1_GetRequest__Output } from './raftkv/kv/v1/GetRequest.js';
import type { GetResponse as _raftkv_kv_v1_GetResponse, GetResponse__Output as _raftkv_kv_v1_GetResponse__Output } from './raftkv/kv/v1/GetResponse.js';
import type { KVClient as _raftkv_kv_v1_KVClient, KVDefinition as _raftkv_kv_v1_KVDefinition } from './raftkv/kv/v1/KV.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from './raftkv/kv/v1/KeyValue.js';
import type { PutRequest as _raftkv_kv_v1_PutRequest, PutRequest__Output as _raftkv_kv_v1_PutRequest__Output } from './raftkv/kv/v1/PutRequest.js';
import type { PutResponse as _raftkv_kv_v1_PutResponse, PutResponse__Output as _raftkv_kv_v1_PutResponse__Output } from './raftkv/kv/v1/PutResponse.js';
import type { RangeRequest as _raftkv_kv_v1_RangeRequest, RangeRequest__Output as _raftkv_kv_v1_RangeRequest__Output } from './raftkv/kv/v1/RangeRequest.js';
import type { RangeResponse as _raftkv_kv_v1_RangeResponse, RangeResponse__Output as _raftkv_kv_v1_RangeResponse__Output } from './raftkv/kv/v1/RangeResponse.js';
import type { RequestOp as _raftkv_kv_v1_RequestOp, RequestOp__Output as _raftkv_kv_v1_RequestOp__Output } from './raftkv/kv/v1/RequestOp.js';
import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from './raftkv/kv/v1/ResponseHeader.js';
import type { ResponseOp as _raftkv_kv_v1_ResponseOp, ResponseOp__Output as _raftkv_kv_v1_ResponseOp__Output } from './raftkv/kv/v1/ResponseOp.js';
import type { TxnRequest as _raftkv_kv_v1_TxnRequest, TxnRequest__Output as _raftkv_kv_v1_TxnRequest__Output } from './raftkv/kv/v1/TxnRequest.js';
import type { TxnResponse as _raftkv_kv_v1_TxnResponse, TxnResponse__Output as _raftkv_kv_v1_TxnResponse__Output } from './raftkv/kv/v1/TxnResponse.js';
import type { WatchRequest as _raftkv_kv_v1_WatchRequest, WatchRequest__Output as _raftkv_kv_v1_WatchRequest__Output } from './raftkv/kv/v1/WatchRequest.js';
import type { WatchResponse as _raftkv_kv_v1_WatchResponse, WatchResponse__Output as _raftkv_kv_v1_WatchResponse__Output } from './raftkv/kv/v1/WatchResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftkv: {
    kv: {
      v1: {
        Compare: MessageTypeDefinition<_raftkv_kv_v1_Compare, _raftkv_kv_v1_Compare__Output>
        CompareResult: EnumTypeDefinition
        CompareTarget: EnumTypeDefinition
        Consistency: EnumTypeDefinition
        DeleteRequest: MessageTypeDefinition<_raftkv_kv_v1_DeleteRequest, _raftkv_kv_v1_DeleteRequest__Output>
        DeleteResponse: MessageTypeDefinition<_raftkv_kv_v1_DeleteResponse, _raftkv_kv_v1_DeleteResponse__Output>
        Event: MessageTypeDefinition<_raftkv_kv_v1_Event, _raftkv_kv_v1_Event__Output>
        EventType: EnumTypeDefinition
        GetRequest: MessageTypeDefinition<_raftkv_kv_v1_GetRequest, _raftkv_kv_v1_GetRequest__Output>
        GetResponse: MessageTypeDefinition<_raftkv_kv_v1_GetResponse, _raftkv_kv_v1_GetResponse__Output>
        KV: SubtypeConstructor<typeof grpc.Client, _raftkv_kv_v1_KVClient> & { service: _raftkv_kv_v1_KVDefinition }
        KeyValue: MessageTypeDefinition<_raftkv_kv_v1_KeyValue, _raftkv_kv_v1_KeyValue__Output>
        PutRequest: MessageTypeDefinition<_raftkv_kv_v1_PutRequest, _raftkv_kv_v1_PutRequest__Output>
        PutResponse: MessageTypeDefinition<_raftkv_kv_v1_PutResponse, _raftkv_kv_v1_PutResponse__Output>
        RangeRequest: MessageTypeDefinition<_raftkv_kv_v1_RangeRequest, _raftkv_kv_v1_RangeRequest__Output>
        RangeResponse: MessageTypeDefinition<_raftkv_kv_v1_RangeResponse, _raftkv_kv_v1_RangeResponse__Output>
        RequestOp: MessageTypeDefinition<_raftkv_kv_v1_RequestOp, _raftkv_kv_v1_RequestOp__Output>
        ResponseHeader: MessageTypeDefinition<_raftkv_kv_v1_ResponseHeader, _raftkv_kv_v1_ResponseHeader__Output>
        ResponseOp: MessageTypeDefinition<_raftkv_kv_v1_ResponseOp, _raftkv_kv_v1_ResponseOp__Output>
        TxnRequest: MessageTypeDefinition<_raftkv_kv_v1_TxnRequest, _raftkv_kv_v1_TxnRequest__Output>
        TxnResponse: MessageTypeDefinition<_raftkv_kv_v1_TxnResponse, _raftkv_kv_v1_TxnResponse__Output>
        WatchRequest: MessageTypeDefinition<_raftkv_kv_v1_WatchRequest, _raftkv_kv_v1_WatchRequest__Output>
        WatchResponse: MessageTypeDefinition<_raftkv_kv_v1_WatchResponse, _raftkv_kv_v1_WatchResponse__Output>
      }
    }
  }
}

