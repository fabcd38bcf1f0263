// Goal: the chart's configuration, exactly as its StatefulSet gives it to each pod, forms a
// working cluster, scales from 3 members to 5 (the new pods join as learners and are
// promoted by themselves) and back to 3 the way the chart's README says (raftkvctl member
// remove, highest ids first, then the pods go).
// Method: render with replicaCount=3 (helm-tool.ts: a real helm or the offline stand-in;
// skipped with the reason when neither exists) and start each "pod" as a real process with
// the container's command and args after Kubernetes' $(VAR) expansion (pod-environment.ts)
// and with its environment only (env -i). Only what Kubernetes itself provides is stood in
// for: the downward-API values (pod N is raftkv-N with IP 127.0.0.(10+N)), cluster DNS
// (pod-dns.cjs, preloaded through NODE_OPTIONS, maps the pods' headless-Service names to
// those IPs), the volume (a temp directory replaces the mount path) and the image (the
// repository's dist/src/main.js replaces the path inside it). If the built binary has no
// --listen-metrics yet, the chart is rendered with metrics.enabled=false, and the test's
// name says so. Scaling up renders replicaCount=5 and starts pods 3 and 4 the same way.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { IContainer } from "kubernetes-models/v1/Container";
import { describeExit } from "../integration/cluster-harness.js";
import { MemberProcess } from "../integration/member-process.js";
import { HEALTH_SERVING, RaftkvClient, ROLE } from "../integration/raftkv-client.js";
import { raftkvBinary, repoRoot } from "../integration/repo-paths.js";
import { RetriedWrites } from "../integration/retried-write.js";
import { waitUntil } from "../integration/wait-until.js";
import { memberContainer, onlyOfKind, parseRendered } from "./chart-objects.js";
import { chartDir, findHelm, whyNoHelm, type HelmTool } from "./helm-tool.js";
import { containerArgv, containerEnvironment } from "./pod-environment.js";

/** Where values.yaml's image.entrypoint puts raftkv inside the image. */
const IMAGE_MAIN = "/opt/raftkv/dist/src/main.js";
const HEADLESS = "raftkv-headless.default.svc.cluster.local";
const PODS_MAX = 5;
const RECONNECT_QUICKLY = {
  "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 500,
};

const podName = (ordinal: number): string => `raftkv-${String(ordinal)}`;
const podIp = (ordinal: number): string => `127.0.0.${String(10 + ordinal)}`;
const podHost = (ordinal: number): string => `${podName(ordinal)}.${HEADLESS}`;

/** Every pod's DNS name -> IP, as the headless Service publishes them. */
const POD_HOSTS = Array.from({ length: PODS_MAX }, (_, i) => `${podHost(i)}=${podIp(i)}`).join(",");

/** What cluster DNS and the image's PATH give every process in a pod. */
function podRuntimeEnv(): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    NODE_OPTIONS: `--require ${join(repoRoot(), "test", "helm", "pod-dns.cjs")}`,
    RAFTKV_TEST_POD_HOSTS: POD_HOSTS,
  };
}

function metricsInBinary(): boolean {
  return execFileSync(process.execPath, [raftkvBinary(), "--help"], { encoding: "utf8" })
    .includes("--listen-metrics");
}

function renderContainer(tool: HelmTool, sets: readonly string[]): IContainer {
  const objects = parseRendered(tool.template(chartDir(), { sets }));
  return memberContainer(onlyOfKind(objects, "StatefulSet"));
}

/** Replaces `from` by `to` in every word; throws when no word holds it (the chart changed). */
function substitute(words: readonly string[], from: string, to: string): string[] {
  if (!words.some((word) => word.includes(from))) throw new Error(`no ${from} in ${words.join(" ")}`);
  return words.map((word) => word.replaceAll(from, to));
}

/** Pod `ordinal` as a process: the container's argv and environment, nothing else. */
function podProcess(container: IContainer, ordinal: number, rootDir: string): MemberProcess {
  const variables = containerEnvironment(container, {
    "metadata.name": podName(ordinal), "status.podIP": podIp(ordinal),
  });
  const mountPath = container.volumeMounts?.find((mount) => mount.name === "data")?.mountPath;
  if (mountPath === undefined) throw new Error("the container mounts no data volume");
  const dataDir = join(rootDir, `data-${podName(ordinal)}`);
  mkdirSync(dataDir, { recursive: true });
  const inImage = containerArgv(container, variables);
  const argv = substitute(substitute(inImage, IMAGE_MAIN, raftkvBinary()), mountPath, dataDir);
  const env = { ...Object.fromEntries(variables), ...podRuntimeEnv() };
  const spec = {
    id: ordinal + 1, clientAddress: `${podIp(ordinal)}:7379`, peerAddress: `${podIp(ordinal)}:7380`,
    dataDir, logDir: rootDir,
  };
  return new MemberProcess(spec, ["/usr/bin/env", "-i",
    ...Object.entries(env).map(([name, value]) => `${name}=${value}`), ...argv]);
}

/** `kubectl exec raftkv-0 -- <image.ctl> --endpoints <founding pods> ARGS`, on loopback. */
function ctl(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const endpoints = [0, 1, 2].map((ordinal) => `${podHost(ordinal)}:7379`).join(",");
  const binary = join(repoRoot(), "dist", "src", "ctl", "main.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, "--endpoints", endpoints, ...args], {
      env: podRuntimeEnv(), stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

const helm = findHelm();

if (helm === undefined) {
  test.skip(`helm chart members: skipped, ${whyNoHelm() ?? "no helm found"}`, () => {
    // Nothing to run without a helm; the name above carries the reason.
  });
} else {
  describeWith(helm);
}

function describeWith(tool: HelmTool): void {
  const metrics = metricsInBinary();
  const metricsSets = metrics ? [] : ["metrics.enabled=false"];
  const label = metrics ? "metrics on" : "metrics off: the built raftkv has no --listen-metrics yet";

  describe(`helm chart members (${tool.description}; ${label})`, () => {
    const rootDir = mkdtempSync(join(tmpdir(), "raftkv-helm-"));
    const pods = new Map<number, MemberProcess>();
    const clients = new Map<number, RaftkvClient>();
    let keepFiles = false;

    const client = (ordinal: number): RaftkvClient => {
      let found = clients.get(ordinal);
      if (found === undefined) {
        found = new RaftkvClient(`${podIp(ordinal)}:7379`, RECONNECT_QUICKLY);
        clients.set(ordinal, found);
      }
      return found;
    };

    const startPod = (container: IContainer, ordinal: number): void => {
      const pod = podProcess(container, ordinal, rootDir);
      pods.set(ordinal, pod);
      pod.start();
    };

    const logs = (): string => [...pods.values()].map((pod) => pod.logTail(40)).join("\n");

    /** Runs `body`; on failure the message gains every pod's log tail and the files stay. */
    const withLogs = (body: () => Promise<void>) => async (): Promise<void> => {
      try {
        await body();
      } catch (error: unknown) {
        keepFiles = true;
        if (error instanceof Error) error.message += `\n\npod logs (kept in ${rootDir}):\n${logs()}`;
        throw error;
      }
    };

    const waitServing = (ordinals: readonly number[]): Promise<true> =>
      waitUntil(`pods ${ordinals.join(",")} to report SERVING`, 30_000, async () => {
        const gone = ordinals.find((ordinal) => pods.get(ordinal)?.running !== true);
        if (gone !== undefined) {
          throw new Error(`pod ${String(gone)} exited (${describeExit(pods.get(gone)?.lastExit)})`);
        }
        const statuses = await Promise.all(ordinals.map((o) =>
          client(o).healthStatus({ deadlineMs: 500 })));
        return statuses.every((status) => status === HEALTH_SERVING) ? true : undefined;
      }, 100);

    const waitLeader = (ordinals: readonly number[]): Promise<number> =>
      waitUntil(`one leader agreed on by pods ${ordinals.join(",")}`, 20_000, async () => {
        const statuses = await Promise.all(ordinals.map((o) =>
          client(o).status({ deadlineMs: 500 })));
        const leader = statuses.find((status) => status.role === ROLE.leader);
        const agreed = leader !== undefined && statuses.every((status) =>
          status.leader_id === leader.member_id && status.term === leader.term);
        return agreed ? Number(leader.member_id) : undefined;
      }, 100);

    /** Waits until the configuration is exactly `voters` (ids), with no learner. */
    const waitVoters = (voters: readonly number[], ordinal = 0): Promise<true> =>
      waitUntil(`members ${voters.join(",")}, all voters`, 30_000, async () => {
        const list = await client(ordinal).memberList({ deadlineMs: 1000 });
        const ids = list.members.map((member) => Number(member.id)).sort((a, b) => a - b);
        const ok = ids.join(",") === voters.join(",") && list.members.every((m) => !m.is_learner);
        return ok ? true : undefined;
      }, 100);

    const putThenGet = async (writer: number, reader: number, key: string): Promise<void> => {
      const value = Buffer.from(`value of ${key}`);
      // Retried with a session: pods that just joined or were promoted may see an election.
      await new RetriedWrites(() => client(writer)).put({ key, value });
      const got = await client(reader).get({ key });
      expect(Buffer.from(got.kv?.value ?? []).toString()).toBe(value.toString());
    };

    afterAll(async () => {
      await Promise.all([...pods.values()].map((pod) => pod.forceStop()));
      for (const found of clients.values()) found.close();
      if (!keepFiles && process.env.RAFTKV_KEEP_TEST_FILES !== "1") {
        rmSync(rootDir, { recursive: true, force: true });
      }
    });

    test("three pods form a cluster: one leader, a write read back", withLogs(async () => {
      const container = renderContainer(tool, ["replicaCount=3", ...metricsSets]);
      for (const ordinal of [0, 1, 2]) startPod(container, ordinal);
      await waitServing([0, 1, 2]);
      const leader = await waitLeader([0, 1, 2]);
      expect([1, 2, 3]).toContain(leader);
      await waitVoters([1, 2, 3]);
      await putThenGet(0, 2, "helm/three");
      // Members know each other by the stable DNS names the chart advertises, once each
      // founding member has published its client address through the log.
      const expected = [0, 1, 2].map((ordinal) =>
        [ordinal + 1, `${podHost(ordinal)}:7380`, `${podHost(ordinal)}:7379`]);
      const listed = await waitUntil("pod 1 to list every member's addresses", 20_000,
        async () => {
          const list = await client(1).memberList();
          const rows = list.members.map((m) => [Number(m.id), m.peer_address, m.client_address])
            .sort((a, b) => Number(a[0]) - Number(b[0]));
          return rows.every((row) => row[2] !== "") ? rows : undefined;
        });
      expect(listed).toEqual(expected);
      if (metrics) {
        const health = await fetch(`http://${podIp(0)}:7381/healthz`);
        expect(health.status).toBe(200);
      }
    }));

    test("scaling to five: pods 3 and 4 join and are promoted by themselves", withLogs(async () => {
      const three = renderContainer(tool, ["replicaCount=3", ...metricsSets]);
      const five = renderContainer(tool,
        ["replicaCount=5", "cluster.initialMembers=3", ...metricsSets]);
      expect(five).toEqual(three); // The existing pods are not rolled.
      for (const ordinal of [3, 4]) startPod(five, ordinal);
      await waitVoters([1, 2, 3, 4, 5]);
      await waitServing([0, 1, 2, 3, 4]);
      await putThenGet(4, 3, "helm/five");
      await putThenGet(1, 4, "helm/five-again");
    }));

    test("scaling back to three: member remove 5 and 4, then the pods stop", withLogs(async () => {
      for (const id of [5, 4]) {
        const removed = await ctl(["member", "remove", String(id)]);
        expect(removed.output).toContain(`Member ${String(id)} removed`);
        expect(removed.code).toBe(0);
        await waitVoters([1, 2, 3, 4, 5].filter((voter) => voter < id));
      }
      // A removed member serves nothing: its readiness fails, the client Service drops it.
      await waitUntil("pods 3 and 4 to learn they were removed and stop serving", 30_000,
        async () => {
          const removed = await Promise.all([3, 4].map(async (o) =>
            (await client(o).status({ deadlineMs: 500 })).removed &&
            (await client(o).healthStatus({ deadlineMs: 500 })) !== HEALTH_SERVING));
          return removed.every(Boolean) ? true : undefined;
        }, 100);
      // `helm upgrade --set replicaCount=3`: the StatefulSet deletes pods 4 and 3 (SIGTERM).
      for (const ordinal of [4, 3]) pods.get(ordinal)!.signal("SIGTERM");
      for (const ordinal of [4, 3]) await pods.get(ordinal)!.waitForExit(30_000);
      await waitVoters([1, 2, 3]);
      await waitServing([0, 1, 2]);
      await waitLeader([0, 1, 2]);
      await putThenGet(2, 0, "helm/three-again");
      const back = await client(0).get({ key: "helm/five" });
      expect(Buffer.from(back.kv?.value ?? []).toString()).toBe("value of helm/five");
    }));
  });
}
