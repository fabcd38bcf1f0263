// Goal: `raftkvctl`, the etcdctl-like command-line client, does what its help says against a
// real cluster: every verb (put, get, del, status, member list, endpoint health) with its
// flags and output formats, failover to the next endpoint when one is dead or stopped, and
// the exit codes scripts rely on (0 success, 1 a failed call, 2 a bad command line).
// Method: ClusterHarness starts three members on loopback; each case runs the built CLI
// (`node dist/src/ctl/main.js`, what `npm run build` writes) as a child process and checks
// its stdout byte for byte, its stderr line and its exit code. A dead endpoint is a free
// port nobody listens on; a stopped one is a follower frozen with SIGSTOP.

import { spawn } from "node:child_process";
import { ClusterHarness } from "./cluster-harness.js";
import { freePorts } from "./free-ports.js";
import { ctlBinary } from "./repo-paths.js";

interface CtlResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs raftkvctl with `args`; RAFTKVCTL_ENDPOINTS comes only from `env`, never the caller's. */
function ctl(args: readonly string[], env: Record<string, string> = {}): Promise<CtlResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.RAFTKVCTL_ENDPOINTS === undefined) delete childEnv.RAFTKVCTL_ENDPOINTS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ctlBinary(), ...args], {
      env: childEnv, stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() });
    });
  });
}

const text = (result: CtlResult): string => result.stdout.toString();
const jsonLines = (result: CtlResult): Record<string, unknown>[] =>
  text(result).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
const base64 = (value: string): string => Buffer.from(value).toString("base64");

describe("raftkvctl against a three-member cluster", () => {
  let cluster: ClusterHarness | undefined;
  let deadEndpoint = "";

  beforeAll(async () => {
    ctlBinary();
    cluster = await ClusterHarness.start({ size: 3 });
    deadEndpoint = `127.0.0.1:${(await freePorts(1))[0]!}`;
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  const theCluster = (): ClusterHarness => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    return cluster;
  };
  const addresses = (): string[] => theCluster().members.map((m) => m.spec.clientAddress);
  /** raftkvctl with --endpoints naming every member, then `args`. */
  const run = (...args: string[]): Promise<CtlResult> =>
    ctl(["--endpoints", addresses().join(","), ...args]);

  /** Asserts a successful run and returns its stdout as text. */
  const ok = async (...args: string[]): Promise<string> => {
    const result = await run(...args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    return text(result);
  };

  test("put prints OK, get prints key and value, --prev-kv prints what was replaced", () =>
    theCluster().withLogs(async () => {
      expect(await ok("put", "ctl/a", "one")).toBe("OK\n");
      expect(await ok("get", "ctl/a")).toBe("ctl/a\none\n");
      expect(await ok("put", "ctl/a", "two", "--prev-kv")).toBe("OK\nctl/a\none\n");
      expect(await ok("put", "ctl/fresh", "x", "--prev-kv")).toBe("OK\n");
      // A value that starts with "-" goes after "--".
      expect(await ok("put", "--", "ctl/dash", "-v")).toBe("OK\n");
      expect(await ok("get", "ctl/dash")).toBe("ctl/dash\n-v\n");
    }));

  test("get of a missing key prints nothing and exits 0", () =>
    theCluster().withLogs(async () => {
      expect(await ok("get", "ctl/missing")).toBe("");
      expect(await ok("get", "ctl/missing", "-w", "json")).toContain('"kvs":[]');
    }));

  test("get ranges: --prefix, --from-key, --limit, --keys-only, --count-only, --consistency", () =>
    theCluster().withLogs(async () => {
      for (const [key, value] of [["r/1", "a"], ["r/2", "b"], ["r/3", "c"], ["s/1", "d"]]) {
        await ok("put", key!, value!);
      }
      expect(await ok("get", "r/", "--prefix")).toBe("r/1\na\nr/2\nb\nr/3\nc\n");
      expect(await ok("get", "r/3", "--from-key")).toBe("r/3\nc\ns/1\nd\n");
      expect(await ok("get", "r/", "--prefix", "--limit", "2")).toBe("r/1\na\nr/2\nb\n");
      expect(await ok("get", "r/", "--prefix", "--keys-only")).toBe("r/1\nr/2\nr/3\n");
      expect(await ok("get", "r/", "--prefix", "--count-only")).toBe("3\n");
      expect(await ok("get", "r/", "--prefix", "--count-only", "--limit", "1")).toBe("3\n");
      // Serializable reads a member's own state; after a linearizable read the leader has
      // it, and the write is soon everywhere.
      const leader = theCluster().member(await theCluster().waitForLeader()).spec.clientAddress;
      const serial = await ctl(["--endpoints", leader, "get", "r/1", "--consistency", "s"]);
      expect(text(serial)).toBe("r/1\na\n");
      const bad = await run("get", "r/1", "--consistency", "x");
      expect(bad.code).toBe(2);
    }));

  test("-w json prints one object per response, keys and values in base64", () =>
    theCluster().withLogs(async () => {
      const put = jsonLines(await run("put", "j/k", "v1", "-w", "json"))[0]!;
      expect(Object.keys(put.header as object).sort())
        .toEqual(["cluster_id", "member_id", "raft_term", "revision"]);
      const [got] = jsonLines(await run("get", "j/", "--prefix", "-w", "json"));
      expect(got).toMatchObject({
        kvs: [{ key: base64("j/k"), value: base64("v1"), version: 1 }], more: false, count: 1,
      });
      const [deleted] = jsonLines(await run("del", "j/k", "-w", "json"));
      expect(deleted).toMatchObject({ deleted: 1 });
    }));

  test("--hex reads and prints keys and values as hex, and refuses a key that is not UTF-8", () =>
    theCluster().withLogs(async () => {
      const key = Buffer.from("hex/é").toString("hex");
      expect(await ok("--hex", "put", key, "00ff0a")).toBe("OK\n");
      expect(await ok("--hex", "get", key)).toBe(`${key}\n00ff0a\n`);
      const raw = await run("get", "hex/é");
      expect(raw.stdout).toEqual(Buffer.concat([
        Buffer.from("hex/é\n"), Buffer.from([0x00, 0xff, 0x0a]), Buffer.from("\n"),
      ]));
      const invalid = await run("--hex", "get", "c328");
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/^Error: key c328 is not valid UTF-8/);
      expect((await run("--hex", "put", "zz", "00")).code).toBe(2);
    }));

  test("del removes one key or a prefix and prints how many", () =>
    theCluster().withLogs(async () => {
      for (const key of ["d/1", "d/2", "d/3"]) await ok("put", key, "x");
      expect(await ok("del", "d/1")).toBe("1\n");
      expect(await ok("del", "d/1")).toBe("0\n");
      expect(await ok("del", "d/", "--prefix")).toBe("2\n");
      expect(await ok("get", "d/", "--prefix", "--count-only")).toBe("0\n");
    }));

  test("status shows each endpoint's Raft state, with one leader, in every format", () =>
    theCluster().withLogs(async () => {
      const leader = await theCluster().waitForLeader();
      const lines = (await ok("status")).trim().split("\n");
      expect(lines).toHaveLength(3);
      for (const [i, line] of lines.entries()) {
        const [endpoint, id, role, leaderId] = line.split(", ");
        expect(endpoint).toBe(addresses()[i]);
        expect(id).toBe(String(theCluster().members[i]!.spec.id));
        expect(role).toBe(Number(id) === leader ? "leader" : "follower");
        expect(leaderId).toBe(String(leader));
      }
      const table = await ok("status", "-w", "table");
      expect(table).toMatch(/\| ENDPOINT +\| ID +\| ROLE +\| LEADER +\| TERM +\| COMMIT INDEX/);
      expect(table.split("\n").filter((row) => row.includes("| leader"))).toHaveLength(1);
      const statuses = jsonLines(await run("status", "-w", "json"));
      expect(statuses.map((s) => s.endpoint)).toEqual(addresses());
      expect(statuses[0]!.status).toMatchObject({ leader_id: leader, is_learner: false });
    }));

  test("member list shows the three members in every format", () =>
    theCluster().withLogs(async () => {
      await theCluster().waitForClientAddresses();
      const expected = theCluster().members.map((m) =>
        `${m.spec.id}, ${m.spec.peerAddress}, ${m.spec.clientAddress}, false, false`);
      expect((await ok("member", "list")).trim().split("\n").sort()).toEqual(expected.sort());
      expect(await ok("member", "list", "-w", "table"))
        .toMatch(/\| ID \| PEER ADDRESS +\| CLIENT ADDRESS +\| IS LEARNER \|/);
      const [list] = jsonLines(await run("member", "list", "-w", "json"));
      expect((list!.members as unknown[]).length).toBe(3);
    }));

  test("endpoint health: every member healthy exits 0; a dead endpoint exits 1", () =>
    theCluster().withLogs(async () => {
      const healthy = await ok("endpoint", "health");
      expect(healthy.trim().split("\n").map((line) => line.split(" ")[0]))
        .toEqual(addresses());
      expect(healthy).toMatch(/is healthy: serving, took = /);
      const mixed = await ctl(["--endpoints", `${addresses()[0]!},${deadEndpoint}`,
        "endpoint", "health"]);
      expect(mixed.code).toBe(1);
      expect(text(mixed)).toMatch(/^\S+ is healthy/);
      expect(mixed.stderr).toBe(`${deadEndpoint} is unhealthy: UNAVAILABLE: cannot connect\n`);
      const rows = jsonLines(await ctl(["--endpoints", `${addresses()[0]!},${deadEndpoint}`,
        "endpoint", "health", "-w", "json"]));
      expect(rows.map((row) => row.health)).toEqual([true, false]);
    }));

  test("a dead first endpoint fails over to the next, by flag and by environment", () =>
    theCluster().withLogs(async () => {
      const endpoints = `${deadEndpoint},${addresses()[1]!}`;
      const put = await ctl(["--endpoints", endpoints, "put", "fo/k", "v"]);
      expect({ code: put.code, out: text(put), err: put.stderr })
        .toEqual({ code: 0, out: "OK\n", err: "" });
      const get = await ctl(["get", "fo/k"], { RAFTKVCTL_ENDPOINTS: endpoints });
      expect({ code: get.code, out: text(get) }).toEqual({ code: 0, out: "fo/k\nv\n" });
      const list = await ctl(["--endpoints", endpoints, "member", "list"]);
      expect(list.code).toBe(0);
    }));

  test("a stopped first endpoint costs one dial timeout, then the next answers", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      const other = c.ids().find((id) => id !== leader && id !== follower)!;
      await ok("put", "stop/k", "v");
      c.signal(follower, "SIGSTOP");
      try {
        const endpoints = [follower, other].map((id) => c.member(id).spec.clientAddress);
        const get = await ctl(["--endpoints", endpoints.join(","), "--dial-timeout", "300ms",
          "get", "stop/k"]);
        expect({ code: get.code, out: text(get), err: get.stderr })
          .toEqual({ code: 0, out: "stop/k\nv\n", err: "" });
      } finally {
        c.signal(follower, "SIGCONT");
      }
    }));

  test("a failed call exits 1 with one 'Error: <CODE>: <message>' line", () =>
    theCluster().withLogs(async () => {
      const dead = await ctl(["--endpoints", deadEndpoint, "get", "k"]);
      expect(dead.code).toBe(1);
      expect(dead.stderr).toBe(`Error: UNAVAILABLE: ${deadEndpoint}: cannot connect\n`);
      const tooLong = await run("put", "k".repeat(5000), "v");
      expect(tooLong.code).toBe(1);
      expect(tooLong.stderr).toMatch(/^Error: INVALID_ARGUMENT: 127\.0\.0\.1:\d+: .*key.*\n$/);
      expect(tooLong.stderr.split("\n")).toHaveLength(2);
    }));

  test("a bad command line exits 2 with a usage line; --help and --version exit 0", async () => {
    const usage = (result: CtlResult): string[] => result.stderr.trim().split("\n");
    const unknownFlag = await ctl(["get", "k", "--bogus"]);
    expect(unknownFlag.code).toBe(2);
    expect(usage(unknownFlag)).toEqual([
      "Error: unknown flag: --bogus", "Usage: raftkvctl [global flags] get KEY [flags]",
    ]);
    const missing = await ctl(["put", "k"]);
    expect(missing.code).toBe(2);
    expect(usage(missing)[0]).toBe("Error: missing argument VALUE");
    const wrongFlag = await ctl(["put", "k", "v", "--prefix"]);
    expect(wrongFlag.code).toBe(2);
    for (const args of [["frob"], [], ["get", "k", "-w", "table"], ["get", "k", "--limit", "-1"],
      ["--endpoints", "nohost", "get", "k"], ["--dial-timeout", "2", "get", "k"]]) {
      const result = await ctl(args);
      expect({ args, code: result.code, out: text(result) }).toEqual({ args, code: 2, out: "" });
      expect(result.stderr).toMatch(/^Error: .*\nUsage: raftkvctl /);
    }
    const help = await ctl(["--help"]);
    expect(help.code).toBe(0);
    expect(text(help)).toMatch(/Commands:\n {2}get/);
    const getHelp = await ctl(["get", "--help"]);
    expect(text(getHelp)).toMatch(/--count-only/);
    const version = await ctl(["--version"]);
    expect({ code: version.code, err: version.stderr }).toEqual({ code: 0, err: "" });
    expect(text(version)).toMatch(/^raftkvctl \d+\.\d+\.\d+\n$/);
  });
});
