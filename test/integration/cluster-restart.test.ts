// Goal: stopping the whole cluster and starting it again on the same data directories keeps
// every acknowledged write, overwrite and delete (the log, hard state and state machine are
// durable in SQLite), and SIGTERM shuts each member down cleanly (exit code 0).
// Method: write 120 keys (eight at a time), overwrite some and delete others, SIGTERM all
// three members by PID at once, start them again with the same flags, then compare a
// linearizable Range and single-key Gets on every member with the expected contents;
// finally check that the restarted cluster accepts writes at a higher revision than before.

import { ClusterHarness, describeExit } from "./cluster-harness.js";
import { prefixEnd } from "./raftkv-client.js";
import { RetriedWrites } from "./retried-write.js";
import { forEachParallel } from "./write-load.js";

const LINEARIZABLE = 0;
const PREFIX = "durable/";

describe("restarting the whole cluster", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("all data is still there after SIGTERM of every member and a restart", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const expected = new Map<string, string>();
      const keyOf = (i: number): string => `${PREFIX}${String(i).padStart(3, "0")}`;
      const indexes = Array.from({ length: 120 }, (_, i) => i);
      // Distinct keys in each phase, so eight writes at a time cannot race each other.
      await forEachParallel(indexes, 8, async (i) => {
        await c.client(1 + (i % 3)).put({ key: keyOf(i), value: Buffer.from(`v${i}`) });
        expected.set(keyOf(i), `v${i}`);
      });
      await forEachParallel(indexes.filter((i) => i % 7 === 0), 8, async (i) => {
        await c.client(2).put({ key: keyOf(i), value: Buffer.from(`overwritten${i}`) });
        expected.set(keyOf(i), `overwritten${i}`);
      });
      await forEachParallel(indexes.filter((i) => i % 11 === 3), 8, async (i) => {
        await c.client(3).delete({ key: keyOf(i) });
        expected.delete(keyOf(i));
      });
      const before = await c.client(1).get({ key: `${PREFIX}000` });
      const revisionBefore = BigInt(before.header!.revision);

      const exits = await Promise.all(c.ids().map((id) => c.terminate(id)));
      expect(exits.map(describeExit)).toEqual(c.ids().map(() => "code 0"));

      for (const id of c.ids()) c.restart(id);
      await c.waitForReady(c.ids());
      await c.waitForLeader();

      for (const id of c.ids()) {
        const all = await c.client(id).range({
          key: PREFIX, range_end: prefixEnd(PREFIX), consistency: LINEARIZABLE, limit: 1000,
        });
        expect(all.more).toBe(false);
        const actual = new Map(all.kvs.map((kv) => [kv.key, kv.value.toString()]));
        expect(actual).toEqual(expected);
        for (const key of [`${PREFIX}000`, `${PREFIX}003`, `${PREFIX}119`]) {
          const got = await c.client(id).get({ key, consistency: LINEARIZABLE });
          expect(got.kv?.value.toString()).toBe(expected.get(key));
        }
      }

      // Retried with a session: three members starting together may hold another election.
      const after = await new RetriedWrites(() => c.client(2))
        .put({ key: `${PREFIX}new`, value: Buffer.from("after") });
      expect(BigInt(after.header!.revision)).toBeGreaterThan(revisionBefore);
    });
  });
});
