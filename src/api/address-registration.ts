import { NO_NODE } from "../core/ids.js";
import { addressOf, isMember } from "../core/membership-config.js";
import type { RaftNode } from "../node/raft-node.js";
import type { Logger } from "../observability/logger.js";
import type { MembershipService } from "./membership-service.js";

export interface AddressRegistrationOptions {
  readonly node: RaftNode<unknown>;
  readonly membership: MembershipService;
  readonly logger: Logger;
  /** The addresses this member advertises (--advertise-peer, --advertise-client). */
  readonly peerAddress: string;
  readonly clientAddress: string;
  readonly callTimeoutMs: number;
  readonly nowMs: () => number;
}

/**
 * Keeps this member's address record in the configuration true: when the record is missing
 * (a founding member, bootstrapped from --initial-cluster with ids only) or differs from what
 * this member advertises (a pod that came back with a new IP), the member asks the leader to
 * change it, through the log like any membership change. Other members then reach it there.
 */
export class AddressRegistration {
  private inFlight = false;

  constructor(private readonly options: AddressRegistrationOptions) {}

  /** Called periodically; at most one request is in flight. */
  check(): void {
    const { node } = this.options;
    const config = node.membership();
    if (this.inFlight || node.leader() === NO_NODE || !isMember(config, node.id)) return;
    const record = addressOf(config, node.id);
    if (record?.peerAddress === this.options.peerAddress &&
        record.clientAddress === this.options.clientAddress) return;
    this.inFlight = true;
    const deadlineMs = this.options.nowMs() + this.options.callTimeoutMs;
    this.options.membership.update({
      id: String(node.id), peer_address: this.options.peerAddress,
      client_address: this.options.clientAddress,
    }, { deadlineMs, forwarded: false })
      .then(
        () => this.options.logger.info("this member's addresses are recorded in the configuration", {
          peerAddress: this.options.peerAddress, clientAddress: this.options.clientAddress,
          previousPeerAddress: record?.peerAddress,
        }),
        (error: unknown) => this.options.logger.debug("address update not done yet; retrying", {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        this.inFlight = false;
      });
  }
}
