import { createHash, type Hash } from "node:crypto";
import { readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../../core/assert.js";
import type { SnapshotMeta } from "../../core/entry.js";
import type { IncomingSnapshot, IncomingSnapshotKey, StoredSnapshot } from "../snapshot-store.js";
import { appendToFile, hashFilePrefix } from "./snapshot-files.js";

/**
 * The partial files of snapshots arriving from a leader, in the snapshot directory:
 * `partial-<index>-<term>-<sha256>-<size>.part`, keyed by what identifies the leader's
 * snapshot, so that a broken stream resumes where the file ends and a different snapshot
 * never continues another's bytes. A partial file is never a snapshot: only commit(),
 * after checking size and SHA-256 of the whole, turns it into one (through the store's own
 * atomic commit), so a kill -9 at any moment leaves at most a partial file, which a
 * restart resumes or deletes.
 *
 * Bounds: receive() deletes every partial but its own and the newest complete one (which a
 * driver may be about to commit), and open() keeps only the newest partial above the latest
 * committed snapshot, so at most two exist; their size is bounded by the receiver's snapshot
 * limit, checked before receive().
 */
export class SnapshotPartials {
  /** Running SHA-256 per partial this process appended to or re-read: no second full read. */
  private readonly hashes = new Map<string, { hash: Hash; received: number }>();

  constructor(
    private readonly directory: string,
    /** Renames the fsynced file at `path` into place as the snapshot `meta`, with its manifest. */
    private readonly commitFile: (
      path: string, meta: SnapshotMeta, sha256: string,
    ) => StoredSnapshot,
  ) {}

  /** At open: keeps only the newest partial above `latestIndex`; deletes the others. */
  removeStale(latestIndex: number): void {
    const partials = this.list().sort((a, b) => b.index - a.index);
    for (const [i, partial] of partials.entries()) {
      if (i > 0 || partial.index <= latestIndex) {
        rmSync(join(this.directory, partial.name), { force: true });
      }
    }
  }

  receivedBytes(key: IncomingSnapshotKey): number {
    try {
      const size = statSync(this.path(key)).size;
      return size <= key.sizeBytes ? size : 0;
    } catch {
      return 0;
    }
  }

  receive(key: IncomingSnapshotKey): IncomingSnapshot {
    const name = nameOf(key);
    this.dropOthers(name);
    const path = join(this.directory, name);
    const size = this.receivedBytes(key);
    if (size === 0) truncateOrCreate(path); // Absent, empty, or longer than announced.
    let state = this.hashes.get(name);
    if (state === undefined || state.received !== size) {
      const hash = createHash("sha256");
      hashFilePrefix(path, size, hash); // Once per process per partial: resuming after restart.
      state = { hash, received: size };
      this.hashes.set(name, state);
    }
    return this.incoming(key, name, path, state);
  }

  private incoming(
    key: IncomingSnapshotKey, name: string, path: string, state: { hash: Hash; received: number },
  ): IncomingSnapshot {
    const hashes = this.hashes;
    const commitFile = this.commitFile;
    const live = (): boolean => hashes.get(name) === state;
    return {
      key,
      get receivedBytes() {
        return state.received;
      },
      append(bytes) {
        assert(live(), "a deleted partial snapshot takes no bytes");
        assert(state.received + bytes.byteLength <= key.sizeBytes, "within the announced size");
        appendToFile(path, bytes);
        state.hash.update(bytes);
        state.received += bytes.byteLength;
      },
      intact() {
        return live() && state.received === key.sizeBytes &&
          state.hash.copy().digest("hex") === key.sha256;
      },
      commit(meta) {
        assert(this.intact(), "only an intact incoming snapshot is committed");
        assert(meta.index === key.index && meta.term === key.term,
          "an incoming snapshot is committed with its own index and term");
        hashes.delete(name);
        return commitFile(path, meta, key.sha256);
      },
      async flush() {
        const handle = await open(path, "r+");
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      },
      discard() {
        if (!live()) return;
        hashes.delete(name);
        rmSync(path, { force: true });
      },
    };
  }

  /** Deletes every partial but `keep` and the newest complete one (known to this process). */
  private dropOthers(keep: string): void {
    const others = this.list().filter((p) => p.name !== keep);
    const complete = others
      .filter((p) => this.hashes.get(p.name)?.received === p.announcedBytes)
      .sort((a, b) => b.index - a.index)[0];
    for (const other of others) {
      if (other.name === complete?.name) continue;
      this.hashes.delete(other.name);
      rmSync(join(this.directory, other.name), { force: true });
    }
  }

  private list(): { name: string; index: number; announcedBytes: number }[] {
    return readdirSync(this.directory).flatMap((name) => {
      const match = PARTIAL.exec(name);
      return match === null
        ? []
        : [{ name, index: Number(match[1]), announcedBytes: Number(match[4]) }];
    });
  }

  private path(key: IncomingSnapshotKey): string {
    return join(this.directory, nameOf(key));
  }
}

const PARTIAL = /^partial-(\d+)-(\d+)-([0-9a-f]{64})-(\d+)\.part$/;

function nameOf(key: IncomingSnapshotKey): string {
  return `partial-${String(key.index)}-${String(key.term)}-${key.sha256}-${String(key.sizeBytes)}.part`;
}

function truncateOrCreate(path: string): void {
  try {
    truncateSync(path, 0);
  } catch {
    appendToFile(path, new Uint8Array(0));
  }
}
