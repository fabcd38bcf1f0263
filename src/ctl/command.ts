import type { TlsFlagFiles } from "./flags.js";
import type { EndpointClient } from "./client.js";
import type { FlagValues, LocalFlagName, OutputFormat } from "./flags.js";
import type { Terminal } from "./output.js";

/** The global flags, validated: what every command runs with. */
export interface GlobalOptions {
  /** Non-empty; each `host:port`. */
  readonly endpoints: readonly string[];
  readonly dialTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly output: OutputFormat;
  readonly hex: boolean;
  /** --cacert, --cert, --key; undefined: plaintext. */
  readonly tls: TlsFlagFiles | undefined;
}

/** What a command gets to run: its arguments and flags, and where to call and print. */
export interface CommandInput {
  /** The positional arguments after the command's name; their count is already checked. */
  readonly args: readonly string[];
  /** Every flag given; only the command's own local flags (and the global ones) are set. */
  readonly flags: FlagValues;
  readonly globals: GlobalOptions;
  /** The command's usage line, for the UsageErrors of its own argument checks. */
  readonly usage: string;
}

export interface CommandContext {
  readonly client: EndpointClient;
  readonly terminal: Terminal;
}

export interface ArgumentSpec {
  /** Upper case in help: KEY, VALUE. */
  readonly name: string;
  readonly optional?: boolean;
}

/**
 * One raftkvctl command. The table of them is commands.ts; adding a command is one more
 * spec there and a module with its run function.
 *
 * Contract of run(): check every argument and flag before the first call, throwing a
 * UsageError (exit 2); then call, print, and resolve. A failed call rejects with a
 * CallError (exit 1); a result that must fail the command after printing it (an unhealthy
 * endpoint) rejects with a PartialFailure (exit 1). run() never exits the process itself.
 */
export interface CommandSpec {
  /** The words that name it: `get`, `member list`. */
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgumentSpec[];
  readonly flags: readonly LocalFlagName[];
  /** The -w formats it can print; others are a usage error. */
  readonly outputs: readonly OutputFormat[];
  /** More help lines, after the flags: examples, what the output means. */
  readonly notes: readonly string[];
  run(input: CommandInput, context: CommandContext): Promise<void>;
}
