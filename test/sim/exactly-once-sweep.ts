import { parentPort, Worker, workerData } from "node:worker_threads";
import { typescriptWorkerBootstrap } from "../../src/runtime/typescript-worker-bootstrap.js";
import { addExactlyOnce, noExactlyOnce, type ExactlyOnceStats } from "./exactly-once.js";
import { DEFAULT_SIM_OPTIONS, replayHint, runSimulation, type SimOptions } from "./simulator.js";

/**
 * A seed sweep that also sums what the exactly-once checker saw, so that a test can show the
 * retries it proves safe really happened (seed-sweep.ts reports violations and the
 * power-loss model only). It runs in a worker thread for the reason seed-sweep.ts gives:
 * jest's vm context makes the simulator about ten times slower.
 */
export interface ExactlyOnceSweep {
  readonly seedsRun: number;
  /** Each failing seed's violation, with the command that replays it. */
  readonly failures: readonly string[];
  readonly stats: ExactlyOnceStats;
}

/** Runs `count` seeds from `first`, each a simulation of `shape` over the defaults. */
export async function sweepExactlyOnce(
  first: number, count: number, shape: Partial<SimOptions>,
): Promise<ExactlyOnceSweep> {
  const failures: string[] = [];
  const stats = noExactlyOnce();
  for (let seed = first; seed < first + count; seed++) {
    const result = await runSimulation({ ...DEFAULT_SIM_OPTIONS, ...shape, seed });
    addExactlyOnce(stats, result.exactlyOnce);
    if (result.violation !== undefined) {
      failures.push(`seed ${seed}: ${result.violation}\n  replay: ${replayHint(seed)}`);
    }
  }
  return { seedsRun: count, failures, stats };
}

/** sweepExactlyOnce in a fresh worker thread; rejects if the worker dies first. */
export function sweepExactlyOnceInWorker(
  first: number, count: number, shape: Partial<SimOptions>,
): Promise<ExactlyOnceSweep> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      workerData: { first, count, shape, entry: __filename, swc: require.resolve("@swc/core") },
    });
    let settled = false;
    worker.once("message", (sweep: ExactlyOnceSweep) => {
      settled = true;
      resolve(sweep);
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`exactly-once sweep worker exited with code ${code}`));
    });
  });
}

/** The worker's entry point, called by WORKER_BOOTSTRAP once this file is loaded there. */
export async function exactlyOnceWorkerMain(): Promise<void> {
  const data = workerData as { first: number; count: number; shape: Partial<SimOptions> };
  parentPort?.postMessage(await sweepExactlyOnce(data.first, data.count, data.shape));
}

const WORKER_BOOTSTRAP = typescriptWorkerBootstrap(
  "require(workerData.entry).exactlyOnceWorkerMain();",
);
