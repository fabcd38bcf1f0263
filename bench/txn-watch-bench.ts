// The cost of a Txn and of a watch event (issue #7), on a 3-member raftkv cluster with
// production timing: the latency of compare-and-swap Txns at one client against Puts in the
// same run, and the events per second one member delivers to 100 watchers while a writer
// puts keys at C=16 through the leader. Every watcher must see every event exactly once,
// in order, or the run fails. Run by run-bench.ts after the write benchmark.
import { performance } from "node:perf_hooks";
import { ClusterHarness } from "../test/integration/cluster-harness.js";
import type { RaftkvClient } from "../test/integration/raftkv-client.js";
import { summarizeLatencies } from "./latency-summary.js";

const SEQUENTIAL_CALLS = 500;
const WATCHERS = 100;
const WATCHED_WRITES = 2000;
const WRITER_CONCURRENCY = 16;
const VALUE = Buffer.alloc(256, 0x61);
const VERSION_TARGET = 0;
const CANCELLED = 1;

export interface TxnWatchResult {
  readonly putP50Ms: number;
  readonly putP99Ms: number;
  readonly txnP50Ms: number;
  readonly txnP99Ms: number;
  readonly txnsPerS: number;
  readonly watchEventsPerS: number;
  readonly watchers: number;
  readonly writes: number;
}

export async function benchTxnWatch(): Promise<TxnWatchResult> {
  const cluster = await ClusterHarness.start({ size: 3, timing: "production", readyTimeoutMs: 30_000 });
  try {
    const leader = await cluster.waitForLeader();
    const client = cluster.client(leader);
    const puts = await timed(SEQUENTIAL_CALLS, (i) => client.put({ key: `bench/put/${i}`, value: VALUE }));
    const txns = await timed(SEQUENTIAL_CALLS, (i) => casTxn(client, i));
    const follower = cluster.ids().find((id) => id !== leader)!;
    const watchEventsPerS = await watchFanOut(cluster.client(follower), client);
    const put = summarizeLatencies(puts.latenciesMs);
    const txn = summarizeLatencies(txns.latenciesMs);
    return {
      putP50Ms: put.p50Ms, putP99Ms: put.p99Ms, txnP50Ms: txn.p50Ms, txnP99Ms: txn.p99Ms,
      txnsPerS: SEQUENTIAL_CALLS / (txns.elapsedMs / 1000), watchEventsPerS,
      watchers: WATCHERS, writes: WATCHED_WRITES,
    };
  } finally {
    await cluster.destroy();
  }
}

/** A compare-and-swap that succeeds: the counter key's version is exactly i. */
async function casTxn(client: RaftkvClient, i: number): Promise<void> {
  const answer = await client.txn({
    compare: [{ key: "bench/cas", target: VERSION_TARGET, version: i }],
    success: [{ request_put: { key: "bench/cas", value: VALUE } }],
    failure: [{ request_range: { key: "bench/cas" } }],
  });
  if (!answer.succeeded) throw new Error(`txn ${i}: the compare failed`);
}

async function timed(
  count: number, call: (i: number) => Promise<unknown>,
): Promise<{ latenciesMs: Float64Array; elapsedMs: number }> {
  const latenciesMs = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const before = performance.now();
    await call(i);
    latenciesMs[i] = performance.now() - before;
  }
  return { latenciesMs, elapsedMs: performance.now() - started };
}

/** Events per second delivered to WATCHERS watches on `watched` while `writer` writes. */
async function watchFanOut(watched: RaftkvClient, writer: RaftkvClient): Promise<number> {
  const received = new Array<number>(WATCHERS).fill(0);
  const lastRevision = new Array<number>(WATCHERS).fill(0);
  let problem: string | undefined;
  let resolveAll: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => { resolveAll = resolve; });
  let finished = 0;
  const streams = Array.from({ length: WATCHERS }, (_, w) => {
    const stream = watched.watch({ key: "bench/w/", range_end: "bench/w0" });
    stream.on("data", (response: { events: { kv: { mod_revision: string } | null }[] }) => {
      for (const event of response.events) {
        const revision = Number(event.kv?.mod_revision ?? 0);
        if (revision <= lastRevision[w]!) problem ??= `watcher ${w}: revision ${revision} after ${lastRevision[w]!}`;
        lastRevision[w] = revision;
        received[w]! += 1;
        if (received[w] === WATCHED_WRITES && ++finished === WATCHERS) resolveAll();
      }
    });
    stream.on("error", (error: Error & { code?: number }) => {
      if (error.code === CANCELLED) return; // Cancelled at the end.
      problem ??= `watcher ${w}: ${error.message}`;
      resolveAll();
    });
    return stream;
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // Let every watch be created.
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: WRITER_CONCURRENCY }, async () => {
    while (next < WATCHED_WRITES) {
      const i = next++;
      await writer.put({ key: `bench/w/${i}`, value: VALUE });
    }
  }));
  await allDone;
  const elapsedS = (performance.now() - started) / 1000;
  for (const stream of streams) stream.cancel();
  if (problem !== undefined) throw new Error(problem);
  if (received.some((count) => count !== WATCHED_WRITES)) throw new Error("a watcher missed events");
  return (WATCHERS * WATCHED_WRITES) / elapsedS;
}

export function describeTxnWatch(result: TxnWatchResult): string {
  return [
    `Txn (compare-and-swap) at C=1: p50 ${result.txnP50Ms.toFixed(2)} ms, p99 ${result.txnP99Ms.toFixed(2)} ms, ` +
      `${result.txnsPerS.toFixed(0)} txns/s (Put in the same run: p50 ${result.putP50Ms.toFixed(2)} ms, ` +
      `p99 ${result.putP99Ms.toFixed(2)} ms)`,
    `Watch: ${result.watchEventsPerS.toFixed(0)} events/s delivered to ${result.watchers} watchers on one ` +
      `follower while ${result.writes} puts were written at C=${WRITER_CONCURRENCY}`,
  ].join("\n");
}
