import type { CommandSpec } from "./command.js";
import { COMMANDS } from "./commands.js";
import { ENDPOINTS_ENV, flagUsage, GLOBAL_FLAGS, LOCAL_FLAGS, type FlagDoc } from "./flags.js";

const FLAG_COLUMN_CHARS = 32;
const COMMAND_COLUMN_CHARS = 18;

/** The tool's usage line, shown after a usage error that names no command. */
export const TOOL_USAGE = "Usage: raftkvctl [global flags] COMMAND [arguments] [flags]";

/** `Usage: raftkvctl [global flags] get KEY [flags]`. */
export function commandUsage(command: CommandSpec): string {
  const args = command.args.map((arg) => (arg.optional === true ? `[${arg.name}]` : arg.name));
  const flags = command.flags.length > 0 ? " [flags]" : "";
  return `Usage: raftkvctl [global flags] ${[command.name, ...args].join(" ")}${flags}`;
}

/** `raftkvctl --help`. */
export function toolHelp(version: string): string {
  return [
    `raftkvctl ${version}: a command-line client of a raftkv cluster (etcdctl-like).`,
    "",
    TOOL_USAGE,
    "",
    "Commands:",
    ...COMMANDS.map((command) =>
      `  ${command.name.padEnd(COMMAND_COLUMN_CHARS)}${command.summary}`),
    "",
    "Global flags (allowed anywhere on the line):",
    ...GLOBAL_FLAGS.map(flagLine),
    "",
    "Durations are a number and a unit: 500ms, 2s, 1.5m.",
    `The flag --endpoints wins over $${ENDPOINTS_ENV}. A call goes to the first endpoint and`,
    "moves to the next when it cannot connect; reads also move on after UNAVAILABLE or",
    "DEADLINE_EXCEEDED (writes do not: put, del, txn, member changes and move-leader may",
    "have been applied). A watch whose stream breaks resumes on the next endpoint, after",
    "the last event it printed.",
    "",
    "Exit status: 0 success (a get that matches nothing included), 1 a failed call, an",
    "unhealthy endpoint or a file not written (\"Error: <CODE>: <message>\" on stderr),",
    "2 a bad command line.",
    "",
    "Run \"raftkvctl COMMAND --help\" for a command's arguments and flags.",
    "",
  ].join("\n");
}

/** `raftkvctl get --help`. */
export function commandHelp(command: CommandSpec): string {
  const local = command.flags.map((name) => flagLine(LOCAL_FLAGS[name]));
  return [
    `raftkvctl ${command.name}: ${command.summary}.`,
    "",
    commandUsage(command),
    "",
    ...(local.length > 0 ? ["Flags:", ...local, ""] : []),
    `Output formats (-w): ${command.outputs.join(", ")}.`,
    ...command.notes,
    "",
    "Run \"raftkvctl --help\" for the global flags.",
    "",
  ].join("\n");
}

/** The flag and its help on one line, or the help on the next when the flag is long. */
function flagLine(flag: FlagDoc): string {
  const usage = flagUsage(flag);
  if (usage.length < FLAG_COLUMN_CHARS) return `  ${usage.padEnd(FLAG_COLUMN_CHARS)}${flag.help}`;
  return `  ${usage}\n  ${"".padEnd(FLAG_COLUMN_CHARS)}${flag.help}`;
}
