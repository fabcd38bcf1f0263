import { createHash } from "node:crypto";
import { assert } from "../core/assert.js";
import type { SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";
import type { SnapshotStore, StoredSnapshot } from "./snapshot-store.js";

/** How a MemorySnapshotStore behaves; every field is explicit at the call site. */
export interface MemorySnapshotStoreOptions {
  /** How many of the newest snapshots prune() always keeps. */
  readonly retainCount: number;
}

/**
 * An in-memory SnapshotStore for unit tests, examples and the simulator (hashicorp/raft's
 * InmemSnapshotStore analogue). It keeps the same contract as FileSnapshotStore: save()
 * copies the bytes (a caller that later reuses its buffer cannot change a stored snapshot),
 * records their SHA-256, and latest() re-verifies it, so a test that corrupts a returned
 * buffer in place is caught rather than silently replicated.
 */
export class MemorySnapshotStore implements SnapshotStore {
  /** Newest last. Invariant: ordered by (index, term) ascending. */
  private stored: StoredSnapshot[] = [];

  constructor(private readonly options: MemorySnapshotStoreOptions = { retainCount: 2 }) {
    assert(
      Number.isSafeInteger(options.retainCount) && options.retainCount >= 1,
      "a snapshot store must retain at least one snapshot",
    );
  }

  save(meta: SnapshotMeta, data: Uint8Array): StoredSnapshot {
    const copy = data.slice();
    const snapshot: StoredSnapshot = { meta, data: copy, sha256: sha256Hex(copy) };
    // A snapshot at the same (index, term) replaces the old one, as a file rename would.
    const others = this.stored.filter(
      (s) => s.meta.index !== meta.index || s.meta.term !== meta.term,
    );
    others.push(snapshot);
    others.sort((a, b) => a.meta.index - b.meta.index || a.meta.term - b.meta.term);
    this.stored = others;
    return snapshot;
  }

  get(index: LogIndex): StoredSnapshot | undefined {
    for (let i = this.stored.length - 1; i >= 0; i--) {
      const snapshot = this.stored[i]!;
      if (snapshot.meta.index === index && sha256Hex(snapshot.data) === snapshot.sha256) {
        return snapshot;
      }
    }
    return undefined;
  }

  prune(keepFromIndex: LogIndex): void {
    const newestKept = this.stored.length - this.options.retainCount;
    this.stored = this.stored.filter((s, i) => s.meta.index >= keepFromIndex || i >= newestKept);
  }

  latest(): StoredSnapshot | undefined {
    for (let i = this.stored.length - 1; i >= 0; i--) {
      const snapshot = this.stored[i]!;
      if (sha256Hex(snapshot.data) === snapshot.sha256) return snapshot;
    }
    return undefined;
  }
}

/** SHA-256 of `data` as lower-case hex, the form StoredSnapshot.sha256 carries. */
function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
