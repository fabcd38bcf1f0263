import type { MembershipConfig } from "../core/entry.js";
import { NO_NODE, nodeId, type NodeId } from "../core/ids.js";
import { addressOf, isLearner, isMember, isVoter, type ConfigChange } from "../core/membership-config.js";
import type { MemberAddRequest__Output } from "../gen/raftkv/cluster/v1/MemberAddRequest.js";
import type { MemberAddResponse } from "../gen/raftkv/cluster/v1/MemberAddResponse.js";
import type { MemberPromoteRequest__Output } from "../gen/raftkv/cluster/v1/MemberPromoteRequest.js";
import type { MemberRemoveRequest__Output } from "../gen/raftkv/cluster/v1/MemberRemoveRequest.js";
import type { MemberUpdateRequest__Output } from "../gen/raftkv/cluster/v1/MemberUpdateRequest.js";
import type {
  TransferLeadershipRequest__Output,
} from "../gen/raftkv/cluster/v1/TransferLeadershipRequest.js";
import type { TransferLeadershipResponse } from "../gen/raftkv/cluster/v1/TransferLeadershipResponse.js";
import { ChangeInProgressError, NotLeaderError } from "../node/errors.js";
import { handOffLeadership } from "../node/leader-handoff.js";
import type { RaftNode } from "../node/raft-node.js";
import type { Scheduler } from "../node/scheduler.js";
import type { Logger } from "../observability/logger.js";
import { portOf } from "../transport/host-port.js";
import { describeMembers } from "./cluster-service.js";
import { InvalidArgumentError, PreconditionError } from "./errors.js";
import type { CallContext } from "./kv-service.js";
import type { ClusterLeaderMethod, LeaderForwarder } from "./leader-forwarder.js";
import type { MemberDirectory } from "./member-directory.js";

/** How long a change waits before trying again while another one is in flight. */
const CHANGE_RETRY_PAUSE_MS = 50;
/**
 * A transfer won by another member than the target is asked of the new leader only while
 * this much of the call's deadline remains; the new leader's handoff needs an election.
 */
const TRANSFER_AGAIN_MARGIN_MS = 200;

/** The answer of every membership change: the configuration after it. */
type MembersResponse = MemberAddResponse;

export interface MembershipServiceDeps {
  readonly node: RaftNode<unknown>;
  readonly clusterId: number;
  readonly directory: MemberDirectory;
  readonly forwarder: LeaderForwarder;
  readonly logger: Logger;
  /** A learner within this many entries of the leader's last index counts as caught up. */
  readonly promoteLagEntriesMax: number;
  /** A peer heard from within this long counts as reachable (an election timeout). */
  readonly reachableWithinMs: number;
  readonly nowMs: () => number;
  /** The timer for leadership transfers (the node's kind: SystemScheduler in production). */
  readonly scheduler: Scheduler;
}

/**
 * Membership over the wire (etcd's MemberAdd/Promote/Remove/Update, hashicorp's AddVoter,
 * AddNonvoter, RemoveServer): every change is a single-server configuration change
 * (thesis 4.1) proposed by the leader, so a follower forwards the call to it. The checks an
 * operator needs before a change (is the learner caught up, would the voters left still
 * have a reachable quorum) are made on the leader, which alone knows its followers' logs.
 */
export class MembershipService {
  constructor(private readonly deps: MembershipServiceDeps) {}

  add(request: MemberAddRequest__Output, call: CallContext): Promise<MembersResponse> {
    const id = memberId(request.id, "MemberAddRequest.id");
    const peerAddress = hostPort(request.peer_address, "MemberAddRequest.peer_address");
    const clientAddress = hostPort(request.client_address, "MemberAddRequest.client_address");
    if (request.as_voter && request.auto_promote) {
      throw new InvalidArgumentError("auto_promote is for learners; as_voter adds a voter at once");
    }
    return this.onLeader("MemberAdd", request, call, async () => {
      const config = this.deps.node.membership();
      if (isMember(config, id)) {
        const known = addressOf(config, id)?.peerAddress ?? this.deps.directory.peerAddress(id);
        const knownClient = addressOf(config, id)?.clientAddress;
        if (known === peerAddress && (knownClient === undefined || knownClient === clientAddress)) {
          return this.members(); // The same member again (a retried join): nothing to change.
        }
        throw new PreconditionError(`member ${String(id)} is already in the cluster at peer ` +
          `address ${known ?? "(unknown)"}${knownClient === undefined ? "" : `, client address ${knownClient}`}; ` +
          "an id names one member: remove it first, or change its addresses with MemberUpdate");
      }
      this.refuseTakenPeerAddress(config, id, peerAddress);
      const autoPromote = !request.as_voter && request.auto_promote;
      const address = { peerAddress, clientAddress, autoPromote };
      const change: ConfigChange = request.as_voter
        ? { type: "add-voter", node: id, address }
        : { type: "add-learner", node: id, address };
      await this.change(change, call);
      this.deps.logger.info("member added", {
        member: id, voter: request.as_voter, autoPromote: address.autoPromote, peerAddress,
      });
      return this.members();
    });
  }

  promote(request: MemberPromoteRequest__Output, call: CallContext): Promise<MembersResponse> {
    const id = memberId(request.id, "MemberPromoteRequest.id");
    return this.onLeader("MemberPromote", request, call, async () => {
      const config = this.deps.node.membership();
      if (isVoter(config, id)) throw new PreconditionError(`member ${String(id)} is already a voter`);
      if (!isLearner(config, id)) throw new PreconditionError(`member ${String(id)} is not a member`);
      const lag = this.lagOf(id);
      if (lag.entries > this.deps.promoteLagEntriesMax) {
        throw new PreconditionError(`learner ${String(id)} is ${String(lag.entries)} entries ` +
          `behind the leader (it holds ${String(lag.match)} of ${String(lag.last)}); it can be ` +
          `promoted once within ${String(this.deps.promoteLagEntriesMax)}`);
      }
      await this.change({ type: "add-voter", node: id }, call);
      this.deps.logger.info("learner promoted to voter", { member: id });
      return this.members();
    });
  }

  remove(request: MemberRemoveRequest__Output, call: CallContext): Promise<MembersResponse> {
    const id = memberId(request.id, "MemberRemoveRequest.id");
    return this.onLeader("MemberRemove", request, call, async () => {
      const node = this.deps.node;
      const config = node.membership();
      if (!isMember(config, id)) throw new PreconditionError(`member ${String(id)} is not a member`);
      if (!request.force) this.refuseQuorumLoss(config, id);
      if (id === node.id) return this.removeSelf(request, call);
      await this.change({ type: "remove", node: id }, call);
      this.deps.logger.info("member removed", { member: id, forced: request.force });
      return this.members();
    });
  }

  update(request: MemberUpdateRequest__Output, call: CallContext): Promise<MembersResponse> {
    const id = memberId(request.id, "MemberUpdateRequest.id");
    const peerAddress = hostPort(request.peer_address, "MemberUpdateRequest.peer_address");
    const clientAddress = hostPort(request.client_address, "MemberUpdateRequest.client_address");
    return this.onLeader("MemberUpdate", request, call, async () => {
      const config = this.deps.node.membership();
      if (!isMember(config, id)) throw new PreconditionError(`member ${String(id)} is not a member`);
      const record = addressOf(config, id);
      if (record?.peerAddress === peerAddress && record.clientAddress === clientAddress) {
        return this.members();
      }
      this.refuseTakenPeerAddress(config, id, peerAddress);
      const address = { peerAddress, clientAddress, autoPromote: record?.autoPromote ?? false };
      await this.change({ type: "set-address", node: id, address }, call);
      this.deps.logger.info("member addresses changed", { member: id, peerAddress, clientAddress });
      return this.members();
    });
  }

  transferLeadership(
    request: TransferLeadershipRequest__Output, call: CallContext,
  ): Promise<TransferLeadershipResponse> {
    const requested = request.target_id === "0" ? NO_NODE : memberId(request.target_id,
      "TransferLeadershipRequest.target_id");
    return this.onLeader("TransferLeadership", request, call, async () => {
      const leader = await this.handOver(requested, call);
      if (requested !== NO_NODE && leader !== requested) {
        // Another member won the election the transfer started (the target's votes were
        // lost, say). The new leader can try again; the caller asked for `requested`.
        if (this.remainingMs(call) <= TRANSFER_AGAIN_MARGIN_MS) {
          throw new NotLeaderError(leader, `member ${String(leader)} was elected instead of ` +
            `member ${String(requested)}; retry`);
        }
        this.deps.logger.info("leadership went to another member than the one asked; " +
          "asking it to hand over", { leader, target: requested });
        return this.deps.forwarder.forwardCluster<TransferLeadershipResponse>(
          leader, "TransferLeadership", request, this.remainingMs(call));
      }
      return {
        cluster_id: String(this.deps.clusterId), member_id: String(this.deps.node.id),
        leader_id: String(leader),
      };
    });
  }

  /** The configuration this member knows, as the API lists it. */
  members(): MembersResponse {
    return describeMembers(this.deps.node, this.deps.clusterId, this.deps.directory);
  }

  /** How far a member's log is behind the leader's (leader only). */
  lagOf(id: NodeId): { readonly entries: number; readonly match: number; readonly last: number } {
    const last = this.deps.node.status().lastIndex;
    const match = this.deps.node.replication().find((peer) => peer.id === id)?.matchIndex ?? 0;
    return { entries: Math.max(0, last - match), match, last };
  }

  /**
   * The leader removes itself by handing leadership to the most caught-up voter and asking
   * the new leader to remove it: a leader that removed itself would stop leading the moment
   * the entry is appended and leave the cluster without a leader for an election timeout.
   */
  private async removeSelf(
    request: MemberRemoveRequest__Output, call: CallContext,
  ): Promise<MembersResponse> {
    const leader = await this.handOver(NO_NODE, call);
    this.deps.logger.info("handed leadership over to remove this member", { leader });
    return this.deps.forwarder.forwardCluster<MembersResponse>(
      leader, "MemberRemove", request, this.remainingMs(call));
  }

  /** Transfers leadership to `target` (or the best voter) and waits for the new leader. */
  private async handOver(target: NodeId, call: CallContext): Promise<NodeId> {
    const node = this.deps.node;
    if (target === node.id) return node.id;
    const handoff = await handOffLeadership(node, {
      timeoutMs: this.remainingMs(call), scheduler: this.deps.scheduler,
      retryWithinMs: this.deps.reachableWithinMs,
      ...(target === NO_NODE ? {} : { target }),
    });
    switch (handoff.outcome) {
      case "handed-over":
        return handoff.leader;
      case "not-leader":
        throw new NotLeaderError(handoff.leader);
      case "no-candidate":
        throw new PreconditionError("no other voter is reachable and could take over leadership");
      case "refused":
        throw new PreconditionError(`leadership cannot move to member ${String(handoff.target)}: ` +
          handoff.reason);
      case "timed-out":
        throw new NotLeaderError(node.leader(),
          `leadership did not move to member ${String(handoff.target)} in time; retry`);
    }
  }

  private refuseQuorumLoss(config: MembershipConfig, id: NodeId): void {
    if (!isVoter(config, id)) return; // Learners do not count towards any quorum.
    const node = this.deps.node;
    const silent = new Map(node.replication().map((peer) => [peer.id, peer.silentMs]));
    const remaining = config.voters.filter((voter) => voter !== id);
    const reachable = remaining.filter((voter) =>
      voter === node.id || (silent.get(voter) ?? Infinity) <= this.deps.reachableWithinMs);
    if (reachable.length * 2 > remaining.length) return;
    throw new PreconditionError(`removing member ${String(id)} would leave voters ` +
      `[${remaining.join(", ")}], of which only [${reachable.join(", ")}] are reachable now: ` +
      "not a quorum, so the cluster could not commit anything; set force to remove it anyway");
  }

  private refuseTakenPeerAddress(config: MembershipConfig, id: NodeId, peerAddress: string): void {
    const holder = [...config.voters, ...config.learners].find((other) =>
      other !== id && this.deps.directory.peerAddress(other) === peerAddress);
    if (holder !== undefined) {
      throw new PreconditionError(`peer address ${peerAddress} belongs to member ${String(holder)}`);
    }
  }

  /**
   * Proposes `change`, waiting while another change is in flight (this member's own address
   * update or an auto-promotion can be) until the call's deadline; then it is ABORTED.
   */
  private async change(change: ConfigChange, call: CallContext): Promise<void> {
    for (;;) {
      try {
        await this.deps.node.changeMembership(change, this.remainingMs(call));
        return;
      } catch (error: unknown) {
        if (!(error instanceof ChangeInProgressError) ||
            this.remainingMs(call) < 2 * CHANGE_RETRY_PAUSE_MS) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, CHANGE_RETRY_PAUSE_MS));
    }
  }

  /** Serves on the leader; a follower forwards once, a forwarded call is not forwarded again. */
  private async onLeader<Response>(
    method: ClusterLeaderMethod, request: unknown, call: CallContext,
    serve: () => Promise<Response>,
  ): Promise<Response> {
    const node = this.deps.node;
    if (node.status().role === "leader") return serve();
    const leader = node.leader();
    if (call.forwarded || leader === NO_NODE) {
      throw new NotLeaderError(node.lastKnownLeader());
    }
    const remainingMs = this.remainingMs(call);
    return this.deps.forwarder.forwardCluster<Response>(leader, method, request, remainingMs);
  }

  private remainingMs(call: CallContext): number {
    return Math.max(0, call.deadlineMs - this.deps.nowMs());
  }
}

/** A member id from the wire: 1 to 2^53 - 1. */
function memberId(text: string, field: string): NodeId {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${field} must be a member id from 1 to 2^53 - 1, got "${text}"`);
  }
  return nodeId(value);
}

/** A host:port from the wire. */
function hostPort(text: string, field: string): string {
  const port = text === text.trim() ? portOf(text) : undefined;
  if (port === undefined || port === 0) {
    throw new InvalidArgumentError(`${field} must be host:port, got "${text}"`);
  }
  return text;
}
