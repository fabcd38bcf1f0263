import { assert } from "./assert.js";
import type { Entry, MembershipConfig, SnapshotMeta } from "./entry.js";
import type { LogIndex } from "./ids.js";
import { decodeMembershipConfig } from "./membership-config.js";

/**
 * Tracks the configurations present in the log. A configuration takes effect on a node as
 * soon as its entry is appended, committed or not, and reverts when that entry is truncated
 * (thesis 4.1); so the tracker keeps every configuration entry after the snapshot, plus the
 * snapshot's own configuration as the base.
 * Invariant: `history` is sorted by index and every index is > base.index.
 */
export class MembershipTracker {
  private base: { index: LogIndex; config: MembershipConfig };
  private readonly history: { index: LogIndex; config: MembershipConfig }[] = [];

  constructor(snapshot: SnapshotMeta) {
    this.base = { index: snapshot.index, config: snapshot.config };
  }

  /** The configuration in force: the latest in the log, committed or not. */
  latest(): MembershipConfig {
    const last = this.history[this.history.length - 1];
    return last === undefined ? this.base.config : last.config;
  }

  /** Index of the latest configuration entry (the snapshot's index if none follows it). */
  latestIndex(): LogIndex {
    const last = this.history[this.history.length - 1];
    return last === undefined ? this.base.index : last.index;
  }

  /** The configuration in force at `index` (the latest entry at or before it). */
  configAt(index: LogIndex): MembershipConfig {
    assert(index >= this.base.index, "configAt() below the snapshot is unknown");
    let config = this.base.config;
    for (const item of this.history) {
      if (item.index > index) break;
      config = item.config;
    }
    return config;
  }

  /**
   * Records entries newly written at `entries[0].index` onwards, dropping configurations from
   * the replaced suffix first (truncation reverts them).
   */
  onAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    this.truncateFrom(first.index);
    for (const entry of entries) {
      if (entry.kind !== "config") continue;
      this.history.push({ index: entry.index, config: decodeMembershipConfig(entry.data) });
    }
  }

  /** Forgets configurations at or after `index` (their entries were truncated). */
  truncateFrom(index: LogIndex): void {
    assert(index > this.base.index, "cannot truncate at or below the snapshot");
    while (this.history.length > 0 && this.history[this.history.length - 1]!.index >= index) {
      this.history.pop();
    }
  }

  /** A snapshot replaced the log: its configuration becomes the base. */
  restore(snapshot: SnapshotMeta): void {
    this.base = { index: snapshot.index, config: snapshot.config };
    this.history.length = 0;
  }

  /** Folds configurations at or below a compaction point into the base to bound memory. */
  compactTo(index: LogIndex): void {
    if (index <= this.base.index) return;
    const config = this.configAt(index);
    while (this.history.length > 0 && this.history[0]!.index <= index) this.history.shift();
    this.base = { index, config };
  }
}
