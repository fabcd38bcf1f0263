// Goal: `kill -9` of the leader during a stream of writes loses no acknowledged write. A new
// leader is elected and writes continue; the killed member restarts on its data directory,
// catches up, and then serves every acknowledged write, as do the others (Raft §5.4: a
// committed entry is in every later leader's log; §5.2: a new leader is elected).
// Method: four closed-loop clients write distinct keys round-robin through every running
// member. The harness SIGKILLs the leader by PID mid-stream, waits for a write sent after
// the kill to succeed (that gap is printed, not asserted), keeps writing, restarts the
// member, waits until it has applied the leader's commit index, then reads every
// acknowledged key linearizably from every member and compares values.

import { ClusterHarness } from "./cluster-harness.js";
import { waitUntil } from "./wait-until.js";
import { forEachParallel, WriteLoad } from "./write-load.js";

const WRITERS = 4;
const LINEARIZABLE = 0;

describe("kill -9 of the leader during writes", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("a new leader takes over and no acknowledged write is lost", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const oldLeader = await c.waitForLeader();
      const load = new WriteLoad(c, "failover");
      load.start(WRITERS);
      try {
        await load.waitForAcks(100, 10_000);
        const killedAtMs = performance.now();
        await c.kill(oldLeader);
        const ackedBeforeKill = load.acknowledged.length;

        const firstAfterKill = await waitUntil("a write sent after the kill to succeed", 15_000,
          () => Promise.resolve(load.acknowledged.find((w) => w.sentAtMs > killedAtMs)));
        const survivors = c.runningIds();
        const newLeader = await c.waitForLeader(survivors);
        expect(newLeader).not.toBe(oldLeader);
        console.log(`leader failover: kill -9 of member ${oldLeader} to the first successful ` +
          `write: ${(firstAfterKill.ackedAtMs - killedAtMs).toFixed(0)} ms ` +
          `(new leader ${newLeader}; ${ackedBeforeKill} writes acknowledged before the kill)`);

        await load.waitForAcks(load.acknowledged.length + 100, 10_000);
        c.restart(oldLeader);
        await c.waitForReady([oldLeader]);
        await load.waitForAcks(load.acknowledged.length + 50, 10_000);
      } finally {
        await load.stop();
      }
      console.log(`leader failover: ${load.acknowledged.length} writes acknowledged; failed ` +
        `attempts (retried): ${JSON.stringify(Object.fromEntries(load.failures))}`);

      await waitForCatchUp(c, oldLeader);
      for (const id of c.ids()) {
        const wrong: string[] = [];
        await forEachParallel(load.acknowledged, 32, async (write) => {
          const got = await c.client(id).get({ key: write.key, consistency: LINEARIZABLE });
          const value = got.kv?.value.toString();
          if (value !== write.value) wrong.push(`${write.key}: ${String(value)}`);
        });
        expect({ member: id, missingOrWrong: wrong.slice(0, 10), count: wrong.length })
          .toEqual({ member: id, missingOrWrong: [], count: 0 });
      }
    });
  });
});

/** Waits until member `id` has applied at least the commit index the leader reports. */
async function waitForCatchUp(cluster: ClusterHarness, id: number): Promise<void> {
  const leader = await cluster.waitForLeader();
  const leaderStatus = await cluster.client(leader).status();
  await waitUntil(`member ${id} to apply up to ${leaderStatus.commit_index}`, 15_000, async () => {
    const status = await cluster.client(id).status();
    return BigInt(status.applied_index) >= BigInt(leaderStatus.commit_index) ? true : undefined;
  });
}
