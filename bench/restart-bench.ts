// How long a member holding a large state takes to come back (issue #8, "fast restarts"): a
// 3-member cluster with production timing is filled with --keys keys (default 1,000,000;
// 16-byte keys, 100-byte values) by Txns of 1,000 puts, then one follower is stopped
// (SIGTERM, then again with SIGKILL) and started again on its data directory. A restarted
// member reuses its state-machine database when it is consistent with the log, so the time
// to SERVING should not grow with the state (only with the log tail it re-applies). Also
// prints the size of each data directory's files. A measurement, not a test.
//
//   npm run build && tsc -p bench/tsconfig.json && node dist/bench/restart-bench.js [--keys N]

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ClusterHarness } from "../test/integration/cluster-harness.js";

const KEYS_PER_TXN = 1000;
const FILL_CONCURRENCY = 4;
const COUNT_ONLY_EVERYTHING = { key: "\0", range_end: "\0", count_only: true, consistency: 1 as const };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keys: { type: "string" } }, strict: true });
  const keys = Number(values.keys ?? "1000000");
  if (!Number.isInteger(keys) || keys < KEYS_PER_TXN) throw new Error("--keys must be an integer >= 1000");
  const cluster = await ClusterHarness.start({
    size: 3, timing: "production",
    extraFlags: ["--max-txn-ops", String(KEYS_PER_TXN), "--max-request-bytes", String(8 * 1024 * 1024)],
  });
  try {
    const leader = await cluster.waitForLeader();
    const fillStart = performance.now();
    await fill(cluster, leader, keys);
    const fillS = (performance.now() - fillStart) / 1000;
    console.log(`filled ${keys} keys in ${fillS.toFixed(1)} s (${Math.round(keys / fillS)} keys/s, ` +
      `Txns of ${KEYS_PER_TXN} puts, ${FILL_CONCURRENCY} in flight)`);
    const follower = cluster.ids().find((id) => id !== leader)!;
    await waitApplied(cluster, follower, leader);
    console.log(`member ${follower}'s data directory: ${describeFiles(cluster.member(follower).spec.dataDir)}`);
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      cluster.signal(follower, signal);
      await cluster.member(follower).waitForExit(60_000);
      const startedAt = performance.now();
      cluster.restart(follower);
      await cluster.waitForReady([follower], 600_000);
      const readyS = (performance.now() - startedAt) / 1000;
      const count = Number((await cluster.client(follower).range(COUNT_ONLY_EVERYTHING)).count);
      console.log(`restart after ${signal}: SERVING after ${readyS.toFixed(2)} s, ${count} keys held`);
    }
  } finally {
    await cluster.destroy();
  }
}

async function fill(cluster: ClusterHarness, leader: number, keys: number): Promise<void> {
  let next = 0;
  const value = Buffer.alloc(100, "v");
  const lanes = Array.from({ length: FILL_CONCURRENCY }, async () => {
    while (next < keys) {
      const first = next;
      next += KEYS_PER_TXN;
      const success = [];
      for (let i = first; i < Math.min(first + KEYS_PER_TXN, keys); i++) {
        success.push({ request_put: { key: `key-${String(i).padStart(12, "0")}`, value } });
      }
      const txn = { compare: [], success, failure: [] };
      await cluster.client(leader).txn(txn, { deadlineMs: 60_000 });
    }
  });
  await Promise.all(lanes);
}

async function waitApplied(cluster: ClusterHarness, member: number, leader: number): Promise<void> {
  const commit = Number((await cluster.client(leader).status()).commit_index);
  for (;;) {
    if (Number((await cluster.client(member).status()).applied_index) >= commit) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every file under `dir` with its size, e.g. "kv.db 130.2 MB, snapshots/snapshot-9-2.bin ...". */
function describeFiles(dir: string): string {
  const entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return entries
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => `${name} ${(statSync(join(dir, name)).size / 1e6).toFixed(1)} MB`)
    .join(", ");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
