import { assert } from "../core/assert.js";

/** Tolerance for clocks that count in fractions of a millisecond (a simulated drifting one). */
const EPSILON_TICKS = 1e-6;

/**
 * Keeps the core's time, counted in ticks, in step with the clock. The core only knows time
 * by its ticks: elections, check-quorum and the leader lease all count them. A timer alone
 * drops ticks whenever the process stops running (SIGSTOP, a long GC, a blocked event loop),
 * and a leader that resumes would then believe less time has passed than has: it would
 * serve lease reads after another leader was elected, or vote as if its leader were still
 * fresh. So the driver asks this clock, before it steps any input, how many ticks are owed,
 * and ticks the core that many times first.
 *
 * The schedule is virtual: `tickedUntilMs` advances by whole intervals, so a timer that fires
 * a little late or early neither gains nor loses ticks over time. Catch-up is capped: past
 * two election timeouts more ticks change nothing the core decides.
 */
export class TickClock {
  private tickedUntilMs: number;

  constructor(
    private readonly tickIntervalMs: number,
    private readonly catchUpTicksMax: number,
    nowMs: number,
  ) {
    assert(tickIntervalMs > 0 && Number.isFinite(tickIntervalMs), "a positive tick interval");
    assert(Number.isSafeInteger(catchUpTicksMax) && catchUpTicksMax >= 1, "a catch-up cap");
    this.tickedUntilMs = nowMs;
  }

  /** The timer fired: at least one tick, more if the timer was late by whole intervals. */
  onTimer(nowMs: number): number {
    return this.take(Math.max(1, this.owed(nowMs)), nowMs);
  }

  /**
   * An input is about to be stepped: the ticks clearly missed (two intervals or more behind;
   * one is left to the timer, which is merely due).
   */
  beforeInput(nowMs: number): number {
    const owed = this.owed(nowMs);
    return owed >= 2 ? this.take(owed - 1, nowMs) : 0;
  }

  private owed(nowMs: number): number {
    return Math.floor((nowMs - this.tickedUntilMs) / this.tickIntervalMs + EPSILON_TICKS);
  }

  private take(ticks: number, nowMs: number): number {
    if (ticks > this.catchUpTicksMax) {
      this.tickedUntilMs = nowMs;
      return this.catchUpTicksMax;
    }
    this.tickedUntilMs += ticks * this.tickIntervalMs;
    return ticks;
  }
}
