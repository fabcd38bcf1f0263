import { performance } from "node:perf_hooks";
import type { Scheduler } from "../node/scheduler.js";

/** The Scheduler of a real process: the event loop's clock and timers. */
export class SystemScheduler implements Scheduler {
  nowMs(): number {
    return performance.now();
  }

  soon(task: () => void): void {
    setImmediate(task);
  }

  every(intervalMs: number, task: () => void): () => void {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`intervalMs must be a positive integer, got ${String(intervalMs)}`);
    }
    const handle = setInterval(task, intervalMs);
    return () => clearInterval(handle);
  }
}
