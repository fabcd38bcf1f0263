// Goal: the replicated-counter example runs as a program on the package's public entry point
// alone: it counts through a leader, reads through a follower, fails over and converges, then
// exits 0.
// Method: run the built program (dist/examples/counter/main.js, written by `npm run build`;
// its `import ... from "raftkv"` resolves through package.json's "exports" to dist/src) in a
// child process, and check its exit status and every line it prints.

import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../test/integration/repo-paths.js";

const run = promisify(execFile);

function builtProgram(): string {
  const program = join(repoRoot(), "dist", "examples", "counter", "main.js");
  const source = join(repoRoot(), "examples", "counter", "main.ts");
  if (!existsSync(program) || statSync(program).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${program} is missing or older than ${source}: run npm run build`);
  }
  return program;
}

describe("the replicated counter example", () => {
  test("prints each step and exits 0", async () => {
    const { stdout, stderr } = await run(process.execPath, [builtProgram()], {
      cwd: repoRoot(), timeout: 30_000,
    });
    expect(stderr).toBe("");
    const lines = stdout.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^leader: member [123]$/),
      "added 1..20 through the leader: total 210",
      expect.stringMatching(/^read through member [123]: 210$/),
      expect.stringMatching(/^isolated member [123]; new leader: member [123]$/),
      "added -10 through the new leader: total 200",
      "healed; every member's total: 200",
    ]);
  });
});
