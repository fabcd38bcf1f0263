import { assert } from "../core/assert.js";
import type { Entry, SnapshotMeta } from "../core/entry.js";
import { logIndex, type LogIndex } from "../core/ids.js";
import {
  readSnapshotBytes, type SnapshotDraft, type StoredSnapshot,
} from "../storage/snapshot-store.js";
import { applyKvWrite, type KvApplyStore } from "./kv-apply.js";
import { decodeOrReason } from "./kv-command.js";
import { applyWithSession, expireSessions, type SessionTable } from "./kv-sessions.js";
import type { SnapshotOutcome } from "./state-machine.js";
import {
  keyRange,
  keyText,
  KV_HISTORY_REVISIONS_DEFAULT,
  type HistoryCursor,
  type KeyRange,
  type KeyValue,
  type KvEvent,
  type KvCommand,
  type KvResult,
  type KvStateMachine,
  type RangeRequest,
  type RangeResult,
} from "./kv-types.js";

interface Session {
  readonly sequence: number;
  lastUsedIndex: number;
  readonly reply: KvResult;
}

/**
 * The JSON a MemoryKvStateMachine snapshot holds; bytes as base64. Version 1; snapshots
 * taken before the history existed lack `historyStart` and `events`.
 */
interface SnapshotJson {
  readonly version: 1;
  readonly applied: number;
  readonly revision: number;
  readonly kvs: [string, string, number, number, number][];
  readonly sessions: [string, number, number, string][];
  readonly historyStart?: number;
  /** [revision, the event as JSON] */
  readonly events?: [number, string][];
}

interface StoredEvent {
  readonly revision: number;
  readonly event: KvEvent;
}

const EMPTY = new Uint8Array(0);

/**
 * The KV state machine in memory, with exactly SqliteKvStateMachine's semantics (the same
 * tests run against both): for unit tests, examples and as the oracle the SQLite one is
 * checked against. Keys are held as latin1 strings, whose UTF-16 order is byte order.
 * "Durable" means "in this object"; apply() is atomic like the SQLite transaction (a batch
 * that throws changes nothing).
 */
export class MemoryKvStateMachine implements KvStateMachine {
  private kvs = new Map<string, KeyValue>();
  private sessions = new Map<string, Session>();
  private applied = 0;
  private currentRevision = 0;
  /** The history, in (revision, position) order, from revision `firstHistoryRevision`. */
  private history: StoredEvent[] = [];
  private firstHistoryRevision = 1;

  constructor(
    private readonly sessionsMax: number,
    private readonly historyRevisionsMax: number = KV_HISTORY_REVISIONS_DEFAULT,
  ) {
    assert(Number.isSafeInteger(sessionsMax) && sessionsMax >= 1, "sessionsMax must be >= 1");
    assert(Number.isSafeInteger(historyRevisionsMax) && historyRevisionsMax >= 1,
      "historyRevisionsMax must be >= 1");
  }

  historyStart(): number {
    return this.firstHistoryRevision;
  }

  events(after: HistoryCursor, limit: number): KvEvent[] {
    assert(after.revision + 1 >= this.firstHistoryRevision, "that history was compacted");
    // The first stored event after the cursor: binary search on (revision, position).
    let low = 0;
    let high = this.history.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const { revision, event } = this.history[middle]!;
      const before = revision < after.revision ||
        (revision === after.revision && event.position <= after.position);
      if (before) low = middle + 1;
      else high = middle;
    }
    return this.history.slice(low, low + limit).map((stored) => stored.event);
  }

  appliedIndex(): LogIndex {
    return logIndex(this.applied);
  }

  revision(): number {
    return this.currentRevision;
  }

  apply(entries: readonly Entry[]): Map<LogIndex, KvResult> {
    const first = entries[0];
    const results = new Map<LogIndex, KvResult>();
    if (first === undefined) return results;
    assert(first.index <= this.applied + 1, "entries leave a gap after the applied index");
    // Check and decode everything first: a gap or a malformed entry then throws before
    // anything changes, as the SQLite transaction would roll back.
    entries.forEach((entry, i) => {
      assert(entry.index === first.index + i, "entries must be contiguous");
    });
    const commands = entries.map((e) => (e.kind === "command" ? decodeOrReason(e.data) : null));
    entries.forEach((entry, i) => {
      if (entry.index <= this.applied) return;
      const command = commands[i];
      if (typeof command === "string") {
        results.set(entry.index, { type: "invalid-command", revision: this.currentRevision, reason: command });
      } else if (command !== null && command !== undefined) {
        results.set(entry.index, this.applyCommand(command, entry.index));
      }
      this.applied = entry.index;
    });
    expireSessions(this.sessionTable, this.applied);
    this.compactHistory();
    return results;
  }

  /** Drops the revisions that fell out of the window (the same rule as the SQLite one's). */
  private compactHistory(): void {
    const start = Math.max(this.firstHistoryRevision, this.applied - this.historyRevisionsMax + 1);
    if (start === this.firstHistoryRevision) return;
    this.firstHistoryRevision = start;
    // shift() is cheap here: V8 trims the front of an array's store in place.
    while (this.history.length > 0 && this.history[0]!.revision < start) this.history.shift();
  }

  get(key: Uint8Array): KeyValue | undefined {
    return this.kvs.get(keyText(key));
  }

  range(request: RangeRequest): RangeResult {
    assert(Number.isSafeInteger(request.limit) && request.limit >= 0, "limit must be >= 0");
    const matching = this.keysIn(keyRange(request.key, request.rangeEnd)).sort();
    if (request.countOnly === true) return { kvs: [], more: false, count: matching.length };
    const limited = request.limit === 0 ? matching : matching.slice(0, request.limit);
    const kvs = limited.map((key) => {
      const kv = this.kvs.get(key)!;
      return request.keysOnly === true ? { ...kv, value: EMPTY } : kv;
    });
    return { kvs, more: matching.length > kvs.length, count: matching.length };
  }

  /**
   * The copy is taken now, at appliedIndex(), and reported at once; the driver handles the
   * report on a later turn of its scheduler, so the simulator still exercises the
   * asynchronous path (and test/sim/sim-kv.ts delays it further).
   */
  snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void {
    draft.write(this.snapshot());
    done({ ok: true, index: logIndex(this.applied) });
  }

  /** Reads the snapshot whole: this machine holds its whole state in memory anyway. */
  restoreFrom(snapshot: StoredSnapshot): void {
    this.restore(snapshot.meta, readSnapshotBytes(snapshot));
  }

  /** The whole state as bytes (what snapshotTo() writes). */
  snapshot(): Uint8Array {
    const json: SnapshotJson = {
      version: 1,
      applied: this.applied,
      revision: this.currentRevision,
      kvs: [...this.kvs.values()].map((kv) => [
        base64(kv.key), base64(kv.value), kv.createRevision, kv.modRevision, kv.version,
      ]),
      sessions: [...this.sessions].map(([id, s]) => [
        id, s.sequence, s.lastUsedIndex, JSON.stringify(s.reply, replaceBytes),
      ]),
      historyStart: this.firstHistoryRevision,
      events: this.history.map(({ revision, event }) => [
        revision, JSON.stringify(event, replaceBytes),
      ]),
    };
    return new TextEncoder().encode(JSON.stringify(json));
  }

  /** Replaces the state with bytes snapshot() produced at `meta.index`. */
  restore(meta: SnapshotMeta, data: Uint8Array): void {
    const parsed = JSON.parse(new TextDecoder().decode(data)) as { version?: unknown };
    assert(parsed.version === 1, "unknown snapshot version");
    const json = parsed as SnapshotJson;
    assert(json.applied === meta.index, "snapshot does not match its meta");
    this.kvs = new Map(
      json.kvs.map(([key, value, createRevision, modRevision, version]) => {
        const kv = { key: bytes(key), value: bytes(value), createRevision, modRevision, version };
        return [keyText(kv.key), kv];
      }),
    );
    this.sessions = new Map(
      json.sessions.map(([id, sequence, lastUsedIndex, reply]) => [
        id,
        { sequence, lastUsedIndex, reply: JSON.parse(reply, reviveBytes) as KvResult },
      ]),
    );
    this.applied = json.applied;
    this.currentRevision = json.revision;
    this.firstHistoryRevision = json.historyStart ?? json.applied + 1;
    this.history = (json.events ?? []).map(([revision, event]) => ({
      revision, event: JSON.parse(event, reviveBytes) as KvEvent,
    }));
  }

  private applyCommand(command: KvCommand, index: number): KvResult {
    return applyWithSession(this.sessionTable, this.sessionsMax, command, index,
      this.currentRevision, () => this.applyWrite(command, index));
  }

  /** The sessions as the shared exactly-once rules (kv-sessions.ts) use them. */
  private readonly sessionTable: SessionTable = {
    get: (clientId) => {
      const session = this.sessions.get(clientId);
      return session === undefined
        ? undefined
        : { sequence: session.sequence, reply: () => session.reply };
    },
    touch: (clientId, index) => {
      const session = this.sessions.get(clientId);
      if (session !== undefined) session.lastUsedIndex = index;
    },
    remember: (clientId, sequence, index, reply) => {
      this.sessions.set(clientId, { sequence, lastUsedIndex: index, reply });
    },
    size: () => this.sessions.size,
    evictLeastRecentlyUsed: () => { this.evictOldestSession(); },
    expireUsedBefore: (index) => {
      for (const [id, session] of this.sessions) {
        if (session.lastUsedIndex < index) this.sessions.delete(id);
      }
    },
  };

  private applyWrite(command: KvCommand, index: number): KvResult {
    const applied = applyKvWrite(this.store, command, index, this.currentRevision);
    this.currentRevision = applied.revision;
    return applied.result;
  }

  /** The rows as the shared write rules (kv-apply.ts) change them. */
  private readonly store: KvApplyStore = {
    get: (key) => this.get(key),
    range: (request) => this.range(request),
    put: (kv) => { this.kvs.set(keyText(kv.key), kv); },
    deleteRange: (range) => {
      const doomed = this.keysIn(range).sort();
      const removed = doomed.map((key) => this.kvs.get(key)!);
      for (const key of doomed) this.kvs.delete(key);
      return removed;
    },
    recordEvent: (revision, event) => { this.history.push({ revision, event }); },
  };

  /** Ties on last use cannot happen (one use per index); client id breaks them anyway. */
  private evictOldestSession(): void {
    let oldest: [string, Session] | undefined;
    for (const candidate of this.sessions) {
      const [id, session] = candidate;
      if (
        oldest === undefined ||
        session.lastUsedIndex < oldest[1].lastUsedIndex ||
        (session.lastUsedIndex === oldest[1].lastUsedIndex && id < oldest[0])
      ) {
        oldest = candidate;
      }
    }
    if (oldest !== undefined) this.sessions.delete(oldest[0]);
  }

  private keysIn(range: KeyRange): string[] {
    const low = keyText(range.key);
    if (range.type === "single") return this.kvs.has(low) ? [low] : [];
    const high = range.type === "between" ? keyText(range.end) : undefined;
    return [...this.kvs.keys()].filter((k) => k >= low && (high === undefined || k < high));
  }
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

function bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "base64"));
}

function replaceBytes(this: unknown, _key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { base64: base64(value) } : value;
}

function reviveBytes(this: unknown, _key: string, value: unknown): unknown {
  const record = value as { base64?: unknown } | null;
  return typeof record === "object" && record !== null && typeof record.base64 === "string"
    ? bytes(record.base64)
    : value;
}
