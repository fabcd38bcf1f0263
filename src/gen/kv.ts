import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { DeleteRequest as _raftkv_kv_v1_DeleteRequest, DeleteRequest__Output as _raftkv_kv_v1_DeleteRequest__Output } from './raftkv/kv/v1/DeleteRequest.js';
import type { DeleteResponse as _raftkv_kv_v1_DeleteResponse, DeleteResponse__Output as _raftkv_kv_v1_DeleteResponse__Output } from './raftkv/kv/v1/DeleteResponse.js';
import type { GetRequest as _raftkv_kv_v1_GetRequest, GetRequest__Output as _raftkv_kv_v1_GetRequest__Output } from './raftkv/kv/v1/GetRequest.js';
import type { GetResponse as _raftkv_kv_v1_GetResponse, GetResponse__Output as _raftkv_kv_v1_GetResponse__Output } from './raftkv/kv/v1/GetResponse.js';
import type { KVClient as _raftkv_kv_v1_KVClient, KVDefinition as _raftkv_kv_v1_KVDefinition } from './raftkv/kv/v1/KV.js';
import type { KeyValue as _raftkv_kv_v1_KeyValue, KeyValue__Output as _raftkv_kv_v1_KeyValue__Output } from './raftkv/kv/v1/KeyValue.js';
import type { PutRequest as _raftkv_kv_v1_PutRequest, PutRequest__Output as _raftkv_kv_v1_PutRequest__Output } from './raftkv/kv/v1/PutRequest.js';
import type { PutResponse as _raftkv_kv_v1_PutResponse, PutResponse__Output as _raftkv_kv_v1_PutResponse__Output } from './raftkv/kv/v1/PutResponse.js';
import type { RangeRequest as _raftkv_kv_v1_RangeRequest, RangeRequest__Output as _raftkv_kv_v1_RangeRequest__Output } from './raftkv/kv/v1/RangeRequest.js';
import type { RangeResponse as _raftkv_kv_v1_RangeResponse, RangeResponse__Output as _raftkv_kv_v1_RangeResponse__Output } from './raftkv/kv/v1/RangeResponse.js';
import type { ResponseHeader as _raftkv_kv_v1_ResponseHeader, ResponseHeader__Output as _raftkv_kv_v1_ResponseHeader__Output } from './raftkv/kv/v1/ResponseHeader.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftkv: {
    kv: {
      v1: {
        Consistency: EnumTypeDefinition
        DeleteRequest: MessageTypeDefinition<_raftkv_kv_v1_DeleteRequest, _raftkv_kv_v1_DeleteRequest__Output>
        DeleteResponse: MessageTypeDefinition<_raftkv_kv_v1_DeleteResponse, _raftkv_kv_v1_DeleteResponse__Output>
        GetRequest: MessageTypeDefinition<_raftkv_kv_v1_GetRequest, _raftkv_kv_v1_GetRequest__Output>
        GetResponse: MessageTypeDefinition<_raftkv_kv_v1_GetResponse, _raftkv_kv_v1_GetResponse__Output>
        KV: SubtypeConstructor<typeof grpc.Client, _raftkv_kv_v1_KVClient> & { service: _raftkv_kv_v1_KVDefinition }
        KeyValue: MessageTypeDefinition<_raftkv_kv_v1_KeyValue, _raftkv_kv_v1_KeyValue__Output>
        PutRequest: MessageTypeDefinition<_raftkv_kv_v1_PutRequest, _raftkv_kv_v1_PutRequest__Output>
        PutResponse: MessageTypeDefinition<_raftkv_kv_v1_PutResponse, _raftkv_kv_v1_PutResponse__Output>
        RangeRequest: MessageTypeDefinition<_raftkv_kv_v1_RangeRequest, _raftkv_kv_v1_RangeRequest__Output>
        RangeResponse: MessageTypeDefinition<_raftkv_kv_v1_RangeResponse, _raftkv_kv_v1_RangeResponse__Output>
        ResponseHeader: MessageTypeDefinition<_raftkv_kv_v1_ResponseHeader, _raftkv_kv_v1_ResponseHeader__Output>
      }
    }
  }
}

