/**
 * The process's only Raft timer. The core counts ticks; this turns wall time into ticks.
 * Tests use ManualTicker to step time by hand.
 */
export interface Ticker {
  start(onTick: () => void): void;
  stop(): void;
}

export class IntervalTicker implements Ticker {
  private handle: NodeJS.Timeout | undefined;

  constructor(private readonly tickIntervalMs: number) {
    if (!Number.isInteger(tickIntervalMs) || tickIntervalMs <= 0) {
      throw new RangeError(`tickIntervalMs must be a positive integer, got ${String(tickIntervalMs)}`);
    }
  }

  start(onTick: () => void): void {
    if (this.handle !== undefined) throw new Error("ticker already started");
    this.handle = setInterval(onTick, this.tickIntervalMs);
  }

  stop(): void {
    if (this.handle !== undefined) clearInterval(this.handle);
    this.handle = undefined;
  }
}

export class ManualTicker implements Ticker {
  private onTick: (() => void) | undefined;

  start(onTick: () => void): void {
    this.onTick = onTick;
  }

  stop(): void {
    this.onTick = undefined;
  }

  /** Fires `count` ticks synchronously. */
  tick(count = 1): void {
    for (let i = 0; i < count; i++) this.onTick?.();
  }
}
