import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType as ClusterProto } from "../../src/gen/cluster.js";
import type { ProtoGrpcType as HealthProto } from "../../src/gen/health.js";
import type { ProtoGrpcType as KvProto } from "../../src/gen/kv.js";
import type { MemberListResponse__Output } from "../../src/gen/raftkv/cluster/v1/MemberListResponse.js";
import type { StatusResponse__Output } from "../../src/gen/raftkv/cluster/v1/StatusResponse.js";
import type { MemberAddRequest } from "../../src/gen/raftkv/cluster/v1/MemberAddRequest.js";
import type { MemberAddResponse__Output } from "../../src/gen/raftkv/cluster/v1/MemberAddResponse.js";
import type { MemberPromoteResponse__Output } from "../../src/gen/raftkv/cluster/v1/MemberPromoteResponse.js";
import type { MemberRemoveResponse__Output } from "../../src/gen/raftkv/cluster/v1/MemberRemoveResponse.js";
import type {
  TransferLeadershipResponse__Output,
} from "../../src/gen/raftkv/cluster/v1/TransferLeadershipResponse.js";
import type { ClusterClient } from "../../src/gen/raftkv/cluster/v1/Cluster.js";
import type { HealthClient } from "../../src/gen/grpc/health/v1/Health.js";
import type { HealthCheckRequest } from "../../src/gen/grpc/health/v1/HealthCheckRequest.js";
import type { HealthCheckResponse__Output } from "../../src/gen/grpc/health/v1/HealthCheckResponse.js";
import type { DeleteRequest } from "../../src/gen/raftkv/kv/v1/DeleteRequest.js";
import type { DeleteResponse__Output } from "../../src/gen/raftkv/kv/v1/DeleteResponse.js";
import type { GetRequest } from "../../src/gen/raftkv/kv/v1/GetRequest.js";
import type { GetResponse__Output } from "../../src/gen/raftkv/kv/v1/GetResponse.js";
import type { KVClient } from "../../src/gen/raftkv/kv/v1/KV.js";
import type { PutRequest } from "../../src/gen/raftkv/kv/v1/PutRequest.js";
import type { PutResponse__Output } from "../../src/gen/raftkv/kv/v1/PutResponse.js";
import type { RangeRequest } from "../../src/gen/raftkv/kv/v1/RangeRequest.js";
import type { RangeResponse__Output } from "../../src/gen/raftkv/kv/v1/RangeResponse.js";
import type { TxnRequest } from "../../src/gen/raftkv/kv/v1/TxnRequest.js";
import type { TxnResponse__Output } from "../../src/gen/raftkv/kv/v1/TxnResponse.js";
import type { WatchRequest } from "../../src/gen/raftkv/kv/v1/WatchRequest.js";
import type { WatchResponse__Output } from "../../src/gen/raftkv/kv/v1/WatchResponse.js";
import { protoDir } from "./repo-paths.js";

/** Cluster/Status role values (proto/raftkv/cluster/v1/cluster.proto, enum Role). */
export const ROLE = Object.freeze({ follower: 1, preCandidate: 2, candidate: 3, leader: 4 });

/** grpc.health.v1 ServingStatus.SERVING. */
export const HEALTH_SERVING = 1;

/** Default deadline for one call, well above an election on the tests' fast ticks. */
export const CALL_DEADLINE_MS = 5000;

type Protos = KvProto & ClusterProto & HealthProto;

let protos: Protos | undefined;

/**
 * The client API protos, loaded from the .proto files in proto/ as any third-party grpc-js
 * client would load them (not from the server's embedded copy), with the loader options the
 * generated types in src/gen/ describe: proto field names, uint64 as decimal strings, enums
 * as numbers, defaults filled in.
 */
export function clientProtos(): Protos {
  if (protos === undefined) {
    const definition = protoLoader.loadSync(
      ["raftkv/kv/v1/kv.proto", "raftkv/cluster/v1/cluster.proto", "grpc_health/v1/health.proto"],
      { includeDirs: [protoDir()], keepCase: true, longs: String, defaults: true, oneofs: false },
    );
    protos = grpc.loadPackageDefinition(definition) as unknown as Protos;
  }
  return protos;
}

/** Per-call options: a deadline (ms from now) and request metadata. */
export interface CallOptions {
  readonly deadlineMs?: number;
}

/** A failed call: the gRPC status code, its message and the trailing metadata. */
export type GrpcError = grpc.ServiceError;

/** Whether `error` is a gRPC status error, optionally with the given code. */
export function isGrpcError(error: unknown, code?: grpc.status): error is GrpcError {
  const candidate = error as Partial<grpc.ServiceError> | undefined;
  return (
    error instanceof Error && typeof candidate?.code === "number" &&
    (code === undefined || candidate.code === code)
  );
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Response>,
) => grpc.ClientUnaryCall;

function unary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  options: CallOptions,
): Promise<Response> {
  const deadline = Date.now() + (options.deadlineMs ?? CALL_DEADLINE_MS);
  return new Promise((resolve, reject) => {
    method(request, new grpc.Metadata(), { deadline }, (error, response) => {
      if (error !== null) reject(error);
      else if (response === undefined) reject(new Error("a unary call returned no response"));
      else resolve(response);
    });
  });
}

/**
 * A typed client of one raftkv member's client port: KV, Cluster and Health, over one
 * channel (plaintext unless credentials are given). Keys are strings and values bytes, as
 * in the proto. Every call has a deadline (CALL_DEADLINE_MS unless given) and rejects with
 * the server's GrpcError.
 */
export class RaftkvClient {
  readonly address: string;
  private readonly kv: KVClient;
  private readonly cluster: ClusterClient;
  private readonly health: HealthClient;

  /**
   * `channelOptions` go to grpc-js unchanged, e.g. message size limits; `credentials` are
   * plaintext unless given (a member with --client-cert needs TLS ones).
   */
  constructor(
    address: string, channelOptions: grpc.ChannelOptions = {},
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const loaded = clientProtos();
    this.address = address;
    this.kv = new loaded.raftkv.kv.v1.KV(address, credentials, channelOptions);
    // The three stubs share one connection: grpc-js pools subchannels by address and options.
    this.cluster = new loaded.raftkv.cluster.v1.Cluster(address, credentials, channelOptions);
    this.health = new loaded.grpc.health.v1.Health(address, credentials, channelOptions);
  }

  put(request: PutRequest, options: CallOptions = {}): Promise<PutResponse__Output> {
    return unary(this.kv.Put.bind(this.kv), request, options);
  }

  get(request: GetRequest, options: CallOptions = {}): Promise<GetResponse__Output> {
    return unary(this.kv.Get.bind(this.kv), request, options);
  }

  delete(request: DeleteRequest, options: CallOptions = {}): Promise<DeleteResponse__Output> {
    return unary(this.kv.Delete.bind(this.kv), request, options);
  }

  range(request: RangeRequest, options: CallOptions = {}): Promise<RangeResponse__Output> {
    return unary(this.kv.Range.bind(this.kv), request, options);
  }

  txn(request: TxnRequest, options: CallOptions = {}): Promise<TxnResponse__Output> {
    return unary(this.kv.Txn.bind(this.kv), request, options);
  }

  /** Opens a watch (a server stream) with no deadline; the caller cancels it. */
  watch(request: WatchRequest): grpc.ClientReadableStream<WatchResponse__Output> {
    return this.kv.Watch(request);
  }

  status(options: CallOptions = {}): Promise<StatusResponse__Output> {
    return unary(this.cluster.Status.bind(this.cluster), {}, options);
  }

  memberList(options: CallOptions = {}): Promise<MemberListResponse__Output> {
    return unary(this.cluster.MemberList.bind(this.cluster), {}, options);
  }

  memberAdd(
    request: MemberAddRequest, options: CallOptions = {},
  ): Promise<MemberAddResponse__Output> {
    return unary(this.cluster.MemberAdd.bind(this.cluster), request, options);
  }

  memberPromote(id: number, options: CallOptions = {}): Promise<MemberPromoteResponse__Output> {
    return unary(this.cluster.MemberPromote.bind(this.cluster), { id: String(id) }, options);
  }

  memberRemove(
    id: number, force = false, options: CallOptions = {},
  ): Promise<MemberRemoveResponse__Output> {
    const request = { id: String(id), force };
    return unary(this.cluster.MemberRemove.bind(this.cluster), request, options);
  }

  transferLeadership(
    targetId: number, options: CallOptions = {},
  ): Promise<TransferLeadershipResponse__Output> {
    const request = { target_id: String(targetId) };
    return unary(this.cluster.TransferLeadership.bind(this.cluster), request, options);
  }

  /** The serving status of the whole server (service ""), a ServingStatus number. */
  async healthStatus(options: CallOptions = {}): Promise<number> {
    const response = await unary<HealthCheckRequest, HealthCheckResponse__Output>(
      this.health.Check.bind(this.health), { service: "" }, options);
    return response.status;
  }

  close(): void {
    this.kv.close();
    this.cluster.close();
    this.health.close();
  }
}

/**
 * The smallest string greater than every string starting with `prefix`, for a Range over a
 * prefix (etcd's "prefix end"). Limited to ASCII prefixes, which is all the tests use: the
 * server compares keys as UTF-8 bytes, and for ASCII that is the same order as here.
 */
export function prefixEnd(prefix: string): string {
  if (!/^[\x20-\x7e]+$/.test(prefix) || prefix.endsWith("~")) {
    throw new Error(`prefixEnd supports printable ASCII not ending in "~", got ${prefix}`);
  }
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
