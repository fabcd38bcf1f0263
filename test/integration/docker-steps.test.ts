// Goal: the Dockerfile's steps work, though no container engine runs here: its build stage
// installs from package-lock.json as committed (`npm ci`, and `npm ci --omit=dev` for the
// runtime's node_modules, better-sqlite3 included) and compiles the member from the sources
// the build context lets through; the runtime stage's files, ENV and ENTRYPOINT (tini as PID 1)
// start a member that its HEALTHCHECK reports SERVING, that serves a put and a get through
// the image's raftkvctl, and that drains and exits 0 on SIGTERM.
// Method: read the Dockerfile with test/tools/dockerfile.ts and interpret it in a temp
// directory, each stage's filesystem a directory there: WORKDIR and COPY map container paths
// into it (context copies filtered by .dockerignore), the build stage's RUN lines run as
// written, with this machine's npm and Node 20 (but for one install, see runStep). The
// runtime stage's RUN lines (apt-get tini, useradd) change the system and are skipped;
// /usr/bin/tini is used when this machine has it (Debian's tini package) and left out
// otherwise, which the test says. The ENTRYPOINT, HEALTHCHECK and ENV come from the file;
// only the data directory (moved into the temp directory) and the 0.0.0.0 listen addresses
// (moved to free ports on 127.0.0.1) are changed. The timings of the steps are printed.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync,
  symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { freePorts } from "./free-ports.js";
import { repoRoot } from "./repo-paths.js";
import { waitUntil } from "./wait-until.js";
import {
  copyArgs, dockerignoreExcludes, envPairs, execForm, healthcheckArgs, parseStages,
  type Instruction, type Stage,
} from "../tools/dockerfile.js";

const run = promisify(execFile);
const root = repoRoot();
const TINI = "/usr/bin/tini";
/** npm ci without dev dependencies compiles better-sqlite3 when no prebuilt binary fits. */
const STEP_TIMEOUT_MS = 10 * 60_000;
/** The build stage's install with dev dependencies (see runStep). */
const FULL_INSTALL = "npm ci --no-audit --no-fund";

/** What a stage leaves behind: its ENV and WORKDIR and the instructions that only declare. */
interface StageResult {
  readonly root: string;
  readonly env: Map<string, string>;
  readonly workdir: string;
  readonly declared: Map<string, Instruction>;
}

/**
 * The environment of a container: this machine's PATH and HOME only (HOME keeps npm's
 * cache and ~/.npmrc, for the RUN steps), so nothing from npm, jest or a developer's shell
 * (a stray RAFTKV_* variable) reaches what runs.
 */
function baseEnv(): Record<string, string> {
  const { PATH = "/usr/bin:/bin", HOME = tmpdir() } = process.env;
  return { PATH, HOME };
}

function inStage(stageRoot: string, path: string): string {
  return join(stageRoot, path);
}

/** `sh -c command` in `cwd`; resolves with its duration, rejects with its output. */
async function shell(command: string, cwd: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  try {
    await run("sh", ["-c", command], {
      cwd, env, timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error: unknown) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`RUN ${command} failed in ${cwd}: ${String(error)}\n` +
      `stdout: ${output.stdout ?? ""}\nstderr: ${output.stderr ?? ""}`);
  }
  return performance.now() - started;
}

/** COPY, as Docker does it: a directory's contents, or a file, to the destination. */
function copy(instruction: Instruction, workdir: string, stageRoot: string,
  stageRoots: ReadonlyMap<string, string>): void {
  const { from, sources, destination } = copyArgs(instruction);
  const target = inStage(stageRoot, destination.startsWith("/") ? destination
    : join(workdir, destination));
  const fromRoot = from === undefined ? root : stageRoots.get(from);
  if (fromRoot === undefined) throw new Error(`line ${instruction.line}: no stage ${String(from)}`);
  for (const source of sources) {
    const origin = join(fromRoot, source);
    if (!existsSync(origin)) throw new Error(`line ${instruction.line}: ${origin} is missing`);
    const into = destination.endsWith("/") ? join(target, basename(source)) : target;
    mkdirSync(dirname(into), { recursive: true });
    cpSync(origin, into, {
      recursive: true, verbatimSymlinks: true,
      filter: (path) => from !== undefined || !dockerignoreExcludes(
        dockerignoreText, relative(root, path).split("\\").join("/")),
    });
  }
}

const dockerignoreText = readFileSync(join(root, ".dockerignore"), "utf8");

/**
 * Runs one RUN line as written, except the build's full `npm ci` (dev dependencies, for tsc)
 * unless RAFTKV_DOCKER_STEPS=full: that one links this checkout's node_modules instead, which
 * `make` installs with the same command from the same lock file. It saves about 100 s (a
 * second compile of better-sqlite3) and proves nothing the `npm ci --omit=dev` step does not:
 * npm ci's check of the lock file is the same with or without --omit=dev.
 */
async function runStep(step: string, cwd: string, env: ReadonlyMap<string, string>):
  Promise<void> {
  if (step === FULL_INSTALL && process.env.RAFTKV_DOCKER_STEPS !== "full") {
    symlinkSync(join(root, "node_modules"), join(cwd, "node_modules"), "dir");
    process.stdout.write(`docker-steps: RUN ${step}: linked ${root}/node_modules instead\n`);
    return;
  }
  const ms = await shell(step, cwd, { ...baseEnv(), ...Object.fromEntries(env) });
  process.stdout.write(`docker-steps: RUN ${step}: ${(ms / 1000).toFixed(1)} s\n`);
}

/**
 * Interprets one stage in `stageRoot`. RUN lines run when `runSteps` is set and are returned
 * as skipped otherwise; each step's duration is printed.
 */
async function interpret(stage: Stage, stageRoot: string, runSteps: boolean,
  stageRoots: ReadonlyMap<string, string>): Promise<StageResult & { skipped: string[] }> {
  const env = new Map<string, string>();
  const declared = new Map<string, Instruction>();
  const skipped: string[] = [];
  let workdir = "/";
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case "WORKDIR":
        workdir = instruction.args;
        mkdirSync(inStage(stageRoot, workdir), { recursive: true });
        break;
      case "COPY":
        copy(instruction, workdir, stageRoot, stageRoots);
        break;
      case "ENV":
        for (const [name, value] of envPairs(instruction.args)) env.set(name, value);
        break;
      case "RUN":
        if (runSteps) {
          await runStep(instruction.args, inStage(stageRoot, workdir), env);
        } else {
          skipped.push(instruction.args);
        }
        break;
      default:
        declared.set(instruction.keyword, instruction);
    }
  }
  return { root: stageRoot, env, workdir, declared, skipped };
}

/** The image's ENV with the data directory and the 0.0.0.0 listen addresses moved. */
async function movedEnv(image: StageResult): Promise<{ env: Map<string, string>;
  moved: string[] }> {
  const env = new Map(image.env);
  const moved: string[] = [];
  const wildcard = [...env].filter(([, value]) => /^0\.0\.0\.0:\d+$/.test(value));
  const ports = await freePorts(wildcard.length);
  for (const [index, [name]] of wildcard.entries()) {
    env.set(name, `127.0.0.1:${ports[index]!}`);
    moved.push(name);
  }
  for (const [name, value] of env) {
    if (!value.startsWith("/")) continue;
    env.set(name, inStage(image.root, value));
    moved.push(name);
  }
  return { env, moved: moved.sort() };
}

function portOf(address: string): string {
  return address.slice(address.lastIndexOf(":") + 1);
}

/** A container command, run here: `node` is this Node 20; tini is kept only if installed. */
function hostCommand(command: readonly string[]): { argv: string[]; withTini: boolean } {
  let argv = [...command];
  const withTini = argv[0] === TINI && existsSync(TINI);
  if (argv[0] === TINI && !withTini) argv = argv.slice(argv[1] === "--" ? 2 : 1);
  return { argv: argv.map((word) => (word === "node" ? process.execPath : word)), withTini };
}

async function command(argv: readonly string[], cwd: string, env: Record<string, string>):
  Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("empty command");
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("the Dockerfile's steps, run without a container engine", () => {
  const stages = parseStages(readFileSync(join(root, "Dockerfile"), "utf8"));
  let dir = "";
  let image: StageResult & { skipped: string[] };
  let buildRoot = "";
  let member: ChildProcess | undefined;
  let memberOutput = { stdout: "", stderr: "" };
  let env: Record<string, string> = {};
  let moved: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "raftkv-docker-"));
    const [build, runtime] = stages as [Stage, Stage];
    buildRoot = join(dir, "build");
    const started = performance.now();
    await interpret(build, buildRoot, true, new Map());
    process.stdout.write(`docker-steps: build stage: ${((performance.now() - started) / 1000)
      .toFixed(1)} s\n`);
    image = await interpret(runtime, join(dir, "runtime"), false,
      new Map([[build.name ?? "0", buildRoot]]));
    const relocated = await movedEnv(image);
    moved = relocated.moved;
    env = { ...baseEnv(), ...Object.fromEntries(relocated.env) };
  }, 3 * STEP_TIMEOUT_MS);

  afterAll(() => {
    if (member?.exitCode === null && member.signalCode === null) member.kill("SIGKILL");
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test("only the system-level runtime steps are skipped, and only the addresses are moved", () => {
    expect(image.skipped.map((step) => step.split(/\s+/)[0])).toEqual(["apt-get", "groupadd"]);
    expect(moved).toEqual(["RAFTKV_DATA_DIR", "RAFTKV_LISTEN_CLIENT", "RAFTKV_LISTEN_METRICS",
      "RAFTKV_LISTEN_PEER"]);
    const addon = join(inStage(image.root, image.workdir), "node_modules", "better-sqlite3",
      "build", "Release", "better_sqlite3.node");
    expect(existsSync(addon)).toBe(true);
    // No dev dependency reached the runtime.
    expect(existsSync(join(inStage(image.root, image.workdir), "node_modules", "typescript")))
      .toBe(false);
  });

  test("the ENTRYPOINT prints the version from the copied package.json", async () => {
    const entrypoint = execForm(image.declared.get("ENTRYPOINT")!.args, "ENTRYPOINT");
    const { argv } = hostCommand([...entrypoint, "--version"]);
    const result = await command(argv, inStage(image.root, image.workdir), env);
    expect(result).toMatchObject({ code: 0, stdout: "raftkv 0.1.0\n" });
  });

  test("the member starts, is healthy, serves raftkvctl and drains on SIGTERM", async () => {
    const cwd = inStage(image.root, image.workdir);
    const volume = inStage(image.root, image.declared.get("VOLUME")!.args);
    mkdirSync(volume, { recursive: true }); // The runtime stage's skipped RUN makes it.
    expect(env.RAFTKV_DATA_DIR).toBe(volume);
    const { argv, withTini } = hostCommand(
      execForm(image.declared.get("ENTRYPOINT")!.args, "ENTRYPOINT"));
    if (!withTini) process.stdout.write(`docker-steps: ${TINI} is missing; ran without tini\n`);
    const [file, ...args] = argv;
    member = spawn(file!, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    memberOutput = { stdout: "", stderr: "" };
    member.stdout?.on("data", (chunk: Buffer) => { memberOutput.stdout += chunk.toString(); });
    member.stderr?.on("data", (chunk: Buffer) => { memberOutput.stderr += chunk.toString(); });
    const exited = new Promise<[number | null, string | null]>((resolve) => {
      member?.once("exit", (code, signal) => resolve([code, signal]));
    });
    const clientAddress = env.RAFTKV_LISTEN_CLIENT!;
    await waitUntil("the member's ready line", 30_000, () =>
      Promise.resolve(memberOutput.stdout.includes("\"ready\":true") ? true : undefined), 50)
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\nstderr: ${memberOutput.stderr}`);
      });

    const { command: check } = healthcheckArgs(image.declared.get("HEALTHCHECK")!.args);
    const endpointAt = check.indexOf("--endpoints") + 1;
    expect(check[endpointAt]).toBe(`127.0.0.1:${portOf(image.env.get("RAFTKV_LISTEN_CLIENT")!)}`);
    check[endpointAt] = clientAddress;
    const healthy = await waitUntil("HEALTHCHECK to pass", 30_000, async () => {
      const result = await command(hostCommand(check).argv, cwd, env);
      return result.code === 0 ? result : undefined;
    }, 200);
    expect(healthy.stdout).toContain(`${clientAddress} is healthy: serving`);

    const ctl = [process.execPath, "dist/src/ctl/main.js", "--endpoints", clientAddress];
    expect(await command([...ctl, "put", "greeting", "hello"], cwd, env))
      .toMatchObject({ code: 0, stdout: "OK\n" });
    expect(await command([...ctl, "get", "greeting"], cwd, env))
      .toMatchObject({ code: 0, stdout: "greeting\nhello\n" });
    expect(readdirSync(volume).length).toBeGreaterThan(0);

    process.kill(member.pid!, "SIGTERM"); // tini's PID when tini runs: it passes the signal on.
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(memberOutput.stderr).toMatch(/"shutting down".*"signal":"SIGTERM"/);
  });
});
