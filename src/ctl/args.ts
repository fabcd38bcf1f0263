import { parseArgs } from "node:util";
import type { CommandInput, CommandSpec, GlobalOptions } from "./command.js";
import { commandsStartingWith, findCommand } from "./commands.js";
import { UsageError } from "./errors.js";
import {
  DEFAULT_COMMAND_TIMEOUT, DEFAULT_DIAL_TIMEOUT, DEFAULT_ENDPOINTS, ENDPOINTS_ENV, LOCAL_FLAGS,
  OUTPUT_FORMATS, parseArgsOptions, stringFlag, tlsFlagFiles, type FlagValues,
  type LocalFlagName, type OutputFormat,
} from "./flags.js";
import { commandUsage, TOOL_USAGE } from "./help.js";

/** What the command line asks for. */
export type CommandLine =
  /** Print help: the tool's, or the named command's. */
  | { readonly action: "help"; readonly command: CommandSpec | undefined }
  | { readonly action: "version" }
  | { readonly action: "run"; readonly command: CommandSpec; readonly input: CommandInput };

/** Bounds on what a command line may ask for (docs/style.md, Everything has a limit). */
const ENDPOINTS_MAX = 64;
const TIMEOUT_MS_MAX = 60 * 60 * 1000;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/**
 * Parses raftkvctl's arguments (argv without node and the script). Throws a UsageError,
 * carrying the usage line of the command it was meant for, on anything it cannot run.
 * `env` supplies RAFTKVCTL_ENDPOINTS.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  // A lenient pass finds the command, so that a strict-pass error shows its usage line.
  const guessed = findCommand(lenientPositionals(argv))?.command;
  const usage = guessed === undefined ? TOOL_USAGE : commandUsage(guessed);
  const { values, positionals } = strictParse(argv, usage);

  const found = findCommand(positionals);
  if (values.help === true) return { action: "help", command: found?.command };
  if (values.version === true) return { action: "version" };
  if (found === undefined) throw unknownCommand(positionals);

  const { command, wordCount } = found;
  const commandUsageLine = commandUsage(command);
  checkLocalFlags(command, values, commandUsageLine);
  const args = positionals.slice(wordCount);
  checkArgumentCount(command, args, commandUsageLine);
  const globals = globalOptions(values, env, command, commandUsageLine);
  return { action: "run", command, input: { args, flags: values, globals, usage: commandUsageLine } };
}

function lenientPositionals(argv: readonly string[]): string[] {
  try {
    return parseArgs({
      args: [...argv], options: parseArgsOptions(), strict: false, allowPositionals: true,
    }).positionals;
  } catch {
    return [];
  }
}

function strictParse(
  argv: readonly string[],
  usage: string,
): { values: FlagValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv], options: parseArgsOptions(), strict: true, allowPositionals: true,
    });
    return { values, positionals };
  } catch (error: unknown) {
    throw new UsageError(parseArgsMessage(error), usage);
  }
}

/**
 * parseArgs' messages on one line; an unknown flag's is shortened to the fact (its advice
 * about `--` is in the help).
 */
function parseArgsMessage(error: unknown): string {
  // Checked by shape, not instanceof: node:util's errors come from another realm under jest.
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== "string") return String(error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== null) {
    return `unknown flag: ${unknown[1]!}`;
  }
  return message.replace(/\s*\n\s*/g, " ");
}

function unknownCommand(positionals: readonly string[]): UsageError {
  const [first] = positionals;
  if (first === undefined) return new UsageError("no command given", TOOL_USAGE);
  const related = commandsStartingWith(first);
  if (related.length > 0) {
    const names = related.map((command) => command.name).join(", ");
    return new UsageError(`unknown command "${positionals.slice(0, 2).join(" ")}"; ` +
      `did you mean ${names}?`, commandUsage(related[0]!));
  }
  return new UsageError(`unknown command "${first}"`, TOOL_USAGE);
}

function checkLocalFlags(command: CommandSpec, values: FlagValues, usage: string): void {
  for (const name of Object.keys(LOCAL_FLAGS) as LocalFlagName[]) {
    if (values[name] !== undefined && !command.flags.includes(name)) {
      throw new UsageError(`unknown flag for ${command.name}: --${name}`, usage);
    }
  }
}

function checkArgumentCount(command: CommandSpec, args: readonly string[], usage: string): void {
  const required = command.args.filter((arg) => arg.optional !== true);
  const missing = required[args.length];
  if (missing !== undefined) throw new UsageError(`missing argument ${missing.name}`, usage);
  if (args.length > command.args.length) {
    throw new UsageError(`unexpected argument "${args[command.args.length]!}"`, usage);
  }
}

function globalOptions(
  values: FlagValues,
  env: Readonly<Record<string, string | undefined>>,
  command: CommandSpec,
  usage: string,
): GlobalOptions {
  const output = outputFormat(stringFlag(values, "write-out") ?? "simple", usage);
  if (!command.outputs.includes(output)) {
    throw new UsageError(`${command.name} cannot print -w ${output} (it prints ` +
      `${command.outputs.join(", ")})`, usage);
  }
  const tls = tlsFlagFiles(values);
  if (tls !== undefined && "error" in tls) throw new UsageError(tls.error, usage);
  const envEndpoints = env[ENDPOINTS_ENV];
  const endpointsText = stringFlag(values, "endpoints") ??
    (envEndpoints !== undefined && envEndpoints !== "" ? envEndpoints : DEFAULT_ENDPOINTS);
  return {
    endpoints: endpointList(endpointsText, usage),
    dialTimeoutMs: durationMs("--dial-timeout",
      stringFlag(values, "dial-timeout") ?? DEFAULT_DIAL_TIMEOUT, usage),
    commandTimeoutMs: durationMs("--command-timeout",
      stringFlag(values, "command-timeout") ?? DEFAULT_COMMAND_TIMEOUT, usage),
    output,
    hex: values.hex === true,
    tls,
  };
}

function outputFormat(text: string, usage: string): OutputFormat {
  const format = OUTPUT_FORMATS.find((candidate) => candidate === text);
  if (format === undefined) {
    throw new UsageError(`-w must be one of ${OUTPUT_FORMATS.join(", ")}, got ${text}`, usage);
  }
  return format;
}

/**
 * `host:port[,host:port...]`. The host is a name, an IPv4 address or a bracketed IPv6
 * address; the port 1-65535. No scheme: raftkv speaks plaintext gRPC only.
 */
export function endpointList(text: string, usage: string): string[] {
  const endpoints = text.split(",").map((entry) => entry.trim());
  if (endpoints.length > ENDPOINTS_MAX) {
    throw new UsageError(`at most ${ENDPOINTS_MAX} endpoints, got ${endpoints.length}`, usage);
  }
  for (const endpoint of endpoints) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(endpoint);
    const port = match === null ? 0 : Number(match[2]);
    if (port < 1 || port > 65535) {
      throw new UsageError(`endpoint "${endpoint}" is not host:port`, usage);
    }
  }
  return endpoints;
}

/** `500ms`, `2s`, `1.5m` in milliseconds; above zero and at most an hour. */
export function durationMs(flag: string, text: string, usage: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * DURATION_UNIT_MS[match[2]!]!;
  if (!(ms > 0 && ms <= TIMEOUT_MS_MAX)) {
    throw new UsageError(`${flag} must be a duration like 500ms, 2s or 1m (at most 60m), ` +
      `got ${text}`, usage);
  }
  return Math.ceil(ms);
}
