/** How often the probe's timer is due. */
const PROBE_INTERVAL_MS = 100;

/**
 * Measures event-loop stalls the simple way: a timer due every PROBE_INTERVAL_MS reports how
 * late it fired. A late timer is exactly what delays heartbeats and client calls, which is
 * what an operator needs to see (perf_hooks' monitorEventLoopDelay gives percentiles since
 * a reset, which do not map onto a Prometheus histogram).
 */
export function startEventLoopProbe(record: (delayMs: number) => void): () => void {
  let expected = performance.now() + PROBE_INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    record(now - expected);
    expected = now + PROBE_INTERVAL_MS;
  }, PROBE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
