// Goal: a rolling restart under writes (each member in turn gets SIGTERM, exits cleanly, is
// started again on its data directory and catches up) loses no acknowledged write, and a
// leader asked to stop hands leadership over first (thesis 3.10): its log says it handed
// over, and the other members know a new leader. How long writes paused is the benchmark's
// business (bench/rolling-restart.ts), not this test's.
// Method: three members with production timing (a 1 s election timeout, which is also the
// handoff's wait: on the 100 ms of the fast test timing, a loaded machine can take longer to
// finish a transfer than that) started with --transfer-leadership-on-stop=true, and four
// closed-loop writers spread round-robin over the running members. Followers are restarted
// first and the leader last; if leadership moved so that no leader was ever stopped, the
// leader is stopped once more. After each leader's exit, its stderr since the SIGTERM must
// hold the handoff record member.close() logs (`"outcome":"handed-over"`, with the new
// leader and term), and the survivors must agree on a leader other than it, in that term or
// a later one. At the end every member's own copy (SERIALIZABLE reads, after it applied the
// leader's commit index) must hold every acknowledged key with its value.

import { readFileSync } from "node:fs";
import { ClusterHarness } from "./cluster-harness.js";
import { prefixEnd, ROLE } from "./raftkv-client.js";
import { waitUntil } from "./wait-until.js";
import { WriteLoad } from "./write-load.js";

const WRITERS = 4;
const SERIALIZABLE = 1;
const RANGE_PAGE_KEYS = 1000;
const PREFIX = "rolling";

/** What a handoff record in a member's log says (HandoffOutcome, src/node/leader-handoff.ts). */
interface HandoffRecord {
  readonly outcome: string;
  readonly leader?: number;
  readonly term?: number;
}

describe("rolling restart with leadership transfer on stop", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({
      size: 3, timing: "production", extraFlags: ["--transfer-leadership-on-stop=true"],
      readyTimeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("every member restarts in turn, the leader hands over, no acknowledged write is lost",
    async () => {
      if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
      const c = cluster;
      await c.withLogs(async () => {
        const load = new WriteLoad(c, PREFIX);
        load.start(WRITERS);
        const leadersStopped: number[] = [];
        try {
          await load.waitForAcks(50, 10_000);
          for (let left = c.ids(); left.length > 0;) {
            const leader = await c.waitForLeader();
            const id = left.find((other) => other !== leader) ?? leader;
            left = left.filter((other) => other !== id);
            if (await restartMember(c, id, load)) leadersStopped.push(id);
          }
          // Elections can move leadership while followers restart; the handoff must be seen.
          if (leadersStopped.length === 0) {
            const leader = await c.waitForLeader();
            expect(await restartMember(c, leader, load)).toBe(true);
            leadersStopped.push(leader);
          }
        } finally {
          await load.stop();
        }
        console.log(`rolling restart: leaders stopped: ${leadersStopped.join(",")}; ` +
          `${load.acknowledged.length} writes acknowledged; failed attempts (retried): ` +
          JSON.stringify(Object.fromEntries(load.failures)));

        for (const id of c.ids()) await waitForCatchUp(c, id);
        for (const id of c.ids()) {
          const local = await readLocal(c, id);
          const wrong = load.acknowledged
            .filter((write) => local.get(write.key) !== write.value)
            .map((write) => `${write.key}: ${String(local.get(write.key))}`);
          expect({ member: id, missingOrWrong: wrong.slice(0, 10), count: wrong.length })
            .toEqual({ member: id, missingOrWrong: [], count: 0 });
        }
      });
    });
});

/**
 * SIGTERMs member `id`, checks the handoff if it led, starts it again and waits until it has
 * caught up and a few more writes went through. Returns whether it was the leader.
 */
async function restartMember(
  cluster: ClusterHarness, id: number, load: WriteLoad,
): Promise<boolean> {
  const before = await cluster.client(id).status();
  const wasLeader = before.role === ROLE.leader;
  const logOffset = readFileSync(cluster.member(id).stderrPath, "utf8").length;
  const exit = await cluster.terminate(id);
  expect({ member: id, exit }).toEqual({ member: id, exit: { code: 0, signal: null } });
  if (wasLeader) {
    const record = handoffRecords(cluster, id, logOffset).find((r) => r.outcome === "handed-over");
    expect({ member: id, handoff: record?.outcome }).toEqual({ member: id, handoff: "handed-over" });
    const survivors = cluster.runningIds();
    const newLeader = await cluster.waitForLeader(survivors);
    expect(newLeader).not.toBe(id);
    expect(record?.leader).not.toBe(id);
    const status = await cluster.client(newLeader).status();
    // The survivors follow the leader the handoff named, or one elected after it.
    expect(Number(status.term)).toBeGreaterThanOrEqual(record?.term ?? Infinity);
    if (Number(status.term) === record?.term) expect(newLeader).toBe(record.leader);
  }
  cluster.restart(id);
  await cluster.waitForReady([id]);
  await waitForCatchUp(cluster, id);
  await load.waitForAcks(load.acknowledged.length + 20, 10_000);
  return wasLeader;
}

/** The handoff records in member `id`'s stderr (JSON lines) from `offset` on. */
function handoffRecords(cluster: ClusterHarness, id: number, offset: number): HandoffRecord[] {
  const text = readFileSync(cluster.member(id).stderrPath, "utf8").slice(offset);
  const records: HandoffRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const parsed = JSON.parse(line) as Partial<HandoffRecord>;
    if (typeof parsed.outcome === "string") records.push(parsed as HandoffRecord);
  }
  return records;
}

/** Waits until member `id` has applied at least the commit index the leader reports now. */
async function waitForCatchUp(cluster: ClusterHarness, id: number): Promise<void> {
  const leader = await cluster.waitForLeader();
  const commit = BigInt((await cluster.client(leader).status()).commit_index);
  await waitUntil(`member ${id} to apply up to ${commit}`, 15_000, async () => {
    const status = await cluster.client(id).status();
    return BigInt(status.applied_index) >= commit ? true : undefined;
  });
}

/** Every key under PREFIX in member `id`'s own applied state (no leader involved), paged. */
async function readLocal(cluster: ClusterHarness, id: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const rangeEnd = prefixEnd(`${PREFIX}/`);
  for (let key = `${PREFIX}/`; ;) {
    const page = await cluster.client(id).range({
      key, range_end: rangeEnd, limit: RANGE_PAGE_KEYS, consistency: SERIALIZABLE,
    });
    for (const kv of page.kvs) found.set(kv.key, kv.value.toString());
    if (!page.more) return found;
    key = page.next_key;
  }
}
