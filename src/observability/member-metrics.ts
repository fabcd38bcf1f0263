import type { IncomingMessage, ServerResponse } from "node:http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { Counter, Histogram, Meter } from "@opentelemetry/api";
import { NO_NODE } from "../core/ids.js";
import type { NodeEvent } from "../node/node-events.js";
import type { Status } from "../core/ready.js";
import type { PeerCallObserver } from "../transport/grpc-peer-client.js";

/** Latency buckets in seconds: 0.5 ms to 8 s, roughly doubling (etcd's fsync buckets). */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
  4.096, 8.192,
];
/** Entries per log write: 1 to 4096, doubling. */
const COUNT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
/** Bytes per log write: 256 B to 64 MiB, by factors of 4. */
const BYTE_BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** What the metrics read from the running member on each scrape. */
export interface MetricSources {
  readonly status: () => Status;
  readonly pendingProposals: () => number;
  readonly watchers: () => number;
  readonly memberCount: () => { readonly voters: number; readonly learners: number };
}

/**
 * The member's metrics, through OpenTelemetry with the Prometheus exporter (served by
 * MetricsServer, not the exporter's own server). Names follow etcd's, which operators
 * already graph and alert on, with the `raftkv_` prefix in place of `etcd_`
 * (raftkv_server_has_leader is etcd_server_has_leader); README lists each. State is read
 * when scraped (observable gauges); events and latencies are recorded as they happen.
 */
export class MemberMetrics {
  // No otel_scope_* labels: one meter, and series shaped like etcd's for existing dashboards.
  private readonly exporter = new PrometheusExporter({
    preventServerStart: true, withoutScopeInfo: true,
  });
  private readonly provider: MeterProvider;
  private readonly leaderChanges: Counter;
  private readonly proposalsCommitted: Counter;
  private readonly proposalsFailed: Counter;
  private readonly proposalDuration: Histogram;
  private readonly logWriteDuration: Histogram;
  private readonly appendEntries: Histogram;
  private readonly appendBytes: Histogram;
  private readonly eventLoopDelay: Histogram;
  private readonly requests: Counter;
  private readonly snapshotsTaken: Counter;
  private readonly snapshotsInstalled: Counter;
  private readonly snapshotBytes: Counter;
  private readonly snapshotDuration: Histogram;
  private readonly peerRoundTrip: Histogram;
  private readonly peerFailures: Counter;
  private readonly peerSnapshotBytes: Counter;

  constructor(sources: MetricSources, memberId: number) {
    this.provider = new MeterProvider({
      readers: [this.exporter],
      resource: resourceFromAttributes({
        "service.name": "raftkv", "service.instance.id": String(memberId),
      }),
    });
    const meter = this.provider.getMeter("raftkv");
    registerGauges(meter, sources);
    this.leaderChanges = meter.createCounter("raftkv_server_leader_changes_seen", {
      description: "leader changes this member has seen",
    });
    this.proposalsCommitted = meter.createCounter("raftkv_server_proposals_committed", {
      description: "client writes this member proposed that were applied",
    });
    this.proposalsFailed = meter.createCounter("raftkv_server_proposals_failed", {
      description: "client writes that failed (not leader, lost leadership, timeout, full queue)",
    });
    const histogram = (name: string, description: string, boundaries: number[]): Histogram =>
      meter.createHistogram(name, {
        description, advice: { explicitBucketBoundaries: boundaries },
      });
    this.proposalDuration = histogram("raftkv_server_proposal_duration_seconds",
      "time from a client write's arrival to its apply (or failure)", LATENCY_BUCKETS_S);
    this.logWriteDuration = histogram("raftkv_disk_wal_fsync_duration_seconds",
      "time to write and fsync one batch to the Raft log", LATENCY_BUCKETS_S);
    this.appendEntries = histogram("raftkv_disk_wal_write_entries",
      "entries per Raft log write", COUNT_BUCKETS);
    this.appendBytes = histogram("raftkv_disk_wal_write_bytes",
      "bytes of entries per Raft log write", BYTE_BUCKETS);
    this.eventLoopDelay = histogram("raftkv_nodejs_eventloop_delay_seconds",
      "how late a 100 ms timer fired: time the event loop was blocked", LATENCY_BUCKETS_S);
    this.requests = meter.createCounter("raftkv_grpc_server_handled", {
      description: "client calls completed, by method and gRPC status code",
    });
    this.snapshotsTaken = meter.createCounter("raftkv_snapshot_taken", {
      description: "snapshots this member took of its state",
    });
    this.snapshotsInstalled = meter.createCounter("raftkv_snapshot_installed", {
      description: "snapshots this member installed from the leader",
    });
    this.snapshotBytes = meter.createCounter("raftkv_snapshot_taken_bytes", {
      description: "bytes of the snapshots this member took",
    });
    this.snapshotDuration = histogram("raftkv_snapshot_save_duration_seconds",
      "time to produce and store one snapshot", LATENCY_BUCKETS_S);
    this.peerRoundTrip = histogram("raftkv_network_peer_round_trip_time_seconds",
      "round trip of a Raft RPC to a peer, by peer", LATENCY_BUCKETS_S);
    this.peerFailures = meter.createCounter("raftkv_network_peer_sent_failures", {
      description: "Raft RPCs to a peer that failed, by peer",
    });
    this.peerSnapshotBytes = meter.createCounter("raftkv_network_snapshot_send_bytes", {
      description: "snapshot bytes streamed to a peer, by peer",
    });
  }

  /** Counts what a node reports: leader changes and snapshots. */
  observeNode(event: NodeEvent): void {
    if (event.type === "leader-changed" && event.leader !== NO_NODE) this.leaderChanges.add(1);
    if (event.type === "snapshot-taken") {
      this.snapshotsTaken.add(1);
      this.snapshotBytes.add(event.bytes);
      this.snapshotDuration.record(event.durationMs / 1000);
    }
    if (event.type === "snapshot-installed") this.snapshotsInstalled.add(1);
  }

  /** One client call ended with gRPC `code` after `durationMs`; writes are proposals. */
  recordRequest(method: string, code: string, durationMs: number, isWrite: boolean): void {
    this.requests.add(1, { grpc_method: method, grpc_code: code });
    if (!isWrite) return;
    if (code === "OK") this.proposalsCommitted.add(1);
    else this.proposalsFailed.add(1);
    this.proposalDuration.record(durationMs / 1000);
  }

  recordLogWrite(durationMs: number, entries: number, bytes: number): void {
    this.logWriteDuration.record(durationMs / 1000);
    if (entries > 0) {
      this.appendEntries.record(entries);
      this.appendBytes.record(bytes);
    }
  }

  recordEventLoopDelay(delayMs: number): void {
    this.eventLoopDelay.record(Math.max(0, delayMs) / 1000);
  }

  /** What the peer transport reports (GrpcPeerClient's observer). */
  peerObserver(): PeerCallObserver {
    return {
      roundTrip: (peer, ms) => this.recordPeerRoundTrip(peer, ms),
      failed: (peer) => this.recordPeerFailure(peer),
      snapshotBytesSent: (peer, bytes) => this.recordPeerSnapshotBytes(peer, bytes),
    };
  }

  recordPeerRoundTrip(peer: number, durationMs: number): void {
    this.peerRoundTrip.record(durationMs / 1000, { to: String(peer) });
  }

  recordPeerFailure(peer: number): void {
    this.peerFailures.add(1, { to: String(peer) });
  }

  recordPeerSnapshotBytes(peer: number, bytes: number): void {
    this.peerSnapshotBytes.add(bytes, { to: String(peer) });
  }

  /** Answers a Prometheus scrape. */
  serve(request: IncomingMessage, response: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(request, response);
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** The state read on each scrape, as observable gauges. */
function registerGauges(meter: Meter, sources: MetricSources): void {
  const gauge = (name: string, description: string, read: () => number): void => {
    meter.createObservableGauge(name, { description }).addCallback((result) => {
      result.observe(read());
    });
  };
  gauge("raftkv_server_has_leader", "1 if this member knows a leader, else 0",
    () => (sources.status().leader !== NO_NODE ? 1 : 0));
  gauge("raftkv_server_is_leader", "1 if this member is the leader, else 0",
    () => (sources.status().role === "leader" ? 1 : 0));
  gauge("raftkv_server_is_learner", "1 if this member is a learner, else 0",
    () => (sources.status().isLearner ? 1 : 0));
  gauge("raftkv_server_term", "the current Raft term", () => sources.status().term);
  gauge("raftkv_server_commit_index", "the highest log index known committed",
    () => sources.status().commitIndex);
  gauge("raftkv_server_applied_index", "the highest log index applied to the state machine",
    () => sources.status().appliedIndex);
  gauge("raftkv_server_last_log_index", "the last index in this member's log",
    () => sources.status().lastIndex);
  gauge("raftkv_server_snapshot_index", "the index the log's snapshot covers",
    () => sources.status().snapshotIndex);
  gauge("raftkv_server_proposals_pending", "client writes proposed and not yet applied",
    sources.pendingProposals);
  gauge("raftkv_server_watchers", "watches this member serves", sources.watchers);
  gauge("raftkv_cluster_voters", "voters in the configuration this member knows",
    () => sources.memberCount().voters);
  gauge("raftkv_cluster_learners", "learners in the configuration this member knows",
    () => sources.memberCount().learners);
}
