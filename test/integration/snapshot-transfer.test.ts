// Goal: InstallSnapshot between real processes survives a broken stream and a kill -9 of the
// receiver: a broken stream resumes from the bytes the follower already holds, a killed
// follower restarts cleanly from its partial file, and in both cases the follower installs
// exactly the leader's snapshot and serves every acknowledged key from its own state.
// Method: three members that snapshot every 8 entries and keep a 4-entry tail. A follower is
// killed (SIGKILL by PID) while the leader writes about 24 MiB through Txns of 128 puts of
// 8 KiB, so the leader snapshots and compacts past it; once the leader's snapshots are final
// (no write and no snapshot pending), the follower is restarted, and its Cluster.Status is
// sampled throughout the transfer. The leader sends the snapshot at its log's compaction
// point (Status's snapshot_index, about 24 MB here); the follower must end with its bytes.
// 1. Loopback cannot break a stream honestly (SIGSTOP would stall it until the 120 s stream
//    deadline), so the follower is restarted with the test-only failpoint
//    RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES (src/transport/grpc-peer-server.ts): it drops
//    every stream that started at offset 0 once the partial copy holds that many bytes, and
//    prints one line when it does. A sender that did not resume would be dropped forever,
//    so one drop followed by an install proves the next stream started where the partial
//    file ended; Status's received bytes must never go back below the drop point either.
// 2. While Status shows 0 < received < total, the follower is SIGKILLed. Its snapshot
//    directory then holds a partial file and no manifest for that snapshot; restarted, it
//    must start (no crash), finish the transfer, install and catch up.
// No assertion is about wall-clock time; the waits are generous bounds only.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_PEER_CLIENT_LIMITS } from "../../src/transport/grpc-peer-client.js";
import { describeExit, ClusterHarness, type Timing } from "./cluster-harness.js";
import { MemberProcess } from "./member-process.js";
import { forEachParallel } from "./write-load.js";
import { waitUntil } from "./wait-until.js";

const SERIALIZABLE = 1;
/**
 * Slower than FAST_TIMING: a 0.5-1 s election timeout, so that writing and snapshotting
 * tens of MB on a small machine does not cost the leader its leadership.
 */
const TIMING: Timing = Object.freeze({ tickMs: 50, electionTicks: 10, heartbeatTicks: 1 });
const SNAPSHOT_EVERY_ENTRIES = 8;
const FLAGS = ["--snapshot-entries", String(SNAPSHOT_EVERY_ENTRIES), "--log-tail-entries", "4"];
const TXNS = 24;
const PUTS_PER_TXN = 128; // The default --max-txn-ops.
const VALUE_BYTES = 8 * 1024; // A Txn is about 1 MiB, within the default --max-request-bytes.
/** The members' chunk size (DEFAULT_PEER_CLIENT_LIMITS): the drop point is on a boundary. */
const CHUNK_BYTES = DEFAULT_PEER_CLIENT_LIMITS.snapshotChunkBytesMax;
const FAILPOINT = "RAFTKV_FAILPOINT_SNAPSHOT_DROP_AT_BYTES";
const FAILPOINT_LINE = `test failpoint ${FAILPOINT} dropped the stream`;

/** Every key's value is derived from the key, so any read can be checked on its own. */
function valueOf(key: string): Buffer {
  return Buffer.alloc(VALUE_BYTES, `${key}|`);
}

/** One Cluster.Status sample of the member receiving the snapshot. */
interface Sample {
  readonly index: number;
  readonly receivedBytes: number;
  readonly totalBytes: number;
  readonly applied: number;
}

/** What a snapshot manifest (`snapshot-<index>-<term>.json`) records. */
interface Manifest {
  readonly name: string;
  readonly index: number;
  readonly sha256: string;
  readonly sizeBytes: number;
}

function snapshotsDir(cluster: ClusterHarness, id: number): string {
  return join(cluster.member(id).spec.dataDir, "snapshots");
}

function manifests(directory: string): Manifest[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).filter((name) => /^snapshot-\d+-\d+\.json$/.test(name))
    .map((name) => {
      const parsed = JSON.parse(readFileSync(join(directory, name), "utf8")) as Manifest;
      return { name, index: parsed.index, sha256: parsed.sha256, sizeBytes: parsed.sizeBytes };
    });
}

function partialFiles(directory: string): string[] {
  return readdirSync(directory).filter((name) => name.endsWith(".part"));
}

/** Every manifest names a `.bin` of exactly its size and SHA-256: no torn snapshot exists. */
function expectEveryManifestIntact(directory: string): void {
  for (const manifest of manifests(directory)) {
    const bin = join(directory, manifest.name.replace(/\.json$/, ".bin"));
    const bytes = readFileSync(bin);
    expect([manifest.name, bytes.byteLength, createHash("sha256").update(bytes).digest("hex")])
      .toEqual([manifest.name, manifest.sizeBytes, manifest.sha256]);
  }
}

/**
 * Writes TXNS Txns of PUTS_PER_TXN keys under `prefix` through the running members; returns
 * the keys. A failed Txn is retried until acknowledged (its puts are idempotent), so every
 * key returned was acknowledged with its value.
 */
async function writeBigState(cluster: ClusterHarness, prefix: string): Promise<string[]> {
  const batches = Array.from({ length: TXNS }, (_, txn) => Array.from({ length: PUTS_PER_TXN },
    (_, op) => `${prefix}/${String(txn).padStart(2, "0")}/${String(op).padStart(3, "0")}`));
  let turn = 0;
  await forEachParallel(batches, 2, async (keys) => {
    await waitUntil(`a Txn of ${keys[0]!} and on to be acknowledged`, 30_000, async () => {
      const running = cluster.runningIds();
      turn += 1;
      const answer = await cluster.client(running[turn % running.length]!).txn({
        success: keys.map((key) => ({ request_put: { key, value: valueOf(key) } })),
      }, { deadlineMs: 10_000 });
      return answer.succeeded ? true : undefined;
    });
  });
  return batches.flat();
}

/**
 * Waits until the leader applied everything it committed and its snapshots are final (fewer
 * than SNAPSHOT_EVERY_ENTRIES entries applied since the newest, so no other is due); returns
 * the manifest of the snapshot at its log's compaction point (Status's snapshot_index), the
 * one it sends a follower behind that point.
 */
async function finalLeaderSnapshot(cluster: ClusterHarness, leader: number): Promise<Manifest> {
  return waitUntil("the leader's snapshot to be final", 30_000, async () => {
    const status = await cluster.client(leader).status();
    const applied = Number(status.applied_index);
    const stored = manifests(snapshotsDir(cluster, leader));
    const newest = Math.max(0, ...stored.map((m) => m.index));
    if (Number(status.commit_index) !== applied || newest === 0) return undefined;
    if (applied - newest >= SNAPSHOT_EVERY_ENTRIES) return undefined;
    return stored.find((m) => m.index === Number(status.snapshot_index));
  });
}

/** Samples member `id`'s Status back to back until stop(); failed calls are skipped. */
function sampleStatus(cluster: ClusterHarness, id: number): {
  readonly samples: Sample[]; stop(): Promise<void>;
} {
  const samples: Sample[] = [];
  const state = { stopping: false };
  const loop = (async () => {
    while (!state.stopping) {
      try {
        const status = await cluster.client(id).status({ deadlineMs: 500 });
        samples.push({
          index: Number(status.snapshot_receiving_index),
          receivedBytes: Number(status.snapshot_received_bytes),
          totalBytes: Number(status.snapshot_receiving_total_bytes),
          applied: Number(status.applied_index),
        });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5)); // Not serving (yet).
      }
    }
  })();
  return {
    samples,
    stop: async () => {
      state.stopping = true;
      await loop;
    },
  };
}

/** Waits until `id` installed a snapshot and applied everything the leader committed. */
async function waitForCatchUp(cluster: ClusterHarness, leader: number, id: number): Promise<void> {
  const target = Number((await cluster.client(leader).status()).commit_index);
  await waitUntil(`member ${String(id)} to install the snapshot and catch up`, 40_000,
    async () => {
      const status = await cluster.client(id).status({ deadlineMs: 500 });
      return Number(status.snapshot_index) > 0 && Number(status.applied_index) >= target
        ? true : undefined;
    });
}

/** Reads every key SERIALIZABLY (the member's own state) and checks its value. */
async function expectEveryKey(cluster: ClusterHarness, id: number, keys: readonly string[]) {
  const wrong: string[] = [];
  await forEachParallel(keys, 16, async (key) => {
    const got = await cluster.client(id).get({ key, consistency: SERIALIZABLE });
    if (got.kv === null || !Buffer.from(got.kv.value).equals(valueOf(key))) wrong.push(key);
  });
  expect(wrong).toEqual([]);
}

/** The member's stderr since its latest start banner. */
function logSinceLastStart(cluster: ClusterHarness, id: number): string {
  const log = readFileSync(cluster.member(id).stderrPath, "utf8");
  return log.slice(log.lastIndexOf("--- harness: start #"));
}

describe("snapshot transfer", () => {
  let cluster: ClusterHarness | undefined;
  /** A member incarnation this file started outside the harness (with the failpoint set). */
  let extra: MemberProcess | undefined;

  afterEach(async () => {
    await extra?.forceStop();
    extra = undefined;
    await cluster?.destroy();
    cluster = undefined;
  });

  test("a stream broken mid-snapshot resumes from the last good chunk", async () => {
    cluster = await ClusterHarness.start({ size: 3, timing: TIMING, extraFlags: FLAGS });
    const c = cluster;
    await c.withLogs(async () => {
      const first = await c.waitForLeader();
      const lagging = c.ids().find((id) => id !== first)!;
      await c.kill(lagging);
      const keys = await writeBigState(c, "resume");
      const leader = await c.waitForLeader();
      const snapshot = await finalLeaderSnapshot(c, leader);
      const dropAtBytes = Math.floor(snapshot.sizeBytes / 2 / CHUNK_BYTES) * CHUNK_BYTES;
      expect(dropAtBytes).toBeGreaterThanOrEqual(4 * CHUNK_BYTES);

      const sampler = sampleStatus(c, lagging);
      extra = c.member(lagging).withEnv({ [FAILPOINT]: String(dropAtBytes) });
      extra.start();
      try {
        await waitForCatchUp(c, leader, lagging);
      } finally {
        await sampler.stop();
      }

      // The failpoint dropped the one stream that started at 0, at the chunk boundary asked;
      // any later stream from 0 would have been dropped too, so the install that followed
      // came from a stream that resumed past the bytes already held.
      const log = logSinceLastStart(c, lagging);
      const drops = log.split("\n").filter((line) => line.includes(FAILPOINT_LINE));
      expect(drops).toHaveLength(1);
      expect(JSON.parse(drops[0]!)).toMatchObject({
        receivedBytes: dropAtBytes, totalBytes: snapshot.sizeBytes,
      });
      expect(log).toContain("snapshot installed from the leader");

      // Status showed the transfer in progress, and its received bytes never went back
      // below what the broken stream had left.
      const receiving = sampler.samples.filter((s) => s.index === snapshot.index);
      expect(receiving.some((s) => s.receivedBytes > 0 && s.receivedBytes < s.totalBytes))
        .toBe(true);
      expect(receiving.every((s) => s.totalBytes === snapshot.sizeBytes)).toBe(true);
      const firstPastDrop = receiving.findIndex((s) => s.receivedBytes >= dropAtBytes);
      const wentBack = receiving.slice(Math.max(firstPastDrop, 0))
        .filter((s) => s.receivedBytes < dropAtBytes);
      expect(wentBack).toEqual([]);

      // Exactly the leader's snapshot, committed whole; nothing partial is left.
      const directory = snapshotsDir(c, lagging);
      expect(manifests(directory).map((m) => [m.index, m.sha256]))
        .toContainEqual([snapshot.index, snapshot.sha256]);
      expectEveryManifestIntact(directory);
      expect(partialFiles(directory)).toEqual([]);
      await expectEveryKey(c, lagging, keys);
      expect(extra.running).toBe(true);
    });
  });

  test("kill -9 during an install leaves a member that restarts cleanly", async () => {
    cluster = await ClusterHarness.start({ size: 3, timing: TIMING, extraFlags: FLAGS });
    const c = cluster;
    await c.withLogs(async () => {
      const first = await c.waitForLeader();
      const lagging = c.ids().find((id) => id !== first)!;
      await c.kill(lagging);
      const keys = await writeBigState(c, "kill");
      const leader = await c.waitForLeader();
      const snapshot = await finalLeaderSnapshot(c, leader);
      const directory = snapshotsDir(c, lagging);

      // Kill it while Status shows the snapshot partly received.
      c.restart(lagging);
      const partly = await waitUntil("the follower to be partway through the snapshot",
        30_000, async () => {
          const status = await c.client(lagging).status({ deadlineMs: 500 });
          const received = Number(status.snapshot_received_bytes);
          return Number(status.snapshot_receiving_index) === snapshot.index && received > 0 &&
            received < snapshot.sizeBytes ? received : undefined;
        }, 2);
      c.signal(lagging, "SIGKILL");
      expect(describeExit(await c.member(lagging).waitForExit(10_000))).toBe("signal SIGKILL");

      // What the kill left: a partial file, and no manifest for the incomplete snapshot.
      const [partial, ...morePartials] = partialFiles(directory);
      expect(morePartials).toEqual([]);
      expect(partial).toMatch(new RegExp(
        `^partial-${String(snapshot.index)}-\\d+-${snapshot.sha256}-${String(snapshot.sizeBytes)}\\.part$`));
      const heldBytes = statSync(join(directory, partial!)).size;
      expect(heldBytes).toBeGreaterThanOrEqual(partly);
      expect(heldBytes).toBeLessThan(snapshot.sizeBytes);
      expect(manifests(directory).map((m) => m.index)).not.toContain(snapshot.index);
      expectEveryManifestIntact(directory);

      // Restarted, it starts, finishes the transfer and installs exactly the leader's snapshot.
      const sampler = sampleStatus(c, lagging);
      c.restart(lagging);
      try {
        await waitForCatchUp(c, leader, lagging);
      } finally {
        await sampler.stop();
      }
      expect(c.member(lagging).running).toBe(true);
      expect(logSinceLastStart(c, lagging)).toContain("snapshot installed from the leader");
      expect(manifests(directory).map((m) => [m.index, m.sha256]))
        .toContainEqual([snapshot.index, snapshot.sha256]);
      expectEveryManifestIntact(directory);
      expect(partialFiles(directory)).toEqual([]);
      // It resumed from the partial file: Status never showed fewer bytes than it held.
      const receiving = sampler.samples.filter((s) => s.index === snapshot.index);
      expect(receiving.filter((s) => s.receivedBytes < heldBytes)).toEqual([]);

      await expectEveryKey(c, lagging, keys);
      await c.client(leader).put({ key: "kill/after", value: valueOf("kill/after") });
      await waitUntil("a write after the install to reach the follower", 10_000, async () => {
        const got = await c.client(lagging).get({ key: "kill/after", consistency: SERIALIZABLE });
        return got.kv !== null && Buffer.from(got.kv.value).equals(valueOf("kill/after"))
          ? true : undefined;
      });
      expect(c.member(lagging).running).toBe(true);
    });
  });
});
