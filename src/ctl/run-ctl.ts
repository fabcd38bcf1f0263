import { parseCommandLine } from "./args.js";
import { EndpointClient } from "./client.js";
import { CallError, EXIT_CODE, LocalError, PartialFailure, UsageError } from "./errors.js";
import { commandHelp, toolHelp } from "./help.js";
import type { Terminal } from "./output.js";

/**
 * Runs one raftkvctl command line and returns its exit code (errors.ts, EXIT_CODE). Every
 * failure is caught here and becomes a stderr line and a code: this is the one place that
 * decides them. Nothing here exits the process, so main.ts can let stdout drain first.
 */
export async function runCtl(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  terminal: Terminal,
  version: string,
): Promise<number> {
  try {
    const commandLine = parseCommandLine(argv, env);
    switch (commandLine.action) {
      case "help":
        terminal.stdout(commandLine.command === undefined
          ? toolHelp(version)
          : commandHelp(commandLine.command));
        return EXIT_CODE.success;
      case "version":
        terminal.stdout(`raftkvctl ${version}\n`);
        return EXIT_CODE.success;
      case "run": {
        const { command, input } = commandLine;
        const client = new EndpointClient(input.globals);
        try {
          await command.run(input, { client, terminal });
        } finally {
          client.close();
        }
        return EXIT_CODE.success;
      }
    }
  } catch (error: unknown) {
    return reportFailure(error, terminal);
  }
}

function reportFailure(error: unknown, terminal: Terminal): number {
  if (error instanceof UsageError) {
    terminal.stderr(`Error: ${error.message}\n`);
    terminal.stderr(`${error.usage}\n`);
    return EXIT_CODE.usage;
  }
  if (error instanceof CallError) {
    terminal.stderr(`${error.describe()}\n`);
    return EXIT_CODE.callFailed;
  }
  if (error instanceof LocalError) {
    terminal.stderr(`Error: ${error.message}\n`);
    return EXIT_CODE.callFailed;
  }
  if (error instanceof PartialFailure) return EXIT_CODE.callFailed; // Already printed.
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  terminal.stderr(`raftkvctl: internal error: ${text}\n`);
  return EXIT_CODE.internal;
}
