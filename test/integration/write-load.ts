import { status } from "@grpc/grpc-js";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterHarness } from "./cluster-harness.js";
import { isGrpcError } from "./raftkv-client.js";

/** One write the cluster acknowledged: it must be readable forever after. */
export interface AcknowledgedWrite {
  readonly key: string;
  readonly value: string;
  /** performance.now() when the attempt that succeeded was sent, and when it was acked. */
  readonly sentAtMs: number;
  readonly ackedAtMs: number;
}

const WRITE_DEADLINE_MS = 2000;
const RETRY_PAUSE_MS = 10;

/**
 * A few closed-loop writers, each with one Put in flight, spreading their calls round-robin
 * over whichever members are running (so some calls go through followers). A failed call is
 * retried with the same key and value on the next member: its outcome is unknown, so only
 * acknowledged writes are recorded, and only those are checked later.
 */
export class WriteLoad {
  readonly acknowledged: AcknowledgedWrite[] = [];
  /** Failed attempts, by gRPC status name or error message, for the test's log line. */
  readonly failures = new Map<string, number>();
  private stopping = false;
  private readonly writers: Promise<void>[] = [];

  constructor(private readonly cluster: ClusterHarness, private readonly prefix: string) {}

  start(writerCount: number): void {
    for (let writer = 0; writer < writerCount; writer++) {
      this.writers.push(this.runWriter(writer));
    }
  }

  /** Resolves once at least `count` writes are acknowledged in total. */
  async waitForAcks(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.acknowledged.length < count) {
      if (performance.now() > deadline) {
        throw new Error(`only ${this.acknowledged.length} of ${count} writes acknowledged ` +
          `within ${timeoutMs} ms; failures: ${JSON.stringify([...this.failures])}`);
      }
      await sleep(5);
    }
  }

  /** Stops every writer after its current call and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.writers);
  }

  /** A method, not a field read, so the compiler does not narrow it across awaits. */
  private stopped(): boolean {
    return this.stopping;
  }

  private async runWriter(writer: number): Promise<void> {
    let turn = writer;
    for (let sequence = 0; !this.stopped(); sequence++) {
      const key = `${this.prefix}/${writer}/${sequence}`;
      const value = `value-${writer}-${sequence}`;
      for (;;) {
        if (this.stopped()) return;
        const running = this.cluster.runningIds();
        const target = running[turn % running.length];
        turn += 1;
        if (target === undefined) {
          await sleep(RETRY_PAUSE_MS);
          continue;
        }
        const sentAtMs = performance.now();
        try {
          await this.cluster.client(target).put(
            { key, value: Buffer.from(value) }, { deadlineMs: WRITE_DEADLINE_MS });
          this.acknowledged.push({ key, value, sentAtMs, ackedAtMs: performance.now() });
          break;
        } catch (error: unknown) {
          const name = isGrpcError(error) ? status[error.code] : String(error);
          this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
          await sleep(RETRY_PAUSE_MS);
        }
      }
    }
  }
}

/**
 * Runs `check` over `items` with at most `parallelism` calls in flight, so a few thousand
 * reads finish quickly without opening thousands of HTTP/2 streams at once.
 */
export async function forEachParallel<T>(
  items: readonly T[],
  parallelism: number,
  check: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallelism, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await check(item);
    }
  });
  await Promise.all(lanes);
}
