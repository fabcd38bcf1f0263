import {
  keyRange,
  type KeyRange,
  type KeyValue,
  type KvCommand,
  type KvCompare,
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
  /** Removes the keys in `range`; returns them only when `returnDeleted` is set. */
  deleteRange(range: KeyRange, returnDeleted: boolean): { deleted: number; prevKvs?: KeyValue[] };
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
  switch (command.type) {
    case "put": {
      const prevKv = putKey(store, command.key, command.value, index);
      const result: KvResult = command.prevKv === true && prevKv !== undefined
        ? { type: "put", revision: index, prevKv }
        : { type: "put", revision: index };
      return { result, revision: index };
    }
    case "delete":
    case "delete-range": {
      const rangeEnd = command.type === "delete-range" ? command.rangeEnd : EMPTY;
      const removed = store.deleteRange(keyRange(command.key, rangeEnd), command.prevKv === true);
      const after = removed.deleted > 0 ? index : revision;
      const prevKvs = removed.prevKvs === undefined ? {} : { prevKvs: removed.prevKvs };
      const result: KvResult = { type: "delete", revision: after, deleted: removed.deleted, ...prevKvs };
      return { result, revision: after };
    }
    case "txn":
      return applyTxn(store, command, index, revision);
  }
}

/** etcd's Txn: every compare holds, then `success` runs; otherwise `failure`. In order. */
function applyTxn(
  store: KvApplyStore, txn: KvCommand & { type: "txn" }, index: number, revision: number,
): AppliedWrite {
  const succeeded = txn.compares.every((compare) => compareHolds(compare, store.get(compare.key)));
  const responses: TxnOpResult[] = [];
  let wrote = false;
  for (const op of succeeded ? txn.success : txn.failure) {
    const outcome = applyTxnOp(store, op, index);
    responses.push(outcome.result);
    wrote ||= outcome.wrote;
  }
  const after = wrote ? index : revision;
  return { result: { type: "txn", revision: after, succeeded, responses }, revision: after };
}

function applyTxnOp(
  store: KvApplyStore, op: TxnOp, index: number,
): { result: TxnOpResult; wrote: boolean } {
  switch (op.type) {
    case "put": {
      const prevKv = putKey(store, op.key, op.value, index);
      const result: TxnOpResult = op.prevKv === true && prevKv !== undefined
        ? { type: "put", prevKv }
        : { type: "put" };
      return { result, wrote: true };
    }
    case "delete-range": {
      const removed = store.deleteRange(keyRange(op.key, op.rangeEnd), op.prevKv === true);
      const prevKvs = removed.prevKvs === undefined ? {} : { prevKvs: removed.prevKvs };
      const result: TxnOpResult = { type: "delete", deleted: removed.deleted, ...prevKvs };
      return { result, wrote: removed.deleted > 0 };
    }
    case "range":
      return { result: { type: "range", result: store.range(op.request) }, wrote: false };
  }
}

/** Writes `key` at revision `index`; returns what it replaced. */
function putKey(
  store: KvApplyStore, key: Uint8Array, value: Uint8Array, index: number,
): KeyValue | undefined {
  const previous = store.get(key);
  store.put({
    // Copies: decoded fields are views into the log entry's bytes.
    key: new Uint8Array(key),
    value: new Uint8Array(value),
    createRevision: previous?.createRevision ?? index,
    modRevision: index,
    version: (previous?.version ?? 0) + 1,
  });
  return previous;
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
