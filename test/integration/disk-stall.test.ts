// Goal: the disk-stall watchdog on real processes. A leader whose log writes stall steps
// down within --stall-step-down-ms, another member leads after an election, and writes
// resume there; no acknowledged write is lost.
// Method: three members with the test-only failpoint RAFTKV_FAILPOINT_LOG_WRITE_DELAY_FILE
// (a file in each data directory giving a delay in ms for every log write); under a write
// load, the leader's file is set to 10 s. Then the file is cleared and every acknowledged
// write is read back from every member.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterHarness } from "./cluster-harness.js";
import { waitUntil } from "./wait-until.js";
import { forEachParallel, WriteLoad } from "./write-load.js";

const FAILPOINT_FILE = "failpoint-log-write-delay-ms";
const SERIALIZABLE = 1;

describe("disk-stall watchdog", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({
      size: 3,
      extraFlags: ["--stall-step-down-ms", "300"],
      env: { RAFTKV_FAILPOINT_LOG_WRITE_DELAY_FILE: FAILPOINT_FILE },
    });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("a leader whose disk stalls steps down and writes resume on another leader", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const stalled = await c.waitForLeader();
      const load = new WriteLoad(c, "stall");
      load.start(3);
      await load.waitForAcks(100, 20_000);
      const delayFile = join(c.member(stalled).spec.dataDir, FAILPOINT_FILE);
      writeFileSync(delayFile, "10000");
      const others = c.ids().filter((id) => id !== stalled);
      const next = await waitUntil("another member to lead", 20_000, async () => {
        const statuses = await Promise.all(others.map((id) => c.client(id).status()));
        const leading = statuses.find((s) => s.role === 4);
        return leading === undefined ? undefined : Number(leading.member_id);
      });
      expect(next).not.toBe(stalled);
      const acked = load.acknowledged.length;
      await load.waitForAcks(acked + 100, 20_000); // Writes resume on the new leader.
      expect(readFileSync(c.member(stalled).stderrPath, "utf8"))
        .toMatch(/stepped down as leader: this member stalled.*"stall":"log-write"/);
      writeFileSync(delayFile, "0");
      await load.stop();
      const leader = await c.waitForLeader();
      const commit = Number((await c.client(leader).status()).commit_index);
      await waitUntil("every member to apply everything", 30_000, async () => {
        const statuses = await Promise.all(c.ids().map((id) => c.client(id).status()));
        return statuses.every((s) => Number(s.applied_index) >= commit) ? true : undefined;
      });
      for (const id of c.ids()) {
        await forEachParallel(load.acknowledged, 16, async (write) => {
          const got = await c.client(id).get({ key: write.key, consistency: SERIALIZABLE });
          expect([id, write.key, got.kv?.value.toString()]).toEqual([id, write.key, write.value]);
        });
      }
    });
  });
});
