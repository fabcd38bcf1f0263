import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The raftkv checkout this process runs in: the nearest directory, from the working
 * directory up, whose package.json is named "raftkv". jest runs these files as CommonJS and
 * the benchmark runs them as ESM from dist/, so neither __dirname nor import.meta works in
 * both; jest and npm scripts both start in the checkout, which is what this relies on.
 */
export function repoRoot(): string {
  let directory = process.cwd();
  for (;;) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest) && isRaftkvManifest(manifest)) return directory;
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error(`no raftkv checkout at or above ${process.cwd()}: run from the repository`);
    }
    directory = parent;
  }
}

function isRaftkvManifest(path: string): boolean {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { name?: unknown };
  return parsed.name === "raftkv";
}

/** The directory holding the .proto files (proto/ at the repository root). */
export function protoDir(): string {
  return join(repoRoot(), "proto");
}

/**
 * The `raftkv` entry point to spawn: $RAFTKV_BIN when set, else dist/src/main.js (what
 * package.json's "bin" names), which `npm run build` writes. Throws a message saying how
 * to build it when it is missing; warns once when src/main.ts is newer than the build, since
 * a stale binary makes a test report on code that is no longer there.
 */
export function raftkvBinary(): string {
  const override = process.env.RAFTKV_BIN;
  if (override !== undefined && override !== "") return override;
  const root = repoRoot();
  const binary = join(root, "dist", "src", "main.js");
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build the server first (npm run build, or make build)`);
  }
  const source = join(root, "src", "main.ts");
  if (!staleWarned && existsSync(source) && statSync(source).mtimeMs > statSync(binary).mtimeMs) {
    staleWarned = true;
    process.stderr.write(`warning: ${binary} is older than src/main.ts; run npm run build\n`);
  }
  return binary;
}

let staleWarned = false;

/** raftkvctl's entry point to spawn: dist/src/ctl/main.js, which `npm run build` writes. */
export function ctlBinary(): string {
  const binary = join(repoRoot(), "dist", "src", "ctl", "main.js");
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`);
  return binary;
}
