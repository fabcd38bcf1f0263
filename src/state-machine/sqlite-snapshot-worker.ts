import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import Database from "better-sqlite3";
import { fsyncFile, sha256OfFile } from "../storage/sqlite/snapshot-files.js";
import { copyFileSync, rmSync, statSync } from "node:fs";

/**
 * The snapshot worker: a worker thread that copies the KV database into a snapshot file,
 * or a received snapshot file into a checked copy ready to replace the database, so that a
 * copy of any size never stalls the main event loop (SqliteKvStateMachine starts one per
 * snapshot and per restore it prepares). This file is the worker's entry point and the
 * protocol both sides speak; it starts the worker only when loaded as one (see the end of
 * the file), so the main thread imports it for the types without side effects.
 *
 * The copy is `VACUUM INTO` on the worker's own read-only connection: one read transaction,
 * so under WAL it is the database at one point in time while the main connection keeps
 * applying, and the output is a compact rollback-journal database (openDatabase() turns it
 * back to WAL when a restore opens it). The worker then reads the applied index recorded
 * inside the copy: that, not the index when the copy was asked for, is what it reflects.
 */

/** Marks workerData as a snapshot worker's, so that no other thread starts one. */
export const SQLITE_SNAPSHOT_WORKER_ROLE = "raftkv-sqlite-snapshot-worker";

export type SqliteSnapshotWorkerData =
  | {
    readonly role: typeof SQLITE_SNAPSHOT_WORKER_ROLE;
    readonly job: "snapshot";
    /** The live KV database (WAL mode). */
    readonly source: string;
    /** Where the copy goes; must not exist yet (VACUUM INTO's rule). */
    readonly target: string;
    readonly busyTimeoutMs: number;
  }
  | {
    readonly role: typeof SQLITE_SNAPSHOT_WORKER_ROLE;
    readonly job: "prepare-restore";
    /** A stored snapshot's file (its SHA-256 verified by the store). */
    readonly source: string;
    /** Where the checked copy goes (replaced if it exists). */
    readonly target: string;
  };

/** Worker to main thread, once. */
export type SqliteSnapshotReply =
  | { readonly kind: "done"; readonly appliedIndex: number; readonly sha256: string }
  | { readonly kind: "prepared"; readonly appliedIndex: number }
  | { readonly kind: "failed"; readonly message: string };

/**
 * Copies `data.source` into `data.target`, fsyncs and hashes the copy (here, so that the
 * main thread's commit reads nothing); returns the applied index inside it and its SHA-256.
 */
export function copyKvDatabase(
  data: SqliteSnapshotWorkerData & { readonly job: "snapshot" },
): { readonly appliedIndex: number; readonly sha256: string } {
  const source = new Database(data.source, { readonly: true, fileMustExist: true });
  try {
    source.pragma(`busy_timeout = ${String(data.busyTimeoutMs)}`);
    source.prepare("VACUUM INTO ?").run(data.target);
  } finally {
    source.close();
  }
  const appliedIndex = readCopy(data.target, false);
  fsyncFile(data.target);
  return { appliedIndex, sha256: sha256OfFile(data.target, statSync(data.target).size) };
}

/**
 * Copies a snapshot file to `target`, runs SQLite's quick_check over the copy (what opening
 * a database checks; done here so that the restore's reopen need not scan it on the event
 * loop), reads the applied index inside it, and fsyncs it.
 */
export function prepareRestoreCopy(
  data: SqliteSnapshotWorkerData & { readonly job: "prepare-restore" },
): { readonly appliedIndex: number } {
  rmSync(data.target, { force: true });
  copyFileSync(data.source, data.target);
  const appliedIndex = readCopy(data.target, true);
  fsyncFile(data.target);
  return { appliedIndex };
}

/** The applied index inside the database copy at `path`, after SQLite's quick_check if asked. */
function readCopy(path: string, quickCheck: boolean): number {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    if (quickCheck) {
      const problems = (copy.pragma("quick_check") as { quick_check: string }[])
        .map((row) => row.quick_check).filter((text) => text !== "ok");
      if (problems.length > 0) throw new Error(`quick_check: ${problems.slice(0, 3).join("; ")}`);
    }
    const row = copy.prepare("SELECT applied_index FROM kv_meta WHERE id = 1").get() as
      | { applied_index: number }
      | undefined;
    if (row === undefined) throw new Error("the copy has no kv_meta row");
    return row.applied_index;
  } finally {
    copy.close();
  }
}

function runSnapshotWorker(port: MessagePort, data: SqliteSnapshotWorkerData): void {
  let reply: SqliteSnapshotReply;
  try {
    reply = data.job === "snapshot"
      ? { kind: "done", ...copyKvDatabase(data) }
      : { kind: "prepared", ...prepareRestoreCopy(data) };
  } catch (error) {
    reply = { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
  port.close();
}

function isSnapshotWorkerData(data: unknown): data is SqliteSnapshotWorkerData {
  return typeof data === "object" && data !== null &&
    (data as { role?: unknown }).role === SQLITE_SNAPSHOT_WORKER_ROLE;
}

// The entry point: only in a worker thread started with a snapshot worker's workerData.
if (!isMainThread && parentPort !== null && isSnapshotWorkerData(workerData)) {
  runSnapshotWorker(parentPort, workerData);
}
