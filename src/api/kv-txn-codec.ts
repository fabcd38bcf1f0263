import type { Compare__Output } from "../gen/raftkv/kv/v1/Compare.js";
import type { RequestOp__Output } from "../gen/raftkv/kv/v1/RequestOp.js";
import type { ResponseOp } from "../gen/raftkv/kv/v1/ResponseOp.js";
import type { TxnRequest__Output } from "../gen/raftkv/kv/v1/TxnRequest.js";
import type {
  CompareOperator, KvCommand, KvCompare, TxnOp, TxnOpResult,
} from "../state-machine/kv-types.js";
import { txnProblem } from "../state-machine/kv-txn-rules.js";
import { InvalidArgumentError } from "./errors.js";
import {
  decodeDelete, decodeKey, decodePut, decodeRange, decodeSession, decodeUint64, encodeKeyValue,
  encodeRangeResult, type KvLimits,
} from "./kv-codec.js";

/** KvLimits plus the transaction's own: operations per branch (etcd's --max-txn-ops). */
export interface TxnLimits extends KvLimits {
  readonly txnOpsMax: number;
}

/** CompareResult's numbers (kv.proto), as the state machine's operators. */
const OPERATORS: readonly CompareOperator[] = ["equal", "greater", "less", "not-equal"];
/** CompareTarget's numbers (kv.proto): the target and the oneof field that holds its operand. */
const TARGETS = [
  { target: "version", field: "version" },
  { target: "create-revision", field: "create_revision" },
  { target: "mod-revision", field: "mod_revision" },
  { target: "value", field: "value" },
] as const;
const OPERAND_FIELDS = ["version", "create_revision", "mod_revision", "value"] as const;

/**
 * A TxnRequest as a KvCommand, validated field by field (INVALID_ARGUMENT names the compare
 * or operation and what was wrong); nothing unvalidated reaches the log.
 */
export function decodeTxn(
  request: TxnRequest__Output, limits: TxnLimits,
): KvCommand & { type: "txn" } {
  const compares = request.compare.map((compare, i) => decodeCompare(compare, i, limits));
  const success = request.success.map((op, i) => decodeOp(op, `success[${i}]`, limits));
  const failure = request.failure.map((op, i) => decodeOp(op, `failure[${i}]`, limits));
  const session = decodeSession(request.client_id, request.sequence);
  const txn: KvCommand & { type: "txn" } = {
    type: "txn", compares, success, failure, ...(session === undefined ? {} : { session }),
  };
  const problem = txnProblem(txn, limits.txnOpsMax);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return txn;
}

function decodeCompare(compare: Compare__Output, i: number, limits: KvLimits): KvCompare {
  const where = `compare[${i}]`;
  const operator = OPERATORS[compare.result as number];
  if (operator === undefined) {
    throw new InvalidArgumentError(`${where}.result ${String(compare.result)} is unknown; use 0-3`);
  }
  const target = TARGETS[compare.target as number];
  if (target === undefined) {
    throw new InvalidArgumentError(`${where}.target ${String(compare.target)} is unknown; use 0-3`);
  }
  const key = decodeKey(compare.key, limits, `${where}.key`);
  const other = OPERAND_FIELDS.find(
    (field) => field !== target.field && compare[field] !== undefined);
  if (other !== undefined) {
    throw new InvalidArgumentError(`${where} compares ${target.field} but sets ${other}`);
  }
  if (target.target === "value") {
    const value = compare.value ?? Buffer.alloc(0);
    if (value.byteLength > limits.valueBytesMax) {
      throw new InvalidArgumentError(
        `${where}.value is ${value.byteLength} bytes; the limit is ${limits.valueBytesMax}`);
    }
    return { key, operator, target: "value", value: new Uint8Array(value) };
  }
  const number = decodeUint64(compare[target.field] ?? "0", `${where}.${target.field}`);
  return { key, operator, target: target.target, number };
}

function decodeOp(op: RequestOp__Output, where: string, limits: KvLimits): TxnOp {
  const present = [op.request_put, op.request_delete_range, op.request_range]
    .filter((part) => part !== null && part !== undefined);
  if (present.length !== 1) {
    throw new InvalidArgumentError(`${where} must set exactly one of request_range, request_put, ` +
      "request_delete_range");
  }
  if (op.request_put !== null && op.request_put !== undefined) {
    const put = op.request_put;
    noSession(put.client_id, put.sequence, where);
    const command = decodePut(put, limits);
    if (command.type !== "put") throw new Error("decodePut returned another command");
    return { type: "put", key: command.key, value: command.value, prevKv: put.prev_kv };
  }
  if (op.request_delete_range !== null && op.request_delete_range !== undefined) {
    const del = op.request_delete_range;
    noSession(del.client_id, del.sequence, where);
    const command = decodeDelete(del, limits);
    if (command.type === "delete") {
      return { type: "delete-range", key: command.key, rangeEnd: new Uint8Array(0), prevKv: del.prev_kv };
    }
    if (command.type !== "delete-range") throw new Error("decodeDelete returned another command");
    return { type: "delete-range", key: command.key, rangeEnd: command.rangeEnd, prevKv: del.prev_kv };
  }
  const { range, consistency } = decodeRange(op.request_range!, limits);
  if (consistency !== "linearizable") {
    throw new InvalidArgumentError(`${where}: a range inside a txn reads at the txn's revision; ` +
      "leave consistency LINEARIZABLE");
  }
  return { type: "range", request: range };
}

function noSession(clientId: string, sequence: string, where: string): void {
  if (clientId !== "" || sequence !== "0") {
    throw new InvalidArgumentError(`${where}: client_id and sequence belong on the TxnRequest`);
  }
}

/** The branch's results as ResponseOps (their headers unset: the TxnResponse has one). */
export function encodeTxnResponses(
  responses: readonly TxnOpResult[], ops: readonly TxnOp[],
): ResponseOp[] {
  return responses.map((response, i): ResponseOp => {
    switch (response.type) {
      case "put":
        return {
          response_put: response.prevKv === undefined
            ? {}
            : { prev_kv: encodeKeyValue(response.prevKv) },
        };
      case "delete":
        return {
          response_delete_range: {
            deleted: String(response.deleted),
            prev_kvs: (response.prevKvs ?? []).map((kv) => encodeKeyValue(kv)),
          },
        };
      case "range": {
        const op = ops[i];
        const keysOnly = op?.type === "range" && op.request.keysOnly === true;
        return { response_range: encodeRangeResult(response.result, keysOnly) };
      }
    }
  });
}
