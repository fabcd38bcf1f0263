// A closed-loop gRPC load generator, run as its own process so that its CPU use is not the
// servers' and its event loop does not share timers with them. C workers each keep exactly
// one Put in flight (a new one starts when the last is answered), with 256-byte values and
// distinct keys, for a warm-up and then a measured window; with --op get, one linearizable
// read of a single key instead (raftkv's Get, etcd's Range). Every latency in the window is
// kept, and the percentiles are exact (nearest rank over the sorted array, no histogram).
//
//   node dist/bench/load-generator.js --targets 127.0.0.1:7379[,host:port...]
//     [--api raftkv|etcd] [--concurrency 64] [--duration-s 10] [--warmup-s 2]
//     [--value-bytes 256] [--connections 1] [--label name] [--op put|get]
//
// With several targets the Puts go round-robin over them. Prints one human line, then the
// LatencySummary as one JSON line (the last line of stdout).

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "../test/integration/repo-paths.js";
import { formatSummary, summarizeLatencies, type LatencySummary } from "./latency-summary.js";

interface GeneratorOptions {
  readonly api: "raftkv" | "etcd";
  readonly op: "put" | "get";
  readonly targets: readonly string[];
  readonly concurrency: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueBytes: number;
  readonly connections: number;
  readonly label: string;
}

const PUT_DEADLINE_MS = 10_000;

function positive(text: string | undefined, fallback: number, name: string): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be > 0, got ${String(text)}`);
  return value;
}

function parseOptions(argv: readonly string[]): GeneratorOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      targets: { type: "string" }, api: { type: "string" }, concurrency: { type: "string" },
      "duration-s": { type: "string" }, "warmup-s": { type: "string" },
      "value-bytes": { type: "string" }, connections: { type: "string" }, label: { type: "string" },
      op: { type: "string" },
    },
    strict: true,
  });
  const api = values.api ?? "raftkv";
  if (api !== "raftkv" && api !== "etcd") throw new Error(`--api must be raftkv or etcd, got ${api}`);
  const op = values.op ?? "put";
  if (op !== "put" && op !== "get") throw new Error(`--op must be put or get, got ${op}`);
  const targets = (values.targets ?? "").split(",").filter((t) => t !== "");
  if (targets.length === 0) throw new Error("--targets host:port[,host:port...] is required");
  return {
    api,
    op,
    targets,
    concurrency: Math.floor(positive(values.concurrency, 1, "concurrency")),
    durationS: positive(values["duration-s"], 10, "duration-s"),
    warmupS: values["warmup-s"] === "0" ? 0 : positive(values["warmup-s"], 2, "warmup-s"),
    valueBytes: Math.floor(positive(values["value-bytes"], 256, "value-bytes")),
    connections: Math.floor(positive(values.connections, 1, "connections")),
    label: values.label ?? api,
  };
}

/** The method (path and codecs) of the API under test for `op`, loaded from its .proto file. */
function methodOf(api: "raftkv" | "etcd", op: "put" | "get"): grpc.MethodDefinition<object, object> {
  const root = repoRoot();
  const [file, includeDir, service] = api === "raftkv"
    ? ["raftkv/kv/v1/kv.proto", join(root, "proto"), "raftkv.kv.v1.KV"]
    : ["etcd-kv.proto", join(root, "bench"), "etcdserverpb.KV"];
  const name = op === "put" ? "Put" : api === "raftkv" ? "Get" : "Range";
  const definition = protoLoader.loadSync(file, {
    includeDirs: [includeDir], keepCase: true, longs: String, defaults: false,
  });
  const serviceDefinition = definition[service] as grpc.ServiceDefinition | undefined;
  const method = serviceDefinition?.[name] as grpc.MethodDefinition<object, object> | undefined;
  if (method === undefined) throw new Error(`${file} defines no ${service}/${name}`);
  return method;
}

/** The request of one call: a Put of a distinct key, or a read of the run's one key. */
function requestOf(options: GeneratorOptions, key: string, readKey: string, value: Buffer): object {
  const wireKey = (text: string): string | Buffer =>
    options.api === "raftkv" ? text : Buffer.from(text);
  return options.op === "put" ? { key: wireKey(key), value } : { key: wireKey(readKey) };
}

/** `connections` channels per target; a distinct option value keeps grpc-js from sharing. */
function makeChannels(options: GeneratorOptions): grpc.Client[] {
  const credentials = grpc.credentials.createInsecure();
  return options.targets.flatMap((target) =>
    Array.from({ length: options.connections }, (_, i) =>
      new grpc.Client(target, credentials, { "raftkv.bench.connection": i })));
}

function callUnary(
  client: grpc.Client, method: grpc.MethodDefinition<object, object>, request: object,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
      request, { deadline: Date.now() + PUT_DEADLINE_MS }, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
  });
}

/**
 * Runs the closed loop and returns the summary. Timestamps are process.hrtime.bigint()
 * (monotonic, ns); a Put counts when it was sent after the warm-up and answered before the
 * window closed, so the window's throughput is not inflated by warm-up stragglers.
 */
async function runLoad(options: GeneratorOptions): Promise<LatencySummary> {
  const method = methodOf(options.api, options.op);
  const clients = makeChannels(options);
  const runId = randomBytes(4).toString("hex");
  const value = Buffer.alloc(options.valueBytes, 0x78);
  const warmupEndNs = process.hrtime.bigint() + BigInt(Math.round(options.warmupS * 1e9));
  const windowEndNs = warmupEndNs + BigInt(Math.round(options.durationS * 1e9));
  const latenciesMs: number[] = [];
  let errors = 0;
  let nextClient = 0;
  let lastError = "";

  const worker = async (id: number): Promise<void> => {
    for (let sequence = 0; ; sequence++) {
      const sentNs = process.hrtime.bigint();
      if (sentNs >= windowEndNs) return;
      const client = clients[nextClient++ % clients.length]!;
      const key = `bench/${runId}/${id}/${sequence}`;
      const request = requestOf(options, key, `bench/${runId}/read`, value);
      let failed = false;
      try {
        await callUnary(client, method, request);
      } catch (error: unknown) {
        failed = true;
        lastError = error instanceof Error ? error.message : String(error);
      }
      const doneNs = process.hrtime.bigint();
      if (sentNs < warmupEndNs || doneNs > windowEndNs) continue;
      if (failed) errors += 1;
      else latenciesMs.push(Number(doneNs - sentNs) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  for (const client of clients) client.close();
  if (errors > 0) {
    process.stderr.write(`load-generator: ${errors} failed ${options.op}s; last: ${lastError}\n`);
  }

  const stats = summarizeLatencies(Float64Array.from(latenciesMs));
  return {
    label: options.label, api: options.api, op: options.op, targets: options.targets,
    concurrency: options.concurrency, valueBytes: options.valueBytes,
    durationS: options.durationS, writes: latenciesMs.length,
    writesPerS: latenciesMs.length / options.durationS, errors, ...stats,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const summary = await runLoad(options);
  process.stdout.write(`${formatSummary(summary)}\n${JSON.stringify(summary)}\n`);
  if (summary.writes === 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`load-generator: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
