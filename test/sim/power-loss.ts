import type { NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { SimKvStore } from "./sim-kv.js";

/**
 * The power-loss model (docs/decisions/0005-sqlite-durability.md, "Update"): the KV state
 * machine's SQLite database runs with synchronous=NORMAL, so a power loss (not a process
 * crash) may take it back to an earlier state it really was in, while the Raft log
 * (synchronous=FULL) and the snapshot files (fsynced) lose nothing. Production recovers by
 * restoring the log's snapshot when the state machine is behind it and re-applying the
 * committed entries after its applied index; the simulator's driver does the same.
 */

/** What the power-loss model did, so that tests can see it was exercised. */
export interface PowerLossStats {
  /** Crashes that were power losses. */
  powerLosses: number;
  /** Power losses that took the state machine back (some applied entries were lost). */
  rollbacks: number;
  /** Restarts that restored the log's snapshot because the state machine was behind it. */
  snapshotRecoveries: number;
  /** Entries applied again after a power loss had taken them back. */
  reappliedEntries: number;
}

/** All zero: the sum over no runs. */
export function noPowerLoss(): PowerLossStats {
  return { powerLosses: 0, rollbacks: 0, snapshotRecoveries: 0, reappliedEntries: 0 };
}

/** Adds `more` into `sum`, field by field. */
export function addPowerLoss(sum: PowerLossStats, more: PowerLossStats): void {
  sum.powerLosses += more.powerLosses;
  sum.rollbacks += more.rollbacks;
  sum.snapshotRecoveries += more.snapshotRecoveries;
  sum.reappliedEntries += more.reappliedEntries;
}

/** One line for test logs and the CLI. */
export function describePowerLoss(stats: PowerLossStats): string {
  return `power losses: ${stats.powerLosses} (${stats.rollbacks} rolled the state machine back, ` +
    `${stats.snapshotRecoveries} restarts restored the log's snapshot), ` +
    `re-applied entries: ${stats.reappliedEntries}`;
}

/** Where one power loss left a state machine. */
export interface PowerLossOutcome {
  readonly appliedBefore: number;
  readonly appliedAfter: number;
  /** The last checkpoint: the furthest back this power loss could have gone. */
  readonly syncedIndex: number;
}

/**
 * Cuts the power under `kv` (a node's durable state machine, already detached from the
 * crashed incarnation): it keeps its last checkpoint and a prefix of the transactions after
 * it, those whose WAL frames happened to reach the disk. Half of the time none did (the
 * deepest loss, the case that needs the snapshot restore); otherwise the prefix length is
 * uniform.
 */
export function losePower(kv: SimKvStore, random: SeededRandom): PowerLossOutcome {
  const appliedBefore = kv.appliedIndex;
  const syncedIndex = kv.syncedIndex;
  const kept = random.chance(0.5) ? 0 : random.intBelow(kv.unsyncedCount + 1);
  kv.losePower(kept);
  return { appliedBefore, appliedAfter: kv.appliedIndex, syncedIndex };
}

/**
 * The cluster's bookkeeping for the power-loss model: how far each node's state machine ever
 * got, across incarnations, which tells a re-application (after a power loss took the entry
 * back) from a first one; and the run's PowerLossStats.
 */
export class PowerLossLedger {
  readonly stats: PowerLossStats = noPowerLoss();
  /** Per node: the highest index its state machine ever reached, by apply or snapshot. */
  private readonly highWater = new Map<NodeId, number>();

  /** Notes an applied entry; true when the node had reached this index before. */
  applied(id: NodeId, index: number): boolean {
    const reached = this.highWater.get(id) ?? 0;
    if (index <= reached) {
      this.stats.reappliedEntries++;
      return true;
    }
    this.highWater.set(id, index);
    return false;
  }

  snapshotInstalled(id: NodeId, index: number): void {
    this.highWater.set(id, Math.max(this.highWater.get(id) ?? 0, index));
  }

  /** A restart whose recovery restored the log's snapshot (the state machine was behind). */
  recoveredFromSnapshot(): void {
    this.stats.snapshotRecoveries++;
  }

  lostPower(outcome: PowerLossOutcome): void {
    this.stats.powerLosses++;
    if (outcome.appliedAfter < outcome.appliedBefore) this.stats.rollbacks++;
  }
}
