import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import type { PutRequest } from "../../src/gen/raftkv/kv/v1/PutRequest.js";
import type { PutResponse__Output } from "../../src/gen/raftkv/kv/v1/PutResponse.js";
import type { TxnRequest } from "../../src/gen/raftkv/kv/v1/TxnRequest.js";
import type { TxnResponse__Output } from "../../src/gen/raftkv/kv/v1/TxnResponse.js";
import type { DeleteRequest } from "../../src/gen/raftkv/kv/v1/DeleteRequest.js";
import type { DeleteResponse__Output } from "../../src/gen/raftkv/kv/v1/DeleteResponse.js";
import { isGrpcError, type RaftkvClient } from "./raftkv-client.js";

/** Statuses after which a write's outcome is unknown or it was refused: send it again. */
const RETRIED = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
const DEFAULT_TIMEOUT_MS = 20_000;
const RETRY_PAUSE_MS = 25;

/**
 * Exactly-once writes for tests that write right after a disruption (a kill, an election, a
 * leader transfer): a write that fails UNAVAILABLE or DEADLINE_EXCEEDED may or may not have
 * been applied, so it is sent again with the same session (client_id and sequence), as a
 * real client must (docs/api.md, Exactly-once writes). The server answers a retry of an
 * applied write from its session table, so each write below is applied once, and its
 * answer is that of the one application. Any other status fails the test at once.
 * One write at a time per instance: a session's sequence numbers must arrive in order.
 */
export class RetriedWrites {
  private readonly clientId = `test-${randomUUID()}`;
  private sequence = 0;

  /** `target` picks the member for each attempt (e.g. whichever is running now). */
  constructor(private readonly target: () => RaftkvClient) {}

  put(request: PutRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PutResponse__Output> {
    const stamped = this.stamp(request);
    return this.retry(`Put ${String(request.key)}`, timeoutMs, (client) => client.put(stamped));
  }

  txn(request: TxnRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<TxnResponse__Output> {
    const stamped = this.stamp(request);
    return this.retry("Txn", timeoutMs, (client) => client.txn(stamped));
  }

  delete(request: DeleteRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DeleteResponse__Output> {
    const stamped = this.stamp(request);
    return this.retry(`Delete ${String(request.key)}`, timeoutMs,
      (client) => client.delete(stamped));
  }

  private stamp<Request extends object>(request: Request): Request {
    this.sequence += 1;
    return { ...request, client_id: this.clientId, sequence: String(this.sequence) };
  }

  private async retry<Response>(
    what: string, timeoutMs: number, call: (client: RaftkvClient) => Promise<Response>,
  ): Promise<Response> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        return await call(this.target());
      } catch (error: unknown) {
        const again = isGrpcError(error) && RETRIED.has(error.code);
        if (!again) throw error;
        if (performance.now() >= deadline) {
          throw new Error(`${what} was not acknowledged within ${timeoutMs} ms; last error: ` +
            error.message);
        }
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}
