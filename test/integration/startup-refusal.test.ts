// Goal: the first hour with the `raftkv` binary. `--help` and `--version` answer and exit 0.
// Every startup failure an operator can fix (a bad flag or variable, an address in use, an
// unusable data directory, another member's data directory, a peer address that is not this
// member's --initial-cluster entry) is ONE plain line naming the flag and its value, with
// exit status 1 and no stack trace, and the member never serves. A member started with only
// --id, --data-dir and --initial-cluster (README's restart recipe) listens at its own entry,
// and with no flags at all a member keeps its data in ./data/default and says so.
// Method: run the real binary (dist/src/main.js) on loopback ports and temp directories;
// a member that must start is stopped by PID with SIGTERM once it prints its ready line.
// stderr may also hold the member's JSON log lines; the failure is the one line that is not.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLAG_DOCS, FLAG_GROUPS } from "../../src/cli-flags.js";
import { freePorts } from "./free-ports.js";
import { raftkvBinary, repoRoot } from "./repo-paths.js";

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  /** SIGTERM the member once it prints its ready line. */
  readonly stopWhenReady?: boolean;
  readonly cwd?: string;
  /** Added to the environment, after every RAFTKV_* variable of this process is removed. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs the binary; resolves on exit. */
function runRaftkv(args: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith("RAFTKV_"));
  const child = spawn(process.execPath, [raftkvBinary(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: options.cwd ?? repoRoot(),
    env: { ...Object.fromEntries(inherited), ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.stopWhenReady === true && stdout.includes('"ready":true')) child.kill("SIGTERM");
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

/** The lines of stderr that are not the member's JSON log lines. */
function plainLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "" && !line.startsWith("{"));
}

/** Expects a refusal: exit 1, exactly one plain line on stderr, matching `line`. */
function expectRefusal(outcome: Outcome, line: RegExp): void {
  expect({ code: outcome.code, lines: plainLines(outcome.stderr) })
    .toEqual({ code: 1, lines: [expect.stringMatching(line)] });
  expect(outcome.stdout).not.toContain('"ready":true');
}

function readyLine(stdout: string): { client: string; peer: string; dataDir: string } {
  const line = stdout.split("\n").find((candidate) => candidate.includes('"ready":true'));
  if (line === undefined) throw new Error(`no ready line in ${stdout}`);
  return JSON.parse(line) as { client: string; peer: string; dataDir: string };
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** A free port P whose neighbour P - 1 is free too (the default client port is one below). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const [port] = await freePorts(1);
    const below = await listen(port! - 1).catch(() => undefined);
    if (below === undefined) continue;
    await new Promise((resolve) => below.close(resolve));
    return port!;
  }
}

describe("startup: help, version, defaults and refusals", () => {
  const root = mkdtempSync(join(tmpdir(), "raftkv-startup-"));

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test("--help lists every flag with its variable and default, by group; exit 0", async () => {
    const outcome = await runRaftkv(["--help"]);
    expect(outcome.code).toBe(0);
    for (const group of FLAG_GROUPS) expect(outcome.stdout).toContain(`\n${group}:\n`);
    for (const doc of FLAG_DOCS) {
      const [usage, meaning, fallback] = [`${doc.flag} ${doc.value}`, doc.meaning, doc.fallback];
      expect(outcome.stdout).toMatch(new RegExp(`\\n  ${escape(usage)} +${doc.env}\\n`));
      expect(outcome.stdout).toContain(`\n      ${meaning}\n      default: ${fallback}\n`);
    }
    expect(outcome.stdout).toContain("--version");
    expect((await runRaftkv(["-h"])).stdout).toBe(outcome.stdout);
  });

  test("--version prints package.json's version; exit 0", async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
      version: string;
    };
    const outcome = await runRaftkv(["--version"]);
    expect(outcome).toEqual({ code: 0, stdout: `raftkv ${manifest.version}\n`, stderr: "" });
  });

  test("a bad flag or variable is one line naming it and its value, exit 1", async () => {
    const dataDir = join(root, "bad-flags");
    expectRefusal(await runRaftkv(["--id", "0", "--data-dir", dataDir]),
      /^raftkv: --id 0: must be an integer >= 1$/);
    expectRefusal(await runRaftkv(["--data-dir", dataDir], { env: { RAFTKV_TICK_MS: "fast" } }),
      /^raftkv: RAFTKV_TICK_MS=fast: must be an integer >= 1$/);
    expectRefusal(await runRaftkv(["--data-dir", dataDir, "--peers", "x"]),
      /^raftkv: --peers: unknown flag \(raftkv --help lists them\)$/);
    expectRefusal(await runRaftkv(["--data-dir", dataDir, "--listen-client"]),
      /^raftkv: --listen-client: needs a value <host:port>$/);
    expectRefusal(await runRaftkv(["--data-dir", dataDir, "--listen-client", "7379"]),
      /^raftkv: --listen-client 7379: must be host:port$/);
    expectRefusal(await runRaftkv(["--data-dir", dataDir, "--initial-cluster", "1=a:1,1=b:2"]),
      /^raftkv: --initial-cluster 1=a:1,1=b:2: lists a member id twice$/);
    expect(existsSync(dataDir)).toBe(false); // Refused before touching the disk.
  });

  test("an address in use is one line naming the flag and the address, exit 1", async () => {
    const [client, peer] = await freePorts(2);
    const blocker = await listen(client!);
    try {
      const outcome = await runRaftkv([
        "--data-dir", join(root, "in-use"), "--listen-client", `127.0.0.1:${String(client)}`,
        "--listen-peer", `127.0.0.1:${String(peer)}`,
      ]);
      expectRefusal(outcome, new RegExp(
        `^raftkv: --listen-client 127\\.0\\.0\\.1:${String(client)}: address already in use$`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test("an unusable data directory is one line naming --data-dir, exit 1", async () => {
    const file = join(root, "not-a-directory");
    writeFileSync(file, "x");
    const [client, peer] = await freePorts(2);
    const ports = [
      "--listen-client", `127.0.0.1:${String(client)}`, "--listen-peer", `127.0.0.1:${String(peer)}`,
    ];
    expectRefusal(await runRaftkv(["--data-dir", file, ...ports]),
      new RegExp(`^raftkv: --data-dir ${escape(file)}: cannot create it: exists and is not a directory$`));
    expectRefusal(await runRaftkv(["--data-dir", join(file, "below"), ...ports]),
      /^raftkv: --data-dir .*below: cannot create it: a part of the path is not a directory$/);
  });

  test("another member's data directory is one line naming --data-dir, exit 1", async () => {
    const dataDir = join(root, "member-1");
    const [client, peer] = await freePorts(2);
    const addresses = (id: number): string[] => [
      "--listen-client", `127.0.0.1:${String(client)}`, "--listen-peer", `127.0.0.1:${String(peer)}`,
      "--initial-cluster", `${String(id)}=127.0.0.1:${String(peer)}`,
    ];
    const first = await runRaftkv(["--id", "1", "--data-dir", dataDir, ...addresses(1)],
      { stopWhenReady: true });
    expect(first.code).toBe(0); // SIGTERM drains and exits cleanly.
    const second = await runRaftkv(["--id", "2", "--data-dir", dataDir, ...addresses(2)]);
    expectRefusal(second, new RegExp(`^raftkv: --data-dir ${escape(dataDir)}: this data ` +
      'directory belongs to member 1 of cluster "\\d+", not member 2'));
  });

  test("README's restart recipe: a member listens at its own --initial-cluster entry", async () => {
    const peerPorts = [await freePortPair(), ...(await freePorts(2))];
    const initialCluster = `1=127.0.0.1:${String(peerPorts[1]!)},` +
      `2=127.0.0.1:${String(peerPorts[0]!)},3=127.0.0.1:${String(peerPorts[2]!)}`;
    const dataDir = join(root, "recipe-2");
    const outcome = await runRaftkv(
      ["--id", "2", "--data-dir", dataDir, "--initial-cluster", initialCluster],
      { stopWhenReady: true });
    expect(outcome.code).toBe(0);
    expect(readyLine(outcome.stdout)).toMatchObject({
      peer: `127.0.0.1:${String(peerPorts[0]!)}`, client: `127.0.0.1:${String(peerPorts[0]! - 1)}`,
    });
  });

  test("a member whose peer address is not its --initial-cluster entry refuses, exit 1", async () => {
    const [listed, other, client] = await freePorts(3);
    const outcome = await runRaftkv([
      "--id", "2", "--data-dir", join(root, "mismatch"),
      "--listen-peer", `127.0.0.1:${String(other)}`, "--listen-client", `127.0.0.1:${String(client)}`,
      "--initial-cluster", `1=127.0.0.1:1,2=127.0.0.1:${String(listed)}`,
    ]);
    expectRefusal(outcome, new RegExp(`^raftkv: --listen-peer 127\\.0\\.0\\.1:${String(other)}: ` +
      `this member's peer address does not match its entry 2=127\\.0\\.0\\.1:${String(listed)} ` +
      "in --initial-cluster"));
  });

  test("with no flags the data goes to ./data/default, and the ready line says where", async () => {
    const cwd = mkdtempSync(join(root, "no-flags-"));
    const [client, peer] = await freePorts(2);
    // No flags; the ports come from the environment so the test cannot collide with make run.
    const outcome = await runRaftkv([], {
      cwd, stopWhenReady: true,
      env: {
        RAFTKV_LISTEN_CLIENT: `127.0.0.1:${String(client)}`,
        RAFTKV_LISTEN_PEER: `127.0.0.1:${String(peer)}`,
      },
    });
    expect(outcome.code).toBe(0);
    expect(readyLine(outcome.stdout).dataDir).toBe(join(cwd, "data", "default"));
    expect(outcome.stderr).toContain(`"dataDir":"${join(cwd, "data", "default")}"`);
    expect(existsSync(join(cwd, "data", "default", "raft.db"))).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
