// Goal: a backup taken with `raftkvctl snapshot save` founds a new cluster with `raftkv
// restore`: every member restored from the file with its own flags starts, elects a leader,
// serves exactly the backup's keys with their values and revisions (not a write made after
// the backup, not a deleted key), takes new writes at later revisions, and a member that
// joins catches up from the restored snapshot. A second restore into a member's directory is
// refused.
// Method: ClusterHarness starts a source cluster; writes go through RetriedWrites (puts,
// overwrites, deletes); the built raftkvctl saves a backup from the leader; one more write
// follows; the source is destroyed. A second ClusterHarness runs `raftkv restore --from
// FILE <the member's own flags>` for each member before starting it (beforeStart). Reads are
// linearizable through every member; the joiner is read serializably once it has applied.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterHarness } from "./cluster-harness.js";
import { prefixEnd } from "./raftkv-client.js";
import { ctlBinary, raftkvBinary } from "./repo-paths.js";
import { RetriedWrites } from "./retried-write.js";
import { waitUntil } from "./wait-until.js";

const PREFIX = "restore/";
const KEYS = 40;
const SERIALIZABLE = 1;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a built binary of this repository under Node to completion; killed after 60 s. */
function runNode(binary: string, args: readonly string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RAFTKVCTL_ENDPOINTS;
  const child = spawn(process.execPath, [binary, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const keyOf = (i: number): string => `${PREFIX}${String(i).padStart(3, "0")}`;

describe("raftkv restore from a backup", () => {
  let source: ClusterHarness | undefined;
  let restored: ClusterHarness | undefined;
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), "raftkv-restore-it-"));
  });

  afterAll(async () => {
    await source?.destroy();
    await restored?.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  test("a new cluster serves the backup's state, takes writes and admits a joiner", async () => {
    source = await ClusterHarness.start({ size: 3 });
    const s = source;
    const backup = join(workDir, "backup.db");
    /** key -> [value, mod_revision] as the source cluster last acknowledged them. */
    const expected = new Map<string, [string, string]>();
    await s.withLogs(async () => {
      const leader = await s.waitForLeader();
      const writes = new RetriedWrites(() => s.client(leader));
      for (let i = 0; i < KEYS; i++) {
        const put = await writes.put({ key: keyOf(i), value: Buffer.from(`v${String(i)}`) });
        expected.set(keyOf(i), [`v${String(i)}`, put.header!.revision]);
      }
      for (let i = 0; i < KEYS; i += 4) {
        const put = await writes.put({ key: keyOf(i), value: Buffer.from(`w${String(i)}`) });
        expected.set(keyOf(i), [`w${String(i)}`, put.header!.revision]);
      }
      for (let i = 1; i < KEYS; i += 8) {
        await writes.delete({ key: keyOf(i) });
        expected.delete(keyOf(i));
      }
      const saved = await runNode(ctlBinary(), [
        "--endpoints", s.member(leader).spec.clientAddress, "snapshot", "save", backup,
      ]);
      expect({ code: saved.code, stderr: saved.stderr }).toEqual({ code: 0, stderr: "" });
      await writes.put({ key: `${PREFIX}after-backup`, value: Buffer.from("x") });
    });
    await s.destroy();
    source = undefined;

    const restoreRuns: Run[] = [];
    restored = await ClusterHarness.start({
      size: 3,
      beforeStart: async (_id, flags) => {
        restoreRuns.push(await runNode(raftkvBinary(), ["restore", "--from", backup, ...flags]));
      },
    });
    const c = restored;
    await c.withLogs(async () => {
      for (const run of restoreRuns) {
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
        expect(run.stdout).toMatch(/restored in .*\n {2}state: applied index \d+, revision \d+, /);
      }
      const backupRevision = Math.max(...[...expected.values()].map(([, rev]) => Number(rev)));

      for (const [i, [key, [value, modRevision]]] of [...expected].entries()) {
        const got = await c.client(1 + (i % 3)).get({ key });
        expect({ key, value: got.kv?.value.toString(), modRevision: got.kv?.mod_revision })
          .toEqual({ key, value, modRevision });
      }
      const all = await c.client(1).range({ key: PREFIX, range_end: prefixEnd(PREFIX) });
      expect(all.kvs.map((kv) => kv.key).sort()).toEqual([...expected.keys()].sort());

      const leader = await c.waitForLeader();
      const writes = new RetriedWrites(() => c.client(leader));
      const after = await writes.put({ key: `${PREFIX}after-restore`, value: Buffer.from("y") });
      expect(Number(after.header!.revision)).toBeGreaterThan(backupRevision);

      // A joiner's log is empty; the leader's starts after the restored snapshot, so the
      // joiner can only catch up by installing that snapshot.
      await c.join(4);
      await waitUntil("member 4 to serve the restored keys", 30_000, async () => {
        const got = await c.client(4).get(
          { key: `${PREFIX}after-restore`, consistency: SERIALIZABLE }, { deadlineMs: 500 });
        return got.kv?.value.toString() === "y" ? true : undefined;
      });
      const [firstKey, [firstValue]] = [...expected][0]!;
      const fromJoiner = await c.client(4).get({ key: firstKey, consistency: SERIALIZABLE });
      expect(fromJoiner.kv?.value.toString()).toBe(firstValue);

      const again = await runNode(raftkvBinary(), ["restore", "--from", backup,
        "--id", "1", "--data-dir", c.member(1).spec.dataDir,
        "--initial-cluster", `1=${c.member(1).spec.peerAddress}`]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/holds a member's data \(raft\.db\); restore into an empty directory/);
    });
  });
});
