import type { LogIndex } from "../core/ids.js";
import type { StateMachine } from "./state-machine.js";

/**
 * A client's identity for exactly-once writes (thesis 6.3; the rules are in
 * kv-sessions.ts). A client's first write is sequence 1; sequences increase per client
 * (gaps are allowed).
 */
export interface KvSession {
  /** Non-empty UTF-8, at most CLIENT_ID_BYTES_MAX bytes. */
  readonly clientId: string;
  /** A positive safe integer. */
  readonly sequence: number;
}

/**
 * A write, as proposed through the log (encoded by kv-command.ts). Keys and values are
 * bytes, compared byte-wise (docs/testing.md, Bad input); keys are never empty.
 * - `put`: sets key to value; with `prevKv` the result carries the key's previous state.
 * - `delete`: removes one key.
 * - `delete-range`: etcd's range semantics (see keyRange()): `rangeEnd` empty means the key
 *   alone, `[0x00]` means every key >= key, anything else the half-open [key, rangeEnd).
 *   With `prevKv` the result carries the deleted key-values.
 * - `txn`: compares, then the `success` operations if every compare holds, else the
 *   `failure` ones (kv-txn.ts); one entry, so one revision for all of them.
 */
export type KvCommand =
  | {
      readonly type: "put";
      readonly key: Uint8Array;
      readonly value: Uint8Array;
      readonly prevKv?: boolean;
      readonly session?: KvSession;
    }
  | {
      readonly type: "delete"; readonly key: Uint8Array; readonly prevKv?: boolean;
      readonly session?: KvSession;
    }
  | {
      readonly type: "delete-range";
      readonly key: Uint8Array;
      readonly rangeEnd: Uint8Array;
      readonly prevKv?: boolean;
      readonly session?: KvSession;
    }
  | {
      readonly type: "txn";
      readonly compares: readonly KvCompare[];
      readonly success: readonly TxnOp[];
      readonly failure: readonly TxnOp[];
      readonly session?: KvSession;
    };

/**
 * One compare of a transaction, on one key (etcd's Compare). A missing key has version 0
 * and revisions 0; a value compare on a missing key is false whatever the operator, as in
 * etcd (no value to compare). Values compare byte-wise.
 */
export type KvCompare =
  | {
      readonly key: Uint8Array; readonly operator: CompareOperator;
      readonly target: "value"; readonly value: Uint8Array;
    }
  | {
      readonly key: Uint8Array; readonly operator: CompareOperator;
      readonly target: "version" | "create-revision" | "mod-revision"; readonly number: number;
    };

export type CompareOperator = "equal" | "not-equal" | "greater" | "less";

/** An operation inside a transaction: a write, or a read at the transaction's revision. */
export type TxnOp =
  | {
      readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array;
      readonly prevKv?: boolean;
    }
  | {
      readonly type: "delete-range"; readonly key: Uint8Array; readonly rangeEnd: Uint8Array;
      readonly prevKv?: boolean;
    }
  | { readonly type: "range"; readonly request: RangeRequest };

/** What one transaction operation returned, in the order of the branch that ran. */
export type TxnOpResult =
  | { readonly type: "put"; readonly prevKv?: KeyValue }
  | { readonly type: "delete"; readonly deleted: number; readonly prevKvs?: readonly KeyValue[] }
  | { readonly type: "range"; readonly result: RangeResult };

/**
 * A stored key with etcd's KeyValue bookkeeping. Revisions are log indexes of writes.
 * Invariant: createRevision <= modRevision; version >= 1 counts the puts since the key was
 * (re)created, so a delete followed by a put starts again at 1.
 */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

/**
 * What applying a command returned to its proposer.
 * - `revision`: for a put, a delete that removed something, or a txn that wrote, the
 *   command's own log index; otherwise (nothing deleted, a read-only txn, stale sequence)
 *   the store's revision, unchanged.
 * - `stale-sequence`: the session's sequence is below the client's last applied one, so
 *   this is an old duplicate whose reply is no longer kept; nothing was applied.
 * - `session-expired`: a sequence above 1 from a client whose session the table no longer
 *   holds (kv-sessions.ts); nothing was applied, and its earlier writes may have been.
 * - `invalid-command`: the entry's bytes are not a KvCommand (only possible through the
 *   library surface, never through the gRPC API, which encodes every command itself).
 *   Every member reaches the same verdict, so the entry is skipped deterministically
 *   instead of crashing every member on it forever (a poison pill).
 */
export type KvResult =
  | { readonly type: "put"; readonly revision: number; readonly prevKv?: KeyValue }
  | {
      readonly type: "delete"; readonly revision: number; readonly deleted: number;
      readonly prevKvs?: readonly KeyValue[];
    }
  | {
      readonly type: "txn"; readonly revision: number; readonly succeeded: boolean;
      readonly responses: readonly TxnOpResult[];
    }
  | { readonly type: "stale-sequence"; readonly revision: number; readonly lastSequence: number }
  | { readonly type: "session-expired"; readonly revision: number }
  | { readonly type: "invalid-command"; readonly revision: number; readonly reason: string };

/** A read over keys in byte order (served locally, not through the log). */
export interface RangeRequest {
  readonly key: Uint8Array;
  /** As in KvCommand `delete-range`: empty = just `key`, [0x00] = every key >= `key`. */
  readonly rangeEnd: Uint8Array;
  /** At most this many kvs; 0 means no limit. */
  readonly limit: number;
  /** Leave values empty (cheaper for large values). */
  readonly keysOnly?: boolean;
  /** Return no kvs, only the count. */
  readonly countOnly?: boolean;
}

export interface RangeResult {
  /** In ascending byte order of key. */
  readonly kvs: KeyValue[];
  /** True when the range holds more keys than `kvs` returned (limit reached). */
  readonly more: boolean;
  /** How many keys the whole range holds, regardless of limit. */
  readonly count: number;
}

/**
 * One change to one key, as a watcher sees it (etcd's mvccpb.Event). A put carries the key's
 * new state; a delete carries the key with `modRevision` set to the deleting revision and
 * the rest empty. `prevKv` is the key's state before the change (none for a new key).
 * `position` orders the events of one revision (a txn or a range delete makes several).
 */
export interface KvEvent {
  readonly type: "put" | "delete";
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
  readonly position: number;
}

/** Where a reader of the history stands: the next event is after this one. */
export interface HistoryCursor {
  readonly revision: number;
  readonly position: number;
}

/** The read side of the KV state machine, used by the server for reads. */
export interface KvReader {
  get(key: Uint8Array): KeyValue | undefined;
  range(request: RangeRequest): RangeResult;
  /** The highest log index of an applied write (0 before any); never decreases. */
  revision(): number;
  appliedIndex(): LogIndex;
  /**
   * The oldest revision the history still holds completely: events of every revision from
   * here to revision() can be read. Older ones were compacted away (the window is bounded
   * in revisions, decided by the applied index, so every member compacts alike).
   */
  historyStart(): number;
  /**
   * Up to `limit` events after `after` (revision 0 position -1: from the start), in
   * (revision, position) order. Precondition: after.revision + 1 >= historyStart().
   */
  events(after: HistoryCursor, limit: number): KvEvent[];
}

/** The KV service's state machine: applies KvCommands through the log, serves reads. */
export interface KvStateMachine extends StateMachine<KvResult>, KvReader {}

/**
 * How many client sessions the state machine remembers. Past this, the least recently used
 * session (lowest log index of last use) is forgotten, and that client's next write is
 * refused as `session-expired`. Every member must use the same value, because eviction is
 * part of the replicated state (like any other rule of apply()).
 */
export const CLIENT_SESSIONS_MAX = 10_000;

/**
 * How many revisions of history (KvEvent) a KV state machine keeps by default: watchers and
 * the history can reach this far back from the applied index.
 */
export const KV_HISTORY_REVISIONS_DEFAULT = 10_000;

/** The longest client id, in UTF-8 bytes (the codec stores its length in one byte). */
export const CLIENT_ID_BYTES_MAX = 255;

/** Which keys a (key, rangeEnd) pair selects, following etcd. */
export type KeyRange =
  | { readonly type: "single"; readonly key: Uint8Array }
  | { readonly type: "from"; readonly key: Uint8Array }
  | { readonly type: "between"; readonly key: Uint8Array; readonly end: Uint8Array };

/**
 * Interprets etcd's range encoding: an empty `rangeEnd` selects `key` alone, a single 0x00
 * byte selects every key >= `key`, anything else the half-open range [key, rangeEnd) (empty
 * when rangeEnd <= key).
 */
export function keyRange(key: Uint8Array, rangeEnd: Uint8Array): KeyRange {
  if (rangeEnd.byteLength === 0) return { type: "single", key };
  if (rangeEnd.byteLength === 1 && rangeEnd[0] === 0) return { type: "from", key };
  return { type: "between", key, end: rangeEnd };
}

/** Whether `key` is one of the keys `range` selects. */
export function keyInRange(key: Uint8Array, range: KeyRange): boolean {
  if (range.type === "single") return Buffer.compare(key, range.key) === 0;
  if (Buffer.compare(key, range.key) < 0) return false;
  return range.type === "from" || Buffer.compare(key, range.end) < 0;
}

/**
 * A key as a Map key: one latin1 character per byte, so equal bytes give equal strings and
 * string order is byte order.
 */
export function keyText(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}
