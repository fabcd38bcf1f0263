import type * as grpc from "@grpc/grpc-js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { bootstrapEntries } from "./core/bootstrap.js";
import { nodeId } from "./core/ids.js";
import { makeConfig } from "./core/membership-config.js";
import { clusterIdOfJoinTarget } from "./join-cluster.js";
import type { Logger } from "./observability/logger.js";
import type { MemberMetrics } from "./observability/member-metrics.js";
import type { Settings } from "./settings.js";
import { prepareDataDirectory } from "./startup-data-dir.js";
import { CLIENT_SESSIONS_MAX } from "./state-machine/kv-types.js";
import { SqliteKvStateMachine } from "./state-machine/sqlite-kv-state-machine.js";
import type { AsyncLogStore } from "./storage/async-log-store.js";
import { FileSnapshotStore } from "./storage/sqlite/sqlite-snapshot-store.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";
import { WorkerSqliteLogStore } from "./storage/sqlite/worker-sqlite-log-store.js";
import { withLogWriteFailpoint } from "./storage/failpoint-log-store.js";
import { withWriteTiming } from "./storage/timed-log-store.js";

/** How long a member started with --join keeps asking to be added before giving up. */
export const JOIN_TIMEOUT_MS = 60_000;

/** Settings with the cluster id known (resolveClusterId). */
export type MemberSettings = Settings & { readonly clusterId: number };

export interface Storage {
  readonly logStore: AsyncLogStore;
  readonly stateMachine: SqliteKvStateMachine;
  readonly snapshotStore: FileSnapshotStore;
  /** The log was empty: a brand-new member (bootstrapped now, or joining). */
  readonly fresh: boolean;
}

/**
 * The cluster id: given, or for a member started with --join, the one its data directory
 * records, else the one the members it joins through report.
 */
export async function resolveClusterId(
  settings: Settings, credentials: grpc.ChannelCredentials,
): Promise<number> {
  if (settings.clusterId !== undefined) return settings.clusterId;
  const logPath = join(settings.dataDir, "raft.db");
  const stored = existsSync(logPath) ? SqliteLogStore.storedIdentity(logPath) : undefined;
  if (stored !== undefined) return Number(stored.clusterId);
  return clusterIdOfJoinTarget(settings.join, JOIN_TIMEOUT_MS, credentials);
}

/**
 * Opens the data directory. The Raft log's writes and fsyncs run on a worker thread
 * (WorkerSqliteLogStore), so a slow disk does not stall heartbeats, peer messages or client
 * calls on the event loop; a failed log write ends the process (Raft cannot go on once it
 * may have lost an acknowledged entry), and the restart recovers from what is durable.
 */
export async function openStorage(
  settings: MemberSettings, logger: Logger, joining: boolean, metrics: MemberMetrics,
): Promise<Storage> {
  prepareDataDirectory(settings.dataDir);
  const logOptions = {
    ...SQLITE_LOG_STORE_SETTINGS,
    path: join(settings.dataDir, "raft.db"),
    identity: { clusterId: String(settings.clusterId), memberId: nodeId(settings.id) },
  };
  // Checked (identity, integrity) and bootstrapped on this thread, before the worker starts.
  const bootstrapStore = SqliteLogStore.open(logOptions);
  let fresh: boolean;
  try {
    fresh = bootstrapStore.lastIndex() === 0 && bootstrapStore.initialState().hardState.term === 0;
    // A joining member gets its configuration from the leader, by snapshot or log.
    if (fresh && !joining) bootstrap(bootstrapStore, settings, logger);
  } finally {
    bootstrapStore.close();
  }
  const asyncLogStore = await WorkerSqliteLogStore.open({
    ...logOptions,
    onFatal: (error) => {
      logger.error("raft log write failed; stopping so that a restart recovers", {
        error: error.message,
      });
      process.exit(1);
    },
  });
  const stateMachine = openStateMachine(settings);
  const snapshotStore = openSnapshotStore(settings.dataDir);
  const slowWrites = slowWriteReporter(logger);
  const logStore = withWriteTiming(
    withLogWriteFailpoint(asyncLogStore, process.env, settings.dataDir),
    (durationMs, entries, bytes) => {
      metrics.recordLogWrite(durationMs, entries, bytes);
      slowWrites(durationMs);
    },
    () => performance.now());
  return { logStore, stateMachine, snapshotStore, fresh };
}

/** The member's key-value state machine: `kv.db` in its data directory. */
export function openStateMachine(
  settings: Pick<Settings, "dataDir" | "historyRevisions">,
): SqliteKvStateMachine {
  return SqliteKvStateMachine.open({
    // NORMAL: after power loss the state machine may come back behind the log and is
    // re-applied from it (docs/decisions/0005-sqlite-durability.md, decision 3).
    path: join(settings.dataDir, "kv.db"), synchronous: "NORMAL", sessionsMax: CLIENT_SESSIONS_MAX,
    historyRevisionsMax: settings.historyRevisions,
    busyTimeoutMs: 5000, walAutocheckpointPages: 1000,
  });
}

/** The member's snapshots: `snapshots/` in its data directory. */
export function openSnapshotStore(dataDir: string): FileSnapshotStore {
  return FileSnapshotStore.open({ directory: join(dataDir, "snapshots"), retainCount: 2 });
}

/** A log write slower than this is worth an operator's attention. */
const SLOW_LOG_WRITE_MS = 500;
/** At most one slow-write line per this long; the count says how many were slow. */
const SLOW_LOG_WRITE_REPORT_MS = 60_000;

/** Logs slow log writes at most once a minute, never per write (a slow disk is one fact). */
function slowWriteReporter(logger: Logger): (durationMs: number) => void {
  let slowSinceReport = 0;
  let lastReportMs = -Infinity;
  return (durationMs) => {
    if (durationMs < SLOW_LOG_WRITE_MS) return;
    slowSinceReport += 1;
    const now = performance.now();
    if (now - lastReportMs < SLOW_LOG_WRITE_REPORT_MS) return;
    logger.warn("slow Raft log writes (write and fsync)", {
      slowWrites: slowSinceReport, latestMs: Math.round(durationMs), thresholdMs: SLOW_LOG_WRITE_MS,
    });
    slowSinceReport = 0;
    lastReportMs = now;
  };
}

/** A brand-new data directory gets the founding configuration at index 1 (bootstrap.ts). */
function bootstrap(logStore: SqliteLogStore, settings: Settings, logger: Logger): void {
  const config = makeConfig(settings.initialCluster.map((peer) => peer.id));
  logStore.persist(bootstrapEntries(config));
  logger.info("bootstrapped a new cluster member", { voters: config.voters });
}
