import * as grpc from "@grpc/grpc-js";
import { assert } from "../core/assert.js";
import type { HealthHandlers } from "../gen/grpc/health/v1/Health.js";
import type { HealthCheckRequest__Output } from "../gen/grpc/health/v1/HealthCheckRequest.js";
import {
  _grpc_health_v1_HealthCheckResponse_ServingStatus as ServingStatus,
  type _grpc_health_v1_HealthCheckResponse_ServingStatus__Output as ServingStatusValue,
  type HealthCheckResponse,
} from "../gen/grpc/health/v1/HealthCheckResponse.js";
import { raftkvProtos } from "./proto-loading.js";

/** What a service reports; raftkv decides (docs/design.md: SERVING once caught up). */
export type HealthStatus = "serving" | "not-serving";

const SERVING_STATUS: Readonly<Record<HealthStatus, ServingStatusValue>> = Object.freeze({
  serving: ServingStatus.SERVING,
  "not-serving": ServingStatus.NOT_SERVING,
});

type Watch = grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>;

export interface HealthServiceOptions {
  /** Service names answered from the start, as not serving; "" is the server as a whole. */
  readonly services: readonly string[];
  /** Watch streams open at once; more are refused with RESOURCE_EXHAUSTED. */
  readonly watchersMax: number;
}

/**
 * grpc.health.v1.Health (https://github.com/grpc/grpc/blob/master/doc/health-checking.md),
 * with statuses set by the caller: raftkv reports SERVING only while the member knows a
 * leader and has applied everything it knows to be committed. Check answers NOT_FOUND for
 * an unknown service; Watch sends the current status at once, then each change. A watcher
 * that stops reading is ended with RESOURCE_EXHAUSTED rather than buffered without bound.
 */
export class HealthService {
  private readonly statuses = new Map<string, HealthStatus>();
  private readonly watchers = new Set<Watch>();
  /** Watchers whose last write has not drained: one more update would buffer unboundedly. */
  private readonly backedUp = new Set<Watch>();

  constructor(private readonly options: HealthServiceOptions) {
    assert(Number.isSafeInteger(options.watchersMax) && options.watchersMax >= 0, "a limit");
    for (const service of options.services) this.statuses.set(service, "not-serving");
  }

  /** Registers Health on a server the caller owns. */
  addToServer(server: grpc.Server): void {
    const handlers: HealthHandlers = {
      Check: (call, callback) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) {
          const details = `unknown service "${call.request.service}"`;
          callback({ code: grpc.status.NOT_FOUND, details });
          return;
        }
        callback(null, { status: SERVING_STATUS[status] });
      },
      Watch: (call) => this.watch(call),
    };
    server.addService(raftkvProtos().grpcObject.grpc.health.v1.Health.service, handlers);
  }

  /** Sets a service's status (registering the name if new) and tells its watchers. */
  setStatus(service: string, status: HealthStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const call of this.watchers) {
      if (call.request.service === service) this.write(call, SERVING_STATUS[status]);
    }
  }

  status(service: string): HealthStatus | undefined {
    return this.statuses.get(service);
  }

  /**
   * Reports every service NOT_SERVING to its watchers, then ends every Watch, so that the
   * server's graceful shutdown is not held open by streams that never end.
   */
  close(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, "not-serving");
    for (const call of this.watchers) call.end();
    this.watchers.clear();
    this.backedUp.clear();
  }

  private watch(call: Watch): void {
    if (this.watchers.size >= this.options.watchersMax) {
      call.emit("error", { code: grpc.status.RESOURCE_EXHAUSTED, details: "too many watchers" });
      return;
    }
    this.watchers.add(call);
    const forget = (): void => {
      this.watchers.delete(call);
      this.backedUp.delete(call);
    };
    call.on("cancelled", forget);
    call.on("error", forget);
    call.on("drain", () => this.backedUp.delete(call));
    const status = this.statuses.get(call.request.service);
    this.write(call,
      status === undefined ? ServingStatus.SERVICE_UNKNOWN : SERVING_STATUS[status]);
  }

  private write(call: Watch, status: ServingStatusValue): void {
    if (this.backedUp.has(call)) {
      this.watchers.delete(call);
      this.backedUp.delete(call);
      call.emit("error", { code: grpc.status.RESOURCE_EXHAUSTED, details: "watcher not reading" });
      return;
    }
    if (!call.write({ status })) this.backedUp.add(call);
  }
}
