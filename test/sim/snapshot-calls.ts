import type { LogIndex, NodeId } from "../../src/core/ids.js";
import type { SnapshotRequest } from "../../src/core/message.js";
import type { SnapshotStatus } from "../../src/core/progress.js";
import type { SimNetwork } from "./network.js";
import type { Delivery, SimContext, SimEvent } from "./sim-cluster.js";
import type { SimMember } from "./sim-member.js";

/**
 * How long a snapshot call may take before it fails (as snapshotDeadlineMs fails an
 * InstallSnapshot stream): ten election timeouts, so a copy a timer resends while the first
 * is held up (a paused receiver, a clogged link) shows as a SnapshotResendViolation first.
 */
const SNAPSHOT_CALL_DEADLINE_MICROS = 1_000_000;

/** A leader sent a follower a second snapshot while its first one was still on its way. */
export class SnapshotResendViolation extends Error {
  override readonly name = "SnapshotResendViolation";
}

/** One snapshot send, as the sending member's transport sees it (one InstallSnapshot call). */
export interface SnapshotCall {
  readonly id: number;
  readonly from: NodeId;
  readonly incarnation: number;
  readonly to: NodeId;
  readonly term: number;
  readonly index: LogIndex;
  /** Delivered to a running receiver or lost: no longer on its way. */
  decided: boolean;
  /** Its outcome was reported, or a report is scheduled. */
  answered: boolean;
  /** Closed without a report of its own (superseded, or failed by reportUnreachable()). */
  silenced: boolean;
}

/**
 * The simulated transport's snapshot calls, which report their outcome to the sending
 * incarnation (InboundHandler.reportSnapshot), and the checker property over them.
 *
 * Each snapshot-request sent is one call. It is decided when its delivery reaches a running
 * receiver ("finished") or is lost ("failed"); the report then travels back to the sender
 * with a delay drawn like any delivery's, and runs as a task of the sending incarnation. A
 * call still unanswered at its deadline (a paused receiver, a clogged link, an inbox a crash
 * emptied, a lost report) fails then, as a gRPC deadline fails the stream.
 * A reportUnreachable() given to the sender counts as the failure of its calls to that peer,
 * as the core takes it, so their own reports are not given. A newer call to the same peer
 * silences the older ones' reports still to come, as the gRPC client's snapshot lane lets a
 * newer send supersede an older one (src/transport/snapshot-lane.ts).
 *
 * The property (a checker's, not the core's): the core sends one snapshot at a time per
 * follower and waits for its report (RaftCore.reportSnapshot), so one incarnation never
 * starts a call to a follower in a term while an earlier call of that term to it is still
 * undecided. Breaking it is the bug this finds: a copy resent by a timer while the first
 * still streams.
 */
export class SnapshotCalls {
  private nextId = 1;
  /** Calls whose report is still to come. */
  private readonly calls = new Set<SnapshotCall>();

  constructor(
    private readonly ctx: SimContext,
    private readonly network: SimNetwork<Delivery>,
    private readonly memberOf: (id: NodeId) => SimMember | undefined,
  ) {}

  /**
   * Opens the call for `message` sent by `from`'s `incarnation`, which fails at its
   * deadline unless answered before; throws SnapshotResendViolation on a resend.
   */
  start(from: NodeId, incarnation: number, message: SnapshotRequest): SnapshotCall {
    for (const older of this.calls) {
      if (older.from !== from || older.to !== message.to) continue;
      if (older.incarnation === incarnation && !older.decided && older.term === message.term) {
        throw new SnapshotResendViolation(
          `node ${from} sent ${message.to} snapshot ${message.snapshot.index} in term ${message.term} ` +
          `while its snapshot ${older.index} of that term was still on its way (call ${older.id})`);
      }
      this.close(older); // Superseded, or its sender is gone and its reports with it.
    }
    const call: SnapshotCall = {
      id: this.nextId++, from, incarnation, to: message.to, term: message.term,
      index: message.snapshot.index, decided: false, answered: false, silenced: false,
    };
    this.calls.add(call);
    this.schedule(call, SNAPSHOT_CALL_DEADLINE_MICROS, () => {
      call.decided = true;
      if (this.answer(call)) this.report(call, "failed", 0);
    });
    return call;
  }

  /**
   * The call's delivery reached its receiver, or was lost. The first time, its outcome goes
   * back to the sender like any message; if that is lost too, the deadline fails the call.
   */
  decided(call: SnapshotCall, status: SnapshotStatus): void {
    if (call.decided) return; // A duplicate delivery, or a late one.
    call.decided = true;
    const delay = this.network.deliveryDelaysMicros(call.to, call.from)[0];
    if (delay !== undefined && this.answer(call)) this.report(call, status, delay);
  }

  /**
   * `leader` hears that `follower` holds its log up to `matchIndex` in `term`. A snapshot
   * call at or below that index is no longer one the leader waits for: its core leaves
   * snapshot state on this acknowledgement (etcd's rule), so a snapshot it sends later is a
   * new need, not a resend. The call's own report may still come; the core ignores it.
   */
  acknowledged(leader: NodeId, follower: NodeId, term: number, matchIndex: number): void {
    for (const call of this.calls) {
      const covered = call.from === leader && call.to === follower && call.term === term &&
        call.index <= matchIndex;
      if (covered) call.decided = true;
    }
  }

  /** `from` was told `peer` is unreachable: its calls to it failed, as its core takes it. */
  unreachable(from: NodeId, incarnation: number, peer: NodeId): void {
    for (const call of this.calls) {
      const match = call.from === from && call.incarnation === incarnation && call.to === peer;
      if (match) this.close(call);
    }
  }

  /** True if the outcome may be reported now: once per call, never after it was closed. */
  private answer(call: SnapshotCall): boolean {
    if (call.answered || call.silenced) return false;
    call.answered = true;
    return true;
  }

  /** Reports the call's outcome to its sender after `delayMicros`, unless closed meanwhile. */
  private report(call: SnapshotCall, status: SnapshotStatus, delayMicros: number): void {
    this.schedule(call, delayMicros, () => {
      this.calls.delete(call);
      const member = this.memberOf(call.from);
      if (call.silenced || member === undefined) return;
      this.ctx.trace.line(this.ctx.nowMicros, call.from, () => `snapshot ${call.index} to ${call.to} ${status}`);
      member.reportSnapshot(call.to, status, call.index);
    });
  }

  /** Runs `run` after `delayMicros` as a task of the call's sending incarnation. */
  private schedule(call: SnapshotCall, delayMicros: number, run: () => void): void {
    const event: SimEvent = { kind: "task", node: call.from, incarnation: call.incarnation, run };
    this.ctx.queue.push(this.ctx.nowMicros + delayMicros, event);
  }

  private close(call: SnapshotCall): void {
    call.decided = true;
    call.answered = true;
    call.silenced = true;
    this.calls.delete(call);
  }
}
