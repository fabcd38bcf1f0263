import { assert } from "../../src/core/assert.js";
import type { Entry, SnapshotMeta } from "../../src/core/entry.js";
import { INDEX_ZERO, type LogIndex } from "../../src/core/ids.js";

/**
 * The simulated nodes' state machine: a string map with put, delete and compare-and-set.
 * Each command names the client and the client's request id, so that the workload can
 * match an applied entry to the call that proposed it.
 */
export type KvCommand =
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "delete"; readonly key: string }
  /** Sets `value` only if the key currently holds `expected` (null: absent). */
  | { readonly op: "cas"; readonly key: string; readonly expected: string | null; readonly value: string };

export interface ClientCommand {
  readonly clientId: number;
  readonly requestId: number;
  readonly command: KvCommand;
}

/** What applying one command did; `previous` is the key's value before it (null: absent). */
export interface KvApplyResult {
  readonly ok: boolean;
  readonly previous: string | null;
}

/** A client command's effect, as the state machine reports it to whoever watches applies. */
export interface AppliedCommand {
  readonly command: ClientCommand;
  readonly result: KvApplyResult;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeClientCommand(command: ClientCommand): Uint8Array {
  const c = command.command;
  const body: Record<string, unknown> = {
    c: command.clientId,
    r: command.requestId,
    op: c.op,
    k: c.key,
  };
  if (c.op !== "delete") body["v"] = c.value;
  if (c.op === "cas") body["e"] = c.expected;
  return encoder.encode(JSON.stringify(body));
}

/** Decodes what encodeClientCommand wrote; asserts, because entries come from our own log. */
export function decodeClientCommand(data: Uint8Array): ClientCommand {
  const raw = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
  const clientId = raw["c"];
  const requestId = raw["r"];
  const key = raw["k"];
  const op = raw["op"];
  assert(typeof clientId === "number" && typeof requestId === "number", "command ids missing");
  assert(typeof key === "string", "command key missing");
  const value = typeof raw["v"] === "string" ? raw["v"] : "";
  let command: KvCommand;
  if (op === "put") command = { op, key, value };
  else if (op === "delete") command = { op, key };
  else if (op === "cas") {
    const expected = typeof raw["e"] === "string" ? raw["e"] : null;
    command = { op, key, expected, value };
  } else {
    throw new Error(`unknown command op ${String(op)}`);
  }
  return { clientId, requestId, command };
}

/** The bytes a snapshot carries: a copy of the map and the meta it was taken at. */
export interface KvSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: ReadonlyMap<string, string>;
}

/** A state the machine was durably in: its map and the index it had applied. */
interface SyncedKvState {
  readonly applied: LogIndex;
  /** Never mutated: a new map replaces it. */
  readonly data: ReadonlyMap<string, string>;
}

/**
 * How many applies may wait for a checkpoint: a runaway guard for the driver's checkpoint
 * policy (TigerBeetle: everything has a limit), far above any interval the simulator picks.
 */
export const KV_UNSYNCED_APPLIES_MAX = 10_000;

/**
 * The state machine of one node. It models the production SQLite one, which runs with
 * synchronous=NORMAL (docs/decisions/0005-sqlite-durability.md, "Update"): the map and
 * `appliedIndex` change together atomically, a process crash loses nothing, but a power loss
 * loses the transactions since the last checkpoint (a WAL fsync) that had not yet reached
 * the disk. So the machine keeps `synced`, the state as of its last checkpoint, and the
 * entries applied since, and `losePower()` brings it back to the synced state plus a prefix
 * of those entries: a state it really was in, never a torn one. `restore()` is durable at
 * once (production writes the image, fsyncs and renames it).
 * Invariant: appliedIndex only grows, by exactly one per applied entry, or jumps forward to
 * a snapshot's index, except at losePower(), which may move it back to synced.applied.
 */
export class KvStateMachine {
  private data = new Map<string, string>();
  private applied: LogIndex = INDEX_ZERO;
  private synced: SyncedKvState = { applied: INDEX_ZERO, data: new Map() };
  /** Invariant: unsynced[k].index === synced.applied + 1 + k, and the last is appliedIndex. */
  private unsynced: Entry[] = [];

  get appliedIndex(): LogIndex {
    return this.applied;
  }

  /** Entries applied since the last checkpoint: what a power loss may take back. */
  get unsyncedCount(): number {
    return this.unsynced.length;
  }

  /** The applied index a power loss can fall back to at worst. */
  get syncedIndex(): LogIndex {
    return this.synced.applied;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  entries(): ReadonlyMap<string, string> {
    return this.data;
  }

  /**
   * Applies one committed entry. Config and no-op entries only move the applied index.
   * Precondition: entry.index === appliedIndex + 1.
   */
  apply(entry: Entry): AppliedCommand | undefined {
    assert(entry.index === this.applied + 1, `apply gap: at ${String(this.applied)}, got ${String(entry.index)}`);
    assert(this.unsynced.length < KV_UNSYNCED_APPLIES_MAX, "the driver stopped checkpointing the state machine");
    this.applied = entry.index;
    this.unsynced.push(entry);
    if (entry.kind !== "command") return undefined;
    const command = decodeClientCommand(entry.data);
    return { command, result: this.execute(command.command) };
  }

  /** Replaces the whole state with a snapshot's, durably (the restore fsyncs and renames). */
  restore(snapshot: KvSnapshot): void {
    this.data = new Map(snapshot.data);
    this.applied = snapshot.meta.index;
    this.checkpoint();
  }

  /** Makes the current state durable (SQLite's WAL checkpoint, which fsyncs the WAL first). */
  checkpoint(): void {
    this.synced = { applied: this.applied, data: new Map(this.data) };
    this.unsynced = [];
  }

  /**
   * Power loss: the machine comes back at its synced state plus the first `keptEntries` of
   * the entries applied since (those whose WAL frames happened to reach the disk), replayed
   * deterministically. What came back is on the disk now, so it is the new synced state.
   * Precondition: 0 <= keptEntries <= unsyncedCount.
   */
  losePower(keptEntries: number): void {
    assert(
      Number.isSafeInteger(keptEntries) && keptEntries >= 0 && keptEntries <= this.unsynced.length,
      `power loss keeps ${keptEntries} of ${this.unsynced.length} unsynced entries`,
    );
    const kept = this.unsynced.slice(0, keptEntries);
    const expected = this.synced.applied + keptEntries;
    this.data = new Map(this.synced.data);
    this.applied = this.synced.applied;
    this.unsynced = [];
    for (const entry of kept) this.apply(entry);
    this.checkpoint();
    assert(this.applied === expected && this.unsynced.length === 0, "power loss keeps a prefix, synced");
  }

  /** An independent copy (map, applied index and durability), e.g. of the state at a crash. */
  clone(): KvStateMachine {
    const copy = new KvStateMachine();
    copy.data = new Map(this.data);
    copy.applied = this.applied;
    copy.synced = this.synced; // Safe to share: never mutated, only replaced.
    copy.unsynced = [...this.unsynced];
    return copy;
  }

  /** A copy of the map, for a snapshot at appliedIndex. */
  copyData(): Map<string, string> {
    return new Map(this.data);
  }

  private execute(command: KvCommand): KvApplyResult {
    const previous = this.data.get(command.key) ?? null;
    switch (command.op) {
      case "put":
        this.data.set(command.key, command.value);
        return { ok: true, previous };
      case "delete":
        this.data.delete(command.key);
        return { ok: true, previous };
      case "cas":
        if (previous !== command.expected) return { ok: false, previous };
        this.data.set(command.key, command.value);
        return { ok: true, previous };
    }
  }
}

/** A deterministic digest of a map, for convergence checks (keys sorted). */
export function kvDigest(data: ReadonlyMap<string, string>): string {
  const sorted = [...data.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify(sorted);
}
