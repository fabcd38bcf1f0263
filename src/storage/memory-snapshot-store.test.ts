// Goal: what MemorySnapshotStore adds to the SnapshotStore contract, which
// src/storage/sqlite/sqlite-snapshot-store.test.ts checks for both stores: retention is
// bounded, bytes read back are copies (a caller cannot change a stored snapshot through
// them), and a stored snapshot whose bytes were damaged is not served as intact.
// Method: example-based unit tests on the public methods; damage() plays the bad disk.
import { AssertionError } from "../core/assert.js";
import type { SnapshotMeta } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { MemorySnapshotStore } from "./memory-snapshot-store.js";
import { readSnapshotBytes, saveSnapshotBytes } from "./snapshot-store.js";

function meta(index: number): SnapshotMeta {
  return { index: logIndex(index), term: term(1), config: makeConfig([1]) };
}

describe("MemorySnapshotStore", () => {
  it("needs to retain at least one snapshot", () => {
    expect(() => new MemorySnapshotStore({ retainCount: 0 })).toThrow(AssertionError);
  });

  it("keeps only the newest retainCount snapshots once pruned past them", () => {
    const store = new MemorySnapshotStore({ retainCount: 1 });
    saveSnapshotBytes(store, meta(1), Uint8Array.of(1));
    saveSnapshotBytes(store, meta(2), Uint8Array.of(2));
    store.prune(logIndex(2));
    store.damage(logIndex(2)); // the only one kept: nothing older is left to fall back to
    expect(store.latest()).toBeUndefined();
  });

  it("falls back to an older snapshot when the newest is damaged", () => {
    const store = new MemorySnapshotStore({ retainCount: 2 });
    saveSnapshotBytes(store, meta(1), Uint8Array.of(1));
    saveSnapshotBytes(store, meta(2), Uint8Array.of(2));
    expect(store.latest()?.meta.index).toBe(2);
    store.damage(logIndex(2));
    expect(store.latest()?.meta.index).toBe(1);
  });

  it("hands out copies: changing bytes read back changes nothing stored", () => {
    const store = new MemorySnapshotStore({ retainCount: 2 });
    const stored = saveSnapshotBytes(store, meta(1), Uint8Array.of(1, 2, 3));
    stored.readChunk(0, 3)[0] = 9;
    expect(Array.from(readSnapshotBytes(store.latest()!))).toEqual([1, 2, 3]);
  });

  it("serves the newest snapshot at or below an index", () => {
    const store = new MemorySnapshotStore({ retainCount: 2 });
    for (const index of [10, 20, 30]) saveSnapshotBytes(store, meta(index), Uint8Array.of(index));
    expect(store.latest(logIndex(25))?.meta.index).toBe(20);
    expect(store.latest(logIndex(5))).toBeUndefined();
  });
});
