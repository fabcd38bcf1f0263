import { keyInRange, keyRange, keyText, type KvCommand, type TxnOp } from "./kv-types.js";

/**
 * What a transaction may hold, checked before it is proposed (the API answers a breach
 * with INVALID_ARGUMENT; nothing reaches the log). etcd's rules: at most `opsMax` compares
 * and at most `opsMax` operations in each branch (--max-txn-ops, default 128), and within a
 * branch no key written twice, by two puts or by a put inside a delete's range.
 */
export function txnProblem(
  txn: KvCommand & { type: "txn" }, opsMax: number,
): string | undefined {
  if (txn.compares.length > opsMax) {
    return `txn has ${txn.compares.length} compares; at most ${opsMax} are allowed`;
  }
  for (const [name, branch] of [["success", txn.success], ["failure", txn.failure]] as const) {
    if (branch.length > opsMax) {
      return `txn ${name} has ${branch.length} operations; at most ${opsMax} are allowed`;
    }
    const duplicate = duplicateWrite(branch);
    if (duplicate !== undefined) return `txn ${name} writes key ${duplicate} twice`;
  }
  return undefined;
}

/** A key (shown as JSON text) that two writes of the branch touch, if any. */
function duplicateWrite(ops: readonly TxnOp[]): string | undefined {
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.type !== "put") continue;
    const key = keyText(op.key);
    if (puts.has(key)) return show(op.key);
    puts.add(key);
  }
  for (const op of ops) {
    if (op.type !== "delete-range") continue;
    for (const put of ops) {
      if (put.type === "put" && keyInRange(put.key, keyRange(op.key, op.rangeEnd))) return show(put.key);
    }
  }
  return undefined;
}

function show(key: Uint8Array): string {
  return JSON.stringify(Buffer.from(key).toString("utf8"));
}
