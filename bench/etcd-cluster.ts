import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePorts } from "../test/integration/free-ports.js";
import { MemberProcess } from "../test/integration/member-process.js";
import { waitUntil } from "../test/integration/wait-until.js";

const run = promisify(execFile);

/** Whether Debian's etcd-server and etcd-client (`etcd`, `etcdctl`) are on PATH. */
export function etcdAvailable(): boolean {
  try {
    execFileSync("etcd", ["--version"], { stdio: "ignore" });
    execFileSync("etcdctl", ["version"], { stdio: "ignore", env: { ...process.env, ETCDCTL_API: "3" } });
    return true;
  } catch {
    return false;
  }
}

/**
 * A 3-member etcd cluster on loopback with etcd's default timing (100 ms heartbeat, 1 s
 * election), data under a temp directory, for the side-by-side benchmark. Members are
 * MemberProcess children, signalled by PID only; destroy() kills them and removes the files.
 */
export class EtcdCluster {
  private constructor(readonly rootDir: string, readonly members: readonly MemberProcess[]) {}

  static async start(size = 3): Promise<EtcdCluster> {
    const rootDir = mkdtempSync(join(tmpdir(), "raftkv-bench-etcd-"));
    const ports = await freePorts(2 * size);
    const specs = Array.from({ length: size }, (_, i) => ({
      id: i + 1,
      clientAddress: `127.0.0.1:${ports[2 * i]!}`,
      peerAddress: `127.0.0.1:${ports[2 * i + 1]!}`,
      dataDir: join(rootDir, `etcd-${i + 1}`),
      logDir: rootDir,
    }));
    const initialCluster = specs.map((s) => `etcd${s.id}=http://${s.peerAddress}`).join(",");
    const members = specs.map((spec) => {
      mkdirSync(spec.dataDir, { recursive: true });
      return new MemberProcess(spec, [
        "etcd", "--name", `etcd${spec.id}`, "--data-dir", spec.dataDir,
        "--listen-client-urls", `http://${spec.clientAddress}`,
        "--advertise-client-urls", `http://${spec.clientAddress}`,
        "--listen-peer-urls", `http://${spec.peerAddress}`,
        "--initial-advertise-peer-urls", `http://${spec.peerAddress}`,
        "--initial-cluster", initialCluster,
        "--initial-cluster-token", "raftkv-bench", "--initial-cluster-state", "new",
      ]);
    });
    const cluster = new EtcdCluster(rootDir, members);
    for (const member of members) member.start();
    try {
      await cluster.leaderAddress();
    } catch (error: unknown) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  clientAddresses(): string[] {
    return this.members.map((member) => member.spec.clientAddress);
  }

  /** The client address of the member that is leader, per `etcdctl endpoint status`. */
  async leaderAddress(timeoutMs = 30_000): Promise<string> {
    return waitUntil("an etcd leader", timeoutMs, async () => {
      const { stdout } = await run("etcdctl", [
        `--endpoints=${this.clientAddresses().join(",")}`, "endpoint", "status", "-w", "json",
      ], { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 5000 });
      // Member ids are uint64: keep them as strings rather than lose precision in a double.
      const quoted = stdout.replace(/"(member_id|leader)":(\d+)/g, '"$1":"$2"');
      const statuses = JSON.parse(quoted) as {
        Endpoint: string; Status: { header: { member_id: string }; leader: string };
      }[];
      const leader = statuses.find((s) => s.Status.header.member_id === s.Status.leader);
      return leader?.Endpoint.replace(/^https?:\/\//, "");
    }, 200);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.members.map((member) => member.forceStop()));
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}
