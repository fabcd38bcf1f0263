#!/usr/bin/env node
import { startMember, type Member } from "./member.js";
import { JsonLogger } from "./observability/logger.js";
import { loadSettings, SettingsError } from "./settings.js";
import { SchemaVersionError } from "./storage/sqlite/migrations.js";
import { DatabaseSetupError } from "./storage/sqlite/open-database.js";
import { IdentityMismatchError } from "./storage/sqlite/sqlite-log-store.js";

/**
 * The `raftkv` binary: parse settings, start the member, print one ready line, and drain
 * on SIGTERM/SIGINT (Node as PID 1 in a container gets no default signal handling).
 */
async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.argv.slice(2), process.env);
  } catch (error: unknown) {
    if (error instanceof SettingsError) {
      process.stderr.write(`raftkv: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = new JsonLogger(settings.logLevel, { member: settings.id });
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
  const member = await startMember(settings, logger);
  state.member = member;
  if (state.stopSignal !== undefined) {
    drain(member, state.stopSignal, logger); // Asked to stop while starting.
    return;
  }
  logger.info("raftkv member ready", {
    client: member.clientAddress, peer: member.peerAddress, dataDir: settings.dataDir,
    clusterId: settings.clusterId,
  });
  const ready = {
    ready: true, id: settings.id, client: member.clientAddress, peer: member.peerAddress,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
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
 * Refusals an operator must act on (another member's data directory, a damaged or newer
 * database) are reported as one line; anything else is a bug and keeps its stack.
 */
function isStartupRefusal(error: unknown): error is Error {
  return (
    error instanceof IdentityMismatchError || error instanceof DatabaseSetupError ||
    error instanceof SchemaVersionError
  );
}

main().catch((error: unknown) => {
  const text = isStartupRefusal(error)
    ? `cannot start: ${error.message}`
    : error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`raftkv: ${text}\n`);
  process.exit(1);
});
