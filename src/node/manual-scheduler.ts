import type { Scheduler } from "./scheduler.js";

interface Periodic {
  readonly intervalMs: number;
  nextMs: number;
  readonly task: () => void;
}

/**
 * A Scheduler whose time moves only when a test says so (hashicorp/raft's in-memory parts
 * serve the same purpose): soon() tasks run on runSoon() or advance(), periodic tasks when
 * advance() passes their time. Nothing runs by itself, so a test decides every order.
 */
export class ManualScheduler implements Scheduler {
  private clockMs = 0;
  private soonTasks: (() => void)[] = [];
  private readonly periodic = new Set<Periodic>();

  nowMs(): number {
    return this.clockMs;
  }

  soon(task: () => void): void {
    this.soonTasks.push(task);
  }

  every(intervalMs: number, task: () => void): () => void {
    const entry: Periodic = { intervalMs, nextMs: this.clockMs + intervalMs, task };
    this.periodic.add(entry);
    return () => this.periodic.delete(entry);
  }

  /** Runs soon() tasks, including those they schedule, until none is left. */
  runSoon(): void {
    for (let rounds = 0; this.soonTasks.length > 0; rounds++) {
      if (rounds > 100_000) throw new Error("soon() tasks keep scheduling each other");
      const tasks = this.soonTasks;
      this.soonTasks = [];
      for (const task of tasks) task();
    }
  }

  /** Moves the clock forward by `ms`, firing due periodic tasks in time order. */
  advance(ms: number): void {
    const endMs = this.clockMs + ms;
    this.runSoon();
    for (;;) {
      let next: Periodic | undefined;
      for (const entry of this.periodic) {
        if (entry.nextMs <= endMs && (next === undefined || entry.nextMs < next.nextMs)) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.clockMs = next.nextMs;
      next.nextMs += next.intervalMs;
      next.task();
      this.runSoon();
    }
    this.clockMs = endMs;
  }
}
