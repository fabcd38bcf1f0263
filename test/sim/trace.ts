import type { Message } from "../../src/core/message.js";
import type { PersistBatch } from "../../src/storage/log-store.js";

/**
 * The replay trace: one line per event, "time node what". Formatting is skipped entirely
 * when tracing is off, which is what keeps the seed sweeps fast. The running hash lets a
 * test prove that one seed always gives the same trace (docs/testing.md, Determinism).
 */
export class Trace {
  private hash = 0x811c9dc5;
  private lineCount = 0;
  private readonly tail: string[] = [];

  /**
   * @param sink receives each line (e.g. stdout for SEED replays); undefined: not printed.
   * @param tailLines how many of the latest lines to keep for failure reports.
   */
  constructor(
    readonly enabled: boolean,
    private readonly sink: ((line: string) => void) | undefined,
    private readonly tailLines = 0,
  ) {}

  /** Records one line; `what` is only called when tracing is on. */
  line(timeMicros: number, node: number | undefined, what: () => string): void {
    if (!this.enabled) return;
    const text = `${formatTime(timeMicros)} ${node === undefined ? "--" : `n${node}`} ${what()}`;
    // 32-bit FNV-1a over the line's UTF-16 code units and a closing newline.
    for (let i = 0; i < text.length; i++) {
      this.hash = Math.imul(this.hash ^ text.charCodeAt(i), 0x01000193);
    }
    this.hash = Math.imul(this.hash ^ 10, 0x01000193);
    this.lineCount++;
    if (this.tailLines > 0) {
      this.tail.push(text);
      if (this.tail.length > this.tailLines) this.tail.shift();
    }
    this.sink?.(text);
  }

  /** A digest of every line so far, as 8 hex digits plus the line count. */
  digest(): string {
    return `${(this.hash >>> 0).toString(16).padStart(8, "0")}/${this.lineCount}`;
  }

  lastLines(): readonly string[] {
    return this.tail;
  }
}

/** Virtual microseconds as seconds with millisecond digits and microseconds, e.g. "12.345678". */
export function formatTime(timeMicros: number): string {
  const seconds = Math.floor(timeMicros / 1_000_000);
  const micros = timeMicros % 1_000_000;
  return `${seconds}.${String(micros).padStart(6, "0")}`;
}

/** A compact, readable rendering of a core message for traces. */
export function describeMessage(message: Message): string {
  const head = `${message.type} ${message.from}->${message.to} t${message.term}`;
  switch (message.type) {
    case "vote-request":
      return `${head}${message.preVote ? " pre" : ""} last=${message.lastLogIndex}/${message.lastLogTerm}${message.leadershipTransfer ? " transfer" : ""}`;
    case "vote-response":
      return `${head}${message.preVote ? " pre" : ""} ${message.granted ? "granted" : "rejected"}`;
    case "append-request": {
      const span = message.entries.length === 0 ? "" : ` [${message.entries[0]!.index}..${message.entries[message.entries.length - 1]!.index}]`;
      return `${head} prev=${message.prevLogIndex}/${message.prevLogTerm}${span} commit=${message.leaderCommit}`;
    }
    case "append-response":
      return message.success
        ? `${head} ok match=${message.matchIndex}`
        : `${head} reject at=${message.rejectedIndex} hint=${message.hintIndex}/${message.hintTerm}`;
    case "heartbeat-request":
      return `${head} commit=${message.commit} round=${message.readRound}`;
    case "heartbeat-response":
      return `${head} round=${message.readRound}`;
    case "snapshot-request":
      return `${head} snapshot=${message.snapshot.index}/${message.snapshot.term} voters=${message.snapshot.config.voters.join(",")}`;
    case "timeout-now":
      return head;
    case "read-index-request":
      return `${head} req=${message.requestId}`;
    case "read-index-response":
      return `${head} req=${message.requestId} index=${message.readIndex ?? "none"}`;
  }
}

/** A compact rendering of a Ready's durable part (snapshot, entries, hard state). */
export function describePersist(ready: PersistBatch): string {
  const parts: string[] = ["persist"];
  if (ready.snapshot !== undefined) parts.push(`snapshot=${ready.snapshot.index}/${ready.snapshot.term}`);
  if (ready.entries.length > 0) {
    const first = ready.entries[0]!;
    const last = ready.entries[ready.entries.length - 1]!;
    parts.push(`entries=${first.index}..${last.index}@t${last.term}`);
  }
  const hs = ready.hardState;
  if (hs !== undefined) parts.push(`hs=t${hs.term} v${hs.vote} c${hs.commit}`);
  return parts.join(" ");
}
