// Goal: after losing two of three members for good, `raftkv recover` brings the survivor
// back alone: started again with its original flags (whose --initial-cluster still lists
// the dead peers) it elects itself, serves every write the cluster acknowledged, and accepts
// new ones. `recover` refuses, with one line and exit 1, while the member is running.
// Method: a real 3-member cluster on loopback (ClusterHarness). Write keys and keep those
// acknowledged; wait until the chosen survivor, a follower, has applied what the leader
// committed (so the test is about recover, not about which member's log was longest);
// SIGKILL the other two by PID; run `node dist/src/main.js recover` against the running
// survivor (refused), SIGTERM it, run recover again, restart it, and read everything back
// with linearizable reads.

import { spawn } from "node:child_process";
import { ClusterHarness, describeExit } from "./cluster-harness.js";
import { prefixEnd, ROLE } from "./raftkv-client.js";
import { raftkvBinary } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";
import { forEachParallel } from "./write-load.js";

const LINEARIZABLE = 0;
const PREFIX = "recover/";
const KEYS = 60;

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `raftkv recover --data-dir <dir>` to completion; killed after 30 s. */
function runRecover(dataDir: string): Promise<Outcome> {
  const child = spawn(process.execPath, [raftkvBinary(), "recover", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("raftkv recover after losing a quorum", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("the survivor comes back alone with every acknowledged write", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const survivor = c.ids().find((id) => id !== leader)!;
      const lost = c.ids().filter((id) => id !== survivor);
      const acknowledged = new Map<string, string>();
      const keyOf = (i: number): string => `${PREFIX}${String(i).padStart(3, "0")}`;
      await forEachParallel(Array.from({ length: KEYS }, (_, i) => i), 8, async (i) => {
        await c.client(1 + (i % 3)).put({ key: keyOf(i), value: Buffer.from(`v${i}`) });
        acknowledged.set(keyOf(i), `v${i}`);
      });
      const committed = BigInt((await c.client(leader).status()).commit_index);
      await waitUntil(`member ${survivor} to apply through ${committed}`, 10_000, async () => {
        const status = await c.client(survivor).status({ deadlineMs: 500 });
        return BigInt(status.applied_index) >= committed ? true : undefined;
      });

      for (const id of lost) await c.kill(id);
      const dataDir = c.member(survivor).spec.dataDir;

      const whileRunning = await runRecover(dataDir);
      expect(whileRunning.code).toBe(1);
      expect(whileRunning.stdout).toBe("");
      expect(whileRunning.stderr).toMatch(
        /^raftkv recover: \S+raft\.db is in use by another process: the member is running; stop it first\n$/);

      expect(describeExit(await c.terminate(survivor))).toBe("code 0");
      const done = await runRecover(dataDir);
      expect(done.stderr).toBe("");
      expect(done.code).toBe(0);
      expect(done.stdout).toContain(`member ${survivor} of cluster`);
      expect(done.stdout).toContain("old membership: voters [1, 2, 3], learners []");
      expect(done.stdout).toContain(`new membership: voters [${survivor}], learners []`);
      expect(done.stdout).toMatch(/appended config entry: index \d+, term \d+ \(durable\)/);

      // Same flags as before, --initial-cluster still naming the dead members.
      c.restart(survivor);
      await c.waitForReady([survivor]);
      expect(await c.waitForLeader([survivor])).toBe(survivor);
      const status = await c.client(survivor).status();
      expect(status.role).toBe(ROLE.leader);
      const members = (await c.client(survivor).memberList()).members;
      expect(members.map((member) => [member.id, member.is_learner]))
        .toEqual([[String(survivor), false]]);

      const all = await c.client(survivor).range({
        key: PREFIX, range_end: prefixEnd(PREFIX), consistency: LINEARIZABLE, limit: 1000,
      });
      expect(all.more).toBe(false);
      expect(new Map(all.kvs.map((kv) => [kv.key, kv.value.toString()])))
        .toEqual(acknowledged);

      await c.client(survivor).put({ key: `${PREFIX}after`, value: Buffer.from("alone") });
      const got = await c.client(survivor).get({ key: `${PREFIX}after`, consistency: LINEARIZABLE });
      expect(got.kv?.value.toString()).toBe("alone");

      // Recovered once is enough: a second run (member stopped) finds nothing to do.
      expect(describeExit(await c.terminate(survivor))).toBe("code 0");
      const again = await runRecover(dataDir);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^raftkv recover: nothing to do: /);
    });
  });
});
