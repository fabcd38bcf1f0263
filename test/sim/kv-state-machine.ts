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

/**
 * The state machine of one node. It models the production SQLite one: the map and
 * `appliedIndex` change together atomically and survive crashes, so the simulator keeps
 * this object across a node's restarts. Invariant: appliedIndex only grows, by exactly one
 * per applied entry, or jumps forward to a snapshot's index.
 */
export class KvStateMachine {
  private data = new Map<string, string>();
  private applied: LogIndex = INDEX_ZERO;

  get appliedIndex(): LogIndex {
    return this.applied;
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
    this.applied = entry.index;
    if (entry.kind !== "command") return undefined;
    const command = decodeClientCommand(entry.data);
    return { command, result: this.execute(command.command) };
  }

  /** Replaces the whole state with a snapshot's. */
  restore(snapshot: KvSnapshot): void {
    this.data = new Map(snapshot.data);
    this.applied = snapshot.meta.index;
  }

  /** An independent copy (map and applied index), e.g. of the durable state at a crash. */
  clone(): KvStateMachine {
    const copy = new KvStateMachine();
    copy.data = new Map(this.data);
    copy.applied = this.applied;
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
