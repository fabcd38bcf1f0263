// The first raftkv benchmark (issue #3): a 3-member cluster on loopback with production
// timing (the binary's default tick and election settings), driven by the closed-loop load
// generator in a separate process at several concurrencies, with the results in one table;
// then the cost of a Txn and of a watch event (txn-watch-bench.ts).
// When Debian's etcd is installed, the same generator drives a 3-member etcd on loopback
// (etcd's defaults) right after, for a side-by-side row. Each system also serves linearizable
// one-key reads at --read-concurrency (raftkv's Get, etcd's Range). These are measurements,
// not tests: nothing here passes or fails on a number.
//
//   npm run bench                                   (builds first; make bench does the same)
//   npm run bench -- --concurrency 1,64 --duration-s 5 --target all --etcd off
//
// Options: --concurrency (list, default 1,64,256), --read-concurrency (list, default 1,64;
// 0 for none), --duration-s (10), --warmup-s (2),
// --target leader|all (default leader: every Put goes to the leader; all: round-robin over
// the members, so two thirds are forwarded), --etcd auto|on|off (default auto: if installed).

import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { ClusterHarness } from "../test/integration/cluster-harness.js";
import { repoRoot } from "../test/integration/repo-paths.js";
import { EtcdCluster, etcdAvailable } from "./etcd-cluster.js";
import type { LatencySummary } from "./latency-summary.js";
import { benchTxnWatch, describeTxnWatch } from "./txn-watch-bench.js";

const run = promisify(execFile);

interface BenchOptions {
  readonly concurrencies: readonly number[];
  readonly readConcurrencies: readonly number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly target: "leader" | "all";
  readonly etcd: "auto" | "on" | "off";
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      concurrency: { type: "string" }, "read-concurrency": { type: "string" },
      "duration-s": { type: "string" },
      "warmup-s": { type: "string" }, target: { type: "string" }, etcd: { type: "string" },
    },
    strict: true,
  });
  const concurrencies = (values.concurrency ?? "1,64,256").split(",").map(Number);
  if (concurrencies.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new Error(`--concurrency must list positive integers, got ${String(values.concurrency)}`);
  }
  const readText = values["read-concurrency"] ?? "1,64";
  const readConcurrencies = readText === "0" ? [] : readText.split(",").map(Number);
  if (readConcurrencies.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new Error(`--read-concurrency must list positive integers or be 0, got ${readText}`);
  }
  const target = values.target ?? "leader";
  if (target !== "leader" && target !== "all") throw new Error("--target must be leader or all");
  const etcd = values.etcd ?? "auto";
  if (etcd !== "auto" && etcd !== "on" && etcd !== "off") throw new Error("--etcd must be auto, on or off");
  return {
    concurrencies, readConcurrencies, target, etcd,
    durationS: Number(values["duration-s"] ?? "10"),
    warmupS: Number(values["warmup-s"] ?? "2"),
  };
}

/** Runs dist/bench/load-generator.js once and returns the JSON summary it printed last. */
async function generate(
  api: "raftkv" | "etcd", targets: readonly string[], concurrency: number, options: BenchOptions,
  op: "put" | "get" = "put",
): Promise<LatencySummary> {
  const generator = join(repoRoot(), "dist", "bench", "load-generator.js");
  const { stdout } = await run(process.execPath, [
    generator, "--api", api, "--op", op, "--targets", targets.join(","),
    "--concurrency", String(concurrency),
    "--duration-s", String(options.durationS), "--warmup-s", String(options.warmupS),
    "--label", api,
  ], { timeout: (options.durationS + options.warmupS + 60) * 1000 });
  const lines = stdout.trim().split("\n");
  process.stdout.write(`${lines[0] ?? ""}\n`);
  return JSON.parse(lines[lines.length - 1] ?? "") as LatencySummary;
}

async function benchRaftkv(options: BenchOptions): Promise<LatencySummary[]> {
  const cluster = await ClusterHarness.start({ size: 3, timing: "production", readyTimeoutMs: 30_000 });
  try {
    const leader = await cluster.waitForLeader();
    const targets = options.target === "leader"
      ? [cluster.member(leader).spec.clientAddress]
      : cluster.members.map((member) => member.spec.clientAddress);
    const results: LatencySummary[] = [];
    for (const concurrency of options.concurrencies) {
      results.push(await generate("raftkv", targets, concurrency, options));
    }
    for (const concurrency of options.readConcurrencies) {
      results.push(await generate("raftkv", targets, concurrency, options, "get"));
    }
    return results;
  } finally {
    await cluster.destroy();
  }
}

async function benchEtcd(options: BenchOptions): Promise<LatencySummary[]> {
  const cluster = await EtcdCluster.start();
  try {
    const targets = options.target === "leader"
      ? [await cluster.leaderAddress()]
      : cluster.clientAddresses();
    const results: LatencySummary[] = [];
    for (const concurrency of options.concurrencies) {
      results.push(await generate("etcd", targets, concurrency, options));
    }
    for (const concurrency of options.readConcurrencies) {
      results.push(await generate("etcd", targets, concurrency, options, "get"));
    }
    return results;
  } finally {
    await cluster.destroy();
  }
}

function table(results: readonly LatencySummary[]): string {
  const header = ["system", "op", "C", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "errors"];
  const rows = results.map((r) => [
    r.label, r.op, String(r.concurrency), r.writesPerS.toFixed(0), r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2), r.p999Ms.toFixed(2), r.maxMs.toFixed(2), String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const withEtcd = options.etcd === "on" || (options.etcd === "auto" && etcdAvailable());
  if (options.etcd === "auto" && !withEtcd) {
    process.stdout.write("etcd not found (apt-get install etcd-server etcd-client): raftkv only\n");
  }
  process.stdout.write(`bench: 3 members on loopback, ${cpus().length} CPUs, 256 B values, ` +
    `${options.durationS}s per run after ${options.warmupS}s warm-up, target ${options.target}\n`);
  const results = await benchRaftkv(options);
  if (withEtcd) results.push(...await benchEtcd(options));
  process.stdout.write(`\n${table(results)}\n`);
  process.stdout.write(`\n${describeTxnWatch(await benchTxnWatch())}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`run-bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
