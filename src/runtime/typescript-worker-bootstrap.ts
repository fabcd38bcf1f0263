/**
 * The source of a plain CommonJS worker (`new Worker(source, { eval: true })`) that runs
 * TypeScript sources directly: it compiles `.ts` files with @swc/core as jest.config.cjs
 * does, points relative `.js` specifiers at the `.ts` sources that exist (as jest's
 * moduleNameMapper does), then runs `entryStatement`. The worker's workerData must carry
 * `swc` (the resolved path of @swc/core) and whatever `entryStatement` reads, usually
 * `entry` (the path of the `.ts` file to load). Used where a worker thread must run the
 * current sources under jest, which has no compiled file to hand a Worker.
 */
export function typescriptWorkerBootstrap(entryStatement: string): string {
  return `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const swc = require(workerData.swc);
const SPECIFIER = /require\\("(\\.{1,2}\\/[^"]*)\\.js"\\)/g;
require.extensions[".ts"] = (module, filename) => {
  const source = fs.readFileSync(filename, "utf8");
  const { code } = swc.transformSync(source, {
    filename,
    jsc: { parser: { syntax: "typescript" }, target: "es2022" },
    module: { type: "commonjs" },
  });
  const dir = path.dirname(filename);
  const mapped = code.replace(SPECIFIER, (whole, stem) =>
    fs.existsSync(path.join(dir, stem + ".ts")) ? 'require("' + stem + '.ts")' : whole);
  module._compile(mapped, filename);
};
${entryStatement}
`;
}
