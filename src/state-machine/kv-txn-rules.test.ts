// Goal: the txn limits etcd users expect are checked before proposing: too many compares or
// operations per branch, and a key written twice in one branch (two puts, or a put inside a
// delete's range), while the same key in different branches and overlapping deletes pass.
// Method: example-based unit tests of txnProblem().
import type { KvCommand, TxnOp } from "./kv-types.js";
import { txnProblem } from "./kv-txn-rules.js";

const k = (s: string): Uint8Array => new TextEncoder().encode(s);
const put = (key: string): TxnOp => ({ type: "put", key: k(key), value: k("v") });
const del = (key: string, end: string): TxnOp => ({ type: "delete-range", key: k(key), rangeEnd: k(end) });
const txn = (success: TxnOp[], failure: TxnOp[] = []): KvCommand & { type: "txn" } =>
  ({ type: "txn", compares: [], success, failure });

describe("txnProblem", () => {
  it("accepts distinct writes, one key in both branches, and overlapping deletes", () => {
    expect(txnProblem(txn([put("a"), put("b")], [put("a")]), 128)).toBeUndefined();
    expect(txnProblem(txn([del("a", "c"), del("b", "d"), put("d")]), 128)).toBeUndefined();
  });

  it("refuses a key put twice or put inside a deleted range, naming branch and key", () => {
    expect(txnProblem(txn([put("a"), put("a")]), 128)).toBe('txn success writes key "a" twice');
    expect(txnProblem(txn([], [del("a", "\0"), put("zz")]), 128))
      .toBe('txn failure writes key "zz" twice');
    expect(txnProblem(txn([del("b", ""), put("b")]), 128)).toBe('txn success writes key "b" twice');
  });

  it("refuses more compares or operations than the limit", () => {
    expect(txnProblem(txn([put("a"), put("b"), put("c")]), 2))
      .toBe("txn success has 3 operations; at most 2 are allowed");
    const compares = [1, 2, 3].map(() => ({
      key: k("a"), operator: "equal" as const, target: "version" as const, number: 1,
    }));
    expect(txnProblem({ ...txn([]), compares }, 2)).toBe("txn has 3 compares; at most 2 are allowed");
  });
});
