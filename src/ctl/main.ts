#!/usr/bin/env node
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { onProcessWarning } from "../process-warnings.js";
import type { Terminal } from "./output.js";
import { runCtl } from "./run-ctl.js";
import { raftkvVersion } from "./version.js";

/** The interrupt listeners (watch's), also called when stdout's reader goes away. */
const stdoutGone = new Set<() => void>();

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
  stdinLines,
  onInterrupt: (listener) => {
    process.on("SIGINT", listener);
    stdoutGone.add(listener);
    return () => {
      process.off("SIGINT", listener);
      stdoutGone.delete(listener);
    };
  },
};

/**
 * stdin line by line. Once the reader stops (the end of input, or return() after the last
 * section of an interactive txn), stdin is let go, so a terminal or a pipe still open does
 * not keep the process alive.
 */
async function* stdinLines(): AsyncGenerator<string> {
  const reader = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
    process.stdin.destroy();
  }
}

// A reader that goes away (`raftkvctl get --prefix a | head -1`) ends the output, not
// the process with an unhandled EPIPE; a command that runs until interrupted (`watch ... |
// head -3`) is interrupted, as by Ctrl-C, since nobody reads what it would print.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  for (const listener of stdoutGone) listener();
});

// The warning about TLS to an IP address would come on every run against an endpoint given
// by IP: expected, so not printed; others are printed as Node prints them.
onProcessWarning((warning, tlsToIp) => {
  if (tlsToIp) return;
  const code = warning.code === undefined ? "" : `[${warning.code}] `;
  process.stderr.write(`(node:${String(process.pid)}) ${code}${warning.name}: ${warning.message}\n`);
});

const version = raftkvVersion(fileURLToPath(new URL(".", import.meta.url)));
process.exitCode = await runCtl(process.argv.slice(2), process.env, terminal, version);
