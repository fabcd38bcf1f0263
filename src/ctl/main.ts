#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import type { Terminal } from "./output.js";
import { runCtl } from "./run-ctl.js";
import { raftkvVersion } from "./version.js";

/**
 * The `raftkvctl` binary: runs one command line (run-ctl.ts) and sets the exit code. It
 * never calls process.exit(): the process ends once stdout has drained and the gRPC
 * channels are closed, so piped output is never cut short.
 */
const terminal: Terminal = {
  stdout: (chunk) => {
    process.stdout.write(chunk);
  },
  stderr: (line) => {
    process.stderr.write(line);
  },
};

// A reader that goes away (`raftkvctl get --prefix a | head -1`) ends the output, not
// the process with an unhandled EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const version = raftkvVersion(fileURLToPath(new URL(".", import.meta.url)));
process.exitCode = await runCtl(process.argv.slice(2), process.env, terminal, version);
