import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { logIndex } from "../core/ids.js";
import { typescriptWorkerBootstrap } from "../runtime/typescript-worker-bootstrap.js";
import type { SnapshotOutcome } from "./state-machine.js";
import {
  SQLITE_SNAPSHOT_WORKER_ROLE, type SqliteSnapshotReply, type SqliteSnapshotWorkerData,
} from "./sqlite-snapshot-worker.js";

/**
 * Copies the KV database at `source` into `target` on a worker thread
 * (sqlite-snapshot-worker.ts) and calls `done` once, on a later turn, with the applied
 * index inside the copy, or with the error if the worker failed or died.
 */
export function produceSqliteSnapshot(
  options: { readonly source: string; readonly target: string; readonly busyTimeoutMs: number },
  done: (outcome: SnapshotOutcome) => void,
): void {
  runWorkerJob({ role: SQLITE_SNAPSHOT_WORKER_ROLE, job: "snapshot", ...options }, (reply) => {
    if (reply instanceof Error) done({ ok: false, error: reply });
    else if (reply.kind === "done") {
      done({ ok: true, index: logIndex(reply.appliedIndex), sha256: reply.sha256 });
    } else done({ ok: false, error: new Error(`the snapshot copy failed: ${failure(reply)}`) });
  });
}

/** How a restore's preparation ended: the applied index inside the checked copy, or why not. */
export type RestorePreparationOutcome =
  | { readonly ok: true; readonly appliedIndex: number }
  | { readonly ok: false; readonly error: Error };

/**
 * Copies the snapshot file `source` to `target` on a worker thread, checks the copy
 * (quick_check, the applied index inside) and fsyncs it (sqlite-snapshot-worker.ts), and
 * calls `done` once, on a later turn.
 */
export function prepareSqliteRestore(
  options: { readonly source: string; readonly target: string },
  done: (outcome: RestorePreparationOutcome) => void,
): void {
  runWorkerJob({ role: SQLITE_SNAPSHOT_WORKER_ROLE, job: "prepare-restore", ...options }, (reply) => {
    if (reply instanceof Error) done({ ok: false, error: reply });
    else if (reply.kind === "prepared") done({ ok: true, appliedIndex: reply.appliedIndex });
    else done({ ok: false, error: new Error(`preparing the restore failed: ${failure(reply)}`) });
  });
}

/** Runs one job on a new worker; `done` once, on a later turn, with its reply or the error. */
function runWorkerJob(
  data: SqliteSnapshotWorkerData, done: (reply: SqliteSnapshotReply | Error) => void,
): void {
  let settled = false;
  const settle = (reply: SqliteSnapshotReply | Error): void => {
    if (settled) return;
    settled = true;
    done(reply);
  };
  let worker: Worker;
  try {
    worker = startSnapshotWorker(data);
  } catch (error) {
    queueMicrotask(() => settle(asError(error)));
    return;
  }
  worker.once("message", (reply: SqliteSnapshotReply) => settle(reply));
  worker.once("error", (error) => settle(error));
  worker.once("exit", (code) => {
    settle(new Error(`the snapshot worker exited (code ${String(code)})`));
  });
}

function failure(reply: SqliteSnapshotReply): string {
  return reply.kind === "failed" ? reply.message : `unexpected reply ${reply.kind}`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Where the worker's code is, found relative to this module as WorkerSqliteLogStore finds
 * its worker (see there): the compiled sqlite-snapshot-worker.js beside this file in dist/,
 * or, under jest, the TypeScript source run through typescriptWorkerBootstrap.
 */
const WORKER_ENTRY = new URL("./sqlite-snapshot-worker.js", import.meta.url);

function startSnapshotWorker(workerData: SqliteSnapshotWorkerData): Worker {
  const compiled = fileURLToPath(WORKER_ENTRY);
  if (existsSync(compiled)) return new Worker(WORKER_ENTRY, { workerData });
  const source = compiled.replace(/\.js$/, ".ts");
  if (!existsSync(source)) {
    throw new Error(`the snapshot worker is missing: neither ${compiled} nor ${source} exists`);
  }
  const swc = createRequire(WORKER_ENTRY).resolve("@swc/core");
  const bootstrapData = { ...workerData, entry: source, swc };
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: bootstrapData });
}

/** Run by the worker when only sources exist (see typescriptWorkerBootstrap). */
const TYPESCRIPT_BOOTSTRAP = typescriptWorkerBootstrap("require(workerData.entry);");
