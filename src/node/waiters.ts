import { QueueFullError, DeadlineExceededError } from "./errors.js";

/** A promise settled later by the driver, with a deadline in monotonic milliseconds. */
export interface Waiter<T> {
  readonly deadlineMs: number;
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * A bounded table of waiters keyed by a number (a log index or a read request id). Full
 * means reject, never grow (docs/style.md, Everything has a limit). Deadlines are checked
 * on ticks, so there is no timer per request.
 */
export class WaiterTable<T, Extra = undefined> {
  private readonly waiters = new Map<number, Waiter<T> & { extra: Extra }>();

  constructor(private readonly capacity: number, private readonly what: string) {}

  get size(): number {
    return this.waiters.size;
  }

  add(key: number, deadlineMs: number, extra: Extra): Promise<T> {
    if (this.waiters.size >= this.capacity) {
      return Promise.reject(new QueueFullError(`too many pending ${this.what} (limit ${String(this.capacity)})`));
    }
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(key, { deadlineMs, resolve, reject, extra });
    });
  }

  get(key: number): (Waiter<T> & { extra: Extra }) | undefined {
    return this.waiters.get(key);
  }

  resolve(key: number, value: T): void {
    const waiter = this.waiters.get(key);
    if (waiter === undefined) return;
    this.waiters.delete(key);
    waiter.resolve(value);
  }

  reject(key: number, error: Error): void {
    const waiter = this.waiters.get(key);
    if (waiter === undefined) return;
    this.waiters.delete(key);
    waiter.reject(error);
  }

  /** Settles, in key order, every waiter for which `decide` returns a settlement. */
  settleWhere(
    decide: (key: number, extra: Extra) => { value: T } | { error: Error } | undefined,
  ): void {
    for (const [key, waiter] of this.waiters) {
      const outcome = decide(key, waiter.extra);
      if (outcome === undefined) continue;
      this.waiters.delete(key);
      if ("error" in outcome) waiter.reject(outcome.error);
      else waiter.resolve(outcome.value);
    }
  }

  expire(nowMs: number): void {
    for (const [key, waiter] of this.waiters) {
      if (waiter.deadlineMs > nowMs) continue;
      this.waiters.delete(key);
      waiter.reject(new DeadlineExceededError(`${this.what} did not complete before its deadline`));
    }
  }

  rejectAll(error: Error): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const waiter of all) waiter.reject(error);
  }
}
