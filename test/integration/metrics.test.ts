// Goal: every member serves Prometheus metrics, /healthz and /readyz on --listen-metrics,
// with etcd's names under the raftkv_ prefix, and the values follow the cluster: the leader
// says it leads, writes show up as handled calls, proposals and log writes; a member that
// lost its quorum is alive but not ready.
// Method: three real members with --listen-metrics 127.0.0.1:0; each prints the address it
// bound in its ready line (stdout). Scrape with fetch().

import { readFileSync } from "node:fs";
import { ClusterHarness } from "./cluster-harness.js";
import { waitUntil } from "./wait-until.js";

describe("metrics and HTTP health", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    cluster = await ClusterHarness.start({ size: 3, extraFlags: ["--listen-metrics", "127.0.0.1:0"] });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  /** The metrics address member `id` printed in its latest ready line. */
  function metricsAddress(c: ClusterHarness, id: number): string {
    const lines = readFileSync(c.member(id).stdoutPath, "utf8").split("\n")
      .filter((line) => line.startsWith("{"));
    const ready = JSON.parse(lines[lines.length - 1]!) as { metrics?: string };
    if (ready.metrics === undefined) throw new Error(`member ${id} printed no metrics address`);
    return ready.metrics;
  }

  async function get(address: string, path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://${address}${path}`);
    return { status: response.status, body: await response.text() };
  }

  /** The value of the sample line that starts with `series` (name and labels), if any. */
  function sample(body: string, series: string): number | undefined {
    const line = body.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1).split(" ")[0]);
  }

  test("the leader's metrics follow its role, writes and log", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      for (let i = 0; i < 20; i++) await c.client(leader).put({ key: `m/${i}`, value: Buffer.from("v") });
      const { status, body } = await get(metricsAddress(c, leader), "/metrics");
      expect(status).toBe(200);
      expect(sample(body, "raftkv_server_has_leader")).toBe(1);
      expect(sample(body, "raftkv_server_is_leader")).toBe(1);
      expect(sample(body, "raftkv_server_term")).toBeGreaterThan(0);
      expect(sample(body, "raftkv_server_applied_index")).toBeGreaterThanOrEqual(20);
      expect(sample(body, "raftkv_cluster_voters")).toBe(3);
      expect(sample(body, 'raftkv_grpc_server_handled_total{grpc_method="Put",grpc_code="OK"}'))
        .toBeGreaterThanOrEqual(20);
      expect(sample(body, "raftkv_server_proposals_committed_total")).toBeGreaterThanOrEqual(20);
      expect(sample(body, "raftkv_disk_wal_fsync_duration_seconds_count")).toBeGreaterThan(0);
      expect(body).toMatch(/raftkv_server_proposal_duration_seconds_bucket\{le="0.001"\}/);
      expect(body).toMatch(/raftkv_nodejs_eventloop_delay_seconds_count/);
      const roundTrips = body.split("\n")
        .filter((line) => line.startsWith("raftkv_network_peer_round_trip_time_seconds_count{"));
      expect(roundTrips.length).toBe(2); // One series per follower (label `to`).
      for (const line of roundTrips) expect(Number(line.split(" ")[1])).toBeGreaterThan(0);
      const follower = c.ids().find((id) => id !== leader)!;
      const followerBody = (await get(metricsAddress(c, follower), "/metrics")).body;
      expect(sample(followerBody, "raftkv_server_is_leader")).toBe(0);
      expect(sample(followerBody, "raftkv_server_has_leader")).toBe(1);
      expect(await get(metricsAddress(c, leader), "/healthz")).toMatchObject({ status: 200 });
      expect(await get(metricsAddress(c, leader), "/readyz")).toMatchObject({ status: 200 });
      expect((await get(metricsAddress(c, leader), "/nothing")).status).toBe(404);
    });
  });

  test("a member without a quorum is alive but not ready", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const [survivor, ...others] = c.ids();
      for (const id of others) await c.kill(id);
      const address = metricsAddress(c, survivor!);
      const readyz = await waitUntil("the survivor to report not ready", 20_000, async () => {
        const answer = await get(address, "/readyz");
        return answer.status === 503 ? answer : undefined;
      });
      expect(readyz.body).toMatch(/no leader known/);
      expect(await get(address, "/healthz")).toMatchObject({ status: 200 });
      expect(sample((await get(address, "/metrics")).body, "raftkv_server_has_leader")).toBe(0);
    });
  });
});
