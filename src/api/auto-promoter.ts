import { addressOf } from "../core/membership-config.js";
import type { NodeId } from "../core/ids.js";
import type { RaftNode } from "../node/raft-node.js";
import type { Logger } from "../observability/logger.js";

export interface AutoPromoterOptions {
  readonly node: RaftNode<unknown>;
  readonly logger: Logger;
  /** Within this many entries of the leader's last index, a learner counts as caught up. */
  readonly lagEntriesMax: number;
  /** How long it must stay caught up before it is promoted. */
  readonly caughtUpForMs: number;
  readonly changeTimeoutMs: number;
  readonly nowMs: () => number;
}

/**
 * Promotes learners added with auto-promote (raftkv --join) once they have caught up: within
 * `lagEntriesMax` entries of the leader for `caughtUpForMs` (thesis 4.2.1: a new server
 * joins as a non-voter until its log is close enough that adding it cannot stall commits).
 * Runs on every member and acts only while it leads; the flag lives in the configuration,
 * so a new leader carries on where the old one stopped.
 */
export class AutoPromoter {
  private readonly caughtUpSinceMs = new Map<NodeId, number>();
  private inFlight = false;

  constructor(private readonly options: AutoPromoterOptions) {}

  /** Called periodically; at most one promotion is proposed at a time. */
  check(): void {
    const { node } = this.options;
    const status = node.status();
    const config = node.membership();
    const candidates = config.learners.filter((id) => addressOf(config, id)?.autoPromote === true);
    if (status.role !== "leader" || candidates.length === 0) {
      this.caughtUpSinceMs.clear();
      return;
    }
    const now = this.options.nowMs();
    const matches = new Map(node.replication().map((peer) => [peer.id, peer.matchIndex]));
    for (const id of [...this.caughtUpSinceMs.keys()]) {
      if (!candidates.includes(id)) this.caughtUpSinceMs.delete(id);
    }
    for (const id of candidates) {
      const lag = status.lastIndex - (matches.get(id) ?? 0);
      if (lag > this.options.lagEntriesMax) {
        this.caughtUpSinceMs.delete(id);
        continue;
      }
      const since = this.caughtUpSinceMs.get(id) ?? now;
      this.caughtUpSinceMs.set(id, since);
      if (now - since >= this.options.caughtUpForMs && !this.inFlight) this.promote(id, lag);
    }
  }

  private promote(id: NodeId, lag: number): void {
    this.inFlight = true;
    this.options.node.changeMembership({ type: "add-voter", node: id }, this.options.changeTimeoutMs)
      .then(
        () => this.options.logger.info("learner caught up and was promoted to voter", { member: id, lag }),
        (error: unknown) => this.options.logger.debug("auto-promotion not done yet; retrying", {
          member: id, error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        this.inFlight = false;
        this.caughtUpSinceMs.delete(id);
      });
  }
}
