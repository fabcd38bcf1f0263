// Goal: both SnapshotStores keep the SnapshotStore contract (save copies and checksums,
// latest() is the newest intact snapshot, retention keeps the newest N), and the file store
// survives what a crash or a bad disk leaves behind: damaged or truncated bytes, a malformed
// manifest, half-written temporary files, a `.bin` whose manifest never landed.
// Method: a contract suite runs against MemorySnapshotStore and FileSnapshotStore; the
// file-only cases damage files in a mkdtemp directory by hand and reopen the store.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { SnapshotMeta } from "../../core/entry.js";
import { logIndex, term } from "../../core/ids.js";
import { makeConfig } from "../../core/membership-config.js";
import { MemorySnapshotStore } from "../memory-snapshot-store.js";
import type { SnapshotStore } from "../snapshot-store.js";
import { FileSnapshotStore } from "./sqlite-snapshot-store.js";

const directories: string[] = [];

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "raftkv-snapshots-"));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

function meta(index: number, snapshotTerm: number): SnapshotMeta {
  return { index: logIndex(index), term: term(snapshotTerm), config: makeConfig([1, 2], [3]) };
}

function bytes(seed: number, length = 1000): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 7 + i * 13) & 0xff);
}

const factories: [string, (retainCount: number) => SnapshotStore][] = [
  ["MemorySnapshotStore", (retainCount) => new MemorySnapshotStore({ retainCount })],
  [
    "FileSnapshotStore",
    (retainCount) => FileSnapshotStore.open({ directory: temporaryDirectory(), retainCount }),
  ],
];

describe.each(factories)("the SnapshotStore contract: %s", (_name, makeStore) => {
  it("has no snapshot at first", () => {
    expect(makeStore(2).latest()).toBeUndefined();
  });

  it("returns what was saved, with its SHA-256, from save() and latest()", () => {
    const store = makeStore(2);
    const data = bytes(1);
    const saved = store.save(meta(10, 2), data);
    const expectedSha = createHash("sha256").update(data).digest("hex");
    expect(saved.sha256).toBe(expectedSha);
    const latest = store.latest();
    expect(latest?.meta).toEqual(meta(10, 2));
    expect(latest?.sha256).toBe(expectedSha);
    expect(Array.from(latest?.data ?? [])).toEqual(Array.from(data));
  });

  it("is not changed by a caller reusing its buffer after save()", () => {
    const store = makeStore(2);
    const data = bytes(2);
    store.save(meta(5, 1), data);
    data.fill(0);
    expect(Array.from(store.latest()?.data ?? [])).toEqual(Array.from(bytes(2)));
  });

  it("serves the newest by (index, term), and any one by its index", () => {
    const store = makeStore(2);
    store.save(meta(10, 1), bytes(10));
    store.save(meta(30, 2), bytes(30));
    store.save(meta(20, 2), bytes(20)); // an older one saved late is still older
    expect(store.latest()?.meta.index).toBe(30);
    store.save(meta(40, 3), bytes(40));
    expect(store.latest()?.meta.index).toBe(40);
    expect(Array.from(store.get(logIndex(20))?.data ?? [])).toEqual(Array.from(bytes(20)));
    expect(store.get(logIndex(25))).toBeUndefined();
  });

  it("deletes nothing on save; prune keeps the log's snapshot, newer ones and retainCount", () => {
    const store = makeStore(1);
    for (const index of [10, 20, 30, 40]) store.save(meta(index, 1), bytes(index));
    // A crash after saving 30 and 40 but before the log moved past 10: 10 must survive.
    expect(store.get(logIndex(10))?.meta.index).toBe(10);
    store.prune(logIndex(20));
    expect([10, 20, 30, 40].map((i) => store.get(logIndex(i))?.meta.index))
      .toEqual([undefined, 20, 30, 40]);
    store.prune(logIndex(50)); // Past everything: the newest retainCount (1) stay.
    expect([20, 30, 40].map((i) => store.get(logIndex(i))?.meta.index))
      .toEqual([undefined, undefined, 40]);
  });

  it("replaces a snapshot saved again at the same (index, term)", () => {
    const store = makeStore(2);
    store.save(meta(10, 1), bytes(1));
    store.save(meta(10, 1), bytes(2));
    expect(Array.from(store.latest()?.data ?? [])).toEqual(Array.from(bytes(2)));
  });

  it("stores an empty snapshot", () => {
    const store = makeStore(1);
    store.save(meta(1, 1), new Uint8Array(0));
    expect(store.latest()?.data.byteLength).toBe(0);
  });
});

describe("FileSnapshotStore on disk", () => {
  function filesIn(directory: string): string[] {
    return readdirSync(directory).sort();
  }

  it("names files by index and term and prunes older than the log's beyond retainCount", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    for (const index of [1, 2, 3]) store.save(meta(index, 1), bytes(index));
    expect(filesIn(directory)).toHaveLength(6);
    store.prune(logIndex(3));
    expect(filesIn(directory)).toEqual([
      "snapshot-2-1.bin", "snapshot-2-1.json", "snapshot-3-1.bin", "snapshot-3-1.json",
    ]);
  });

  it("survives reopening", () => {
    const directory = temporaryDirectory();
    FileSnapshotStore.open({ directory, retainCount: 2 }).save(meta(7, 3), bytes(7));
    const reopened = FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(reopened.latest()?.meta).toEqual(meta(7, 3));
  });

  it("falls back to the older snapshot when the newest is damaged, truncated or malformed", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    const damageNewest: ((base: string) => void)[] = [
      (base) => writeFileSync(`${base}.bin`, bytes(99)), // same length, other bytes
      (base) => truncateSync(`${base}.bin`, 10),
      (base) => rmSync(`${base}.bin`),
      (base) => writeFileSync(`${base}.json`, "{not json"),
      (base) => writeFileSync(`${base}.json`, JSON.stringify({ version: 2 })),
    ];
    for (const damage of damageNewest) {
      store.save(meta(1, 1), bytes(1));
      store.save(meta(2, 1), bytes(2));
      damage(join(directory, "snapshot-2-1"));
      const latest = store.latest();
      expect(latest?.meta.index).toBe(1);
      expect(Array.from(latest?.data ?? [])).toEqual(Array.from(bytes(1)));
    }
  });

  it("refuses a manifest whose numbers are not its file name's", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    store.save(meta(4, 2), bytes(4));
    // An intact pair copied under a newer name must not pass for snapshot 9.
    copyFileSync(join(directory, "snapshot-4-2.json"), join(directory, "snapshot-9-2.json"));
    copyFileSync(join(directory, "snapshot-4-2.bin"), join(directory, "snapshot-9-2.bin"));
    expect(store.latest()?.meta).toEqual(meta(4, 2));
  });

  it("cleans up what an interrupted save() or prune left behind", () => {
    const directory = temporaryDirectory();
    FileSnapshotStore.open({ directory, retainCount: 2 }).save(meta(3, 1), bytes(3));
    writeFileSync(join(directory, "snapshot-5-1.bin.tmp"), bytes(5)); // crash while writing
    writeFileSync(join(directory, "snapshot-5-1.json.tmp"), "{}");
    writeFileSync(join(directory, "snapshot-6-1.bin"), bytes(6)); // crash before the manifest
    writeFileSync(join(directory, "unrelated.txt"), "kept");
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(filesIn(directory)).toEqual(["snapshot-3-1.bin", "snapshot-3-1.json", "unrelated.txt"]);
    expect(store.latest()?.meta.index).toBe(3);
  });
});
