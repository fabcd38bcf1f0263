import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { withPersist, type AsyncLogStore } from "./async-log-store.js";

/** The environment variable naming the failpoint file; unset in production. */
export const LOG_WRITE_DELAY_FAILPOINT = "RAFTKV_FAILPOINT_LOG_WRITE_DELAY_FILE";
/** How often the failpoint file is read. */
const FAILPOINT_POLL_MS = 100;

/**
 * Test-only failpoint: a slow disk on demand. When RAFTKV_FAILPOINT_LOG_WRITE_DELAY_FILE
 * names a file (relative to the data directory, so members started with one environment
 * each read their own), every log write reports durable that many milliseconds late (the
 * file's content; 0, empty or absent: no delay). The file is read every 100 ms, so a test turns the
 * slow disk on for the member that leads at that moment. Without the variable the store is
 * returned unchanged: production pays nothing.
 */
export function withLogWriteFailpoint(
  store: AsyncLogStore, env: NodeJS.ProcessEnv, dataDir: string,
): AsyncLogStore {
  const named = env[LOG_WRITE_DELAY_FAILPOINT];
  if (named === undefined || named === "") return store;
  const path = resolve(dataDir, named);
  let delayMs = 0;
  const poll = (): void => {
    try {
      const value = Number(readFileSync(path, "utf8").trim());
      delayMs = Number.isFinite(value) && value > 0 ? value : 0;
    } catch {
      delayMs = 0;
    }
  };
  poll();
  // Unreferenced: the poll never keeps a stopping member alive.
  setInterval(poll, FAILPOINT_POLL_MS).unref();
  return withPersist(store, (target, batch, onDurable) => {
    const delay = delayMs;
    target.persist(batch, delay === 0 ? onDurable : () => setTimeout(onDurable, delay));
  });
}
