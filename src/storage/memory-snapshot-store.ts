import { createHash } from "node:crypto";
import { assert } from "../core/assert.js";
import type { SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";
import type {
  IncomingSnapshot, IncomingSnapshotKey, SnapshotDraft, SnapshotStore, StoredSnapshot,
} from "./snapshot-store.js";

/** How a MemorySnapshotStore behaves; every field is explicit at the call site. */
export interface MemorySnapshotStoreOptions {
  /** How many of the newest snapshots prune() always keeps. */
  readonly retainCount: number;
}

/** One committed snapshot. Invariant: sha256 was computed from `bytes` at commit. */
interface Held {
  readonly meta: SnapshotMeta;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** One partial incoming snapshot. Invariant: `received` is the total length of `parts`. */
interface Partial {
  readonly key: IncomingSnapshotKey;
  readonly parts: Uint8Array[];
  received: number;
}

/**
 * An in-memory SnapshotStore for unit tests, examples and the simulator (hashicorp/raft's
 * InmemSnapshotStore analogue). It keeps the bytes in memory, but under the same contract
 * as FileSnapshotStore: drafts and partial snapshots become snapshots only on commit, bytes
 * are copied in and out (a caller that reuses its buffer cannot change a stored snapshot),
 * their SHA-256 is recorded and re-verified by get() and latest(), and partials are bounded
 * as the contract says.
 */
export class MemorySnapshotStore implements SnapshotStore {
  /** Newest last. Invariant: ordered by (index, term) ascending. */
  private stored: Held[] = [];
  private readonly partials = new Map<string, Partial>();

  constructor(private readonly options: MemorySnapshotStoreOptions = { retainCount: 2 }) {
    assert(
      Number.isSafeInteger(options.retainCount) && options.retainCount >= 1,
      "a snapshot store must retain at least one snapshot",
    );
  }

  create(): SnapshotDraft {
    const parts: Uint8Array[] = [];
    let open = true;
    return {
      path: undefined,
      write: (bytes) => {
        assert(open, "a committed or discarded draft takes no bytes");
        parts.push(bytes.slice());
      },
      commit: (meta) => {
        assert(open, "a draft is committed once");
        open = false;
        return this.add(meta, concat(parts));
      },
      discard: () => {
        open = false;
      },
    };
  }

  receive(key: IncomingSnapshotKey): IncomingSnapshot {
    const name = keyName(key);
    this.dropOtherPartials(name);
    let partial = this.partials.get(name);
    if (partial === undefined) {
      partial = { key, parts: [], received: 0 };
      this.partials.set(name, partial);
    }
    return this.incoming(name, partial);
  }

  receivedBytes(key: IncomingSnapshotKey): number {
    return this.partials.get(keyName(key))?.received ?? 0;
  }

  get(index: LogIndex): StoredSnapshot | undefined {
    for (let i = this.stored.length - 1; i >= 0; i--) {
      const held = this.stored[i]!;
      if (held.meta.index === index && intact(held)) return view(held);
    }
    return undefined;
  }

  latest(atOrBelow?: LogIndex): StoredSnapshot | undefined {
    for (let i = this.stored.length - 1; i >= 0; i--) {
      const held = this.stored[i]!;
      if (atOrBelow !== undefined && held.meta.index > atOrBelow) continue;
      if (intact(held)) return view(held);
    }
    return undefined;
  }

  prune(keepFromIndex: LogIndex): void {
    const newestKept = this.stored.length - this.options.retainCount;
    this.stored = this.stored.filter((s, i) => s.meta.index >= keepFromIndex || i >= newestKept);
  }

  /** Test hook: flips one byte of the stored snapshot at `index`, as a bad disk would. */
  damage(index: LogIndex): void {
    for (const held of this.stored) {
      if (held.meta.index === index) held.bytes[0] = (held.bytes[0] ?? 0) ^ 0xff;
    }
  }

  private add(meta: SnapshotMeta, bytes: Uint8Array): StoredSnapshot {
    const held: Held = { meta, bytes, sha256: sha256Hex(bytes) };
    // A snapshot at the same (index, term) replaces the old one, as a file rename would.
    const others = this.stored.filter(
      (s) => s.meta.index !== meta.index || s.meta.term !== meta.term,
    );
    others.push(held);
    others.sort((a, b) => a.meta.index - b.meta.index || a.meta.term - b.meta.term);
    this.stored = others;
    return view(held);
  }

  /** Keeps `name` and the newest complete partial; deletes every other partial. */
  private dropOtherPartials(name: string): void {
    let newestComplete: string | undefined;
    let newestIndex = -1;
    for (const [other, partial] of this.partials) {
      const complete = partial.received === partial.key.sizeBytes;
      if (other !== name && complete && partial.key.index > newestIndex) {
        newestComplete = other;
        newestIndex = partial.key.index;
      }
    }
    for (const other of [...this.partials.keys()]) {
      if (other !== name && other !== newestComplete) this.partials.delete(other);
    }
  }

  private incoming(name: string, partial: Partial): IncomingSnapshot {
    const live = (): boolean => this.partials.get(name) === partial;
    const intact = (): boolean => live() && partial.received === partial.key.sizeBytes &&
      sha256Hex(concat(partial.parts)) === partial.key.sha256;
    return {
      key: partial.key,
      get receivedBytes() {
        return partial.received;
      },
      append: (bytes) => {
        assert(live(), "a deleted partial snapshot takes no bytes");
        assert(partial.received + bytes.byteLength <= partial.key.sizeBytes, "within the size");
        partial.parts.push(bytes.slice());
        partial.received += bytes.byteLength;
      },
      intact,
      commit: (meta) => {
        assert(intact(), "only an intact incoming snapshot is committed");
        assert(meta.index === partial.key.index && meta.term === partial.key.term,
          "an incoming snapshot is committed with its own index and term");
        this.partials.delete(name);
        return this.add(meta, concat(partial.parts));
      },
      discard: () => {
        if (live()) this.partials.delete(name);
      },
    };
  }
}

/** A read-only view of a held snapshot: readChunk() copies, so callers cannot change it. */
function view(held: Held): StoredSnapshot {
  return {
    meta: held.meta, sizeBytes: held.bytes.byteLength, sha256: held.sha256, path: undefined,
    readChunk: (offset, length) => {
      assert(Number.isSafeInteger(offset) && offset >= 0 && length >= 0, "a byte range");
      return held.bytes.slice(offset, offset + length);
    },
  };
}

function intact(held: Held): boolean {
  return sha256Hex(held.bytes) === held.sha256;
}

function keyName(key: IncomingSnapshotKey): string {
  return `${String(key.index)}-${String(key.term)}-${key.sha256}`;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = Buffer.concat(parts);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

/** SHA-256 of `data` as lower-case hex, the form StoredSnapshot.sha256 carries. */
function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
