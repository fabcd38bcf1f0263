// Goal: `raftkvctl txn` and `raftkvctl watch` behave as their help says against a real
// cluster: a txn read from stdin runs its success or its failure branch and prints etcdctl's
// output, a bad line exits 2 without sending anything, a txn the server refuses exits 1;
// a watch prints each change in etcdctl's format until Ctrl-C (exit 0), replays history from
// --rev, exits 1 with the server's status when the server ends it, and resumes on the next
// endpoint when the member it watched stops (SIGTERM) or is killed (SIGKILL), with no event
// missing or printed twice.
// Method: ClusterHarness starts three members on loopback; each case runs the built CLI
// (`node dist/src/ctl/main.js`) as a child process, feeds its stdin, sends it SIGINT by PID,
// and checks its stdout byte for byte, its stderr and its exit code. Writes that a watch
// must see go through the harness's gRPC client, so they do not race the CLI's start-up:
// every watch starts at a known revision (--rev).

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { ClusterHarness } from "./cluster-harness.js";
import { ctlBinary } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";

interface CtlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A raftkvctl process still running (a watch), with what it printed so far. */
interface RunningCtl {
  stdout(): string;
  /**
   * Sends SIGINT by PID, as Ctrl-C does, and waits for the process to end; with `againAfterMs`
   * a second SIGINT follows that long after (if the process still runs), as `timeout -s INT`
   * signals the command and then its process group.
   */
  interrupt(againAfterMs?: number): Promise<CtlResult>;
  /** Waits for the process to end on its own. */
  ended(): Promise<CtlResult>;
}

const WAIT_MS = 20_000;
const live = new Set<ChildProcessWithoutNullStreams>();

/** Starts raftkvctl with `args` (no RAFTKVCTL_ENDPOINTS from the caller); writes `stdin`. */
function startCtl(args: readonly string[], stdin = ""): RunningCtl {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RAFTKVCTL_ENDPOINTS;
  const child = spawn(process.execPath, [ctlBinary(), ...args], { env, stdio: "pipe" });
  live.add(child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => undefined); // A command that never reads may close it first.
  child.stdin.end(stdin);
  const closed = new Promise<CtlResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      live.delete(child);
      resolve({
        code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(),
      });
    });
  });
  return {
    stdout: () => Buffer.concat(stdout).toString(),
    interrupt: (againAfterMs) => {
      child.kill("SIGINT");
      if (againAfterMs !== undefined) {
        setTimeout(() => { if (child.exitCode === null) child.kill("SIGINT"); }, againAfterMs);
      }
      return closed;
    },
    ended: () => closed,
  };
}

const ctl = (args: readonly string[], stdin = ""): Promise<CtlResult> =>
  startCtl(args, stdin).ended();

/** Waits until a running watch has printed exactly `expected`, failing on anything else. */
async function waitForOutput(watch: RunningCtl, expected: string): Promise<void> {
  await waitUntil(`the watch to print ${JSON.stringify(expected)}`, WAIT_MS, () => {
    const printed = watch.stdout();
    if (!expected.startsWith(printed)) {
      throw new Error(`the watch printed ${JSON.stringify(printed)}`);
    }
    return Promise.resolve(printed === expected ? true : undefined);
  });
}

describe("raftkvctl txn and watch against a three-member cluster", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    ctlBinary();
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterEach(() => {
    for (const child of live) child.kill("SIGKILL"); // A watch left by a failed case.
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
  const run = (args: readonly string[], stdin = ""): Promise<CtlResult> =>
    ctl(["--endpoints", addresses().join(","), ...args], stdin);
  /** Asserts a successful run and returns its stdout. */
  const ok = async (args: readonly string[], stdin = ""): Promise<string> => {
    const result = await run(args, stdin);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    return result.stdout;
  };
  /** Puts through the harness's client; returns the write's revision. */
  const put = async (key: string, value: string): Promise<number> => {
    const c = theCluster();
    const leader = await c.waitForLeader();
    const response = await c.client(leader).put({ key, value: Buffer.from(value) });
    return Number(response.header!.revision);
  };
  const remove = async (key: string): Promise<number> => {
    const c = theCluster();
    const response = await c.client(await c.waitForLeader()).delete({ key });
    return Number(response.header!.revision);
  };

  test("txn runs the success branch when every compare holds, else the failure branch", () =>
    theCluster().withLogs(async () => {
      await ok(["put", "tx/k", "v1"]);
      const txn = 'value("tx/k") = "v1"\nversion("tx/k") = "1"\n\nput tx/k v2\nget tx/k\n\n' +
        "get tx/k\n";
      expect(await ok(["txn"], txn)).toBe("SUCCESS\n\nOK\n\ntx/k\nv2\n");
      expect(await ok(["txn"], txn)).toBe("FAILURE\n\ntx/k\nv2\n");
      expect(await ok(["get", "tx/k"])).toBe("tx/k\nv2\n");
    }));

  test("txn: put-if-absent on create, del --prefix, get --count-only, quoted values, -w json", () =>
    theCluster().withLogs(async () => {
      await ok(["put", "tc/old/1", "x"]);
      await ok(["put", "tc/old/2", "x"]);
      const txn = 'create("tc/new") = "0"\n\nput tc/new "two words\\t!"\ndel tc/old/ --prefix\n' +
        "get tc/ --prefix --count-only\n\nget tc/new\n\n";
      expect(await ok(["txn"], txn)).toBe("SUCCESS\n\nOK\n\n2\n\n1\n");
      const json = JSON.parse(await ok(["txn", "-w", "json"], txn)) as Record<string, unknown>;
      expect(json).toMatchObject({
        succeeded: false,
        responses: [{
          response_range: {
            kvs: [{ key: Buffer.from("tc/new").toString("base64"),
              value: Buffer.from("two words\t!").toString("base64") }],
            count: 1,
          },
        }],
      });
      expect(Object.keys(json.header as object).sort())
        .toEqual(["cluster_id", "member_id", "raft_term", "revision"]);
    }));

  test("a txn line with bad syntax exits 2 naming the line, and nothing is sent", () =>
    theCluster().withLogs(async () => {
      const bad = await run(["txn"], "\nput tb/k x\npat tb/k\n\n");
      expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: "" });
      expect(bad.stderr.split("\n")).toEqual([
        "Error: txn line 3: unknown request pat; use get, put or del",
        "Usage: raftkvctl [global flags] txn [flags]",
        "",
      ]);
      expect(await ok(["get", "tb/k"])).toBe("");
    }));

  test("a txn the server refuses exits 1 with its INVALID_ARGUMENT", () =>
    theCluster().withLogs(async () => {
      const refused = await run(["txn"], "\nput td/k 1\nput td/k 2\n");
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: "" });
      expect(refused.stderr)
        .toMatch(/^Error: INVALID_ARGUMENT: 127\.0\.0\.1:\d+: txn success writes key "td\/k" twice\n$/);
    }));

  test("txn --interactive prompts for each section as etcdctl does", () =>
    theCluster().withLogs(async () => {
      const out = await ok(["txn", "-i"], 'version("ti/k") = "0"\n\nput ti/k v\n\n\n');
      expect(out).toBe("compares:\nsuccess requests (get, put, del):\n" +
        "failure requests (get, put, del):\nSUCCESS\n\nOK\n");
    }));

  test("watch --prefix prints puts and a delete as they happen; Ctrl-C ends it with exit 0", () =>
    theCluster().withLogs(async () => {
      const start = (await put("wx/marker", "m")) + 1;
      const watch = startCtl(["--endpoints", addresses().join(","), "watch", "wp/", "--prefix",
        "--rev", String(start)]);
      await put("wp/a", "1");
      await put("wq/outside", "x");
      await put("wp/b", "2");
      await remove("wp/a");
      const expected = "PUT\nwp/a\n1\nPUT\nwp/b\n2\nDELETE\nwp/a\n\n";
      await waitForOutput(watch, expected);
      expect(await watch.interrupt()).toEqual({ code: 0, stdout: expected, stderr: "" });
    }));

  test("a second SIGINT while the watch is ending still ends it with exit 0", () =>
    theCluster().withLogs(async () => {
      const start = (await put("wd/marker", "m")) + 1;
      const watch = startCtl(["--endpoints", addresses().join(","), "watch", "wd/a",
        "--rev", String(start)]);
      await put("wd/a", "1");
      const expected = "PUT\nwd/a\n1\n";
      await waitForOutput(watch, expected);
      expect(await watch.interrupt(2)).toEqual({ code: 0, stdout: expected, stderr: "" });
    }));

  test("watch --rev from the past replays history; --prev-kv adds the previous pairs; -w json", () =>
    theCluster().withLogs(async () => {
      const first = await put("wh/k", "v1");
      await put("wh/k", "v2");
      const deleted = await remove("wh/k");
      const watch = startCtl(["--endpoints", addresses().join(","), "watch", "wh/k", "--rev",
        String(first), "--prev-kv"]);
      const expected = "PUT\nwh/k\nv1\nPUT\nwh/k\nv1\nwh/k\nv2\nDELETE\nwh/k\nv2\nwh/k\n\n";
      await waitForOutput(watch, expected);
      expect(await watch.interrupt()).toEqual({ code: 0, stdout: expected, stderr: "" });

      const json = startCtl(["--endpoints", addresses().join(","), "watch", "wh/k", "--rev",
        String(deleted), "-w", "json"]);
      await waitUntil("a JSON line", WAIT_MS, () =>
        Promise.resolve(json.stdout().endsWith("\n") ? true : undefined));
      const ended = await json.interrupt();
      expect(ended.code).toBe(0);
      expect(JSON.parse(ended.stdout)).toMatchObject({
        header: { revision: deleted },
        events: [{ type: "DELETE", kv: { key: Buffer.from("wh/k").toString("base64"),
          mod_revision: deleted } }],
      });
    }));

  test("a watch the server ends exits 1 with its status", () =>
    theCluster().withLogs(async () => {
      const refused = await run(["watch", "k".repeat(5000)]);
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: "" });
      expect(refused.stderr)
        .toMatch(/^Error: INVALID_ARGUMENT: 127\.0\.0\.1:\d+: key is 5000 bytes; the limit is 4096\n$/);
    }));

  test("a watch whose member stops gracefully (SIGTERM) resumes on the next endpoint", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const [stopped, next] = c.ids().filter((id) => id !== leader) as [number, number];
      const endpoints = [stopped, next, leader].map((id) => c.member(id).spec.clientAddress);
      const start = (await put("ws-marker", "m")) + 1;
      const watch = startCtl(["--endpoints", endpoints.join(","), "watch", "ws/", "--prefix",
        "--rev", String(start)]);
      await put("ws/1", "1");
      await waitForOutput(watch, "PUT\nws/1\n1\n");
      expect(await c.terminate(stopped)).toEqual({ code: 0, signal: null });
      await put("ws/2", "2");
      await waitForOutput(watch, "PUT\nws/1\n1\nPUT\nws/2\n2\n");
      const ended = await watch.interrupt();
      expect(ended.code).toBe(0);
      expect(ended.stderr).toMatch(new RegExp(`^raftkvctl: watch: CANCELLED: ${endpoints[0]!}: ` +
        `.*; continuing on ${endpoints[1]!}\\n$`));
      c.restart(stopped);
      await c.waitForReady([stopped]);
    }));

  // Last: it kills a member.
  test("a watch whose member is killed resumes on the next endpoint, no event lost or repeated", () =>
    theCluster().withLogs(async () => {
      const c = theCluster();
      const leader = await c.waitForLeader();
      const [watched, next] = c.ids().filter((id) => id !== leader) as [number, number];
      const endpoints = [watched, next, leader].map((id) => c.member(id).spec.clientAddress);
      const start = (await put("wf-marker", "m")) + 1;
      const watch = startCtl(["--endpoints", endpoints.join(","), "watch", "wf/", "--prefix",
        "--rev", String(start)]);
      let expected = "";
      for (const key of ["wf/1", "wf/2"]) {
        await put(key, key);
        expected += `PUT\n${key}\n${key}\n`;
      }
      // One revision, two events: a resumed stream repeats both and must print neither.
      await c.client(leader).txn({ success: [
        { request_put: { key: "wf/t1", value: Buffer.from("t1") } },
        { request_put: { key: "wf/t2", value: Buffer.from("t2") } },
      ] });
      expected += "PUT\nwf/t1\nt1\nPUT\nwf/t2\nt2\n";
      await waitForOutput(watch, expected);

      await c.kill(watched);
      for (const key of ["wf/3", "wf/4"]) {
        await put(key, key);
        expected += `PUT\n${key}\n${key}\n`;
      }
      await remove("wf/1");
      expected += "DELETE\nwf/1\n\n";
      await waitForOutput(watch, expected);
      const ended = await watch.interrupt();
      expect({ code: ended.code, stdout: ended.stdout }).toEqual({ code: 0, stdout: expected });
      expect(ended.stderr).toMatch(new RegExp(`^raftkvctl: watch: UNAVAILABLE: ${endpoints[0]!}: ` +
        `.*; continuing on ${endpoints[1]!}\\n$`));
    }));
});
