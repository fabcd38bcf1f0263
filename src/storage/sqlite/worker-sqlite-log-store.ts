import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { assert, unreachable } from "../../core/assert.js";
import type { Entry, HardState, SnapshotMeta } from "../../core/entry.js";
import type { LogIndex, Term } from "../../core/ids.js";
import type { AsyncLogStore } from "../async-log-store.js";
import type { LogStore, PersistBatch } from "../log-store.js";
import { typescriptWorkerBootstrap } from "../../runtime/typescript-worker-bootstrap.js";
import { SyncAsyncLogStore } from "../sync-async-log-store.js";
import {
  encodeBatch,
  LOG_WRITE_WORKER_ROLE,
  type LogWriteReply,
  type LogWriteRequest,
  type LogWriteWorkerData,
  type StoreSummary,
} from "./log-write-worker.js";
import { SqliteLogStore, type SqliteLogStoreOptions } from "./sqlite-log-store.js";

/**
 * The most writes (persists and compactions) in flight at once; it bounds the worker's
 * queue. The driver bounds its own below this (RaftNode's writesInFlightMax, which
 * src/member.ts sets to READY_WRITES_IN_FLIGHT_MAX = 64, plus at most one compaction), so
 * reaching it is a programmer error.
 */
export const LOG_WRITES_IN_FLIGHT_MAX = 1024;

export interface WorkerSqliteLogStoreOptions extends SqliteLogStoreOptions {
  /**
   * Told once when a write fails or the worker dies. Raft cannot go on once it may have
   * lost an acknowledged write (AsyncLogStore contract), so the composition root ends the
   * process here. Default: throw the error from the worker's event, an uncaught exception.
   */
  readonly onFatal?: ((error: Error) => void) | undefined;
}

/**
 * The production AsyncLogStore: SqliteLogStore with its writes and fsyncs moved off the
 * main event loop (etcd-io/raft's asynchronous storage writes), so the loop keeps stepping
 * messages, ticking and serving reads while the disk works.
 *
 * Two connections on one file (WAL lets one read while the other writes):
 * - a worker thread (log-write-worker.ts) owns the WRITE connection, a SqliteLogStore opened
 *   with the same options (WAL, synchronous=FULL, one transaction per write), and performs
 *   the writes in the order they were started, answering each once committed;
 * - the main thread keeps its own SqliteLogStore (`reader`) for reads and for the in-memory
 *   caches that answer term()/firstIndex()/lastIndex(); on each answer its caches follow
 *   that write (applyWrittenToCache / applyCompactionToCache: the same planning code, so
 *   each write is validated on both sides) and must then equal the writer's state.
 * The ordering and the reader view (a persist shows from its onDurable on; a compaction at
 * once, laid over the caches until the worker's answer) are SyncAsyncLogStore's, with the
 * reader's caches as its store and "the worker answered" as its `defer`.
 *
 * Reads never see rows the caches do not describe: the core does not read at or after the
 * first index a write in flight replaces, nor at or below a pending compaction.
 */
export class WorkerSqliteLogStore implements AsyncLogStore {
  private readonly view: SyncAsyncLogStore;
  /** The view's completion of each write in flight, oldest first: one per answer. */
  private readonly completions: (() => void)[] = [];
  private lastSentSeq = 0;
  private lastAnsweredSeq = 0;
  private state: "open" | "closing" | "failed" | "closed" = "open";
  /** Set before this store ends the worker itself, so that its exit is not a failure. */
  private exitExpected = false;
  private closing: Promise<void> | undefined;
  private onClosedAnswer: (() => void) | undefined;

  private constructor(
    private readonly reader: SqliteLogStore,
    private readonly worker: Worker,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.view = new SyncAsyncLogStore(cacheFollower(reader), {
      defer: (complete) => this.completions.push(complete),
    });
    worker.on("message", (reply: LogWriteReply) => this.onAnswer(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("messageerror", (error) => this.fail(error));
    worker.on("exit", (code) => {
      if (!this.exitExpected) this.fail(new Error(`the log write worker exited (code ${String(code)})`));
    });
  }

  /**
   * Opens the reader (which creates or migrates the database, checks it and the member's
   * identity: IdentityMismatchError, DatabaseSetupError), then starts the worker and waits
   * until its connection is open. The worker skips the integrity check the reader just ran.
   */
  static async open(options: WorkerSqliteLogStoreOptions): Promise<WorkerSqliteLogStore> {
    const reader = SqliteLogStore.open(options);
    const data: LogWriteWorkerData = {
      role: LOG_WRITE_WORKER_ROLE,
      store: {
        path: options.path,
        identity: options.identity,
        busyTimeoutMs: options.busyTimeoutMs,
        walAutocheckpointPages: options.walAutocheckpointPages,
        integrityCheck: "none",
      },
    };
    const worker = startWorkerOrClose(reader, data);
    try {
      await workerReady(worker);
    } catch (error) {
      await worker.terminate();
      reader.close();
      throw error;
    }
    return new WorkerSqliteLogStore(reader, worker, options.onFatal ?? throwFatal);
  }

  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta } {
    return this.view.initialState();
  }

  firstIndex(): LogIndex {
    return this.view.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.view.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.view.term(index);
  }

  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[] {
    return this.view.entries(low, high, maxBytes);
  }

  configEntries(low: LogIndex, high: LogIndex): Entry[] {
    return this.view.configEntries(low, high);
  }

  snapshotMeta(): SnapshotMeta {
    return this.view.snapshotMeta();
  }

  persist(batch: PersistBatch, onDurable: () => void): void {
    this.assertRoom("persist");
    const { wire, transfer } = encodeBatch(batch);
    this.view.persist(batch, onDurable);
    this.send({ kind: "persist", seq: ++this.lastSentSeq, batch: wire }, transfer);
  }

  compact(snapshot: SnapshotMeta, onDurable: () => void): void {
    this.assertRoom("compact");
    this.view.compact(snapshot, onDurable); // Validates against the view; shows at once.
    this.send({ kind: "compact", seq: ++this.lastSentSeq, snapshot }, []);
  }

  /**
   * Waits until the worker has answered every write (their onDurable run) and closed its
   * connection, then ends the worker and closes the reader. Idempotent. After a fatal error
   * (already reported to onFatal) it only releases what is left.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  /**
   * Ends the worker at once, as a crash would, and closes the reader; for crash tests.
   * Writes not yet reported durable may or may not have landed, each whole or not at all;
   * no callback runs afterwards.
   */
  kill(): Promise<void> {
    this.closing ??= this.killOnce();
    return this.closing;
  }

  private assertRoom(what: string): void {
    assert(this.state === "open", `${what}() on a ${this.state} log store`);
    assert(
      this.completions.length < LOG_WRITES_IN_FLIGHT_MAX,
      `${what}(): ${String(LOG_WRITES_IN_FLIGHT_MAX)} log writes are already in flight`,
    );
  }

  private send(request: LogWriteRequest, transfer: ArrayBuffer[]): void {
    assert(
      this.completions.length === this.lastSentSeq - this.lastAnsweredSeq,
      "one completion waits for each write sent and not yet answered",
    );
    this.worker.postMessage(request, transfer);
  }

  private onAnswer(reply: LogWriteReply): void {
    try {
      switch (reply.kind) {
        case "written":
          this.completeWrite(reply.seq, reply.after);
          return;
        case "closed":
          assert(this.state === "closing" && this.completions.length === 0,
            "the log write worker closed with writes in flight");
          // It now ends on its own (its port is closed), maybe before closeOnce() resumes.
          this.exitExpected = true;
          this.onClosedAnswer?.();
          return;
        case "ready":
          unreachable("the log write worker reported ready twice");
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private completeWrite(seq: number, writer: StoreSummary): void {
    assert(this.state === "open" || this.state === "closing", `an answer on a ${this.state} store`);
    assert(seq === this.lastAnsweredSeq + 1, `log write ${String(seq)} answered out of order`);
    this.lastAnsweredSeq = seq;
    const complete = this.completions.shift();
    assert(complete !== undefined, `log write ${String(seq)} answered twice`);
    // The reader's caches follow the write, then onDurable runs. A write onDurable starts
    // changes neither the caches nor the snapshot stored there until it too is answered.
    complete();
    const { hardState, snapshot } = this.reader.initialState();
    assert(
      this.reader.lastIndex() === writer.lastIndex &&
        snapshot.index === writer.snapshotIndex &&
        hardState.term === writer.hardState.term &&
        hardState.vote === writer.hardState.vote &&
        hardState.commit === writer.hardState.commit,
      `after log write ${String(seq)} the main thread's caches disagree with the writer's`,
    );
  }

  private async closeOnce(): Promise<void> {
    if (this.state === "open") {
      this.state = "closing";
      const closed = new Promise<void>((resolve) => (this.onClosedAnswer = resolve));
      this.worker.postMessage({ kind: "close" } satisfies LogWriteRequest);
      await closed; // Every write answered and the worker's connection closed, or a failure.
    }
    const clean = this.state === "closing";
    await this.release();
    if (clean) {
      assert(this.completions.length === 0, "the log write worker closed with writes in flight");
      await this.view.close(); // Nothing is pending there: this only marks it closed.
    }
  }

  private async killOnce(): Promise<void> {
    // The view keeps its pending writes and is never closed: closing would complete them.
    this.completions.length = 0;
    await this.release();
  }

  /** Ends the worker and closes the reader; no answer is handled afterwards. */
  private async release(): Promise<void> {
    if (this.state !== "failed") this.state = "closed";
    this.exitExpected = true;
    this.worker.removeAllListeners("message");
    await this.worker.terminate();
    this.reader.close();
  }

  private fail(cause: unknown): void {
    if (this.state === "failed" || this.exitExpected) return;
    this.state = "failed";
    const error = cause instanceof Error ? cause : new Error(String(cause));
    this.exitExpected = true;
    void this.worker.terminate();
    this.onClosedAnswer?.();
    this.onFatal(new Error(`raft log write failed: ${error.message}`, { cause: error }));
  }
}

function startWorkerOrClose(reader: SqliteLogStore, data: LogWriteWorkerData): Worker {
  try {
    return startLogWriteWorker(data);
  } catch (error) {
    reader.close();
    throw error;
  }
}

function throwFatal(error: Error): void {
  throw error;
}

/**
 * The reader as the LogStore SyncAsyncLogStore drives: its writes only move the caches,
 * by writes the worker has already committed.
 */
function cacheFollower(reader: SqliteLogStore): LogStore {
  return {
    initialState: () => reader.initialState(),
    firstIndex: () => reader.firstIndex(),
    lastIndex: () => reader.lastIndex(),
    term: (index) => reader.term(index),
    entries: (low, high, maxBytes) => reader.entries(low, high, maxBytes),
    configEntries: (low, high) => reader.configEntries(low, high),
    snapshotMeta: () => reader.snapshotMeta(),
    persist: (batch) => reader.applyWrittenToCache(batch),
    compact: (snapshot) => reader.applyCompactionToCache(snapshot),
  };
}

function workerReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: LogWriteReply): void => {
      cleanUp();
      if (reply.kind === "ready") resolve();
      else reject(new Error(`the log write worker said ${reply.kind} before ready`));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanUp();
      reject(new Error(`the log write worker exited (code ${String(code)}) before ready`));
    };
    const cleanUp = (): void => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    };
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  });
}

/**
 * Where the worker's code is, found relative to this module (import.meta.url):
 * - compiled (dist/src/storage/sqlite/, run by `node dist/src/main.js` as ESM), the entry is
 *   log-write-worker.js beside this file, and the worker loads it like any module;
 * - under jest, this module is TypeScript compiled in memory by @swc/jest to CommonJS (swc
 *   rewrites import.meta.url to this file's own URL), so there is only log-write-worker.ts
 *   beside it, which a Worker cannot load. The worker then runs TYPESCRIPT_BOOTSTRAP, which
 *   compiles the sources with @swc/core exactly as jest.config.cjs does (the approach of
 *   test/sim/seed-sweep.ts), so tests run the current sources, never a stale dist/, and
 *   need no build. @swc/core is a dev dependency: only a checkout with .ts sources and no
 *   build beside them takes this path, never an installed build.
 */
const WORKER_ENTRY = new URL("./log-write-worker.js", import.meta.url);

function startLogWriteWorker(workerData: LogWriteWorkerData): Worker {
  const compiled = fileURLToPath(WORKER_ENTRY);
  if (existsSync(compiled)) return new Worker(WORKER_ENTRY, { workerData });
  const source = compiled.replace(/\.js$/, ".ts");
  if (!existsSync(source)) {
    throw new Error(`the log write worker is missing: neither ${compiled} nor ${source} exists`);
  }
  let swc: string;
  try {
    swc = createRequire(WORKER_ENTRY).resolve("@swc/core");
  } catch (error) {
    throw new Error(
      `${source} is TypeScript and ${compiled} is not built; running the worker from source ` +
        `needs @swc/core (a dev dependency): run npm install, or npm run build`,
      { cause: error },
    );
  }
  const bootstrapData = { ...workerData, entry: source, swc };
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: bootstrapData });
}

/** Run by the worker when only sources exist (see typescriptWorkerBootstrap). */
const TYPESCRIPT_BOOTSTRAP = typescriptWorkerBootstrap("require(workerData.entry);");
