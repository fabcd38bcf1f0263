import * as grpc from "@grpc/grpc-js";
import {
  context as otelContext, SpanKind, SpanStatusCode, trace, type Span,
} from "@opentelemetry/api";
import { contextFromMetadata } from "../observability/grpc-trace-context.js";
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
  options: UnaryOptions,
  handle: (request: Request, call: CallContext) => Promise<Response> | Response,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    // A server span per call, continuing the caller's trace; what the call does runs inside
    // it (the write tracer reads it when the entry is proposed).
    const parent = contextFromMetadata(call.metadata);
    const span = trace.getTracer("raftkv").startSpan(`raftkv/${options.method}`, {
      kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", "rpc.method": options.method },
    }, parent);
    otelContext.with(trace.setSpan(parent, span), () => {
      serve(options, handle, call, callback, span);
    });
  };
}

/** What unaryHandler needs besides the handler. */
export interface UnaryOptions {
  readonly method: string;
  readonly defaultTimeoutMs: number;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly leaderAddress: (id: number) => string | undefined;
  /** Told of every call's outcome (gRPC code name) and duration, for metrics. */
  readonly observe?: (method: string, code: string, durationMs: number) => void;
}

function serve<Request, Response>(
  options: UnaryOptions,
  handle: (request: Request, call: CallContext) => Promise<Response> | Response,
  call: grpc.ServerUnaryCall<Request, Response>, callback: grpc.sendUnaryData<Response>,
  span: Span,
): void {
  const context: CallContext = {
    deadlineMs: options.nowMs() + remainingMs(call.getDeadline(), options.defaultTimeoutMs),
    forwarded: call.metadata.get(FORWARDED_KEY).length > 0,
  };
  let settled = false;
  const startedMs = options.nowMs();
  const finish = (code: grpc.status): void => {
    settled = true;
    options.observe?.(options.method, grpc.status[code], options.nowMs() - startedMs);
    span.setAttribute("rpc.grpc.status_code", code);
    if (code !== grpc.status.OK) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: grpc.status[code] });
    }
    span.end();
  };
  Promise.resolve()
    .then(() => handle(requireWellFormed(call.request), context))
    .then(
      (response) => {
        finish(grpc.status.OK);
        callback(null, response);
      },
      (error: unknown) => {
        const status = toGrpcStatus(error, options.leaderAddress);
        if (status.code === grpc.status.INTERNAL) {
          const detail = error instanceof Error ? error.stack ?? error.message : String(error);
          options.logger.error("unexpected error in a client call", {
            method: options.method, error: detail,
          });
        }
        finish(status.code);
        callback({ code: status.code, details: status.details, metadata: status.metadata }, null);
      },
    )
    .catch((error: unknown) => {
      if (!settled) {
        options.logger.error("callback failed", { method: options.method, error: String(error) });
      }
    });
}

function remainingMs(deadline: grpc.Deadline, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return fallbackMs;
  return Math.max(0, Math.min(at - Date.now(), 24 * 3600 * 1000));
}
