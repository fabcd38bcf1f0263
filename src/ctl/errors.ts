import { status as GrpcCode } from "@grpc/grpc-js";

/**
 * The exit codes a script can rely on. Every way raftkvctl ends maps to exactly one of them,
 * chosen in main.ts from the error types below.
 */
export const EXIT_CODE = Object.freeze({
  /** The command did what it was asked (a `get` of a missing key included). */
  success: 0,
  /**
   * A gRPC call failed, an endpoint reported itself unhealthy, or a local file could not be
   * written (snapshot save).
   */
  callFailed: 1,
  /** The command line is wrong: an unknown flag or command, a missing or bad argument. */
  usage: 2,
  /** A bug in raftkvctl itself (EX_SOFTWARE); the stack is on stderr. */
  internal: 70,
});

/**
 * A command line raftkvctl cannot run. `usage` is the usage line of the command it was
 * meant for (or of the tool), printed after the message so the fix is on screen.
 */
export class UsageError extends Error {
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/**
 * A gRPC call that failed with a status, after failover gave up. `details` is the server's
 * message (or ours, for a connection that failed); `message` adds the endpoint. Both are
 * one line.
 */
export class CallError extends Error {
  readonly code: GrpcCode;
  readonly details: string;

  constructor(code: GrpcCode, details: string, endpoint?: string) {
    super(oneLine(endpoint === undefined ? details : `${endpoint}: ${details}`));
    this.name = "CallError";
    this.code = code;
    this.details = oneLine(details);
  }

  /** `Error: <CODE NAME>: <message>`, the line printed to stderr. */
  describe(): string {
    return `Error: ${codeName(this.code)}: ${this.message}`;
  }
}

/**
 * A failure on this machine rather than in a call: a file raftkvctl could not create,
 * write or rename (snapshot save). Printed as `Error: <message>`; exit 1. The message is
 * one line and names the file.
 */
export class LocalError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = "LocalError";
  }
}

/**
 * A command that went to every endpoint and printed every outcome, some of them failures
 * (`status`, `endpoint health`). The failures are already on screen; this carries exit 1.
 */
export class PartialFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartialFailure";
  }
}

/** The canonical upper-case name of a gRPC status code (`UNAVAILABLE`), or its number. */
export function codeName(code: GrpcCode): string {
  const name = (GrpcCode as unknown as Record<number, string | undefined>)[code];
  return name ?? `code ${String(code)}`;
}

/** Newlines from a server message would break the one-line contract of stderr. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
