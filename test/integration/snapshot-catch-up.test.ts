// Goal: a follower that falls behind the leader's compaction point catches up through
// InstallSnapshot between real processes: the leader streams its snapshot file in chunks,
// the follower installs it into its SQLite state machine and then follows the log again.
// Method: three members with a tiny snapshot threshold and log tail (--snapshot-entries 40,
// --log-tail-entries 4, so the leader compacts past a follower that is away); kill one
// follower (SIGKILL by PID), write 200 keys through the leader so it snapshots and compacts
// several times, restart the follower on its data directory, then wait until its applied
// index reaches the leader's commit and its log says it installed a snapshot; finally read
// every key SERIALIZABLY (its own local state) from it and check a later write reaches it.
// (A follower that is only paused may instead catch up from AppendEntries the leader queued
// before compacting; killing it closes its connections, so nothing stale is waiting.)

import { readFileSync } from "node:fs";
import { ClusterHarness } from "./cluster-harness.js";
import type { RaftkvClient } from "./raftkv-client.js";
import { RetriedWrites } from "./retried-write.js";
import { forEachParallel } from "./write-load.js";
import { waitUntil } from "./wait-until.js";

const SERIALIZABLE = 1;

describe("snapshot catch-up", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3, extraFlags: ["--snapshot-entries", "40", "--log-tail-entries", "4"] });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("a follower behind the compaction point installs a snapshot and catches up", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      let leader = await c.waitForLeader();
      const lagging = c.ids().find((id) => id !== leader)!;
      await c.kill(lagging);
      const keys = Array.from({ length: 200 }, (_, i) => `snap/${String(i).padStart(3, "0")}`);
      // Through the leader, retried (with a session) should leadership move meanwhile.
      const toLeader = (): RaftkvClient => c.client(leader);
      await forEachParallel(keys, 8, async (key) => {
        await new RetriedWrites(toLeader).put({ key, value: Buffer.from(`value-of-${key}`) });
      });
      leader = await c.waitForLeader();
      const leaderStatus = await c.client(leader).status();
      expect(Number(leaderStatus.snapshot_index)).toBeGreaterThan(40);
      c.restart(lagging);
      const target = Number(leaderStatus.commit_index);
      await waitUntil(`member ${String(lagging)} to install a snapshot and catch up`, 20_000,
        async () => {
          const status = await c.client(lagging).status();
          const applied = Number(status.applied_index);
          return Number(status.snapshot_index) > 0 && applied >= target ? true : undefined;
        });

      // The install path, not the follower's own snapshots, is what brought it back.
      expect(readFileSync(c.member(lagging).stderrPath, "utf8")).toContain("snapshot installed");
      for (const key of keys) {
        const got = await c.client(lagging).get({ key, consistency: SERIALIZABLE });
        expect([key, got.kv?.value.toString()]).toEqual([key, `value-of-${key}`]);
      }
      await new RetriedWrites(toLeader).put({ key: "snap/after", value: Buffer.from("later") });
      await waitUntil("a write after the install to reach the follower", 10_000, async () => {
        const got = await c.client(lagging).get({ key: "snap/after", consistency: SERIALIZABLE });
        return got.kv?.value.toString() === "later" ? true : undefined;
      });
    });
  });
});
