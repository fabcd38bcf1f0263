import type * as grpc from "@grpc/grpc-js";
import type { MembershipConfig } from "../core/entry.js";
import type { RaftNode } from "../node/raft-node.js";
import type { Logger } from "../observability/logger.js";
import { AddressRegistration } from "./address-registration.js";
import { AutoPromoter } from "./auto-promoter.js";
import type { MemberDirectory } from "./member-directory.js";
import type { MembershipService } from "./membership-service.js";
import { RemovalDetector } from "./removal-detector.js";

export interface MembershipUpkeepOptions {
  readonly node: RaftNode<unknown>;
  readonly membership: MembershipService;
  readonly directory: MemberDirectory;
  readonly logger: Logger;
  /** Where this member says it is reached (with the ports it really bound). */
  readonly advertisedPeer: string;
  readonly advertisedClient: string;
  readonly promoteLagEntriesMax: number;
  readonly promoteAfterMs: number;
  /** An election timeout: no leader for twice this long makes a member ask if it was removed. */
  readonly electionTimeoutMs: number;
  readonly changeTimeoutMs: number;
  readonly intervalMs: number;
  readonly nowMs: () => number;
  /** The configuration changed: where members are reached may have changed. */
  readonly onConfig: (config: MembershipConfig) => void;
  readonly onRemoved: () => void;
  /** For its calls to other members' peer ports (transport/tls.ts). */
  readonly peerCredentials: grpc.ChannelCredentials;
}

/**
 * The membership duties of a member: follow configuration changes (addresses) as they
 * happen, and on one timer promote caught-up learners (leader), keep this member's own
 * address record true, and notice that this member was removed.
 */
export class MembershipUpkeep {
  private readonly promoter: AutoPromoter;
  private readonly registration: AddressRegistration;
  private readonly detector: RemovalDetector;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private configSeen: MembershipConfig | undefined;
  private stopped = false;

  constructor(private readonly options: MembershipUpkeepOptions) {
    const { node, logger, nowMs } = options;
    this.promoter = new AutoPromoter({
      node, logger, nowMs, lagEntriesMax: options.promoteLagEntriesMax,
      caughtUpForMs: options.promoteAfterMs, changeTimeoutMs: options.changeTimeoutMs,
    });
    this.registration = new AddressRegistration({
      node, logger, nowMs, membership: options.membership, peerAddress: options.advertisedPeer,
      clientAddress: options.advertisedClient, callTimeoutMs: options.changeTimeoutMs,
    });
    this.detector = new RemovalDetector({
      node, nowMs, peerAddress: (id) => options.directory.peerAddress(id),
      credentials: options.peerCredentials,
      leaderlessMs: 2 * options.electionTimeoutMs,
      onRemoved: (evidence) => {
        logger.error("this member was removed from the cluster; it serves nothing more " +
          "(wipe its data directory before adding it back)", evidence);
        this.stop();
        options.onRemoved();
      },
    });
    this.followConfig();
    // At once, not on the next check: a member promoted and then asked to campaign
    // (TransferLeadership) within one interval would otherwise send its votes nowhere.
    this.unsubscribe = node.subscribe((event) => {
      if (event.type === "membership-changed") this.followConfig();
    });
    this.timer = setInterval(() => this.check(), options.intervalMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.timer);
    this.detector.close();
  }

  private check(): void {
    this.followConfig();
    this.promoter.check();
    this.registration.check();
    this.detector.check();
  }

  private followConfig(): void {
    const config = this.options.node.membership();
    if (config === this.configSeen) return;
    this.configSeen = config;
    this.options.onConfig(config);
  }
}
