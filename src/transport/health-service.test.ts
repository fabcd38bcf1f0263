// Goal: grpc.health.v1.Health answers as the standard says, with statuses set by the caller:
// Check gives the current status or NOT_FOUND; Watch gives the current status at once
// (SERVICE_UNKNOWN for an unknown name), then every change, and ends when the service
// closes, so a graceful server shutdown is not held open; watchers are bounded.
// Method: a real grpc.Server on 127.0.0.1:0 with HealthService, called through a grpc-js
// client built from the same loaded protos.

import * as grpc from "@grpc/grpc-js";
import type { HealthClient } from "../gen/grpc/health/v1/Health.js";
import type { HealthCheckResponse__Output } from "../gen/grpc/health/v1/HealthCheckResponse.js";
import { HealthService } from "./health-service.js";
import { raftkvProtos } from "./proto-loading.js";

const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;

let server: grpc.Server;
let health: HealthService;
let client: HealthClient;

beforeEach(async () => {
  server = new grpc.Server();
  health = new HealthService({ services: ["", "raftkv.kv.v1.KV"], watchersMax: 2 });
  health.addToServer(server);
  const port = await new Promise<number>((done, fail) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) done(bound);
      else fail(error);
    });
  });
  const Health = raftkvProtos().grpcObject.grpc.health.v1.Health;
  client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(() => {
  client.close();
  server.forceShutdown();
});

function check(service: string): Promise<number | grpc.status> {
  return new Promise((done) => {
    client.Check({ service }, (error, response) => {
      done(error === null ? response!.status : error.code);
    });
  });
}

/** Collects a Watch stream's statuses until it ends, with its final status code. */
function watch(service: string) {
  const statuses: number[] = [];
  const call = client.Watch({ service });
  call.on("data", (response: HealthCheckResponse__Output) => statuses.push(response.status));
  const ended = new Promise<grpc.status>((done) => {
    call.on("error", (error: grpc.ServiceError) => done(error.code));
    call.on("end", () => done(grpc.status.OK));
  });
  return { statuses, ended, call };
}

/** Whichever comes first: a status arrives ("status"), or the stream ends with a code. */
function firstOutcome(watched: ReturnType<typeof watch>): Promise<"status" | grpc.status> {
  const status = new Promise<"status">((done) => watched.call.once("data", () => done("status")));
  return Promise.race([status, watched.ended]);
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((done) => setTimeout(done, 5));
  }
}

describe("HealthService", () => {
  it("checks the statuses the caller sets, and NOT_FOUND for an unknown name", async () => {
    expect(await check("")).toBe(NOT_SERVING);
    health.setStatus("", "serving");
    expect(await check("")).toBe(SERVING);
    expect(await check("raftkv.kv.v1.KV")).toBe(NOT_SERVING);
    expect(await check("no.such.Service")).toBe(grpc.status.NOT_FOUND);
  });

  it("watches: the current status at once, each change, and the end on close", async () => {
    const whole = watch("");
    const unknown = watch("later.Service");
    await until(() => whole.statuses.length === 1 && unknown.statuses.length === 1);
    health.setStatus("", "serving");
    health.setStatus("", "serving"); // Not a change: not sent again.
    health.setStatus("later.Service", "serving");
    await until(() => whole.statuses.length === 2 && unknown.statuses.length === 2);
    health.close();
    expect(await whole.ended).toBe(grpc.status.OK);
    expect(whole.statuses).toEqual([NOT_SERVING, SERVING, NOT_SERVING]);
    expect(unknown.statuses).toEqual([SERVICE_UNKNOWN, SERVING, NOT_SERVING]);
  });

  it("refuses a watcher past its limit, and forgets cancelled ones", async () => {
    const first = watch("");
    const second = watch("");
    await until(() => first.statuses.length === 1 && second.statuses.length === 1);
    expect(await watch("").ended).toBe(grpc.status.RESOURCE_EXHAUSTED);
    first.call.cancel();
    await first.ended;
    // The server learns of the cancellation a moment later; then a new watcher fits.
    let third = watch("");
    while ((await firstOutcome(third)) === grpc.status.RESOURCE_EXHAUSTED) {
      await new Promise((done) => setTimeout(done, 10));
      third = watch("");
    }
    expect(third.statuses).toEqual([NOT_SERVING]);
  });
});
