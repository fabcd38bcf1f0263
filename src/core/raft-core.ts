import { assert } from "./assert.js";
import { entrySizeBytes, type MembershipConfig, type SnapshotMeta } from "./entry.js";
import type { ProposeResult, Refusal, RequestResult } from "./errors.js";
import { NO_NODE, type LogIndex, type NodeId } from "./ids.js";
import type { LogReader } from "./log-reader.js";
import { applyConfigChange, encodeMembershipConfig, isLearner, isVoter, type ConfigChange }
  from "./membership-config.js";
import { MembershipTracker } from "./membership-tracker.js";
import type { Message } from "./message.js";
import type { SnapshotStatus } from "./progress.js";
import { validateRaftConfig, type RaftConfig } from "./raft-config.js";
import { RaftLog } from "./raft-log.js";
import { RaftState } from "./raft-state.js";
import type { Random } from "./random.js";
import { acknowledgeReady, acknowledgeWrite, collectReady, readyPending } from "./ready-cycle.js";
import type { PeerReplication, Ready, Status, StorageWrite } from "./ready.js";
import { requestRead } from "./read-index.js";
import { appendLeaderEntry, sendAppend } from "./replication.js";
import { becomeFollower, syncProgressWithConfig } from "./role-transitions.js";
import { maybeFinishTransfer } from "./step-leader.js";
import { checkInvariants } from "./invariants.js";
import { stepFollowerOrLeader, tick } from "./step-dispatch.js";

export interface RaftCoreOptions {
  readonly config: RaftConfig;
  readonly storage: LogReader;
  readonly random: Random;
  /** The state machine's durable applied index; entries after it are handed out again. */
  readonly appliedIndex?: LogIndex;
}

/**
 * One Raft node as a deterministic state machine (etcd-io/raft style). Inputs: tick(),
 * step(), propose*(), readIndex(), transferLeadership(). Output: ready(), handled by the
 * driver as ready.ts says, then advance(), and persisted() once each write is durable. No
 * I/O, clocks or randomness of its own: time is ticks and jitter comes from the injected
 * Random.
 */
export class RaftCore {
  readonly id: NodeId;
  private readonly s: RaftState;

  constructor(options: RaftCoreOptions) {
    const problems = validateRaftConfig(options.config);
    assert(problems.length === 0, `invalid RaftConfig: ${problems.join("; ")}`);
    const { hardState, snapshot } = options.storage.initialState();
    const log = new RaftLog(options.storage, { entriesMaxBytes: options.config.appendBytesMax });
    const membership = new MembershipTracker(snapshot);
    const first = options.storage.firstIndex();
    const last = options.storage.lastIndex();
    // Only the configuration entries: a restart must not read the whole log into memory.
    if (last >= first) {
      const end = (last + 1) as LogIndex;
      membership.onAppend(options.config.plantedBugs.has("read-whole-log-at-startup")
        ? options.storage.entries(first, end, Number.MAX_SAFE_INTEGER).filter((entry) => entry.kind === "config")
        : options.storage.configEntries(first, end));
    }
    this.s = new RaftState({
      config: options.config, random: options.random, log, membership, hardState,
    });
    this.id = options.config.nodeId;
    if (options.appliedIndex !== undefined && options.appliedIndex > log.applied) {
      // The state machine applies only committed entries, so its applied index is committed
      // even if the durable commit index lags (the driver need not persist commit alone).
      assert(options.appliedIndex <= log.lastIndex(), "applied entries are in the log");
      if (options.appliedIndex > log.committed) log.commitTo(options.appliedIndex);
      log.appliedTo(options.appliedIndex);
    }
    checkInvariants(this.s);
  }

  /** Advances logical time by one tick: elections, heartbeats, check-quorum. */
  tick(): void {
    tick(this.s);
    checkInvariants(this.s);
  }

  /** Feeds one message from a peer. Precondition: message.to === this node. */
  step(message: Message): void {
    assert(message.to === this.id, `message for ${String(message.to)} stepped into ${String(this.id)}`);
    assert(message.from !== this.id, "a node never sends to itself");
    stepFollowerOrLeader(this.s, message);
    checkInvariants(this.s);
  }

  /** Appends a command if this node leads; the result names the entry's (index, term). */
  propose(data: Uint8Array): ProposeResult {
    const sizeBytes = entrySizeBytes({ term: this.s.term, index: this.s.log.lastIndex(), kind: "command", data });
    const refusal = this.proposalRefusal(sizeBytes);
    if (refusal !== undefined) return { ok: false, refusal };
    const entry = appendLeaderEntry(this.s, "command", data);
    checkInvariants(this.s);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Appends a single-server configuration change (thesis 4.1). Refused until the leader has
   * committed an entry of its own term and while another change is uncommitted: the fix for
   * the single-server membership bug (raft-dev, July 2015).
   */
  proposeConfigChange(change: ConfigChange): ProposeResult {
    const refusal = this.proposalRefusal(0);
    if (refusal !== undefined) return { ok: false, refusal };
    const s = this.s;
    const guarded = !s.hasBug("skip-config-guard");
    if (guarded && (!s.committedInCurrentTerm() || s.pendingConfigIndex > s.log.committed)) {
      return { ok: false, refusal: { reason: "config-change-pending", leaderHint: s.id } };
    }
    const next = applyConfigChange(s.currentConfig(), change);
    if (typeof next === "string") {
      return { ok: false, refusal: { reason: "invalid-config-change", leaderHint: s.id, detail: next } };
    }
    const entry = appendLeaderEntry(s, "config", encodeMembershipConfig(next));
    s.pendingConfigIndex = entry.index;
    syncAfterConfigAppend(s);
    checkInvariants(s);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Requests a linearizable read index (thesis 6.4). The answer arrives in a later Ready,
   * in readStates (serve once applied >= index) or droppedReads. A follower forwards the
   * request to its leader.
   */
  readIndex(requestId: number): RequestResult {
    const s = this.s;
    if (s.role === "leader") {
      if (s.leadTransferee !== NO_NODE) return refused({ reason: "transfer-in-progress", leaderHint: s.id });
      const refusal = requestRead(s, requestId, s.id);
      checkInvariants(s);
      return refusal === undefined ? { ok: true } : refused(refusal);
    }
    if (s.leader === NO_NODE) return refused({ reason: "not-leader", leaderHint: NO_NODE });
    s.send({ type: "read-index-request", from: s.id, to: s.leader, term: s.term, requestId });
    return { ok: true };
  }

  /** Thesis 3.10: bring `target` up to date, then tell it to campaign at once. */
  transferLeadership(target: NodeId): RequestResult {
    const s = this.s;
    if (s.role !== "leader") return refused({ reason: "not-leader", leaderHint: s.leader });
    if (target === s.id || !isVoter(s.currentConfig(), target)) {
      return refused({
        reason: "invalid-transfer-target", leaderHint: s.id,
        detail: target === s.id ? "the target is already the leader" : "the target is not a voter",
      });
    }
    s.leadTransferee = target;
    s.electionElapsed = 0; // The transfer is aborted after one election timeout.
    startTransfer(s, target);
    checkInvariants(s);
    return { ok: true };
  }

  /**
   * The transport could not reach `peer`: stop pipelining to it and probe instead. A
   * snapshot send in progress to it counts as failed (reportSnapshot(peer, "failed", ...)).
   */
  reportUnreachable(peer: NodeId): void {
    const progress = this.s.progress.get(peer);
    if (this.s.role !== "leader" || progress === undefined) return;
    if (progress.state === "snapshot") progress.snapshotSendEnded("failed");
    else if (progress.state !== "probe") progress.becomeProbe();
    checkInvariants(this.s);
  }

  /**
   * How the send of the snapshot at `snapshotIndex` to `peer` ended (etcd's
   * Node.ReportSnapshot). The leader sends one snapshot at a time per follower and waits for
   * this report however long the stream takes, so no second copy starts while the first
   * still streams. Then it probes the follower (Progress.snapshotSendEnded): after
   * "finished" from the snapshot's index, waiting for the follower's answer to confirm it;
   * after "failed" from its match, which sends a new snapshot once a heartbeat response
   * shows the follower reachable again.
   * Ignored unless this node leads and `peer` is in snapshot state for that very snapshot,
   * as etcd ignores a report outside snapshot state. Unlike etcd's, the report names the
   * snapshot: the follower's answer to one send can start the next before the transport's
   * report of the first arrives (the next leaves only after its write, ready.ts rule 5), and
   * that late report must not end the next send.
   */
  reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void {
    const progress = this.s.progress.get(peer);
    if (this.s.role !== "leader" || progress?.state !== "snapshot") return;
    if (progress.pendingSnapshot !== snapshotIndex) return;
    progress.snapshotSendEnded(status);
    checkInvariants(this.s);
  }

  hasReady(): boolean {
    return readyPending(this.s);
  }

  /** The next batch of work; handle it as ready.ts says, then call advance() with it. */
  ready(): Ready {
    return collectReady(this.s);
  }

  /** The driver handed out `ready` (ready.ts, rule 4). */
  advance(ready: Ready): void {
    acknowledgeReady(this.s, ready);
    checkInvariants(this.s);
  }

  /** `write` is durable, and its snapshot installed (ready.ts, rule 5). In write order. */
  persisted(write: StorageWrite): void {
    acknowledgeWrite(this.s, write);
    checkInvariants(this.s);
  }

  status(): Status {
    const s = this.s;
    return {
      id: s.id, role: s.role, term: s.term, vote: s.vote, leader: s.leader,
      commitIndex: s.log.committed, appliedIndex: s.log.applied,
      lastIndex: s.log.lastIndex(), firstIndex: s.log.firstIndex(),
      snapshotIndex: s.log.storage.snapshotMeta().index,
      isLearner: isLearner(s.currentConfig(), s.id),
      leadershipTransferTarget: s.leadTransferee,
    };
  }

  /**
   * A leader gives up leadership at once, in its term (no new term, no vote): used when its
   * own disk or event loop stalls, so that it stops holding the cluster while heartbeats
   * still flow. Followers elect another leader once their election timeout passes; this
   * member does not campaign for `backoffTicks` more. Returns whether it was leader.
   */
  stepDown(backoffTicks: number): boolean {
    assert(Number.isSafeInteger(backoffTicks) && backoffTicks >= 0, "backoff is a tick count");
    const s = this.s;
    if (s.role !== "leader") return false;
    becomeFollower(s, s.term, NO_NODE);
    s.campaignBackoffTicks = backoffTicks;
    checkInvariants(s);
    return true;
  }

  /**
   * Leader only (empty otherwise): how far each other member's log matches the leader's, for
   * operator decisions such as promoting a learner (thesis 4.2.1, catching up new servers).
   */
  replication(): PeerReplication[] {
    const s = this.s;
    if (s.role !== "leader") return [];
    return [...s.progress].filter(([id]) => id !== s.id).map(([id, progress]) => ({
      id, matchIndex: progress.match, isLearner: progress.isLearner,
    }));
  }

  /** The configuration in force: the latest in the log, committed or not (thesis 4.1). */
  membership(): MembershipConfig {
    return this.s.currentConfig();
  }

  /**
   * The (index, term, config) a snapshot taken at `index` must carry. Precondition: index is
   * in [firstIndex - 1, appliedIndex]; the driver then calls storage.compact() with it.
   */
  snapshotMetaAt(index: LogIndex): SnapshotMeta {
    const s = this.s;
    assert(index <= s.log.applied, "a snapshot covers only applied entries");
    const entryTerm = s.log.term(index);
    assert(entryTerm !== undefined, `no term known for snapshot index ${String(index)}`);
    return { index, term: entryTerm, config: s.membership.configAt(index) };
  }

  private proposalRefusal(bytes: number): Refusal | undefined {
    const s = this.s;
    if (s.role !== "leader") return { reason: "not-leader", leaderHint: s.leader };
    if (s.leadTransferee !== NO_NODE) return { reason: "transfer-in-progress", leaderHint: s.id };
    if (s.uncommittedBytes > 0 && s.uncommittedBytes + bytes > s.config.uncommittedBytesMax) {
      return { reason: "uncommitted-bytes-full", leaderHint: s.id };
    }
    return undefined;
  }
}

function refused(refusal: Refusal): RequestResult {
  return { ok: false, refusal };
}

function syncAfterConfigAppend(s: RaftState): void {
  syncProgressWithConfig(s);
}

function startTransfer(s: RaftState, target: NodeId): void {
  sendAppend(s, target, false);
  maybeFinishTransfer(s, target);
}
