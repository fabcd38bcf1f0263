// Goal: what MemorySnapshotStore adds to the SnapshotStore contract, which
// src/storage/sqlite/sqlite-snapshot-store.test.ts checks for both stores: retention is
// bounded, and a stored snapshot whose bytes were changed in place (a test or example
// mutating a buffer it got back) is not served as intact.
// Method: example-based unit tests on the public methods.
import { AssertionError } from "../core/assert.js";
import type { SnapshotMeta } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { MemorySnapshotStore } from "./memory-snapshot-store.js";

function meta(index: number): SnapshotMeta {
  return { index: logIndex(index), term: term(1), config: makeConfig([1]) };
}

describe("MemorySnapshotStore", () => {
  it("needs to retain at least one snapshot", () => {
    expect(() => new MemorySnapshotStore({ retainCount: 0 })).toThrow(AssertionError);
  });

  it("keeps only the newest retainCount snapshots once pruned past them", () => {
    const store = new MemorySnapshotStore({ retainCount: 1 });
    store.save(meta(1), Uint8Array.of(1));
    const second = store.save(meta(2), Uint8Array.of(2));
    store.prune(logIndex(2));
    second.data[0] = 9; // damage the only one kept: nothing older is left to fall back to
    expect(store.latest()).toBeUndefined();
  });

  it("falls back to an older snapshot when the newest was changed in place", () => {
    const store = new MemorySnapshotStore({ retainCount: 2 });
    store.save(meta(1), Uint8Array.of(1));
    store.save(meta(2), Uint8Array.of(2));
    const newest = store.latest();
    expect(newest?.meta.index).toBe(2);
    newest!.data[0] = 7;
    expect(store.latest()?.meta.index).toBe(1);
  });
});
