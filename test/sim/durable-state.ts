import { assert } from "../../src/core/assert.js";
import type { LogIndex } from "../../src/core/ids.js";
import type { LogStore } from "../../src/storage/log-store.js";
import type { KvSnapshot, KvStateMachine } from "./kv-state-machine.js";

/** The log store the simulator needs: a LogStore that can be copied at a crash point. */
export interface SimLogStore extends LogStore {
  clone(): SimLogStore;
}

/**
 * A node's snapshot store (the analogue of the production SnapshotStore): snapshots taken
 * locally and snapshots received from a leader, by index. Received bytes are stored here
 * *before* the metadata-only message is stepped, as the production transport streams them
 * to disk first, so a crash between persisting the snapshot's meta and installing it loses
 * nothing. The driver prunes snapshots older than its log's compaction point.
 */
export class SnapshotStore {
  private readonly byIndex = new Map<LogIndex, KvSnapshot>();

  save(snapshot: KvSnapshot): void {
    assert(snapshot.meta.index > 0, "a snapshot covers at least one entry");
    this.byIndex.set(snapshot.meta.index, snapshot);
  }

  /** Drops every snapshot below `index` (the log store's snapshot index, which stays). */
  pruneBelow(index: LogIndex): void {
    for (const key of [...this.byIndex.keys()]) if (key < index) this.byIndex.delete(key);
  }

  get(index: LogIndex): KvSnapshot | undefined {
    return this.byIndex.get(index);
  }

  indexes(): LogIndex[] {
    return [...this.byIndex.keys()].sort((a, b) => a - b);
  }

  clone(): SnapshotStore {
    const copy = new SnapshotStore();
    for (const snapshot of this.byIndex.values()) copy.byIndex.set(snapshot.meta.index, snapshot);
    return copy;
  }
}

/**
 * Everything of one node that survives a crash: the Raft log and hard state, the state
 * machine (durable together with its applied index, as in one SQLite transaction) and the
 * snapshot store. Everything else in a SimNode is volatile. A power loss (power-loss.ts)
 * also takes the state machine back to its last checkpoint plus a prefix of what followed.
 */
export interface DurableState {
  readonly store: SimLogStore;
  readonly kv: KvStateMachine;
  readonly snapshots: SnapshotStore;
}

/** Copies durable state at a crash point, so the discarded node object cannot touch it. */
export function cloneDurableState(state: DurableState): DurableState {
  return { store: state.store.clone(), kv: state.kv.clone(), snapshots: state.snapshots.clone() };
}
