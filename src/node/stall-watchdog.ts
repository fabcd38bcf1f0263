/** Why a leader gives up leadership: its disk, or its event loop, stalled past the bound. */
export interface Stall {
  readonly kind: "log-write" | "event-loop";
  readonly stalledMs: number;
}

/**
 * The disk-stall watchdog's rule (no peer system has one): a leader whose oldest log write
 * has been in flight longer than `boundMs`, or whose tick timer fired more than `boundMs`
 * late (the event loop was blocked), must not keep leading. While it leads, heartbeats still
 * flow, so followers never elect anyone else, yet it applies nothing past its own durable
 * log: every client write waits on its disk. Stepping down lets a healthy member lead
 * within the bound plus an election timeout. 0 turns the rule off.
 */
export class StallWatchdog {
  constructor(private readonly boundMs: number) {}

  /** The stall to act on, if any. `loopLateMs`: how late this tick's timer fired. */
  check(oldestWriteAgeMs: number, loopLateMs: number): Stall | undefined {
    if (this.boundMs <= 0) return undefined;
    if (oldestWriteAgeMs > this.boundMs) return { kind: "log-write", stalledMs: oldestWriteAgeMs };
    if (loopLateMs > this.boundMs) return { kind: "event-loop", stalledMs: loopLateMs };
    return undefined;
  }
}
