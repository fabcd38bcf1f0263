import { availableParallelism } from "node:os";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { assert } from "../../src/core/assert.js";
import { addPowerLoss, noPowerLoss, type PowerLossStats } from "./power-loss.js";
import { typescriptWorkerBootstrap } from "../../src/runtime/typescript-worker-bootstrap.js";
import { DEFAULT_SIM_OPTIONS, replayHint, runSimulation, type SimOptions } from "./simulator.js";

/**
 * Seed sweeps for the jest tests, run in a worker thread at full speed.
 *
 * Why a worker: jest runs test code inside a `vm` context, where every read of a global
 * (`Number`, `Math`, `String`, `Map`...) goes through the context's property interceptor, at
 * roughly 100 ns instead of 1 ns. The simulator's hot paths are full of such reads (the
 * branded-id constructors, hash chains, assertion messages), so a seed costs about ten times
 * more CPU under jest than under plain node (measured: 300 seeds took 258 s in jest and 16 s
 * with sim-cli.js). A worker thread is an ordinary context, so it runs at node speed.
 *
 * The worker compiles the current TypeScript sources itself, with the same @swc/core options
 * as jest.config.cjs, so a sweep never runs a stale build; nothing needs `npm run build`.
 * Sweeps are as deterministic as in-process runs: a failure names its seed and how to replay
 * it with the CLI.
 */

/**
 * One sweep: `count` seeds from `first`, `seedStep` apart (default 1), each a simulation of
 * `shape` over the defaults.
 */
export interface SweepRequest {
  readonly first: number;
  readonly count: number;
  /** Distance between consecutive seeds: 2 sweeps every other seed (one parity). */
  readonly seedStep?: number;
  /** Structured-cloneable (no trace sink): it crosses to the worker by postMessage. */
  readonly shape: Partial<SimOptions>;
  /** Stop at the first violation (planted-bug detection) instead of running every seed. */
  readonly stopAtFirst: boolean;
}

export interface SweepFailure {
  readonly seed: number;
  readonly violation: string;
}

export interface SweepReport {
  readonly seedsRun: number;
  readonly failures: readonly SweepFailure[];
  readonly seconds: number;
  readonly seedsPerSecond: number;
  /** Summed over the seeds run: how much the power-loss model was exercised. */
  readonly powerLoss: PowerLossStats;
}

/** Runs the sweep here, in the calling context (so inside jest's vm when called from a test). */
export async function sweepInProcess(request: SweepRequest): Promise<SweepReport> {
  const failures: SweepFailure[] = [];
  const startedMs = performance.now();
  const powerLoss = noPowerLoss();
  let seedsRun = 0;
  const step = request.seedStep ?? 1;
  assert(Number.isSafeInteger(step) && step >= 1, "seedStep must be a positive integer");
  for (let k = 0; k < request.count; k++) {
    const seed = request.first + k * step;
    const result = await runSimulation({ ...DEFAULT_SIM_OPTIONS, ...request.shape, seed });
    seedsRun++;
    addPowerLoss(powerLoss, result.powerLoss);
    if (result.violation !== undefined) {
      failures.push({ seed, violation: result.violation });
      if (request.stopAtFirst) break;
    }
  }
  const seconds = (performance.now() - startedMs) / 1000;
  const seedsPerSecond = seedsRun / Math.max(seconds, 1e-9);
  return { seedsRun, failures, seconds, seedsPerSecond, powerLoss };
}

/** Runs the sweep in a fresh worker thread; rejects if the worker dies or exits early. */
export function sweepInWorker(request: SweepRequest): Promise<SweepReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      workerData: { request, entry: __filename, swc: require.resolve("@swc/core") },
    });
    let settled = false;
    worker.once("message", (report: SweepReport) => {
      settled = true;
      resolve(report);
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`sweep worker exited with code ${code} before reporting`));
    });
  });
}

/**
 * Runs the sweep split into `threads` contiguous seed ranges, one worker each, at once: jest
 * runs test files one at a time on a 2-core machine (its default maxWorkers is cores - 1),
 * so a sweep uses both cores only by fanning out itself. The merged report lists failures by
 * seed; with stopAtFirst, its first failure is still the lowest failing seed, since every
 * range runs until its own first one.
 */
export async function sweepInWorkers(request: SweepRequest, threads: number): Promise<SweepReport> {
  const chunks = Math.max(1, Math.min(threads, request.count));
  const startedMs = performance.now();
  const requests: SweepRequest[] = [];
  const step = request.seedStep ?? 1;
  for (let k = 0; k < chunks; k++) {
    const from = Math.floor((request.count * k) / chunks);
    const to = Math.floor((request.count * (k + 1)) / chunks);
    requests.push({ ...request, first: request.first + from * step, count: to - from });
  }
  const reports = await Promise.all(requests.map((chunk) => sweepInWorker(chunk)));
  const seconds = (performance.now() - startedMs) / 1000;
  const seedsRun = reports.reduce((sum, report) => sum + report.seedsRun, 0);
  const failures = reports.flatMap((report) => report.failures).sort((a, b) => a.seed - b.seed);
  const powerLoss = noPowerLoss();
  for (const report of reports) addPowerLoss(powerLoss, report.powerLoss);
  const seedsPerSecond = seedsRun / Math.max(seconds, 1e-9);
  return { seedsRun, failures, seconds, seedsPerSecond, powerLoss };
}

/** Worker threads for one sweep: one per core, at most 2 (the CI machine's cores). */
export const SWEEP_THREADS = Math.max(1, Math.min(2, availableParallelism()));

/**
 * Failure lines for a test assertion: the violation and the command that replays it;
 * `replayEnv` names the CLI variables that give the sweep's shape (e.g. "VOTERS=5").
 */
export function describeFailures(report: SweepReport, replayEnv = ""): string[] {
  const shape = replayEnv === "" ? "" : ` (with ${replayEnv})`;
  return report.failures.map((f) => `seed ${f.seed}: ${f.violation}\n  replay${shape}: ${replayHint(f.seed)}`);
}

/** The worker's entry point, called by WORKER_BOOTSTRAP once this file is loaded there. */
export async function sweepWorkerMain(): Promise<void> {
  const data = workerData as { request: SweepRequest };
  parentPort?.postMessage(await sweepInProcess(data.request));
}

/** Run by the worker: loads this file from source and runs the sweep. */
const WORKER_BOOTSTRAP = typescriptWorkerBootstrap("require(workerData.entry).sweepWorkerMain();");
