/**
 * A startup failure an operator can fix: a bad flag, an address already in use, an unusable
 * data directory. `subject` names the setting and the value it had (`--listen-client
 * 127.0.0.1:7379`, or `RAFTKV_ID=0` when the value came from the environment); `reason` says
 * what is wrong with it. main.ts prints `raftkv: <subject>: <reason>` as one line and exits
 * 1, with no stack: the stack would point into raftkv, while the fix is in the command line.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
  readonly subject: string;
  readonly reason: string;

  constructor(subject: string, reason: string, options?: { cause?: unknown }) {
    super(`${subject}: ${reason}`, options);
    this.subject = subject;
    this.reason = reason;
  }
}

/** Plain words for the system errors a member can meet while starting, by errno code. */
const SYSTEM_ERROR_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "exists and is not a directory",
  ENOENT: "no such file or directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EISDIR: "is a directory",
};

/** The errno code (`EADDRINUSE`) an error carries, as a property or inside its message. */
export function systemErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  // grpc-js reports a failed bind as text only: "... errors: [listen EADDRINUSE: ...]".
  return /\b(E[A-Z]{3,})\b/.exec(error.message)?.[1];
}

/** A short reason for a failed system call: plain words for a known errno, else the message. */
export function describeSystemError(error: unknown): string {
  const code = systemErrorCode(error);
  const text = code === undefined ? undefined : SYSTEM_ERROR_TEXT[code];
  if (text !== undefined) return text;
  return error instanceof Error ? error.message : String(error);
}

/** Why grpc-js could not bind an address, in the words of describeSystemError(). */
export function describeBindError(error: unknown): string {
  if (error instanceof Error && /name resolution failed/i.test(error.message)) {
    return "cannot resolve the host name";
  }
  return describeSystemError(error);
}
