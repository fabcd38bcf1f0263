#!/usr/bin/env node
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { parseCommandLine } from "./cli-flags.js";
import { helpText } from "./cli-help.js";
import { packageVersion } from "./cli-version.js";
import { startMember, type Member } from "./member.js";
import { JsonLogger, type Logger } from "./observability/logger.js";
import { onProcessWarning } from "./process-warnings.js";
import { runRecoverCommand } from "./recover-command.js";
import { runRestoreCommand } from "./restore-command.js";
import { loadSettings, type Settings } from "./settings.js";
import { StartupError } from "./startup-error.js";
import { SchemaVersionError } from "./storage/sqlite/migrations.js";
import { DatabaseSetupError } from "./storage/sqlite/open-database.js";
import { IdentityMismatchError } from "./storage/sqlite/sqlite-log-store.js";

/**
 * The `raftkv` binary: parse the command line (`--help` and `--version` print and exit 0),
 * start the member, print one ready line, and drain on SIGTERM/SIGINT (Node as PID 1 in a
 * container gets no default signal handling). A startup failure an operator can fix is one
 * line on stderr naming the flag and its value, and exit status 1 (see the catch below).
 */
async function main(): Promise<void> {
  // A subcommand, not a flag: `recover` rewrites the data directory offline and exits, so it
  // shares none of a running member's settings (src/recover-command.ts).
  if (process.argv[2] === "recover") {
    process.exitCode = runRecoverCommand(process.argv.slice(3), process);
    return;
  }
  // Likewise `restore`: it prepares a data directory from a backup offline, reading the
  // member's own flags so that the member started with them finds what it expects.
  if (process.argv[2] === "restore") {
    process.exitCode = runRestoreCommand(process.argv.slice(3), process, process.env);
    return;
  }
  const commandLine = parseCommandLine(process.argv.slice(2));
  if (commandLine.action === "help") {
    process.stdout.write(helpText(version()));
    return;
  }
  if (commandLine.action === "version") {
    process.stdout.write(`raftkv ${version()}\n`);
    return;
  }
  const settings = loadSettings(commandLine.flags, process.env);
  const logger = new JsonLogger(settings.logLevel, { member: settings.id });
  const grpcLog = routeGrpcLog(logger);
  routeProcessWarnings(logger);
  // Handlers go in before anything starts: a supervisor may stop the member the moment it
  // reports ready, or even while it is starting, and either way it must drain, not die.
  const state: { stopSignal?: string; member?: Member } = {};
  const stop = (signal: string): void => {
    if (state.stopSignal !== undefined) return;
    state.stopSignal = signal;
    if (state.member !== undefined) drain(state.member, signal, logger);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  const member = await startMember(settings, logger).catch((error: unknown) => {
    throw asStartupError(error, settings);
  });
  state.member = member;
  logger.withContext(() => ({ term: member.node.status().term }));
  grpcLog.started = true;
  if (state.stopSignal !== undefined) {
    drain(member, state.stopSignal, logger); // Asked to stop while starting.
    return;
  }
  const dataDir = resolve(settings.dataDir);
  const metrics = member.metricsAddress === undefined ? {} : { metrics: member.metricsAddress };
  logger.info("raftkv member ready", {
    client: member.clientAddress, peer: member.peerAddress, ...metrics, dataDir,
    clusterId: settings.clusterId,
  });
  const ready = {
    ready: true, id: settings.id, client: member.clientAddress, peer: member.peerAddress,
    ...metrics, dataDir,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

function version(): string {
  return packageVersion(fileURLToPath(new URL(".", import.meta.url)));
}

/**
 * grpc-js writes its own errors to stderr ("E No address added ..."). They go to our logger
 * instead: at debug level while starting, where the failure that follows says the same in
 * one line, and as warnings once the member runs.
 */
function routeGrpcLog(logger: Logger): { started: boolean } {
  const state = { started: false };
  const write = (level: "debug" | "warn") => (...args: unknown[]): void => {
    logger[level]("grpc-js", { detail: format(...args) });
  };
  grpc.setLogger({
    error: (...args: unknown[]) => write(state.started ? "warn" : "debug")(...args),
    info: write("debug"),
    debug: write("debug"),
  });
  return state;
}

/**
 * Node's process warnings go to our logger as JSON lines instead of free text on stderr;
 * the expected one about TLS to an IP address at debug level (process-warnings.ts).
 */
function routeProcessWarnings(logger: Logger): void {
  onProcessWarning((warning, tlsToIp) => {
    const fields = { name: warning.name, code: warning.code, detail: warning.message };
    if (tlsToIp) logger.debug("node warning (TLS to an IP address)", fields);
    else logger.warn("node warning", fields);
  });
}

function drain(member: Member, signal: string, logger: JsonLogger): void {
  logger.info("shutting down", { signal });
  member.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error("shutdown failed", { error: String(error) });
      process.exit(1);
    },
  );
}

/**
 * Refusals of the data directory an operator must act on (another member's, a damaged or
 * newer database) become StartupErrors naming --data-dir; anything else is a bug and keeps
 * its stack.
 */
function asStartupError(error: unknown, settings: Settings): unknown {
  const refused = error instanceof IdentityMismatchError || error instanceof DatabaseSetupError ||
    error instanceof SchemaVersionError;
  return refused ? new StartupError(`--data-dir ${settings.dataDir}`, error.message, { cause: error }) : error;
}

main().catch((error: unknown) => {
  const text = error instanceof StartupError
    ? error.message
    : error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`raftkv: ${text}\n`);
  process.exit(1);
});
