// Goal: the Dockerfile (issue #9) is valid and keeps its promises without a container engine:
// a build stage on node:20-bookworm and a runtime on node:20-bookworm-slim, a non-root user,
// tini as PID 1, the data directory as a volume, the three ports exposed, a gRPC health check,
// SIGTERM to stop, and a build context that holds what the build copies and nothing else.
// Method: lint the file with dockerfile-utils (every check as an error, and its formatter
// must have nothing to change; a broken copy must be flagged, so the lint is not vacuous),
// then read the instructions with test/tools/dockerfile.ts and assert each invariant on them,
// on package.json, tsconfig.build.json, src/cli-flags.ts and .dockerignore. The steps
// themselves run in test/integration/docker-steps.test.ts.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { format, validate, ValidationSeverity, type ValidatorSettings } from "dockerfile-utils";
import { FLAG_DOCS } from "../src/cli-flags.js";
import { repoRoot } from "./integration/repo-paths.js";
import {
  copyArgs, dockerignoreExcludes, envPairs, execForm, healthcheckArgs, parseStages, splitFlags,
  type Instruction, type Stage,
} from "./tools/dockerfile.js";

const root = repoRoot();
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(root, ".dockerignore"), "utf8");
const stages = parseStages(dockerfile);
const [build, runtime] = stages as [Stage, Stage];

/** Every dockerfile-utils check, raised to an error: nothing is waived. */
const STRICT: Required<ValidatorSettings> = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

/**
 * RAFTKV_* variables the image sets ahead of the flag they configure (variable to flag). The
 * metrics and HTTP health listener, --listen-metrics, is being added in parallel with the
 * image. Once FLAG_DOCS lists the flag, its variable must be this one, and the entry is moot.
 */
const PENDING_VARIABLES: ReadonlyMap<string, string> = new Map([
  ["RAFTKV_LISTEN_METRICS", "--listen-metrics"],
]);

function lint(text: string): string[] {
  return validate(text, STRICT).map((problem) => {
    const message = typeof problem.message === "string" ? problem.message : problem.message.value;
    const severity = String(problem.severity);
    return `line ${problem.range.start.line + 1}: ${message} (severity ${severity})`;
  });
}

function only(stage: Stage, keyword: string): Instruction {
  const found = stage.instructions.filter((instruction) => instruction.keyword === keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0]!;
}

function indexOf(stage: Stage, keyword: string): number {
  return stage.instructions.findIndex((instruction) => instruction.keyword === keyword);
}

function runtimeEnv(): Map<string, string> {
  return new Map(runtime.instructions.filter((instruction) => instruction.keyword === "ENV")
    .flatMap((instruction) => envPairs(instruction.args)));
}

function portOf(address: string | undefined): string {
  const match = /:(\d+)$/.exec(address ?? "");
  if (match === null) throw new Error(`not host:port: ${String(address)}`);
  return match[1]!;
}

/** "10s", "500ms", "1m" in milliseconds. */
function durationMs(text: string | undefined): number {
  const match = /^(\d+)(ms|s|m)$/.exec(text ?? "");
  if (match === null) throw new Error(`cannot read duration ${String(text)}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
}

/**
 * Paths a stage makes, from its instructions: COPY destinations, node_modules where `npm ci`
 * runs, and the build script's output directory where `npm run build` runs.
 */
function stageProducts(stage: Stage): string[] {
  const products: string[] = [];
  let workdir = "/";
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "WORKDIR") workdir = instruction.args;
    if (instruction.keyword === "COPY") {
      const { sources, destination } = copyArgs(instruction);
      const target = destination.startsWith("/") ? destination : join(workdir, destination);
      const into = sources.map((source) => join(target, source));
      products.push(...(destination.endsWith("/") ? into : [target]));
    }
    if (instruction.keyword === "RUN" && /\bnpm ci\b/.test(instruction.args)) {
      products.push(join(workdir, "node_modules"));
    }
    if (instruction.keyword === "RUN" && /\bnpm run build\b/.test(instruction.args)) {
      products.push(join(workdir, buildOutDir()));
    }
  }
  return products;
}

/** Where `npm run build` writes: it must be `tsc -p <config>`, and the config's outDir. */
function buildOutDir(): string {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const match = /^tsc -p (\S+)$/.exec(manifest.scripts.build ?? "");
  if (match === null) {
    throw new Error(`npm run build is not tsc -p: ${String(manifest.scripts.build)}`);
  }
  let config = join(root, match[1]!);
  for (;;) {
    const parsed = JSON.parse(readFileSync(config, "utf8")) as {
      extends?: string; compilerOptions?: { outDir?: string };
    };
    if (parsed.compilerOptions?.outDir !== undefined) return parsed.compilerOptions.outDir;
    if (parsed.extends === undefined) throw new Error(`${config} sets no outDir`);
    config = join(config, "..", parsed.extends);
  }
}

describe("Dockerfile lint", () => {
  test("dockerfile-utils finds no error or warning, with every check an error", () => {
    expect(lint(dockerfile)).toEqual([]);
  });

  test("dockerfile-utils' formatter has nothing to change", () => {
    expect(format(dockerfile, { tabSize: 2, insertSpaces: true })).toEqual([]);
  });

  test("the lint catches a broken copy of the file", () => {
    const broken = dockerfile.replace("--interval=10s", "--interval=10")
      .replace("USER 10001:10001", "user 10001:10001");
    expect(broken).not.toBe(dockerfile);
    expect(lint(broken)).toHaveLength(2);
  });
});

describe("Dockerfile invariants", () => {
  test("two stages: build on node:20-bookworm, runtime on node:20-bookworm-slim", () => {
    expect(stages.map((stage) => [stage.image, stage.name]))
      .toEqual([["node:20-bookworm", "build"], ["node:20-bookworm-slim", undefined]]);
  });

  test("the build installs from the lock file with npm ci, never npm install", () => {
    const runs = build.instructions.filter((instruction) => instruction.keyword === "RUN")
      .map((instruction) => instruction.args);
    expect(runs).toEqual([
      "npm ci --omit=dev --no-audit --no-fund", "npm ci --no-audit --no-fund", "npm run build",
    ]);
  });

  test("a numeric non-root USER comes after every RUN and before ENTRYPOINT", () => {
    const user = only(runtime, "USER").args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(":").every((id) => id !== "0")).toBe(true);
    const at = indexOf(runtime, "USER");
    const lastRun = runtime.instructions.map((instruction) => instruction.keyword)
      .lastIndexOf("RUN");
    expect(at).toBeGreaterThan(lastRun);
    expect(at).toBeLessThan(indexOf(runtime, "ENTRYPOINT"));
    const [uid, gid = uid] = user.split(":");
    const setup = runtime.instructions.filter((instruction) => instruction.keyword === "RUN")
      .map((instruction) => instruction.args).join("\n");
    expect(setup).toContain(`useradd --system --uid ${uid!} `);
    expect(setup).toContain(`groupadd --system --gid ${gid!} `);
  });

  test("tini, installed from Debian, is PID 1 and runs the member", () => {
    expect(execForm(only(runtime, "ENTRYPOINT").args, "ENTRYPOINT"))
      .toEqual(["/usr/bin/tini", "--", "node", "dist/src/main.js"]);
    const installs = runtime.instructions.filter((instruction) => instruction.keyword === "RUN" &&
      /apt-get install -y --no-install-recommends tini\b/.test(instruction.args));
    expect(installs).toHaveLength(1);
    expect(indexOf(runtime, "CMD")).toBe(-1); // Flags after the image name reach the member.
    expect(only(runtime, "STOPSIGNAL").args).toBe("SIGTERM");
    expect(only(runtime, "WORKDIR").args).toBe("/opt/raftkv");
  });

  test("the data directory is the volume, made and owned by the user before VOLUME", () => {
    const dataDir = runtimeEnv().get("RAFTKV_DATA_DIR");
    expect(dataDir).toBe("/var/lib/raftkv");
    expect(only(runtime, "VOLUME").args).toBe(dataDir);
    const setup = runtime.instructions.slice(0, indexOf(runtime, "VOLUME"))
      .filter((instruction) => instruction.keyword === "RUN").map((instruction) => instruction.args)
      .join("\n");
    expect(setup).toContain(`mkdir -p ${dataDir!}`);
    expect(setup).toContain(`chown raftkv:raftkv ${dataDir!}`);
  });

  test("EXPOSE names the client, peer and metrics ports the ENV defaults listen on", () => {
    expect(only(runtime, "EXPOSE").args.split(/\s+/)).toEqual(["7379", "7380", "9090"]);
    const env = runtimeEnv();
    expect(["RAFTKV_LISTEN_CLIENT", "RAFTKV_LISTEN_PEER", "RAFTKV_LISTEN_METRICS"]
      .map((name) => env.get(name))).toEqual(["0.0.0.0:7379", "0.0.0.0:7380", "0.0.0.0:9090"]);
  });

  test("every RAFTKV_* variable the image sets is one the member reads", () => {
    const known = new Set(FLAG_DOCS.map((doc) => doc.env));
    const unknown = [...runtimeEnv().keys()].filter((name) => name.startsWith("RAFTKV_") &&
      !known.has(name) && !PENDING_VARIABLES.has(name));
    expect(unknown).toEqual([]);
    for (const [variable, flag] of PENDING_VARIABLES) {
      const doc = FLAG_DOCS.find((candidate) => candidate.flag === flag);
      if (doc !== undefined) expect([flag, doc.env]).toEqual([flag, variable]);
    }
  });

  test("HEALTHCHECK asks the client port for gRPC health, within its own timeout", () => {
    const { flags, command } = healthcheckArgs(only(runtime, "HEALTHCHECK").args);
    expect(command.slice(0, 2)).toEqual(["node", "dist/src/ctl/main.js"]);
    expect(command.slice(-2)).toEqual(["endpoint", "health"]);
    const option = (name: string): string | undefined => command[command.indexOf(name) + 1];
    const clientPort = portOf(runtimeEnv().get("RAFTKV_LISTEN_CLIENT"));
    expect(option("--endpoints")).toBe(`127.0.0.1:${clientPort}`);
    // raftkvctl gives up (exit 1) before Docker would kill it.
    expect(durationMs(option("--dial-timeout")) + durationMs(option("--command-timeout")))
      .toBeLessThan(durationMs(flags.get("timeout")));
    expect(durationMs(flags.get("interval")))
      .toBeGreaterThanOrEqual(durationMs(flags.get("timeout")));
    expect(durationMs(flags.get("start-period"))).toBeGreaterThan(0);
    expect(Number(flags.get("retries"))).toBeGreaterThan(0);
  });

  test("every COPY from the context exists and .dockerignore lets it through", () => {
    const sources = stages.flatMap((stage) => stage.instructions)
      .filter((instruction) => instruction.keyword === "COPY")
      .map(copyArgs).filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect([source, existsSync(join(root, source))]).toEqual([source, true]);
      expect([source, dockerignoreExcludes(dockerignore, source)]).toEqual([source, false]);
      if (statSync(join(root, source)).isDirectory()) {
        expect(dockerignoreExcludes(dockerignore, `${source}/main.ts`)).toBe(false);
      }
    }
  });

  test("every COPY --from=build names something the build stage makes", () => {
    const products = stageProducts(build);
    const copies = runtime.instructions.filter((instruction) => instruction.keyword === "COPY")
      .map(copyArgs).filter((copy) => copy.from !== undefined);
    expect(copies.map((copy) => copy.from)).toEqual(["build", "build"]);
    for (const source of copies.flatMap((copy) => copy.sources)) {
      const madeBy = products.filter((product) => source === product ||
        source.startsWith(`${product}/`));
      expect([source, madeBy.length]).toEqual([source, 1]);
    }
    // What the runtime runs is what the build compiles: dist/src/main.js from src/main.ts.
    expect(existsSync(join(root, "src", "main.ts"))).toBe(true);
    expect(existsSync(join(root, "src", "ctl", "main.ts"))).toBe(true);
  });

  test(".dockerignore keeps out node_modules, builds, data, .git, logs and test artifacts", () => {
    const kept = ["node_modules", "node_modules/better-sqlite3/build/Release/better_sqlite3.node",
      "dist", "dist/src/main.js", "data", "data/1/raft.db", ".git", ".git/HEAD",
      "npm-install.log", "coverage", ".jest-results.json", ".scratch", "test", "bench", "docs",
      "src/node_modules", "src/debug.log", "Dockerfile"];
    expect(kept.filter((path) => !dockerignoreExcludes(dockerignore, path))).toEqual([]);
  });

  test("the reader of .dockerignore follows Docker's rules", () => {
    const rules = "*\n!src\n**/*.log\n/dist/keep.txt\n!dist/keep.txt\n";
    expect(dockerignoreExcludes(rules, "src/a/b.ts")).toBe(false);
    expect(dockerignoreExcludes(rules, "src/a/b.log")).toBe(true);
    expect(dockerignoreExcludes(rules, "README.md")).toBe(true);
    expect(dockerignoreExcludes(rules, "dist/keep.txt")).toBe(false);
    expect(splitFlags("--from=build /a ./b")).toEqual({
      flags: new Map([["from", "build"]]), rest: "/a ./b",
    });
  });
});
