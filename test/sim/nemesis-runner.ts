import type { MembershipConfig } from "../../src/core/entry.js";
import type { NodeId } from "../../src/core/ids.js";
import { isLearner, type ConfigChange } from "../../src/core/membership-config.js";
import type { SeededRandom } from "../../src/core/random.js";
import { Nemesis, type ClusterView, type FaultProfile, type NemesisAction } from "./faults.js";
import { CALM_NETWORK, FAULTY_NETWORK, type SimNetwork } from "./network.js";
import type { Delivery, SimCluster, SimContext } from "./sim-cluster.js";

/** How long a membership change may take before the nemesis counts it as refused. */
const CONFIG_CHANGE_TIMEOUT_MS = 2000;

/**
 * Carries out the nemesis' decisions on the simulated cluster and network, and shows the
 * nemesis the cluster through ClusterView. Membership changes go through the leader's
 * core like an operator's would; a removed node keeps running (the disruptive server,
 * thesis 4.2.3).
 */
export class NemesisRunner implements ClusterView {
  private readonly nemesis: Nemesis;
  private readonly spares: NodeId[];
  /** Addresses handed out by set-address actions, so that each move names a new one. */
  private moves = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly cluster: SimCluster,
    private readonly network: SimNetwork<Delivery>,
    profile: FaultProfile,
    random: SeededRandom,
    spares: readonly NodeId[],
    schedule: (delayMicros: number, event: { kind: "nemesis"; action: NemesisAction }) => void,
  ) {
    this.spares = [...spares];
    this.nemesis = new Nemesis(profile, random, this, (delay, action) => schedule(delay, { kind: "nemesis", action }));
    cluster.onCrash = (id) => this.nemesis.nodeCrashed(id);
  }

  gapMicros(): number {
    return this.nemesis.gapMicros();
  }

  decide(): void {
    const action = this.nemesis.decide();
    if (action !== undefined) this.execute(action);
  }

  /** Ends the fault phase: every link heals, every node runs (docs/testing.md, Fault injection). */
  healEverything(): void {
    this.cluster.onCrash = undefined;
    this.cluster.release(this.network.healAll());
    for (const id of this.cluster.ids()) {
      this.cluster.disarmCrash(id);
      this.cluster.resume(id);
      this.cluster.restart(id);
    }
    this.trace(undefined, "heal everything");
  }

  execute(action: NemesisAction): void {
    this.trace(undefined, `nemesis ${describeAction(action)}`);
    switch (action.type) {
      case "partition":
        for (const link of action.links) {
          if (action.clog) this.network.clog(link.from, link.to);
          else this.network.block(link.from, link.to);
        }
        return;
      case "heal":
        this.cluster.release(this.network.healAll());
        return;
      case "flap":
        return this.flap(action);
      case "crash":
        if (action.point === undefined) this.cluster.crash(action.node, action.powerLoss);
        else this.cluster.armCrash(action.node, action.point, action.powerLoss);
        return;
      case "restart":
        return this.cluster.restart(action.node);
      case "pause":
        return this.cluster.pause(action.node);
      case "resume":
        return this.cluster.resume(action.node);
      case "add-learner":
        return this.addLearner(action.node);
      case "promote":
        return this.promote(action.node, action.attempts);
      case "remove":
        this.changeConfig({ type: "remove", node: action.node }, () => undefined);
        return;
      case "set-address": {
        // Addresses the simulated network never dials: what matters is the change's path
        // through the log, the configuration guard and every member's tracker.
        this.moves += 1;
        const host = `sim-${String(action.node)}-${String(this.moves)}`;
        const address = {
          peerAddress: `${host}:7380`, clientAddress: `${host}:7379`, autoPromote: false,
        };
        this.changeConfig({ type: "set-address", node: action.node, address }, () => undefined);
        return;
      }
      case "reconfigure":
        for (const change of action.changes) this.reconfigure(change);
        return;
      case "transfer": {
        const leader = this.leaderId();
        if (leader !== undefined) {
          this.cluster.invoke(leader, (member) => {
            try {
              member.node.transferLeadership(action.target);
            } catch (error) {
              this.trace(leader, `transfer to ${action.target} refused: ${String(error)}`);
            }
          });
        }
        return;
      }
      case "network":
        this.network.setProfile(action.profile === "calm" ? CALM_NETWORK : FAULTY_NETWORK);
        return;
    }
  }

  // ClusterView

  nodeIds(): readonly NodeId[] {
    return this.cluster.ids();
  }

  runningIds(): readonly NodeId[] {
    return this.cluster.reachable().map((node) => node.id);
  }

  downOrPausedIds(): readonly NodeId[] {
    return this.cluster
      .ids()
      .filter((id) => !this.cluster.isRunning(id) || this.cluster.isPaused(id));
  }

  leaderId(): NodeId | undefined {
    return this.cluster.leader()?.id;
  }

  leaderMembership(): MembershipConfig | undefined {
    return this.cluster.leader()?.node.membership();
  }

  freshNodeId(): NodeId | undefined {
    return this.spares[0];
  }

  private flap(action: NemesisAction & { type: "flap" }): void {
    const cut = action.remaining % 2 === 0;
    for (const link of action.links) {
      if (cut) this.network.block(link.from, link.to);
      else this.network.unblock(link.from, link.to);
    }
    if (action.remaining > 0) {
      this.nemesisSchedule(action.gapMicros, { ...action, remaining: action.remaining - 1 });
    }
  }

  private addLearner(node: NodeId): void {
    if (this.spares[0] !== node) return;
    this.spares.shift();
    this.cluster.addEmptyNode(node);
    this.changeConfig({ type: "add-learner", node }, (applied) => {
      if (applied) this.nemesis.learnerAdded(node);
    });
  }

  private reconfigure(change: ConfigChange): void {
    if (change.type !== "remove" && this.spares[0] === change.node) {
      this.spares.shift();
      this.cluster.addEmptyNode(change.node);
    }
    this.changeConfig(change, (applied) => {
      if (applied && change.type === "add-learner") this.nemesis.learnerAdded(change.node);
    });
  }

  private promote(node: NodeId, attempts: number): void {
    const config = this.leaderMembership();
    if (config === undefined) return this.nemesis.promotionRefused(node, attempts);
    if (!isLearner(config, node)) return;
    this.changeConfig({ type: "add-voter", node }, (applied) => {
      if (!applied) this.nemesis.promotionRefused(node, attempts);
    });
  }

  /** Proposes `change` through the leader's RaftNode; `done(applied)` once it settles. */
  private changeConfig(change: ConfigChange, done: (applied: boolean) => void): void {
    const leader = this.leaderId();
    if (leader === undefined) {
      done(false);
      return;
    }
    const what = `config change ${change.type} ${change.node}`;
    const proposing = this.cluster.invoke(leader, (member) =>
      member.node.changeMembership(change, CONFIG_CHANGE_TIMEOUT_MS));
    if (proposing === undefined) {
      this.trace(leader, `${what}: crashed`);
      done(false);
      return;
    }
    proposing.then(
      (applied) => {
        this.trace(leader, `${what}: applied at ${applied.index}`);
        done(true);
      },
      (error: unknown) => {
        this.trace(leader, `${what}: ${error instanceof Error ? error.message : String(error)}`);
        done(false);
      },
    );
  }

  private nemesisSchedule(delayMicros: number, action: NemesisAction): void {
    this.ctx.queue.push(this.ctx.nowMicros + delayMicros, { kind: "nemesis", action });
  }

  private trace(node: NodeId | undefined, text: string): void {
    this.ctx.trace.line(this.ctx.nowMicros, node, () => text);
  }
}

export function describeAction(action: NemesisAction): string {
  switch (action.type) {
    case "partition":
      return `partition${action.clog ? " (clog)" : ""} ${action.shape} ${action.links.map((l) => `${l.from}>${l.to}`).join(" ")}`;
    case "flap":
      return `flap ${action.remaining} ${action.links.map((l) => `${l.from}>${l.to}`).join(" ")}`;
    case "crash": {
      const at = action.point === undefined ? "" : ` at ${action.point}`;
      return `crash ${action.node}${at}${action.powerLoss ? " (power loss)" : ""}`;
    }
    case "promote":
      return `promote ${action.node}`;
    case "transfer":
      return `transfer to ${action.target}`;
    case "network":
      return `network ${action.profile}`;
    case "heal":
      return "heal";
    case "reconfigure":
      return `reconfigure ${action.changes.map((c) => `${c.type} ${c.node}`).join(", ")}`;
    case "restart":
    case "pause":
    case "resume":
    case "add-learner":
    case "remove":
    case "set-address":
      return `${action.type} ${action.node}`;
  }
}
