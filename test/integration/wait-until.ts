import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, and
 * returns that value. A probe that throws counts as "not yet"; its last error is named in
 * the timeout message, which is usually the most useful line of a failed integration test.
 */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 25,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error: unknown) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}
