// Goal: a client in another language, built only from proto/, can use the cluster: Python
// with Debian's python3-grpcio and python3-grpc-tools checks health, does a Put and a
// linearizable Get through a follower, and what it wrote is what every member serves. The
// stubs are generated exactly as test/python/README.md documents, and the health stubs import
// beside grpcio (a stub package named `grpc` would shadow it).
// Method: run the README's "Generating the stubs" shell block as written, in a temp directory
// whose proto/ links to the repository's, with /usr/bin first on PATH (the python3 first on
// PATH may lack grpc). Start three members, run test/python/kv_client.py with the generated
// directory on PYTHONPATH, parse its JSON line, then read the key from every member with the
// Node client. If /usr/bin/python3 lacks grpc the test fails (it does not skip) and says
// which packages to install.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools";
const README = join("test", "python", "README.md");

interface PythonResult {
  readonly health: string;
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

/** The first ```sh block under the README's "## Generating the stubs" heading. */
function documentedGenerateCommand(): string {
  const text = readFileSync(join(repoRoot(), README), "utf8");
  const section = text.split(/^## /m).find((part) => part.startsWith("Generating the stubs"));
  const block = section === undefined ? null : /```sh\n([\s\S]*?)```/.exec(section);
  if (block?.[1] === undefined) throw new Error(`${README}: no sh block under "Generating the stubs"`);
  return block[1];
}

/** Runs the documented command in `dir` (with proto/ linked in); returns the stubs directory. */
async function generateStubsAsDocumented(dir: string): Promise<string> {
  symlinkSync(join(repoRoot(), "proto"), join(dir, "proto"));
  const command = documentedGenerateCommand();
  await run("bash", ["-euo", "pipefail", "-c", command], {
    cwd: dir, timeout: 60_000, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ""}` },
  }).catch((error: unknown) => {
    const output = error as { stderr?: string };
    throw new Error(`the documented command failed:\n${command}\n${output.stderr ?? String(error)}`);
  });
  return join(dir, "gen");
}

describe("a Python client", () => {
  let cluster: ClusterHarness | undefined;
  let workDir: string | undefined;
  let stubsDir = "";

  beforeAll(async () => {
    await requirePythonGrpc();
    workDir = mkdtempSync(join(tmpdir(), "raftkv-py-"));
    stubsDir = await generateStubsAsDocumented(workDir);
    cluster = await ClusterHarness.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  test("puts and gets a key through a follower with python3-grpcio", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      await c.waitForReady([follower]);
      const script = join(repoRoot(), "test", "python", "kv_client.py");
      const { stdout, stderr } = await run(PYTHON, [
        script, c.member(follower).spec.clientAddress, "from-python", "hello from python",
      ], {
        timeout: 60_000, env: { ...process.env, PYTHONPATH: stubsDir },
      }).catch((error: unknown) => {
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
          stderr: "", health: "SERVING", key: "from-python", value: "hello from python",
          version: 1, put_revision: "number",
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
