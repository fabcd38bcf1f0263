// Goal: a write retried after its leader died is applied once (Raft thesis 6.3), whether the
// first attempt committed before the kill or not. Method: per round, send a Put carrying
// client_id and a new sequence to the leader without awaiting it, SIGKILL the leader by PID
// a few milliseconds later (0 up to 30 ms over the rounds, so some kills land before the
// write commits and some after), then retry the same client_id/sequence on the surviving
// members until one succeeds. The key is new each round, so one logical put must leave it
// at version 1 (version counts the puts since the key was created): 2 would mean the retry
// was applied again. Then the killed member restarts on its data directory, catches up,
// and every member must hold the key at version 1 in its own state machine.

import { setTimeout as sleep } from "node:timers/promises";
import { ClusterHarness } from "./cluster-harness.js";
import { isGrpcError } from "./raftkv-client.js";
import { waitUntil } from "./wait-until.js";

const LINEARIZABLE = 0;
const SERIALIZABLE = 1;
const CLIENT_ID = "exactly-once-test";
/** Milliseconds between sending the first attempt and killing the leader, one per round. */
const KILL_DELAYS_MS = [0, 3, 10, 30];
const RETRY_DEADLINE_MS = 2_000;

describe("a write retried across a leader's kill -9", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("is applied exactly once, however the kill and the commit were ordered", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const outcomes: string[] = [];
      for (const [round, killDelayMs] of KILL_DELAYS_MS.entries()) {
        const sequence = round + 1;
        const key = `exactly-once/${sequence}`;
        const outcome = await killDuringPut(c, { key, sequence, killDelayMs });
        outcomes.push(`kill after ${killDelayMs} ms: ${outcome}`);
        await expectVersionOneEverywhere(c, key);
      }
      console.log(`exactly-once rounds:\n  ${outcomes.join("\n  ")}`);
    });
  });
});

interface Round {
  readonly key: string;
  readonly sequence: number;
  readonly killDelayMs: number;
}

/**
 * One round: the first attempt to the leader, the kill, the retries on the survivors, a
 * linearizable read of version 1, and the killed member back. Returns what happened.
 */
async function killDuringPut(c: ClusterHarness, round: Round): Promise<string> {
  const leader = await c.waitForLeader();
  const request = {
    key: round.key, value: Buffer.from(`${CLIENT_ID}-${round.sequence}`),
    client_id: CLIENT_ID, sequence: round.sequence,
  };
  // Not awaited: the leader dies while the write is on its way, in the log or committed.
  const first = c.client(leader).put(request, { deadlineMs: RETRY_DEADLINE_MS }).then(
    () => "answered",
    (error: unknown) => (isGrpcError(error) ? `failed (${error.code})` : "failed"));
  if (round.killDelayMs > 0) await sleep(round.killDelayMs);
  await c.kill(leader);
  const survivors = c.runningIds();
  let attempts = 0;
  await waitUntil(`a retry of ${round.key} to succeed on members ${survivors.join(",")}`, 20_000,
    async () => {
      const target = survivors[attempts++ % survivors.length]!;
      await c.client(target).put(request, { deadlineMs: RETRY_DEADLINE_MS });
      return true;
    });
  const got = await c.client(survivors[0]!).get({ key: round.key, consistency: LINEARIZABLE });
  expect({ key: round.key, version: got.kv?.version, value: got.kv?.value.toString() })
    .toEqual({ key: round.key, version: "1", value: request.value.toString() });
  const newLeader = await c.waitForLeader(survivors);
  const commit = (await c.client(newLeader).status()).commit_index;
  // Informative only, not asserted: a retry applied fresh is the last entry; entries after
  // the put are retries answered from the session table (the put committed before the kill,
  // or an earlier retry did) or the new leader's no-op.
  const putIndex = got.kv?.mod_revision ?? "?";
  c.restart(leader);
  await c.waitForReady([leader]);
  return `first attempt ${await first}, ${attempts} retries; the put applied at index ` +
    `${putIndex}, commit index ${commit}`;
}

/** Every member's own state machine holds `key` at version 1, once it has caught up. */
async function expectVersionOneEverywhere(c: ClusterHarness, key: string): Promise<void> {
  for (const id of c.ids()) {
    const version = await waitUntil(`member ${id} to apply ${key}`, 15_000, async () => {
      const got = await c.client(id).get({ key, consistency: SERIALIZABLE });
      return got.kv?.version;
    });
    expect({ member: id, key, version }).toEqual({ member: id, key, version: "1" });
  }
}
