// Goal: raftkvctl's membership, leadership and backup verbs work end to end against a real
// cluster: `member add` admits a fourth member that starts with an empty data directory,
// `member promote` makes it a voter once it has caught up, `move-leader` hands it the
// leadership, `member remove` takes a founding member out, `member list` shows the result,
// and `snapshot save` writes a SQLite database whose SHA-256 is the one it printed.
// Method: ClusterHarness starts three members on loopback. raftkvctl (the built
// dist/src/ctl/main.js) adds member 4 as a learner at two free ports; then member 4 is
// started as its own `raftkv --id 4 --join <member 1>` process on an empty directory (its
// join finds itself already added, which changes nothing). Promotion is retried while the
// leader answers FAILED_PRECONDITION (not caught up yet). Every other step is one raftkvctl
// run whose stdout, stderr and exit code are checked; the file is checked with node:crypto.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterHarness, FAST_TIMING } from "./cluster-harness.js";
import { freePorts } from "./free-ports.js";
import { MemberProcess } from "./member-process.js";
import { ctlBinary, raftkvBinary } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";

interface CtlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs raftkvctl with `args`, never with the caller's RAFTKVCTL_ENDPOINTS. */
function ctl(args: readonly string[]): Promise<CtlResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RAFTKVCTL_ENDPOINTS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ctlBinary(), ...args], {
      env, stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({
        code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(),
      });
    });
  });
}

/** The fourth member: `raftkv --join` on an empty data directory, with the cluster's timing. */
async function joiningMember(cluster: ClusterHarness, joinAddress: string): Promise<MemberProcess> {
  const [clientPort, peerPort] = await freePorts(2);
  const spec = {
    id: 4,
    clientAddress: `127.0.0.1:${clientPort!}`,
    peerAddress: `127.0.0.1:${peerPort!}`,
    dataDir: join(cluster.rootDir, "member-4"),
    logDir: cluster.rootDir,
  };
  mkdirSync(spec.dataDir, { recursive: true });
  return new MemberProcess(spec, [
    process.execPath, "--enable-source-maps", raftkvBinary(),
    "--id", "4",
    "--join", joinAddress,
    "--listen-client", spec.clientAddress,
    "--listen-peer", spec.peerAddress,
    "--data-dir", spec.dataDir,
    "--tick-ms", String(FAST_TIMING.tickMs),
    "--election-ticks", String(FAST_TIMING.electionTicks),
    "--heartbeat-ticks", String(FAST_TIMING.heartbeatTicks),
  ]);
}

interface MemberJson {
  readonly id: number;
  readonly is_learner: boolean;
  readonly auto_promote: boolean;
}

describe("raftkvctl membership, leadership and snapshots against a real cluster", () => {
  let cluster: ClusterHarness | undefined;
  let fourth: MemberProcess | undefined;

  beforeAll(async () => {
    ctlBinary();
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await fourth?.forceStop();
    await cluster?.destroy();
  });

  test("add, promote, move-leader, remove, list, then snapshot save", async () => {
    const c = cluster!;
    await c.withLogs(async () => {
      try {
        await scenario(c, (member) => {
          fourth = member;
        });
      } catch (error: unknown) {
        if (error instanceof Error && fourth !== undefined) {
          error.message += `\n\n${fourth.logTail()}`;
        }
        throw error;
      }
    });
  });
});

async function scenario(
  c: ClusterHarness,
  started: (member: MemberProcess) => void,
): Promise<void> {
  await c.waitForLeader();
  const address = (id: number): string => c.member(id).spec.clientAddress;
  const founders = `${address(1)},${address(2)},${address(3)}`;
  /** Asserts a successful run against `endpoints` and returns its stdout. */
  const ok = async (endpoints: string, ...args: string[]): Promise<string> => {
    const result = await ctl(["--endpoints", endpoints, ...args]);
    expect({ args, code: result.code, stderr: result.stderr })
      .toEqual({ args, code: 0, stderr: "" });
    return result.stdout;
  };
  for (let i = 0; i < 20; i++) await ok(founders, "put", `m/${i}`, `value ${i}`);

  const member4 = await joiningMember(c, address(1));
  const { peerAddress, clientAddress } = member4.spec;
  expect(await ok(founders, "member", "add", "4", "--peer-urls", peerAddress,
    "--client-urls", clientAddress)).toMatch(/^Member 4 added to cluster \d+\n$/);
  // member list is answered by the first endpoint, which may append the change a moment
  // after the leader answered.
  const learner = await waitUntil("member 1 to list learner 4", 10_000, async () => {
    const list = JSON.parse(await ok(founders, "member", "list", "-w", "json")) as {
      members: MemberJson[];
    };
    return list.members.find((m) => m.id === 4);
  });
  expect(learner).toMatchObject({ is_learner: true, auto_promote: false });

  member4.start();
  started(member4);
  const all = `${founders},${clientAddress}`;
  await waitUntil("member 4 to be promoted once caught up", 30_000, async () => {
    if (!member4.running) throw new Error("member 4 exited");
    const promote = await ctl(["--endpoints", all, "member", "promote", "4"]);
    if (promote.code === 0) return promote.stdout;
    if (/^Error: FAILED_PRECONDITION: .*behind/.test(promote.stderr)) return undefined;
    throw new Error(`member promote 4: exit ${String(promote.code)}: ${promote.stderr}`);
  }, 200).then((stdout) => {
    expect(stdout).toMatch(/^Member 4 promoted in cluster \d+\n$/);
  });

  // Member 4 campaigns when told to only once it knows it is a voter.
  await waitUntil("member 4 to know it is a voter", 10_000, async () => {
    const own = JSON.parse(await ok(clientAddress, "status", "-w", "json")) as {
      status: { is_learner: boolean };
    };
    return own.status.is_learner ? undefined : true;
  });
  expect(await ok(all, "move-leader", "4")).toBe("Leadership transferred to 4\n");
  const status = JSON.parse(await ok(clientAddress, "status", "-w", "json")) as {
    status: { role: string; leader_id: number; removed: boolean };
  };
  expect(status.status).toMatchObject({ role: "leader", leader_id: 4, removed: false });

  // Every founder has heard from leader 4, so the forwards below reach it.
  await waitUntil("members 1, 2 and 3 to follow member 4", 10_000, async () => {
    const statuses = await Promise.all([1, 2, 3].map((id) => c.client(id).status()));
    return statuses.every((s) => s.leader_id === "4") ? true : undefined;
  });
  const removed = 3; // A founder that is neither the join target nor the new leader.
  const remaining = [1, 2, 3].filter((id) => id !== removed);
  const survivors = [...remaining.map(address), clientAddress].join(",");
  expect(await ok(survivors, "member", "remove", String(removed)))
    .toMatch(new RegExp(`^Member ${removed} removed from cluster \\d+\\n$`));
  const rows = await waitUntil(`member 1 to list ${removed} no more`, 10_000, async () => {
    const listed = (await ok(survivors, "member", "list")).trim().split("\n").sort();
    return listed.some((row) => row.startsWith(`${removed}, `)) ? undefined : listed;
  });
  expect(rows).toEqual([
    ...remaining.map((id) =>
      `${id}, ${c.member(id).spec.peerAddress}, ${address(id)}, false, false`),
    `4, ${peerAddress}, ${clientAddress}, false, false`,
  ].sort());
  expect(await ok(survivors, "put", "m/after", "removal")).toBe("OK\n");

  await checkSnapshotSave(c, clientAddress);
}

/** `snapshot save` writes a SQLite file with the SHA-256 it printed, and keeps it. */
async function checkSnapshotSave(c: ClusterHarness, endpoint: string): Promise<void> {
  const file = join(c.rootDir, "backup.db");
  const saved = await ctl(["--endpoints", endpoint, "snapshot", "save", file]);
  expect({ code: saved.code, stderr: saved.stderr }).toEqual({ code: 0, stderr: "" });
  const printed = new RegExp("^Snapshot saved at (.+): index (\\d+), term (\\d+), " +
    "(\\d+) bytes, sha256 ([0-9a-f]{64})\\n$").exec(saved.stdout);
  expect(printed).not.toBeNull();
  const [, path, index, , size, sha256] = printed!;
  expect(path).toBe(file);
  expect(Number(index)).toBeGreaterThan(20);
  const bytes = readFileSync(file);
  expect(bytes.length).toBe(Number(size));
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(sha256);
  expect(bytes.subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
  expect(existsSync(`${file}.part`)).toBe(false);

  const again = await ctl(["--endpoints", endpoint, "snapshot", "save", file]);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/exists; pass --overwrite/);
  expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(sha256);
}
