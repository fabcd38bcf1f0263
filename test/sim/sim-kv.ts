import { assert } from "../../src/core/assert.js";
import type { Entry, SnapshotMeta } from "../../src/core/entry.js";
import { logIndex, term, type LogIndex } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";
import type { KvResult } from "../../src/state-machine/kv-types.js";
import { MemoryKvStateMachine } from "../../src/state-machine/memory-kv-state-machine.js";
import type { SnapshotOutcome, StateMachine } from "../../src/state-machine/state-machine.js";
import {
  readSnapshotBytes, type SnapshotDraft, type StoredSnapshot,
} from "../../src/storage/snapshot-store.js";
import type { CrashSwitch } from "./crash-points.js";

/** Client sessions a simulated member remembers (production: CLIENT_SESSIONS_MAX). */
const SIM_SESSIONS_MAX = 64;

/** What the simulator hears from a state machine, to feed the checker and the workload. */
export interface KvObserver {
  applied(entry: Entry, result: KvResult | undefined): void;
  snapshotInstalled(meta: SnapshotMeta, appliedBefore: number): void;
}

/**
 * A node's durable KV state machine in the simulator: the production MemoryKvStateMachine
 * (the same semantics as the SQLite one, which is tested against it), plus the power-loss
 * model of its database (docs/decisions/0005-sqlite-durability.md): it "checkpoints" every
 * so many applies, and a power loss takes it back to its last checkpoint plus a prefix of
 * the batches after it. It outlives incarnations; each incarnation attaches its own
 * observer and crash switch.
 */
export class SimKvStore {
  private inner = new MemoryKvStateMachine(SIM_SESSIONS_MAX);
  /** The last state that survives a power loss: its bytes and applied index. */
  private checkpoint = { data: this.inner.snapshot(), applied: 0 };
  /** Batches applied since the checkpoint, in order. */
  private unsynced: Entry[][] = [];

  get appliedIndex(): LogIndex {
    return this.inner.appliedIndex();
  }

  get syncedIndex(): number {
    return this.checkpoint.applied;
  }

  get unsyncedCount(): number {
    return this.unsynced.length;
  }

  /**
   * The machine a running incarnation uses. `later` runs a task after a snapshot's
   * production time on the incarnation's virtual clock (dropped if it crashes first).
   */
  attach(options: {
    readonly observer: KvObserver;
    readonly crash: CrashSwitch;
    readonly checkpointEveryApplies: number;
    readonly later?: (task: () => void) => void;
    /** Called after each restore preparation reported done to the driver. */
    readonly afterPreparation?: () => void;
  }): SimStateMachine {
    return new AttachedKv(this, options);
  }

  get(key: string): string | null {
    const kv = this.inner.get(new TextEncoder().encode(key));
    return kv === undefined ? null : new TextDecoder().decode(kv.value);
  }

  /** A digest of the whole map, to compare members after healing. */
  digest(): string {
    const range = this.inner.range({
      key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]), limit: 0,
    });
    return range.kvs.map((kv) => `${Buffer.from(kv.key).toString("hex")}=` +
      `${Buffer.from(kv.value).toString("hex")}@${kv.modRevision}`).join(",");
  }

  /** Power loss: keep the checkpoint and the first `kept` batches after it. */
  losePower(kept: number): void {
    assert(kept >= 0 && kept <= this.unsynced.length, "kept batches exist");
    const replay = this.unsynced.slice(0, kept);
    this.inner = new MemoryKvStateMachine(SIM_SESSIONS_MAX);
    if (this.checkpoint.applied > 0) {
      this.inner.restore(metaAt(this.checkpoint.applied), this.checkpoint.data);
    }
    for (const batch of replay) this.inner.apply(batch);
    this.unsynced = replay;
  }

  /** @internal AttachedKv's access to the inner machine. */
  applyBatch(entries: readonly Entry[], checkpointEvery: number): Map<LogIndex, KvResult> {
    const results = this.inner.apply(entries);
    this.unsynced.push([...entries]);
    if (this.unsynced.length >= checkpointEvery) this.sync();
    return results;
  }

  snapshotBytes(): Uint8Array {
    return this.inner.snapshot();
  }

  /** A restore replaces the database file whole, durably: it is a checkpoint. */
  restore(meta: SnapshotMeta, data: Uint8Array): void {
    this.inner.restore(meta, data);
    this.sync();
  }

  private sync(): void {
    this.checkpoint = { data: this.inner.snapshot(), applied: this.inner.appliedIndex() };
    this.unsynced = [];
  }
}

/** A checkpoint's meta: the KV machine checks only the index. */
function metaAt(index: number): SnapshotMeta {
  return { index: logIndex(index), term: term(0), config: makeConfig([]) };
}

/** An incarnation's state machine, with what the answer check needs to know of it. */
export interface SimStateMachine extends StateMachine<KvResult> {
  /** Restore preparations started, and reported done, by this incarnation. */
  readonly preparationsStarted: number;
  readonly preparationsFinished: number;
}

class AttachedKv implements SimStateMachine {
  preparationsStarted = 0;
  preparationsFinished = 0;

  constructor(
    private readonly store: SimKvStore,
    private readonly options: Parameters<SimKvStore["attach"]>[0],
  ) {}

  appliedIndex(): LogIndex {
    return this.store.appliedIndex;
  }

  apply(entries: readonly Entry[]): Map<LogIndex, KvResult> {
    this.options.crash.check("before-apply");
    const fresh = entries.filter((entry) => entry.index > this.store.appliedIndex);
    const results = this.store.applyBatch(entries, this.options.checkpointEveryApplies);
    for (const entry of fresh) this.options.observer.applied(entry, results.get(entry.index));
    return results;
  }

  /**
   * The copy is taken now, at the applied index now, and reported only after a production
   * time (`later`), as a worker's copy would be: meanwhile the member keeps applying, may
   * install a newer snapshot from its leader, or crash (then the report never comes).
   */
  snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void {
    draft.write(this.store.snapshotBytes());
    const outcome: SnapshotOutcome = { ok: true, index: this.store.appliedIndex };
    const later = this.options.later ?? ((task: () => void) => { task(); });
    later(() => { done(outcome); });
  }

  /**
   * The production SQLite machine copies the file off the event loop; here the copy is
   * nothing, but `done` comes after the same production time (`later`), so the driver's
   * write that installs a snapshot waits for it and its log write in either order.
   */
  prepareRestore(_snapshot: StoredSnapshot, done: () => void): void {
    const later = this.options.later ?? ((task: () => void) => { task(); });
    this.preparationsStarted += 1;
    later(() => {
      this.preparationsFinished += 1;
      done();
      this.options.afterPreparation?.();
    });
  }

  restoreFrom(snapshot: StoredSnapshot): void {
    const appliedBefore = this.store.appliedIndex;
    this.store.restore(snapshot.meta, readSnapshotBytes(snapshot));
    this.options.observer.snapshotInstalled(snapshot.meta, appliedBefore);
  }
}
