// Goal: a client in another language, built only from proto/, can use the cluster: Python
// with Debian's python3-grpcio and python3-grpc-tools does a Put and a linearizable Get
// through a follower, and what it wrote is what every member serves.
// Method: start three members, run test/python/kv_client.py with /usr/bin/python3 (the
// python3 first on PATH may lack grpc); it generates stubs from proto/ with grpc_tools.protoc
// into a temp dir, calls Put and Get, and prints JSON. The test parses that line and then
// reads the key from every member with the Node client. If /usr/bin/python3 lacks grpc the
// test fails (it does not skip) and says which packages to install.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools";

interface PythonResult {
  readonly put_revision: number;
  readonly key: string;
  readonly value: string;
  readonly version: number;
  readonly member_id: number;
}

async function requirePythonGrpc(): Promise<void> {
  try {
    await run(PYTHON, ["-c", "import grpc, grpc_tools.protoc"], { timeout: 30_000 });
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`${PYTHON} cannot import grpc and grpc_tools (${detail.trim()}). ` +
      `Install Debian's packages: ${INSTALL_HINT}`);
  }
}

describe("a Python client", () => {
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    await requirePythonGrpc();
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  test("puts and gets a key through a follower with python3-grpcio", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      const script = join(repoRoot(), "test", "python", "kv_client.py");
      const { stdout, stderr } = await run(PYTHON, [
        script, c.member(follower).spec.clientAddress, "from-python", "hello from python",
        "--proto-dir", join(repoRoot(), "proto"),
      ], { timeout: 60_000 }).catch((error: unknown) => {
        const output = error as { stdout?: string; stderr?: string };
        throw new Error(`kv_client.py failed: ${String(error)}\nstdout: ${output.stdout ?? ""}` +
          `\nstderr: ${output.stderr ?? ""}`);
      });
      const lines = stdout.trim().split("\n");
      const result = JSON.parse(lines[lines.length - 1] ?? "") as PythonResult;
      const { member_id: memberId, ...fields } = result;
      expect(c.ids()).toContain(memberId);
      expect({ stderr: stderr.trim(), ...fields, put_revision: typeof result.put_revision })
        .toEqual({
          stderr: "", key: "from-python", value: "hello from python", version: 1,
          put_revision: "number",
        });
      expect(result.put_revision).toBeGreaterThan(0);

      for (const id of c.ids()) {
        const got = await c.client(id).get({ key: "from-python" });
        expect(got.kv?.value.toString()).toBe("hello from python");
        expect(got.kv?.mod_revision).toBe(String(result.put_revision));
      }
    });
  });
});
