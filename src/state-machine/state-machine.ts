import type { Entry } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";
import type { SnapshotDraft, StoredSnapshot } from "../storage/snapshot-store.js";

/**
 * How producing a snapshot ended: the applied index the copy reflects, or why it failed (a
 * full disk, a worker that died): an expected condition, after which the draft is discarded.
 */
export type SnapshotOutcome =
  /**
   * `sha256`: the copy's SHA-256, when the producer hashed (and fsynced) it off the event
   * loop already; the store's commit then trusts it instead of reading the file again.
   */
  | { readonly ok: true; readonly index: LogIndex; readonly sha256?: string }
  | { readonly ok: false; readonly error: Error };

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
  /**
   * Starts writing a consistent copy of the whole state into `draft` (its path, or write())
   * and calls `done` exactly once, possibly before returning: with the applied index the
   * copy reflects, at least appliedIndex() at the call (the state machine keeps applying
   * while a copy is made off the event loop), or with an error. The machine neither commits
   * nor discards the draft; the driver does, with the metadata of the reported index.
   */
  snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void;
  /**
   * Replaces the whole state with `snapshot`'s, reading it by range or copying its file,
   * never loading it whole; afterwards appliedIndex() === snapshot.meta.index.
   */
  restoreFrom(snapshot: StoredSnapshot): void;
  /**
   * Optional: does the slow part of restoreFrom(snapshot) ahead, off the event loop (copying
   * the file), and calls `done` exactly once, possibly before returning. The driver calls it
   * while the log write that names the snapshot is on its way, and restores only when both
   * are done, so restoreFrom() no longer stalls the member. It never fails: a preparation that
   * went wrong leaves restoreFrom() to do the whole work itself, and to report any error.
   */
  prepareRestore?(snapshot: StoredSnapshot, done: () => void): void;
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
    snapshotTo: (draft, done) => {
      machine.snapshotTo(draft, done);
    },
    restoreFrom: (snapshot) => {
      machine.restoreFrom(snapshot);
      changed();
    },
    ...(machine.prepareRestore === undefined ? {} : {
      prepareRestore: (snapshot: StoredSnapshot, done: () => void) => {
        machine.prepareRestore?.(snapshot, done);
      },
    }),
  };
}
