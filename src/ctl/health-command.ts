import { performance } from "node:perf_hooks";
import {
  _grpc_health_v1_HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/HealthCheckResponse.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { CallError, codeName, PartialFailure } from "./errors.js";
import { renderTable, writeJson } from "./output.js";
import { RPCS } from "./rpcs.js";

const HEALTH_COLUMNS: readonly string[] = ["ENDPOINT", "HEALTH", "TOOK", "ERROR"];

/**
 * `endpoint health`: grpc.health.v1 Health/Check (service "") on every endpoint. A member
 * is healthy when it answers SERVING: it knows a leader and has applied everything it knows
 * to be committed (README.md, "The client API"). Any other answer, or none, is unhealthy,
 * and one unhealthy endpoint makes the command exit 1, after every endpoint is printed.
 */
export const ENDPOINT_HEALTH_COMMAND: CommandSpec = {
  name: "endpoint health",
  summary: "whether each endpoint is serving (grpc.health.v1 Health/Check)",
  args: [],
  flags: [],
  outputs: ["simple", "json", "table"],
  notes: [
    "Simple output: \"<endpoint> is healthy: ...\" on stdout, \"... is unhealthy: ...\" on",
    "stderr, like etcdctl. Exits 1 when any endpoint is unhealthy.",
  ],
  run: runEndpointHealth,
};

interface HealthRow {
  readonly endpoint: string;
  readonly healthy: boolean;
  /** How long the check took, connecting included. */
  readonly tookMs: number;
  /** Why it is unhealthy: the serving status it reported, or the call's error. */
  readonly error: string | undefined;
}

async function runEndpointHealth(input: CommandInput, context: CommandContext): Promise<void> {
  const rows = await Promise.all(context.client.endpoints.map((endpoint) =>
    checkEndpoint(context, endpoint)));
  const { terminal } = context;
  switch (input.globals.output) {
    case "json":
      for (const row of rows) {
        writeJson(terminal, {
          endpoint: row.endpoint, health: row.healthy, took_ms: roundMs(row.tookMs),
          error: row.error ?? null,
        });
      }
      break;
    case "table":
      terminal.stdout(renderTable(HEALTH_COLUMNS, rows.map((row) => [
        row.endpoint, String(row.healthy), `${roundMs(row.tookMs)}ms`, row.error ?? "",
      ])));
      break;
    case "simple":
      for (const row of rows) {
        if (row.healthy) {
          terminal.stdout(`${row.endpoint} is healthy: serving, took = ${roundMs(row.tookMs)}ms\n`);
        } else {
          terminal.stderr(`${row.endpoint} is unhealthy: ${row.error ?? ""}\n`);
        }
      }
      break;
  }
  const unhealthy = rows.filter((row) => !row.healthy).length;
  if (unhealthy > 0) {
    throw new PartialFailure(`${unhealthy} of ${rows.length} endpoints are unhealthy`);
  }
}

async function checkEndpoint(context: CommandContext, endpoint: string): Promise<HealthRow> {
  const startedMs = performance.now();
  try {
    const response = await context.client.callEndpoint(endpoint, RPCS.healthCheck, {
      service: "",
    });
    const tookMs = performance.now() - startedMs;
    const healthy = response.status === ServingStatus.SERVING;
    const error = healthy ? undefined : servingStatusName(response.status);
    return { endpoint, healthy, tookMs, error };
  } catch (error: unknown) {
    if (!(error instanceof CallError)) throw error;
    const tookMs = performance.now() - startedMs;
    return { endpoint, healthy: false, tookMs, error: `${codeName(error.code)}: ${error.details}` };
  }
}

function servingStatusName(status: number): string {
  const names = Object.entries(ServingStatus);
  return names.find(([, value]) => value === status)?.[0] ?? `status ${String(status)}`;
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
