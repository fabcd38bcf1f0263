// Runs raftkvctl in-process for unit tests, capturing what it prints and its exit status,
// and finds a port nobody listens on (a dead endpoint for failover tests).

import { createServer } from "node:net";
import type { Terminal } from "../../src/ctl/output.js";
import { runCtl } from "../../src/ctl/run-ctl.js";

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `raftkvctl args...` with no environment and an empty stdin. */
export async function ctl(args: readonly string[]): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const terminal: Terminal = {
    stdout: (chunk) => {
      stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    },
    stderr: (line) => {
      stderr += line;
    },
    stdinLines: async function* () {
      // Nothing to read: the commands these tests run never read stdin.
    },
    onInterrupt: () => () => undefined,
  };
  const code = await runCtl(args, {}, terminal, "test");
  return { code, stdout, stderr };
}

/** A port nobody listens on: bound once by the OS, then released. */
export function deadEndpoint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}
