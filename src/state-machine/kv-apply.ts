import {
  keyRange,
  type KeyRange,
  type KeyValue,
  type KvCommand,
  type KvCompare,
  type KvEvent,
  type KvResult,
  type RangeRequest,
  type RangeResult,
  type TxnOp,
  type TxnOpResult,
} from "./kv-types.js";

/**
 * The etcd rules for a write, written once for both KV state machines (memory and SQLite):
 * what a put does to a key's revisions and version, what a delete removes and returns, and
 * how a transaction compares and then runs one branch. The state machines supply only the
 * storage (KvApplyStore) and the bookkeeping around it (sessions, applied index).
 */

/** A state machine's rows, as one apply sees them (inside its transaction). */
export interface KvApplyStore {
  get(key: Uint8Array): KeyValue | undefined;
  range(request: RangeRequest): RangeResult;
  /** Writes the row for `kv.key`, replacing any. */
  put(kv: KeyValue): void;
  /** Removes the keys in `range`; returns them, in key order. */
  deleteRange(range: KeyRange): KeyValue[];
  /** Appends one change to the history (KvReader.events), in apply order. */
  recordEvent(revision: number, event: KvEvent): void;
}

/** A write's result and the store's revision after it. */
export interface AppliedWrite {
  readonly result: KvResult;
  readonly revision: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Applies `command` (its session already checked by the caller) at log index `index`, over
 * a store whose revision is `revision`. The store's revision becomes `index` if anything
 * was written, and stays otherwise.
 */
export function applyKvWrite(
  store: KvApplyStore, command: KvCommand, index: number, revision: number,
): AppliedWrite {
  const changes = new Changes(store, index);
  switch (command.type) {
    case "put": {
      const prevKv = changes.put(command.key, command.value);
      const result: KvResult = command.prevKv === true && prevKv !== undefined
        ? { type: "put", revision: index, prevKv }
        : { type: "put", revision: index };
      return { result, revision: index };
    }
    case "delete":
    case "delete-range": {
      const rangeEnd = command.type === "delete-range" ? command.rangeEnd : EMPTY;
      const removed = changes.deleteRange(keyRange(command.key, rangeEnd));
      const after = removed.length > 0 ? index : revision;
      const prevKvs = command.prevKv === true ? { prevKvs: removed } : {};
      const result: KvResult = { type: "delete", revision: after, deleted: removed.length, ...prevKvs };
      return { result, revision: after };
    }
    case "txn":
      return applyTxn(changes, store, command, index, revision);
  }
}

/** One entry's changes to the store, each recorded in the history in order. */
class Changes {
  private position = 0;

  constructor(private readonly store: KvApplyStore, private readonly index: number) {}

  /** Writes `key` at this entry's revision; returns what it replaced. */
  put(key: Uint8Array, value: Uint8Array): KeyValue | undefined {
    const previous = this.store.get(key);
    const kv: KeyValue = {
      // Copies: decoded fields are views into the log entry's bytes.
      key: new Uint8Array(key),
      value: new Uint8Array(value),
      createRevision: previous?.createRevision ?? this.index,
      modRevision: this.index,
      version: (previous?.version ?? 0) + 1,
    };
    this.store.put(kv);
    this.record({ type: "put", kv, ...(previous === undefined ? {} : { prevKv: previous }) });
    return previous;
  }

  deleteRange(range: KeyRange): KeyValue[] {
    const removed = this.store.deleteRange(range);
    for (const prevKv of removed) {
      const kv: KeyValue = {
        key: prevKv.key, value: EMPTY, createRevision: 0, modRevision: this.index, version: 0,
      };
      this.record({ type: "delete", kv, prevKv });
    }
    return removed;
  }

  private record(event: Omit<KvEvent, "position">): void {
    this.store.recordEvent(this.index, { ...event, position: this.position++ });
  }
}

/** etcd's Txn: every compare holds, then `success` runs; otherwise `failure`. In order. */
function applyTxn(
  changes: Changes, store: KvApplyStore, txn: KvCommand & { type: "txn" }, index: number,
  revision: number,
): AppliedWrite {
  const succeeded = txn.compares.every((compare) => compareHolds(compare, store.get(compare.key)));
  const responses: TxnOpResult[] = [];
  let wrote = false;
  for (const op of succeeded ? txn.success : txn.failure) {
    const outcome = applyTxnOp(changes, store, op);
    responses.push(outcome.result);
    wrote ||= outcome.wrote;
  }
  const after = wrote ? index : revision;
  return { result: { type: "txn", revision: after, succeeded, responses }, revision: after };
}

function applyTxnOp(
  changes: Changes, store: KvApplyStore, op: TxnOp,
): { result: TxnOpResult; wrote: boolean } {
  switch (op.type) {
    case "put": {
      const prevKv = changes.put(op.key, op.value);
      const result: TxnOpResult = op.prevKv === true && prevKv !== undefined
        ? { type: "put", prevKv }
        : { type: "put" };
      return { result, wrote: true };
    }
    case "delete-range": {
      const removed = changes.deleteRange(keyRange(op.key, op.rangeEnd));
      const prevKvs = op.prevKv === true ? { prevKvs: removed } : {};
      const result: TxnOpResult = { type: "delete", deleted: removed.length, ...prevKvs };
      return { result, wrote: removed.length > 0 };
    }
    case "range":
      return { result: { type: "range", result: store.range(op.request) }, wrote: false };
  }
}

/** Whether `compare` holds for `kv` (undefined: the key does not exist). */
export function compareHolds(compare: KvCompare, kv: KeyValue | undefined): boolean {
  let order: number;
  if (compare.target === "value") {
    if (kv === undefined) return false; // etcd: no value to compare
    order = Buffer.compare(kv.value, compare.value);
  } else {
    const actual = kv === undefined ? 0 : compare.target === "version" ? kv.version
      : compare.target === "create-revision" ? kv.createRevision : kv.modRevision;
    order = Math.sign(actual - compare.number);
  }
  switch (compare.operator) {
    case "equal":
      return order === 0;
    case "not-equal":
      return order !== 0;
    case "greater":
      return order > 0;
    case "less":
      return order < 0;
  }
}
