// What a rolling restart costs writers, with and without leadership transfer on stop: a
// 3-member cluster on loopback with production timing (the binary's defaults) takes a steady
// closed-loop Put load while each member in turn gets SIGTERM, exits, starts again with the
// same arguments and catches up; followers first, the leader last (or wherever leadership
// has moved by then). Per restart it prints the longest time between two successful writes
// and the failed attempts, for a run with --transfer-leadership-on-stop=true and one with
// =false; at the end of each run it reads every acknowledged write back from every member's
// own copy (SERIALIZABLE) and prints what is missing or wrong. These are measurements, not
// tests: nothing here passes or fails on a number (test/integration/rolling-restart.test.ts
// checks the behaviour).
//
//   npx tsc -p . && npx tsc -p bench/tsconfig.json
//   node --enable-source-maps dist/bench/rolling-restart.js [--concurrency 8] [--settle-s 3]
//     [--transfer both|true|false]
//
// --settle-s is the steady load before the first restart and after each member caught up,
// so each restart's window also covers what happens once the restarted member is back.

import { status as grpcStatus } from "@grpc/grpc-js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ClusterHarness } from "../test/integration/cluster-harness.js";
import { isGrpcError, prefixEnd, ROLE } from "../test/integration/raftkv-client.js";
import { raftkvBinary } from "../test/integration/repo-paths.js";
import { waitUntil } from "../test/integration/wait-until.js";

const TRANSFER_FLAG = "--transfer-leadership-on-stop";
const PUT_DEADLINE_MS = 2000;
/** Pause before retrying a member that gave no better leader to try. */
const RETRY_PAUSE_MS = 10;
const SERIALIZABLE = 1;
const RANGE_PAGE_KEYS = 1000;
const LEADER_ID_KEY = "raftkv-leader-id";

interface Options {
  readonly concurrency: number;
  readonly settleS: number;
  readonly transfer: readonly boolean[];
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      concurrency: { type: "string" }, "settle-s": { type: "string" }, transfer: { type: "string" },
    },
    strict: true,
  });
  const concurrency = Number(values.concurrency ?? "8");
  const settleS = Number(values["settle-s"] ?? "3");
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be >= 1");
  if (!Number.isFinite(settleS) || settleS < 0) throw new Error("--settle-s must be >= 0");
  const transfer = { both: [true, false], true: [true], false: [false] }[values.transfer ?? "both"];
  if (transfer === undefined) throw new Error("--transfer must be both, true or false");
  return { concurrency, settleS, transfer };
}

interface AckedWrite {
  readonly key: string;
  readonly value: string;
  /** performance.now() when the acknowledgement arrived. */
  readonly ackedAtMs: number;
}

/**
 * C closed-loop writers, each with one Put in flight, all aimed at the member they believe
 * leads: a success names the member that served it (the leader, after any forwarding), a
 * failure may carry the leader's id in trailing metadata, and with no better guess the
 * writer moves on to the next running member. A failed Put's outcome is unknown, so it is
 * retried with the same key and value, and only acknowledged writes are checked.
 */
class LeaderFollowingLoad {
  /** Acknowledged writes in the order they were acknowledged (so `ackedAtMs` ascends). */
  readonly acked: AckedWrite[] = [];
  readonly failedAtMs: number[] = [];
  /** Failed attempts by gRPC status name (or error text), to say why writes failed. */
  readonly failureKinds = new Map<string, number>();
  private leader: number;
  private stopping = false;
  private writers: Promise<void>[] = [];

  constructor(private readonly cluster: ClusterHarness, private readonly prefix: string,
    leader: number) {
    this.leader = leader;
  }

  start(concurrency: number): void {
    this.writers = Array.from({ length: concurrency }, (_, writer) => this.runWriter(writer));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.writers);
  }

  private stopped(): boolean {
    return this.stopping;
  }

  private async runWriter(writer: number): Promise<void> {
    for (let sequence = 0; !this.stopped(); sequence++) {
      const key = `${this.prefix}/${writer}/${sequence}`;
      const value = `value-${writer}-${sequence}`;
      while (!this.stopped()) {
        const target = this.target();
        try {
          const response = await this.cluster.client(target).put(
            { key, value: Buffer.from(value) }, { deadlineMs: PUT_DEADLINE_MS });
          this.acked.push({ key, value, ackedAtMs: performance.now() });
          const servedBy = Number(response.header?.member_id ?? 0);
          if (servedBy > 0) this.leader = servedBy;
          break;
        } catch (error: unknown) {
          this.failedAtMs.push(performance.now());
          const kind = isGrpcError(error) ? grpcStatus[error.code] : String(error);
          this.failureKinds.set(kind, (this.failureKinds.get(kind) ?? 0) + 1);
          if (!this.followHint(error, target)) await sleep(RETRY_PAUSE_MS);
        }
      }
    }
  }

  /** The believed leader if it runs, else the first running member (none: the first). */
  private target(): number {
    const running = this.cluster.runningIds();
    if (running.includes(this.leader)) return this.leader;
    this.leader = running[0] ?? this.leader;
    return this.leader;
  }

  /** Switches to the leader a failure names; else to the member after `target`. */
  private followHint(error: unknown, target: number): boolean {
    const hint = isGrpcError(error) ? Number(error.metadata.get(LEADER_ID_KEY)[0] ?? 0) : 0;
    if (hint > 0 && hint !== target && this.cluster.ids().includes(hint)) {
      this.leader = hint;
      return true;
    }
    const running = this.cluster.runningIds();
    this.leader = running[(running.indexOf(target) + 1) % Math.max(1, running.length)] ?? target;
    return false;
  }
}

interface RestartResult {
  readonly member: number;
  readonly wasLeader: boolean;
  readonly exitMs: number;
  readonly caughtUpMs: number;
  readonly longestGapMs: number;
  /** When the longest gap began, in ms after SIGTERM (negative: before it). */
  readonly gapStartMs: number;
  readonly failed: number;
  readonly acked: number;
  readonly leaderAfter: number;
  readonly handoffLogged: boolean;
}

/**
 * The longest time with no acknowledgement within [fromMs, toMs], edges included, and when
 * (ms after fromMs) it began: whether writers stalled at the stop or at the rejoin.
 */
function longestGap(
  ackedAtMs: readonly number[], fromMs: number, toMs: number,
): { readonly gapMs: number; readonly startMs: number } {
  let previous = fromMs;
  let longest = { gapMs: 0, startMs: 0 };
  const consider = (endMs: number): void => {
    if (endMs - previous <= longest.gapMs) return;
    longest = { gapMs: endMs - previous, startMs: previous - fromMs };
  };
  for (const at of ackedAtMs) {
    if (at < fromMs) {
      previous = at;
      continue;
    }
    consider(Math.min(at, toMs));
    if (at > toMs) return longest;
    previous = at;
  }
  consider(toMs);
  return longest;
}

/** Member `id`'s status, or undefined while it cannot answer. */
async function statusOf(cluster: ClusterHarness, id: number) {
  return cluster.client(id).status({ deadlineMs: 500 }).catch(() => undefined);
}

/** Waits until member `id` has applied the leader's commit index (read once, now). */
async function waitForCatchUp(cluster: ClusterHarness, id: number): Promise<void> {
  const leader = await cluster.waitForLeader(cluster.runningIds(), 30_000);
  const commit = BigInt((await cluster.client(leader).status()).commit_index);
  await waitUntil(`member ${id} to apply up to ${commit}`, 30_000, async () => {
    const status = await cluster.client(id).status({ deadlineMs: 500 });
    return BigInt(status.applied_index) >= commit ? true : undefined;
  });
}

/** The next member to restart: one that does not lead if any is left, else the leader. */
async function nextToRestart(cluster: ClusterHarness, left: readonly number[]): Promise<number> {
  const leader = await cluster.waitForLeader(cluster.runningIds(), 30_000);
  return left.find((id) => id !== leader) ?? leader;
}

/** Whether the member's stderr since `offset` records a handoff (member.close()'s log line). */
function handoffLogged(cluster: ClusterHarness, id: number, offset: number): boolean {
  const text = readFileSync(cluster.member(id).stderrPath, "utf8").slice(offset);
  return text.includes("\"outcome\":\"handed-over\"");
}

async function restartOne(
  cluster: ClusterHarness, load: LeaderFollowingLoad, id: number, settleS: number,
): Promise<RestartResult> {
  const wasLeader = (await statusOf(cluster, id))?.role === ROLE.leader;
  const logOffset = readFileSync(cluster.member(id).stderrPath, "utf8").length;
  const startMs = performance.now();
  const exit = await cluster.terminate(id, 30_000);
  const exitMs = performance.now() - startMs;
  if (exit.code !== 0) throw new Error(`member ${id} exited with ${JSON.stringify(exit)}`);
  const handoff = handoffLogged(cluster, id, logOffset);
  cluster.restart(id);
  await cluster.waitForReady([id], 30_000);
  await waitForCatchUp(cluster, id);
  const caughtUpMs = performance.now() - startMs;
  await sleep(settleS * 1000);
  const endMs = performance.now();
  const inWindow = (at: number): boolean => at >= startMs && at <= endMs;
  const gap = longestGap(load.acked.map((write) => write.ackedAtMs), startMs, endMs);
  return {
    member: id, wasLeader, exitMs, caughtUpMs, longestGapMs: gap.gapMs, gapStartMs: gap.startMs,
    failed: load.failedAtMs.filter(inWindow).length,
    acked: load.acked.filter((write) => inWindow(write.ackedAtMs)).length,
    leaderAfter: await cluster.waitForLeader(cluster.runningIds(), 30_000),
    handoffLogged: handoff,
  };
}

/** Every key under `prefix` in member `id`'s own applied state, paged. */
async function readLocal(
  cluster: ClusterHarness, id: number, prefix: string,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const rangeEnd = prefixEnd(`${prefix}/`);
  for (let key = `${prefix}/`; ;) {
    const page = await cluster.client(id).range({
      key, range_end: rangeEnd, limit: RANGE_PAGE_KEYS, consistency: SERIALIZABLE,
    });
    for (const kv of page.kvs) found.set(kv.key, kv.value.toString());
    if (!page.more) return found;
    key = page.next_key;
  }
}

/** Per member: acknowledged writes missing from its copy, and those with another value. */
async function verify(
  cluster: ClusterHarness, load: LeaderFollowingLoad, prefix: string,
): Promise<string[]> {
  for (const id of cluster.ids()) await waitForCatchUp(cluster, id);
  const lines: string[] = [];
  for (const id of cluster.ids()) {
    const local = await readLocal(cluster, id, prefix);
    const missing = load.acked.filter((write) => !local.has(write.key)).length;
    const wrong = load.acked.filter((write) =>
      local.has(write.key) && local.get(write.key) !== write.value).length;
    lines.push(`member ${id}: ${load.acked.length} acknowledged writes checked, ` +
      `${missing} missing, ${wrong} with another value${missing + wrong === 0 ? " (ok)" : " (LOST)"}`);
  }
  return lines;
}

async function runOnce(transfer: boolean | undefined, options: Options): Promise<void> {
  const extraFlags = transfer === undefined ? [] : [`${TRANSFER_FLAG}=${String(transfer)}`];
  const label = transfer === undefined ? "(flag unknown to this build)" : extraFlags[0]!;
  process.stdout.write(`\n== ${label}: 3 members, C=${options.concurrency}\n`);
  const cluster = await ClusterHarness.start({
    size: 3, timing: "production", extraFlags, readyTimeoutMs: 30_000,
  });
  try {
    // A failure keeps the members' files and quotes their log tails.
    await cluster.withLogs(() => measure(cluster, transfer, options));
  } finally {
    await cluster.destroy();
  }
}

async function measure(
  cluster: ClusterHarness, transfer: boolean | undefined, options: Options,
): Promise<void> {
  const prefix = `rolling/${transfer === undefined ? "default" : String(transfer)}`;
  const load = new LeaderFollowingLoad(cluster, prefix, await cluster.waitForLeader());
  load.start(options.concurrency);
  await sleep(options.settleS * 1000);
  const results: RestartResult[] = [];
  try {
    for (let left = cluster.ids(); left.length > 0;) {
      const id = await nextToRestart(cluster, left);
      left = left.filter((other) => other !== id);
      results.push(await restartOne(cluster, load, id, options.settleS));
    }
  } finally {
    await load.stop();
  }
  process.stdout.write(`${table(results)}\n`);
  process.stdout.write(`writes acknowledged: ${load.acked.length}, failed attempts (retried): ` +
    `${load.failedAtMs.length} ${JSON.stringify(Object.fromEntries(load.failureKinds))}\n`);
  for (const line of await verify(cluster, load, prefix)) process.stdout.write(`${line}\n`);
}

function table(results: readonly RestartResult[]): string {
  const header = ["member", "role", "exit ms", "caught up ms", "longest gap ms", "gap at ms", "failed",
    "acked", "leader after", "handoff logged"];
  const rows = results.map((r) => [
    String(r.member), r.wasLeader ? "leader" : "follower", r.exitMs.toFixed(0),
    r.caughtUpMs.toFixed(0), r.longestGapMs.toFixed(0),
    String(Math.round(r.gapStartMs) + 0), // + 0 turns -0 into 0
    String(r.failed), String(r.acked),
    String(r.leaderAfter), r.handoffLogged ? "yes" : "no",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => cell.padStart(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Whether the binary accepts the flag: an unknown flag would stop every member starting. */
function binaryKnowsTransferFlag(): boolean {
  const help = execFileSync(process.execPath, [raftkvBinary(), "--help"], { encoding: "utf8" });
  return help.includes(TRANSFER_FLAG);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const known = binaryKnowsTransferFlag();
  process.stdout.write(`rolling restart: 3 members on loopback, production timing, ` +
    `${cpus().length} CPUs, C=${options.concurrency} leader-following Puts, ` +
    `${options.settleS}s of steady load around each restart; windows run from SIGTERM to ` +
    `${options.settleS}s after the member caught up\n`);
  if (!known) process.stdout.write(`${TRANSFER_FLAG} is unknown to this build: one run\n`);
  for (const transfer of known ? options.transfer : [undefined]) await runOnce(transfer, options);
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`rolling-restart: ${text}\n`);
  process.exitCode = 1;
});
