// Goal: both SnapshotStores keep the SnapshotStore contract (a commit copies and checksums,
// latest() is the newest intact snapshot, retention keeps the newest N), and the file store
// survives what a crash or a bad disk leaves behind: damaged or truncated bytes, a malformed
// manifest, half-written temporary files, a `.bin` whose manifest never landed.
// Method: a contract suite runs against MemorySnapshotStore and FileSnapshotStore; the
// file-only cases damage files in a mkdtemp directory by hand and reopen the store.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createHash } from "node:crypto";
import type { SnapshotMeta } from "../../core/entry.js";
import { AssertionError } from "../../core/assert.js";
import { logIndex, nodeId, term } from "../../core/ids.js";
import { makeConfig } from "../../core/membership-config.js";
import { MemorySnapshotStore } from "../memory-snapshot-store.js";
import {
  readSnapshotBytes, saveSnapshotBytes, type IncomingSnapshotKey, type SnapshotStore,
  type StoredSnapshot,
} from "../snapshot-store.js";
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

function bytesOf(snapshot: StoredSnapshot | undefined): number[] {
  return Array.from(snapshot === undefined ? [] : readSnapshotBytes(snapshot));
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

  it("returns what was saved, with its SHA-256 and size, from the commit and latest()", () => {
    const store = makeStore(2);
    const data = bytes(1);
    const saved = saveSnapshotBytes(store, meta(10, 2), data);
    const expectedSha = createHash("sha256").update(data).digest("hex");
    expect(saved.sha256).toBe(expectedSha);
    const latest = store.latest();
    expect(latest?.meta).toEqual(meta(10, 2));
    expect(latest?.sha256).toBe(expectedSha);
    expect(bytesOf(latest)).toEqual(Array.from(data));
  });

  it("is not changed by a caller reusing its buffer after writing it", () => {
    const store = makeStore(2);
    const data = bytes(2);
    saveSnapshotBytes(store, meta(5, 1), data);
    data.fill(0);
    expect(bytesOf(store.latest())).toEqual(Array.from(bytes(2)));
  });

  it("serves the newest by (index, term), and any one by its index", () => {
    const store = makeStore(2);
    saveSnapshotBytes(store, meta(10, 1), bytes(10));
    saveSnapshotBytes(store, meta(30, 2), bytes(30));
    saveSnapshotBytes(store, meta(20, 2), bytes(20)); // an older one saved late is still older
    expect(store.latest()?.meta.index).toBe(30);
    saveSnapshotBytes(store, meta(40, 3), bytes(40));
    expect(store.latest()?.meta.index).toBe(40);
    expect(bytesOf(store.get(logIndex(20)))).toEqual(Array.from(bytes(20)));
    expect(store.get(logIndex(25))).toBeUndefined();
  });

  it("deletes nothing on save; prune keeps the log's snapshot, newer ones and retainCount", () => {
    const store = makeStore(1);
    for (const index of [10, 20, 30, 40]) saveSnapshotBytes(store, meta(index, 1), bytes(index));
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
    saveSnapshotBytes(store, meta(10, 1), bytes(1));
    saveSnapshotBytes(store, meta(10, 1), bytes(2));
    expect(bytesOf(store.latest())).toEqual(Array.from(bytes(2)));
  });

  it("stores an empty snapshot", () => {
    const store = makeStore(1);
    saveSnapshotBytes(store, meta(1, 1), new Uint8Array(0));
    expect(store.latest()?.sizeBytes).toBe(0);
  });
});

describe("FileSnapshotStore on disk", () => {
  it("names files by index and term and prunes older than the log's beyond retainCount", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    for (const index of [1, 2, 3]) saveSnapshotBytes(store, meta(index, 1), bytes(index));
    expect(filesIn(directory)).toHaveLength(6);
    store.prune(logIndex(3));
    expect(filesIn(directory)).toEqual([
      "snapshot-2-1.bin", "snapshot-2-1.json", "snapshot-3-1.bin", "snapshot-3-1.json",
    ]);
  });

  it("survives reopening", () => {
    const directory = temporaryDirectory();
    saveSnapshotBytes(FileSnapshotStore.open({ directory, retainCount: 2 }), meta(7, 3), bytes(7));
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
      saveSnapshotBytes(store, meta(1, 1), bytes(1));
      saveSnapshotBytes(store, meta(2, 1), bytes(2));
      damage(join(directory, "snapshot-2-1"));
      const latest = store.latest();
      expect(latest?.meta.index).toBe(1);
      expect(bytesOf(latest)).toEqual(Array.from(bytes(1)));
    }
  });

  it("refuses a manifest whose numbers are not its file name's", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    saveSnapshotBytes(store, meta(4, 2), bytes(4));
    // An intact pair copied under a newer name must not pass for snapshot 9.
    copyFileSync(join(directory, "snapshot-4-2.json"), join(directory, "snapshot-9-2.json"));
    copyFileSync(join(directory, "snapshot-4-2.bin"), join(directory, "snapshot-9-2.bin"));
    expect(store.latest()?.meta).toEqual(meta(4, 2));
  });

  it("cleans up what an interrupted save() or prune left behind", () => {
    const directory = temporaryDirectory();
    saveSnapshotBytes(FileSnapshotStore.open({ directory, retainCount: 2 }), meta(3, 1), bytes(3));
    writeFileSync(join(directory, "snapshot-5-1.bin.tmp"), bytes(5)); // crash while writing
    writeFileSync(join(directory, "snapshot-5-1.json.tmp"), "{}");
    writeFileSync(join(directory, "snapshot-6-1.bin"), bytes(6)); // crash before the manifest
    writeFileSync(join(directory, "unrelated.txt"), "kept");
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(filesIn(directory)).toEqual(["snapshot-3-1.bin", "snapshot-3-1.json", "unrelated.txt"]);
    expect(store.latest()?.meta.index).toBe(3);
  });
});

/** What identifies `data` as a leader's snapshot at (index, snapshotTerm). */
function keyOf(index: number, snapshotTerm: number, data: Uint8Array): IncomingSnapshotKey {
  return {
    index: logIndex(index), term: snapshotTerm, sizeBytes: data.byteLength,
    sha256: createHash("sha256").update(data).digest("hex"),
  };
}

describe.each(factories)("incoming snapshots: %s", (_name, makeStore) => {
  it("becomes a snapshot only when committed whole, and resumes after a break", () => {
    const store = makeStore(2);
    const data = bytes(5, 5000);
    const key = keyOf(50, 3, data);
    const first = store.receive(key);
    first.append(data.subarray(0, 2000));
    expect(first.intact()).toBe(false);
    expect(store.latest()).toBeUndefined(); // A partial copy is never a snapshot.
    // The stream broke; the next one asks where to resume.
    expect(store.receivedBytes(key)).toBe(2000);
    const resumed = store.receive(key);
    expect(resumed.receivedBytes).toBe(2000);
    resumed.append(data.subarray(2000));
    expect(resumed.intact()).toBe(true);
    const stored = resumed.commit(meta(50, 3));
    expect(stored.sha256).toBe(key.sha256);
    expect(bytesOf(store.latest())).toEqual(Array.from(data));
    expect(store.receivedBytes(key)).toBe(0);
  });

  it("flushes what arrived (where it can) and commits it after the flush", async () => {
    const store = makeStore(2);
    const data = bytes(8, 3000);
    const incoming = store.receive(keyOf(70, 2, data));
    incoming.append(data);
    await incoming.flush?.();
    expect(incoming.intact()).toBe(true);
    expect(bytesOf(incoming.commit(meta(70, 2)))).toEqual(Array.from(data));
  });

  it("refuses to commit bytes that do not hash to the announced SHA-256", () => {
    const store = makeStore(2);
    const data = bytes(6, 300);
    const incoming = store.receive(keyOf(60, 1, data));
    incoming.append(bytes(7, 300));
    expect(incoming.intact()).toBe(false);
    expect(() => incoming.commit(meta(60, 1))).toThrow(AssertionError);
    expect(store.latest()).toBeUndefined();
  });

  it("keeps at most its own partial and the newest complete one", () => {
    const store = makeStore(2);
    const [a, b, c] = [bytes(1, 100), bytes(2, 100), bytes(3, 100)];
    const complete = store.receive(keyOf(10, 1, a));
    complete.append(a);
    expect(complete.intact()).toBe(true);
    store.receive(keyOf(20, 1, b)).append(b.subarray(0, 50));
    store.receive(keyOf(30, 1, c)).append(c.subarray(0, 10));
    expect(store.receivedBytes(keyOf(20, 1, b))).toBe(0); // Another snapshot's partial: gone.
    expect(store.receivedBytes(keyOf(30, 1, c))).toBe(10);
    expect(complete.intact()).toBe(true); // Its driver may still commit it.
    complete.commit(meta(10, 1));
    expect(store.latest()?.meta.index).toBe(10);
  });
});

describe("FileSnapshotStore partial files and crashes", () => {
  it("never takes a partial file for a snapshot, even a complete one, after a kill -9", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    saveSnapshotBytes(store, meta(5, 1), bytes(5));
    const data = bytes(9, 4000);
    const key = keyOf(9, 2, data);
    store.receive(key).append(data); // Every byte arrived; the process dies before the commit.
    const reopened = FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(reopened.latest()?.meta.index).toBe(5);
    expect(reopened.get(logIndex(9))).toBeUndefined();
    // The partial copy of the newer snapshot survives the restart, for a resumed stream.
    expect(reopened.receivedBytes(key)).toBe(4000);
    const resumed = reopened.receive(key);
    expect(resumed.intact()).toBe(true);
    resumed.commit(meta(9, 2));
    expect(reopened.latest()?.meta.index).toBe(9);
  });

  it("deletes, at open, partial files no newer than the latest snapshot and all but the newest", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    saveSnapshotBytes(store, meta(20, 1), bytes(20));
    const keys = [10, 30, 40].map((index) => keyOf(index, 1, bytes(index)));
    for (const key of keys) writeFileSync(join(directory, partialName(key)), bytes(1, 7));
    const reopened = FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(keys.map((key) => reopened.receivedBytes(key))).toEqual([0, 0, 7]);
    expect(filesIn(directory).filter((name) => name.endsWith(".part"))).toHaveLength(1);
  });

  it("deletes an uncommitted draft at open, and never while it is being written", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    const draft = store.create();
    expect(draft.path).toBeDefined();
    writeFileSync(draft.path!, bytes(1));
    saveSnapshotBytes(store, meta(3, 1), bytes(3)); // Another commit meanwhile.
    store.prune(logIndex(3));
    expect(filesIn(directory)).toContain(basename(draft.path!));
    FileSnapshotStore.open({ directory, retainCount: 2 });
    expect(filesIn(directory)).not.toContain(basename(draft.path!));
  });

  it("keeps the whole configuration, addresses included, and still reads version-1 manifests", () => {
    const directory = temporaryDirectory();
    const store = FileSnapshotStore.open({ directory, retainCount: 2 });
    const config = {
      ...makeConfig([1, 2]),
      addresses: [{
        id: nodeId(1), peerAddress: "a:1", clientAddress: "a:2", autoPromote: false,
      }],
    };
    saveSnapshotBytes(store, { ...meta(8, 1), config }, bytes(8));
    expect(FileSnapshotStore.open({ directory, retainCount: 2 }).latest()?.meta.config)
      .toEqual(config);
    const data = bytes(4);
    writeFileSync(join(directory, "snapshot-4-1.bin"), data);
    writeFileSync(join(directory, "snapshot-4-1.json"), JSON.stringify({
      version: 1, index: 4, term: 1, config: { voters: [1, 2], learners: [3] },
      sha256: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength,
    }));
    expect(store.get(logIndex(4))?.meta).toEqual(meta(4, 1));
  });

  it("reads a snapshot a range at a time", () => {
    const store = FileSnapshotStore.open({ directory: temporaryDirectory(), retainCount: 2 });
    const stored = saveSnapshotBytes(store, meta(1, 1), bytes(1, 3000));
    expect(stored.path).toBeDefined();
    expect(Array.from(stored.readChunk(1000, 10)))
      .toEqual(Array.from(bytes(1, 3000).subarray(1000, 1010)));
    expect(stored.readChunk(2995, 100).byteLength).toBe(5);
  });
});

function partialName(key: IncomingSnapshotKey): string {
  return `partial-${key.index}-${key.term}-${key.sha256}-${key.sizeBytes}.part`;
}

function filesIn(directory: string): string[] {
  return readdirSync(directory).sort();
}
