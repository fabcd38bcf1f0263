// Finds a tool for tests: the real one on PATH, or else its offline stand-in built from
// ../shared/tools (outside this repository, on the project machines: `build.sh` prints the
// directory holding minigrpcurl and minihelm). Neither may exist on a given machine; then the
// search says why, and the test skips with that message. Synchronous: it runs before a test
// registers its cases, while no server is up.

import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** Where the tool is (and whether it is the stand-in), or why there is none. */
export type ToolSearch =
  | { readonly path: string; readonly standIn: boolean; readonly reason?: undefined }
  | { readonly path?: undefined; readonly reason: string };

const BUILD_TIMEOUT_MS = 10 * 60_000;

/** `realName` on PATH, else the stand-in `standInName` built by ../shared/tools/build.sh. */
export function findToolOrStandIn(realName: string, standInName: string): ToolSearch {
  const real = onPath(realName);
  if (real !== undefined) return { path: real, standIn: false };
  const script = resolve(repoRoot(), "..", "shared", "tools", "build.sh");
  if (!existsSync(script)) {
    return { reason: `no ${realName} on PATH, and no stand-in build script at ${script}` };
  }
  try {
    const output = execFileSync("bash", [script], {
      timeout: BUILD_TIMEOUT_MS, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    });
    const path = join(output.trim().split("\n").pop() ?? "", standInName);
    if (isExecutable(path)) return { path, standIn: true };
    return { reason: `${script} ran but left no executable ${path}` };
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { reason: `no ${realName} on PATH, and ${script} failed: ${String(detail)}` };
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The checkout's root: the nearest directory upward holding package.json and src/core. */
function repoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "src", "core"))) {
    const parent = resolve(dir, "..");
    if (parent === dir) throw new Error("run the tests from inside the raftkv checkout");
    dir = parent;
  }
  return dir;
}
