/** What one load-generator run measured; printed as JSON and read back by run-bench. */
export interface LatencySummary {
  readonly label: string;
  readonly api: "raftkv" | "etcd";
  /** What each call was: a Put, or a linearizable read of one key. */
  readonly op: "put" | "get";
  readonly targets: readonly string[];
  readonly concurrency: number;
  readonly valueBytes: number;
  /** Length of the measured window (the warm-up excluded), in seconds. */
  readonly durationS: number;
  /** Calls (Puts, or reads with op "get") answered inside the measured window. */
  readonly writes: number;
  readonly writesPerS: number;
  /** Failed Puts inside the window (any status); they count in no percentile. */
  readonly errors: number;
  /** Exact percentiles of every acknowledged Put's latency in the window, in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/**
 * The exact q-quantile of an ascending array by the nearest-rank method: the smallest
 * sample with at least q of all samples at or below it. No histogram, no interpolation,
 * so p99 of 100 samples is the 99th smallest. Precondition: `sorted` ascends, 0 < q <= 1.
 */
export function nearestRank(sorted: Float64Array, q: number): number {
  if (!(q > 0 && q <= 1)) throw new Error(`quantile must be in (0, 1], got ${q}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Percentiles, max and mean of latencies in milliseconds (the array is sorted in place). */
export function summarizeLatencies(latenciesMs: Float64Array): {
  p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; meanMs: number;
} {
  latenciesMs.sort();
  let total = 0;
  for (const latency of latenciesMs) total += latency;
  return {
    p50Ms: nearestRank(latenciesMs, 0.5),
    p99Ms: nearestRank(latenciesMs, 0.99),
    p999Ms: nearestRank(latenciesMs, 0.999),
    maxMs: latenciesMs.length === 0 ? Number.NaN : latenciesMs[latenciesMs.length - 1]!,
    meanMs: latenciesMs.length === 0 ? Number.NaN : total / latenciesMs.length,
  };
}

/** The one-line human form of a summary. */
export function formatSummary(summary: LatencySummary): string {
  const ms = (value: number): string => `${value.toFixed(2)}ms`;
  const unit = summary.op === "put" ? "writes" : "reads";
  return `${summary.label}: C=${summary.concurrency} ${summary.writesPerS.toFixed(0)} ${unit}/s ` +
    `p50=${ms(summary.p50Ms)} p99=${ms(summary.p99Ms)} p999=${ms(summary.p999Ms)} ` +
    `max=${ms(summary.maxMs)} (${summary.writes} ${unit}, ${summary.errors} errors, ` +
    `${summary.durationS}s, ${summary.valueBytes} B values)`;
}
