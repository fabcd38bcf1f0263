import * as grpc from "@grpc/grpc-js";
import type { KVClient } from "../gen/raftkv/kv/v1/KV.js";
import type { NodeId } from "../core/ids.js";
import { NotLeaderError } from "../node/errors.js";
import { raftkvProtos } from "../transport/proto-loading.js";

/** Marks a call forwarded by a follower: the receiver serves it or fails, never forwards. */
export const FORWARDED_KEY = "raftkv-forwarded";

type KvMethod = "Put" | "Get" | "Delete" | "Range" | "Txn";

/**
 * Forwards client calls to the leader's peer port, which serves the KV service for exactly
 * this purpose (thesis 6.2: route requests to the leader). One channel per leader address,
 * reused; each call carries the client's remaining deadline.
 */
export class LeaderForwarder {
  private readonly clients = new Map<string, KVClient>();

  constructor(
    private readonly peerAddressOf: (id: NodeId) => string | undefined,
    private readonly messageBytesMax: number,
  ) {}

  forward<Response>(
    leader: NodeId, method: KvMethod, request: unknown, deadlineMs: number,
  ): Promise<Response> {
    const address = this.peerAddressOf(leader);
    if (address === undefined) return Promise.reject(new NotLeaderError(leader, "the leader's address is unknown"));
    const client = this.client(address);
    const metadata = new grpc.Metadata();
    metadata.set(FORWARDED_KEY, "1");
    const call = client[method].bind(client) as unknown as (
      request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: Response) => void,
    ) => grpc.ClientUnaryCall;
    return new Promise<Response>((resolve, reject) => {
      const options = { deadline: Date.now() + Math.max(0, deadlineMs) };
      call(request, metadata, options, (error, response) => {
        if (error !== null) reject(error);
        else if (response === undefined) reject(new Error("forwarded call returned no response"));
        else resolve(response);
      });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(address: string): KVClient {
    let client = this.clients.get(address);
    if (client === undefined) {
      const { grpcObject } = raftkvProtos();
      client = new grpcObject.raftkv.kv.v1.KV(address, grpc.credentials.createInsecure(), {
        "grpc.max_send_message_length": this.messageBytesMax,
        "grpc.max_receive_message_length": this.messageBytesMax,
      });
      this.clients.set(address, client);
    }
    return client;
  }
}
