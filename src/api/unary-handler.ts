import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../observability/logger.js";
import { toGrpcStatus } from "./grpc-status.js";
import { FORWARDED_KEY } from "./leader-forwarder.js";
import { requireWellFormed } from "./request-guard.js";
import type { CallContext } from "./kv-service.js";

/**
 * Adapts an async domain function to a grpc-js unary handler: rejects a request the guarded
 * deserializer could not decode (request-guard.ts), computes the call's deadline
 * (the client's, or the member's default when it sent none), maps any thrown error through
 * toGrpcStatus() (the only place statuses are chosen), and logs unexpected errors with their
 * stack while the client sees only INTERNAL.
 */
export function unaryHandler<Request, Response>(
  options: {
    readonly method: string;
    readonly defaultTimeoutMs: number;
    readonly logger: Logger;
    readonly nowMs: () => number;
    readonly leaderAddress: (id: number) => string | undefined;
    /** Told of every call's outcome (gRPC code name) and duration, for metrics. */
    readonly observe?: (method: string, code: string, durationMs: number) => void;
  },
  handle: (request: Request, call: CallContext) => Promise<Response> | Response,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const context: CallContext = {
      deadlineMs: options.nowMs() + remainingMs(call.getDeadline(), options.defaultTimeoutMs),
      forwarded: call.metadata.get(FORWARDED_KEY).length > 0,
    };
    let settled = false;
    const startedMs = options.nowMs();
    const observe = (code: grpc.status): void => {
      options.observe?.(options.method, grpc.status[code], options.nowMs() - startedMs);
    };
    Promise.resolve()
      .then(() => handle(requireWellFormed(call.request), context))
      .then(
        (response) => {
          settled = true;
          observe(grpc.status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          settled = true;
          const status = toGrpcStatus(error, options.leaderAddress);
          if (status.code === grpc.status.INTERNAL) {
            const detail = error instanceof Error ? error.stack ?? error.message : String(error);
            options.logger.error("unexpected error in a client call", {
              method: options.method, error: detail,
            });
          }
          observe(status.code);
          callback({ code: status.code, details: status.details, metadata: status.metadata }, null);
        },
      )
      .catch((error: unknown) => {
        if (!settled) options.logger.error("callback failed", { method: options.method, error: String(error) });
      });
  };
}

function remainingMs(deadline: grpc.Deadline, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return fallbackMs;
  return Math.max(0, Math.min(at - Date.now(), 24 * 3600 * 1000));
}
