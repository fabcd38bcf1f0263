/** Structured logging port; the JSON adapter below writes one object per line to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * JSON lines on a writable stream (stderr by default), with a fixed set of base fields and
 * the fields `context()` gives at each line (the member's current term, once it runs).
 */
export class JsonLogger implements Logger {
  private context: () => Record<string, unknown> = () => ({});

  constructor(
    private readonly level: LogLevel,
    private readonly base: Record<string, unknown> = {},
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  /** Adds fields read at every line, e.g. the Raft term: `() => ({ term })`. */
  withContext(context: () => Record<string, unknown>): void {
    this.context = context;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log("debug", message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log("info", message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log("warn", message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log("error", message, fields);
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    const record = {
      time: new Date().toISOString(), level, msg: message, ...this.base, ...this.context(),
      ...fields,
    };
    this.write(`${JSON.stringify(record)}\n`);
  }
}
