import type { Entry, SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";

/**
 * The replicated application (hashicorp/raft's FSM analogue). The node driver hands it
 * committed entries in log order; it must be deterministic, so every member computes the
 * same state and results from the same log.
 *
 * Durability contract: the effects of a batch and the new applied index are written in one
 * transaction, so after a crash appliedIndex() names exactly what the state reflects, and
 * entries at or below it are skipped when the driver hands them out again (re-apply is a
 * no-op, never a double apply).
 */
export interface StateMachine<Result> {
  /** The index of the last entry whose effects are in the state. */
  appliedIndex(): LogIndex;
  /**
   * Applies entries (contiguous, ascending) and returns one result per `command` entry that
   * was applied now (keyed by index). `noop` and `config` entries only advance the index.
   * Precondition: entries[0].index <= appliedIndex() + 1 (earlier ones are skipped).
   */
  apply(entries: readonly Entry[]): Map<LogIndex, Result>;
  /** A consistent copy of the whole state at appliedIndex(), as bytes. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's; afterwards appliedIndex() === meta.index. */
  restore(meta: SnapshotMeta, data: Uint8Array): void;
}

/**
 * `machine`, calling `changed` after every apply and restore: how the watches of a member
 * (api/watch-hub.ts) hear of new history without the driver knowing about them.
 */
export function withChangeListener<Result>(
  machine: StateMachine<Result>, changed: () => void,
): StateMachine<Result> {
  return {
    appliedIndex: () => machine.appliedIndex(),
    apply: (entries) => {
      const results = machine.apply(entries);
      changed();
      return results;
    },
    snapshot: () => machine.snapshot(),
    restore: (meta, data) => {
      machine.restore(meta, data);
      changed();
    },
  };
}
