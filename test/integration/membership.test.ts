// Goal: a cluster grows and shrinks over the wire, under writes, without losing an
// acknowledged write: members join with --join and an empty data directory (catching up by
// snapshot, promoted once caught up), the leader is removed among others, removed members
// stop serving, and the operator's refusals (a far-behind learner, an id at another
// address, a removal that would leave no reachable quorum) say what is wrong.
// Method: real processes on 127.0.0.1 (cluster-harness.ts) with a small snapshot threshold
// so joiners need a snapshot; a WriteLoad runs through every phase; at the end every
// acknowledged key is read SERIALIZABLY (local state) on every remaining member.

import { status as grpcStatus } from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { ClusterHarness } from "./cluster-harness.js";
import { HEALTH_SERVING, isGrpcError } from "./raftkv-client.js";
import { waitUntil } from "./wait-until.js";
import { forEachParallel, WriteLoad } from "./write-load.js";

const SERIALIZABLE = 1;
const FLAGS = [
  "--snapshot-entries", "50", "--log-tail-entries", "10",
  "--promote-after-ms", "300", "--promote-lag-entries", "50",
];

/**
 * MemberRemove of `id` asked through member `via`, as an operator would run it under load:
 * an attempt that fails while leadership moves (the leader's own removal moves it) is asked
 * again, and one whose answer was lost counts once `via` no longer lists `id`.
 */
async function removeMember(c: ClusterHarness, id: number, via: number): Promise<void> {
  await waitUntil(`member ${String(id)} to be removed (asked through ${String(via)})`, 40_000,
    async () => {
      try {
        await c.client(via).memberRemove(id, false, { deadlineMs: 10_000 });
        return true;
      } catch (error: unknown) {
        const list = await c.client(via).memberList();
        if (list.members.every((member) => member.id !== String(id))) return true;
        throw error;
      }
    });
}

describe("membership over the wire", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3, extraFlags: FLAGS });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("grows 3 -> 5 with --join and shrinks 5 -> 3, removing the leader, under writes", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const load = new WriteLoad(c, "grow");
      load.start(3);
      await load.waitForAcks(300, 30_000);

      // Grow: two joiners with empty data directories, promoted once caught up.
      await c.join(4);
      await c.join(5, { through: [2] });
      await waitUntil("members 4 and 5 to be promoted to voters", 40_000, async () => {
        const list = await c.client(1).memberList();
        const voters = list.members.filter((m) => !m.is_learner).map((m) => Number(m.id));
        return [4, 5].every((id) => voters.includes(id)) ? voters : undefined;
      });
      await c.waitForReady([4, 5]);
      for (const id of [4, 5]) {
        expect(readFileSync(c.member(id).stderrPath, "utf8")).toContain("snapshot installed");
      }
      const acksBeforeShrink = load.acknowledged.length;
      await load.waitForAcks(acksBeforeShrink + 100, 30_000);

      // Shrink: remove the leader (asked through a follower), then one more member.
      const leader = await c.waitForLeader();
      const follower = c.runningIds().find((id) => id !== leader)!;
      await removeMember(c, leader, follower);
      const second = c.runningIds().find((id) => id !== leader && id !== follower)!;
      const newLeader = await c.waitForLeader(c.runningIds().filter((id) => id !== leader));
      expect(newLeader).not.toBe(leader);
      await removeMember(c, second, newLeader);
      for (const removed of [leader, second]) {
        await waitUntil(`member ${String(removed)} to report it was removed`, 20_000, async () => {
          const status = await c.client(removed).status();
          const health = await c.client(removed).healthStatus();
          return status.removed && health !== HEALTH_SERVING ? true : undefined;
        });
        const put = c.client(removed).put({ key: "x", value: Buffer.from("y") });
        await expect(put).rejects.toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
        await c.kill(removed);
      }
      await load.waitForAcks(load.acknowledged.length + 100, 30_000);
      await load.stop();

      const remaining = c.runningIds();
      expect(remaining).toHaveLength(3);
      const list = await c.client(remaining[0]!).memberList();
      expect(list.members.map((m) => Number(m.id)).sort()).toEqual([...remaining].sort());
      const finalLeader = await c.waitForLeader(remaining);
      const commit = Number((await c.client(finalLeader).status()).commit_index);
      await waitUntil("the remaining members to apply everything", 20_000, async () => {
        const statuses = await Promise.all(remaining.map((id) => c.client(id).status()));
        return statuses.every((s) => Number(s.applied_index) >= commit) ? true : undefined;
      });
      for (const id of remaining) {
        await forEachParallel(load.acknowledged, 16, async (write) => {
          const got = await c.client(id).get({ key: write.key, consistency: SERIALIZABLE });
          expect([id, write.key, got.kv?.value.toString()]).toEqual([id, write.key, write.value]);
        });
      }
    });
  });

  test("refuses a far-behind promotion, an id at another address and a removal without a reachable quorum", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const voters = c.runningIds();
      // A learner that was never started is as far behind as a learner can be.
      await c.client(leader).memberAdd({
        id: "9", peer_address: "127.0.0.1:9", client_address: "127.0.0.1:8", as_voter: false,
        auto_promote: false,
      });
      const promote = c.client(leader).memberPromote(9);
      await expect(promote).rejects.toThrow(/FAILED_PRECONDITION: learner 9 is \d+ entries behind the leader/);
      // The same id again at the same addresses changes nothing; at another it is refused.
      const again = await c.client(voters[0]!).memberAdd({
        id: "9", peer_address: "127.0.0.1:9", client_address: "127.0.0.1:8", as_voter: false,
        auto_promote: false,
      });
      expect(again.members.filter((m) => m.id === "9")).toHaveLength(1);
      const moved = c.client(leader).memberAdd({
        id: "9", peer_address: "127.0.0.1:19", client_address: "127.0.0.1:18", as_voter: false,
        auto_promote: false,
      });
      await expect(moved).rejects.toThrow(/FAILED_PRECONDITION: member 9 is already in the cluster/);
      await c.client(leader).memberRemove(9);

      // With one of three voters down, removing a live one would leave [leader, dead].
      const [down, live] = voters.filter((id) => id !== leader);
      await c.kill(down!);
      // Past an election timeout of the leader's: a leader elected within the last one
      // counts every peer as heard from (docs/api.md, Removing).
      const leaderTerm = (await c.client(leader).status()).term;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await c.client(leader).status()).term).toBe(leaderTerm);
      const removal = c.client(leader).memberRemove(live!);
      await expect(removal).rejects.toThrow(/FAILED_PRECONDITION: removing member \d+ would .* not a quorum/);
      const error = await removal.catch((e: unknown) => e);
      expect(isGrpcError(error)).toBe(true);
      c.restart(down!);
      await c.waitForReady(voters);
    });
  });
});
