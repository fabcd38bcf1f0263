// Goal: a member refuses to start, with one clear line and a non-zero exit, when its
// settings are wrong or its data directory belongs to another member (TESTING.md 2.4), and
// it never serves from the wrong state.
// Method: run the real binary (dist/src/main.js) on loopback ports and a temp data
// directory; start member 1 until it prints its ready line, stop it by PID with SIGTERM,
// then start "member 2" on the same directory and check its exit code and stderr.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./cluster-harness.js";
import { repoRoot } from "./repo-paths.js";

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary; resolves on exit, or (with `stopWhenReady`) SIGTERMs it once ready. */
function runRaftkv(args: readonly string[], stopWhenReady = false): Promise<Outcome> {
  const child = spawn(process.execPath, [join(repoRoot(), "dist/src/main.js"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stopWhenReady && stdout.includes('"ready":true')) child.kill("SIGTERM");
  });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("startup refusals", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "raftkv-refusal-"));

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a bad flag exits 2 naming the flag", async () => {
    const outcome = await runRaftkv(["--id", "0", "--data-dir", dataDir]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--id must be an integer >= 1/);
  });

  test("another member's data directory is refused with one line, exit 1", async () => {
    const [client, peer] = await freePorts(2);
    const addresses = (id: number): string[] => [
      "--listen-client", `127.0.0.1:${String(client)}`, "--listen-peer", `127.0.0.1:${String(peer)}`,
      "--initial-cluster", `${String(id)}=127.0.0.1:${String(peer)}`,
    ];
    const first = await runRaftkv(["--id", "1", "--data-dir", dataDir, ...addresses(1)], true);
    expect(first.code).toBe(0); // SIGTERM drains and exits cleanly.
    const second = await runRaftkv(["--id", "2", "--data-dir", dataDir, ...addresses(2)]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(
      /^raftkv: cannot start: this data directory belongs to member 1 of cluster "\d+", not member 2/,
    );
    expect(second.stdout).not.toContain('"ready":true');
  });
});
