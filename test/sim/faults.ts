import type { MembershipConfig } from "../../src/core/entry.js";
import type { NodeId } from "../../src/core/ids.js";
import type { ConfigChange } from "../../src/core/membership-config.js";
import type { SeededRandom } from "../../src/core/random.js";
import { partitionLinks, PARTITION_SHAPES, type DirectedLink, type PartitionShape } from "./partitions.js";
import { CRASH_POINTS, type CrashPoint } from "./crash-points.js";

/** One thing the nemesis does to the cluster; the simulator executes and traces it. */
export type NemesisAction =
  /** `clog`: hold messages until the heal instead of dropping them. */
  | { readonly type: "partition"; readonly shape: PartitionShape; readonly links: readonly DirectedLink[]; readonly clog: boolean }
  | { readonly type: "heal" }
  /** Toggles `links` `remaining` more times, `gapMicros` apart (flapping links). */
  | { readonly type: "flap"; readonly links: readonly DirectedLink[]; readonly remaining: number; readonly gapMicros: number }
  /**
   * `point` undefined: crash between events; otherwise when its ports next reach that point.
   * `powerLoss`: the machine loses power, so its state machine loses what it had not synced.
   */
  | {
    readonly type: "crash";
    readonly node: NodeId;
    readonly point: CrashPoint | undefined;
    readonly powerLoss: boolean;
  }
  | { readonly type: "restart"; readonly node: NodeId }
  | { readonly type: "pause"; readonly node: NodeId }
  | { readonly type: "resume"; readonly node: NodeId }
  | { readonly type: "add-learner"; readonly node: NodeId }
  | { readonly type: "promote"; readonly node: NodeId; readonly attempts: number }
  | { readonly type: "remove"; readonly node: NodeId }
  /** A member moves (a pod with a new IP): its address record changes through the log. */
  | { readonly type: "set-address"; readonly node: NodeId }
  /** Several changes proposed back to back; the core must refuse all but the first. */
  | { readonly type: "reconfigure"; readonly changes: readonly ConfigChange[] }
  | { readonly type: "transfer"; readonly target: NodeId }
  | { readonly type: "network"; readonly profile: "calm" | "faulty" };

export type FaultKind =
  | "partition"
  | "flap"
  | "crash-leader"
  | "crash-any"
  | "pause"
  | "membership"
  | "transfer"
  | "network";

/** How often and which faults strike (docs/testing.md, Fault injection). Weights are relative. */
export interface FaultProfile {
  /** Gap between two nemesis decisions, drawn from [gapMicrosMin, gapMicrosMax). */
  readonly gapMicrosMin: number;
  readonly gapMicrosMax: number;
  readonly weights: Readonly<Record<FaultKind, number>>;
  /** How long a partition, a crash or a pause lasts, drawn from [0, faultMicrosMax). */
  readonly faultMicrosMax: number;
  /** Probability that a crash strikes inside a Ready rather than between events. */
  readonly crashInsideReadyProbability: number;
  /**
   * Probability that a crash is a power loss rather than a process crash: the state machine
   * (SQLite, synchronous=NORMAL, ADR 0005) comes back at an earlier state.
   */
  readonly powerLossProbability: number;
  /** Most nodes down or paused at once. */
  readonly downNodesMax: number;
  /** Probability that a partition clogs (delays until healed) rather than drops. */
  readonly clogProbability: number;
  /** Probability that a membership fault is a burst of two changes at once. */
  readonly reconfigureBurstProbability: number;
}

export const DEFAULT_FAULTS: FaultProfile = {
  gapMicrosMin: 50_000,
  gapMicrosMax: 600_000,
  weights: { partition: 4, flap: 1, "crash-leader": 3, "crash-any": 2, pause: 2, membership: 3, transfer: 1, network: 1 },
  faultMicrosMax: 1_500_000,
  crashInsideReadyProbability: 0.5,
  powerLossProbability: 0.3,
  downNodesMax: 2,
  reconfigureBurstProbability: 0.2,
  clogProbability: 0.3,
};

/** What the nemesis can see of the cluster when it decides. */
export interface ClusterView {
  /** Every created node, running or not. */
  nodeIds(): readonly NodeId[];
  runningIds(): readonly NodeId[];
  downOrPausedIds(): readonly NodeId[];
  /** The running leader with the highest term, if any. */
  leaderId(): NodeId | undefined;
  /** The leader's latest configuration (possibly uncommitted), or undefined. */
  leaderMembership(): MembershipConfig | undefined;
  /** A node id never used so far, for add-learner; undefined when none is left. */
  freshNodeId(): NodeId | undefined;
}

/** The share of membership decisions that move a member instead of adding or removing one. */
const MOVE_SHARE = 0.2;

/**
 * The fault schedule. It decides at seeded intervals what to break next, looking at the
 * cluster (so it can single out the leader), and schedules the matching repair: every
 * partition heals, every crashed node restarts and every paused node resumes.
 */
export class Nemesis {
  constructor(
    private readonly profile: FaultProfile,
    private readonly random: SeededRandom,
    private readonly cluster: ClusterView,
    private readonly schedule: (delayMicros: number, action: NemesisAction) => void,
  ) {}

  /** Delay until the next decision. */
  gapMicros(): number {
    const p = this.profile;
    return p.gapMicrosMin + this.random.intBelow(Math.max(1, p.gapMicrosMax - p.gapMicrosMin));
  }

  /** Picks and returns the next fault (undefined: nothing applicable now). */
  decide(): NemesisAction | undefined {
    const kind = this.pickKind();
    switch (kind) {
      case "partition":
        return this.partition();
      case "flap":
        return this.flap();
      case "crash-leader":
        return this.crash(this.cluster.leaderId());
      case "crash-any":
        return this.crash(this.pickRunning());
      case "pause":
        return this.pause();
      case "membership":
        return this.membership();
      case "transfer":
        return this.transfer();
      case "network":
        return { type: "network", profile: this.random.chance(0.5) ? "calm" : "faulty" };
    }
  }

  /** Called by the simulator whenever a node crashed, whatever the cause: schedule its restart. */
  nodeCrashed(node: NodeId): void {
    this.schedule(this.durationMicros(), { type: "restart", node });
  }

  /** Called after a learner was added: promote it later (add learner -> promote, thesis 4.2.1). */
  learnerAdded(node: NodeId): void {
    this.schedule(this.durationMicros(), { type: "promote", node, attempts: 5 });
  }

  /** Called when a promotion was refused (a change pending): retry a few times. */
  promotionRefused(node: NodeId, attempts: number): void {
    if (attempts > 1) this.schedule(200_000 + this.random.intBelow(400_000), { type: "promote", node, attempts: attempts - 1 });
  }

  private pickKind(): FaultKind {
    const entries = Object.entries(this.profile.weights) as [FaultKind, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.random.intBelow(Math.max(1, total));
    for (const [kind, weight] of entries) {
      if (roll < weight) return kind;
      roll -= weight;
    }
    return "network";
  }

  private partition(): NemesisAction | undefined {
    const nodes = this.cluster.nodeIds();
    if (nodes.length < 2) return undefined;
    const shape = PARTITION_SHAPES[this.random.intBelow(PARTITION_SHAPES.length)]!;
    const links = partitionLinks(shape, nodes, this.random, this.cluster.leaderId());
    this.schedule(this.durationMicros(), { type: "heal" });
    return { type: "partition", shape, links, clog: this.random.chance(this.profile.clogProbability) };
  }

  private flap(): NemesisAction | undefined {
    const nodes = this.cluster.nodeIds();
    if (nodes.length < 2) return undefined;
    const links = partitionLinks("isolate-one", nodes, this.random, this.cluster.leaderId());
    return {
      type: "flap",
      links,
      remaining: 4 + 2 * this.random.intBelow(4),
      gapMicros: 20_000 + this.random.intBelow(150_000),
    };
  }

  private crash(node: NodeId | undefined): NemesisAction | undefined {
    if (node === undefined || this.downNodesFull()) return undefined;
    const inside = this.random.chance(this.profile.crashInsideReadyProbability);
    const point = inside
      ? CRASH_POINTS[this.random.intBelow(CRASH_POINTS.length)]
      : undefined;
    const powerLoss = this.random.chance(this.profile.powerLossProbability);
    return { type: "crash", node, point, powerLoss };
  }

  private pause(): NemesisAction | undefined {
    const node = this.random.chance(0.5) ? this.cluster.leaderId() : this.pickRunning();
    if (node === undefined || this.downNodesFull()) return undefined;
    this.schedule(this.durationMicros(), { type: "resume", node });
    return { type: "pause", node };
  }

  /** Add a learner (later promoted), or remove a voter (maybe the leader) or a learner. */
  private membership(): NemesisAction | undefined {
    const config = this.cluster.leaderMembership();
    if (config === undefined) return undefined;
    const memberCount = config.voters.length + config.learners.length;
    const fresh = this.cluster.freshNodeId();
    if (this.random.chance(this.profile.reconfigureBurstProbability)) {
      return this.burst(config, fresh);
    }
    if (this.random.chance(MOVE_SHARE)) {
      const members = [...config.voters, ...config.learners];
      return { type: "set-address", node: members[this.random.intBelow(members.length)]! };
    }
    // Short-circuit order matters: the coin is tossed only when a learner could be added.
    const canGrow = fresh !== undefined && memberCount < 7;
    if (canGrow && (config.voters.length <= 3 || this.random.chance(0.5))) {
      return { type: "add-learner", node: fresh };
    }
    const learner = config.learners[0];
    if (learner !== undefined && this.random.chance(0.3)) return { type: "remove", node: learner };
    if (config.voters.length <= 3) return undefined;
    const leader = this.cluster.leaderId();
    const victim =
      leader !== undefined && this.random.chance(0.3)
        ? leader
        : config.voters[this.random.intBelow(config.voters.length)]!;
    return { type: "remove", node: victim };
  }

  /**
   * Two single-server changes at once (add a fresh voter, remove another voter): exactly
   * the overlap the "config change pending" guard exists to forbid (raft-dev, July 2015).
   */
  private burst(config: MembershipConfig, fresh: NodeId | undefined): NemesisAction | undefined {
    const changes: ConfigChange[] = [];
    if (fresh !== undefined) changes.push({ type: "add-voter", node: fresh });
    const leader = this.cluster.leaderId();
    const others = config.voters.filter((id) => id !== leader);
    const victim = others[this.random.intBelow(Math.max(1, others.length))];
    if (victim !== undefined && config.voters.length >= 3) changes.push({ type: "remove", node: victim });
    return changes.length < 2 ? undefined : { type: "reconfigure", changes };
  }

  private transfer(): NemesisAction | undefined {
    const config = this.cluster.leaderMembership();
    const leader = this.cluster.leaderId();
    if (config === undefined || leader === undefined) return undefined;
    const targets = config.voters.filter((id) => id !== leader);
    if (targets.length === 0) return undefined;
    return { type: "transfer", target: targets[this.random.intBelow(targets.length)]! };
  }

  private pickRunning(): NodeId | undefined {
    const running = this.cluster.runningIds();
    return running.length === 0 ? undefined : running[this.random.intBelow(running.length)];
  }

  /** True when crashing or pausing one more node would exceed the profile's bound. */
  private downNodesFull(): boolean {
    return this.cluster.downOrPausedIds().length >= this.profile.downNodesMax;
  }

  private durationMicros(): number {
    return 10_000 + this.random.intBelow(this.profile.faultMicrosMax);
  }
}
