// Goal: a client in another language, built only from proto/, can use the cluster: the
// Python example (examples/python/raftkv_example.py, Debian's python3-grpcio and
// python3-grpc-tools) puts a key, reads it back linearizably, runs a compare-and-swap Txn
// twice (the first wins, the second fails and reads the winner), and watches a prefix
// through put, put, delete, in revision order, then cancels the watch. Given every member's
// address with a stopped member first, it moves past the UNAVAILABLE member once and works.
// The stubs are generated exactly as examples/python/README.md documents, and the health
// stubs import beside grpcio (a stub package named `grpc` would shadow it).
// Method: run the README's "Generating the stubs" shell block as written, in a temp directory
// whose proto/ links to the repository's, with /usr/bin first on PATH (the python3 first on
// PATH may lack grpc). Start three members, stop a follower, run the example with the
// generated directory on PYTHONPATH, parse its last line (JSON), then read the swapped key
// from both running members with the Node client. If /usr/bin/python3 lacks grpc the test
// fails (it does not skip) and says which packages to install.
// Over TLS: three members with mutual TLS (certificates made by openssl at test time); the
// example with --cacert, --cert and --key runs every step, and without a client certificate
// every member refuses it.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { makeTestCertificates, type TestCertificates } from "../tls/make-certs.js";
import { ClusterHarness } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const INSTALL_HINT = "apt-get install python3-grpcio python3-grpc-tools";
const EXAMPLE_DIR = join("examples", "python");
const README = join(EXAMPLE_DIR, "README.md");
const SCRIPT = join(EXAMPLE_DIR, "raftkv_example.py");

interface WatchEvent {
  readonly type: string;
  readonly key: string;
  readonly value: string;
  readonly revision: number;
}

interface TxnOutcome {
  readonly succeeded: boolean;
  readonly revision: number;
  readonly current_value: string | null;
}

/** The JSON object the example prints last. */
interface ExampleReport {
  readonly health: string;
  readonly unavailable: readonly string[];
  readonly put: { readonly key: string; readonly revision: number };
  readonly get: {
    readonly key: string; readonly value: string; readonly version: number;
    readonly mod_revision: number;
  };
  readonly txns: readonly TxnOutcome[];
  readonly watch: {
    readonly prefix: string; readonly start_revision: number;
    readonly events: readonly WatchEvent[]; readonly ended: string | null;
  };
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

/** Runs the example against `addresses`; returns its JSON report and stderr. */
async function runExample(
  addresses: readonly string[], stubsDir: string, flags: readonly string[] = [],
): Promise<{ report: ExampleReport; stdout: string; stderr: string }> {
  const args = [join(repoRoot(), SCRIPT), addresses.join(","), ...flags];
  const { stdout, stderr } = await run(PYTHON, args, {
    timeout: 60_000, env: { ...process.env, PYTHONPATH: stubsDir },
  }).catch((error: unknown) => {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`${SCRIPT} failed: ${String(error)}\nstdout: ${output.stdout ?? ""}` +
      `\nstderr: ${output.stderr ?? ""}`);
  });
  const lines = stdout.trim().split("\n");
  return { report: JSON.parse(lines[lines.length - 1] ?? "") as ExampleReport, stdout, stderr };
}

describe("the Python example client", () => {
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

  test("puts, gets, swaps and watches with python3-grpcio, past a stopped member", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const [stopped, follower] = c.ids().filter((id) => id !== leader) as [number, number];
      await c.kill(stopped);
      await c.waitForReady([follower, leader]);
      const address = (id: number): string => c.member(id).spec.clientAddress;
      const { report, stdout, stderr } = await runExample(
        [address(stopped), address(follower), address(leader)], stubsDir);

      expect({ stderr: stderr.trim(), health: report.health, unavailable: report.unavailable })
        .toEqual({ stderr: "", health: "SERVING", unavailable: [address(stopped)] });
      expect(stdout).toContain(`${address(stopped)} is UNAVAILABLE`);
      expect(report.get).toEqual({
        key: "example/greeting", value: "hello", version: 1, mod_revision: report.put.revision,
      });

      const [first, second] = report.txns;
      expect(report.txns).toHaveLength(2);
      expect(first).toMatchObject({ succeeded: true, current_value: null });
      expect(second).toMatchObject({ succeeded: false, current_value: "hello, raftkv" });
      expect(first!.revision).toBeGreaterThan(report.put.revision);

      const events = report.watch.events;
      expect(report.watch.start_revision).toBe(second!.revision + 1);
      expect(events.map((e) => `${e.type} ${e.key}=${e.value}`)).toEqual([
        "PUT example/watch/a=1", "PUT example/watch/b=2", "DELETE example/watch/a=",
      ]);
      expect(events[0]!.revision).toBeGreaterThanOrEqual(report.watch.start_revision);
      expect(events[1]!.revision).toBeGreaterThan(events[0]!.revision);
      expect(events[2]!.revision).toBeGreaterThan(events[1]!.revision);
      expect(report.watch.ended).toBe("CANCELLED");

      for (const id of [follower, leader]) {
        const got = await c.client(id).get({ key: "example/greeting" });
        expect(got.kv?.value.toString()).toBe("hello, raftkv");
        expect(got.kv?.mod_revision).toBe(String(first!.revision));
      }
    });
  });
});

describe("the Python example client over TLS", () => {
  let certs: TestCertificates | undefined;
  let cluster: ClusterHarness | undefined;
  let workDir: string | undefined;
  let stubsDir = "";

  beforeAll(async () => {
    await requirePythonGrpc();
    workDir = mkdtempSync(join(tmpdir(), "raftkv-py-tls-"));
    stubsDir = await generateStubsAsDocumented(workDir);
    const made = makeTestCertificates();
    certs = made;
    const { server, ca, client } = made;
    const tls = [
      "--peer-cert", server.certFile, "--peer-key", server.keyFile, "--peer-ca", ca.certFile,
      "--client-cert", server.certFile, "--client-key", server.keyFile,
      "--client-ca", ca.certFile,
    ];
    cluster = await ClusterHarness.start({
      size: 3, extraFlags: tls,
      clientCredentials: grpc.credentials.createSsl(readFileSync(ca.certFile),
        readFileSync(client.keyFile), readFileSync(client.certFile)),
    });
  });

  afterAll(async () => {
    await cluster?.destroy();
    certs?.remove();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  test("with --cacert, --cert and --key it runs every step; without --cert it is refused",
    async () => {
      if (cluster === undefined || certs === undefined) throw new Error("see beforeAll");
      const c = cluster;
      const { ca, client } = certs;
      await c.withLogs(async () => {
        await c.waitForLeader();
        const addresses = c.ids().map((id) => c.member(id).spec.clientAddress);
        const { report, stderr } = await runExample(addresses, stubsDir,
          ["--cacert", ca.certFile, "--cert", client.certFile, "--key", client.keyFile]);
        expect({ stderr: stderr.trim(), health: report.health, unavailable: report.unavailable })
          .toEqual({ stderr: "", health: "SERVING", unavailable: [] });
        expect(report.txns.map((txn) => txn.succeeded)).toEqual([true, false]);
        expect(report.watch.events).toHaveLength(3);

        // Members started with --client-ca want a client certificate: the handshake fails,
        // which grpcio reports as UNAVAILABLE on every member.
        const refused = await run(PYTHON, [join(repoRoot(), SCRIPT), addresses.join(","),
          "--cacert", ca.certFile, "--timeout", "3"], {
          timeout: 60_000, env: { ...process.env, PYTHONPATH: stubsDir },
        }).then(() => undefined, (error: unknown) => error as { code?: number; stderr?: string });
        expect(refused?.code).toBe(1);
        // grpcio logs the handshake failures itself before the example's last line.
        expect(refused?.stderr).toMatch(/^raftkv_example\.py: UNAVAILABLE: .*\n$/m);
      });
    });
});
