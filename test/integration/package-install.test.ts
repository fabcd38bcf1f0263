// Goal: raftkv works as a library installed in another project: `npm pack` ships only the
// built code (dist/src), the .proto files, package.json and the README; the package's entry
// point and its types resolve as "raftkv"; plain ESM JavaScript can start a member from it,
// and TypeScript, checked strictly by the repository's tsc without skipLibCheck, can build a
// replicated counter on it.
// Method: pack the current build (npm pack --ignore-scripts: the build is `npm run build`'s,
// as for the other integration tests) and install the tarball into a project in a temp
// directory with npm (--prefer-offline: the npm cache already holds every dependency after
// `npm ci`). Install scripts are skipped and the one native addon, better-sqlite3, is copied
// from this checkout's node_modules, pinned to the same version: compiling it again would
// add about 70 s, and `npm ci` already proves that it builds. Then run the two examples as
// that project's own files: examples/kv-member/main.mjs (a member over SQLite and gRPC,
// called through the shipped kv.proto) and examples/counter/*.ts (compiled, then run).

import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync,
  writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repo-paths.js";

const run = promisify(execFile);
const NPM_FLAGS = ["--no-audit", "--no-fund", "--ignore-scripts"];
const COUNTER_FILES = ["main.ts", "counter-cluster.ts", "counter-state-machine.ts"];

/** The version of `name` installed under `root` (default: this checkout). */
function installedVersion(name: string, root = repoRoot()): string {
  const manifest = join(root, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

function requireFreshBuild(): void {
  const built = join(repoRoot(), "dist", "src", "index.js");
  const source = join(repoRoot(), "src", "index.ts");
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${built} is missing or older than ${source}: run npm run build`);
  }
}

async function command(file: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    return (await run(file, args, { cwd, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error: unknown) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}: ${String(error)}\n` +
      `stdout: ${output.stdout ?? ""}\nstderr: ${output.stderr ?? ""}`);
  }
}

interface PackedFile {
  readonly path: string;
}

/** npm pack into `dir`; returns the tarball's path and the files it holds. */
async function pack(dir: string): Promise<{ tarball: string; files: string[] }> {
  const stdout = await command("npm", ["pack", "--json", "--pack-destination", dir, ...NPM_FLAGS],
    repoRoot());
  const [result] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  if (result === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  return { tarball: join(dir, result.filename), files: result.files.map((file) => file.path) };
}

/** A project in `dir` with the tarball, its types and the gRPC client packages installed. */
async function installProject(dir: string, tarball: string): Promise<void> {
  const betterSqlite = installedVersion("better-sqlite3");
  writeFileSync(join(dir, "package.json"), JSON.stringify({
    name: "raftkv-consumer", private: true, type: "module",
    overrides: { "better-sqlite3": betterSqlite },
  }, null, 2));
  await command("npm", [
    "install", "--prefer-offline", "--no-package-lock", ...NPM_FLAGS, tarball,
    `@types/node@${installedVersion("@types/node")}`,
    `@grpc/grpc-js@${installedVersion("@grpc/grpc-js")}`,
    `@grpc/proto-loader@${installedVersion("@grpc/proto-loader")}`,
  ], dir);
  const addon = join("better-sqlite3", "build", "Release", "better_sqlite3.node");
  const target = join(dir, "node_modules", addon);
  expect(installedVersion("better-sqlite3", dir)).toBe(betterSqlite);
  mkdirSync(join(target, ".."), { recursive: true });
  copyFileSync(join(repoRoot(), "node_modules", addon), target);
}

/** A strict tsconfig for the project, as a careful consumer would write it. */
function writeTsconfig(dir: string): void {
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true,
      noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false,
      types: ["node"], outDir: "out",
    },
    files: ["main.ts"],
  }, null, 2));
}

describe("raftkv installed from its npm pack tarball", () => {
  let dir: string | undefined;
  let packed: string[] = [];
  let project = "";

  beforeAll(async () => {
    requireFreshBuild();
    dir = mkdtempSync(join(tmpdir(), "raftkv-package-"));
    const { tarball, files } = await pack(dir);
    packed = files;
    project = join(dir, "project");
    mkdirSync(project);
    await installProject(project, tarball);
  });

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test("the tarball holds dist/src, the protos, package.json and the README only", () => {
    const outside = packed.filter((path) => !path.startsWith("dist/src/") &&
      !path.startsWith("proto/") && !["package.json", "README.md", "LICENSE"].includes(path));
    expect(outside).toEqual([]);
    expect(packed).toEqual(expect.arrayContaining([
      "dist/src/index.js", "dist/src/index.d.ts", "dist/src/main.js",
      "dist/src/storage/sqlite/log-write-worker.js", "proto/raftkv/kv/v1/kv.proto",
      "proto/grpc_health/v1/health.proto",
    ]));
    expect(packed.filter((path) => path.endsWith(".map") || path.endsWith(".test.js")))
      .toEqual([]);
  });

  test("an ESM JavaScript file starts a member from it and calls it over gRPC", async () => {
    copyFileSync(join(repoRoot(), "examples", "kv-member", "main.mjs"), join(project, "member.mjs"));
    const stdout = await command(process.execPath, ["member.mjs"], project);
    const printed = JSON.parse(stdout.trim()) as { put_revision?: unknown };
    expect(printed).toMatchObject({ key: "greeting", value: "hello", role: "leader" });
    expect(Number(printed.put_revision)).toBeGreaterThan(0);
  });

  test("a TypeScript file type-checks strictly against its types and runs", async () => {
    for (const file of COUNTER_FILES) {
      copyFileSync(join(repoRoot(), "examples", "counter", file), join(project, file));
    }
    writeTsconfig(project);
    const tsc = join(repoRoot(), "node_modules", "typescript", "bin", "tsc");
    await command(process.execPath, [tsc, "-p", "tsconfig.json"], project);
    const stdout = await command(process.execPath, [join("out", "main.js")], project);
    expect(stdout).toMatch(/^added 1\.\.20 through the leader: total 210$/m);
    expect(stdout).toMatch(/^healed; every member's total: 200$/m);
  });
});
