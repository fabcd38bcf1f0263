import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../core/assert.js";
import type { MembershipConfig, SnapshotMeta } from "../../core/entry.js";
import { logIndex, term, type LogIndex } from "../../core/ids.js";
import {
  assertValidConfig, decodeMembershipConfig, encodeMembershipConfig, makeConfig,
} from "../../core/membership-config.js";
import type {
  IncomingSnapshot, IncomingSnapshotKey, SnapshotDraft, SnapshotStore, StoredSnapshot,
} from "../snapshot-store.js";
import { fsyncDirectory, writeFileDurably } from "./open-database.js";
import { appendToFile, fsyncFile, readFileRange, sha256OfFile } from "./snapshot-files.js";
import { SnapshotPartials } from "./snapshot-partials.js";

/** How a FileSnapshotStore behaves; every field is explicit at the call site. */
export interface FileSnapshotStoreOptions {
  /** The directory that holds the snapshots; created if missing. */
  readonly directory: string;
  /** How many of the newest snapshots prune() always keeps (a fallback if one is damaged). */
  readonly retainCount: number;
}

/**
 * What the `.json` beside each snapshot holds. Version 2 carries the whole configuration as
 * encodeMembershipConfig()'s text (addresses included); version 1, still read, only the ids.
 */
type SnapshotManifest = {
  readonly index: number;
  readonly term: number;
  readonly sha256: string;
  readonly sizeBytes: number;
} & (
  | {
    readonly version: 1;
    readonly config: { readonly voters: number[]; readonly learners: number[] };
  }
  | { readonly version: 2; readonly config: string }
);

const NAME = /^snapshot-(\d+)-(\d+)\.json$/;
const TEMPORARY_SUFFIX = ".tmp";

/**
 * Snapshots as files (hashicorp/raft's FileSnapshotStore analogue); the bytes are whatever
 * the state machine produced (for the KV service, a SQLite database file). Each snapshot is
 * `snapshot-<index>-<term>.bin` plus a `.json` manifest with its metadata, size and SHA-256.
 * No call reads a whole snapshot into memory: drafts are written by their producer (or
 * appended to), incoming snapshots chunk by chunk (snapshot-partials.ts), and readers take
 * byte ranges.
 *
 * Crash safety: a commit fsyncs the `.bin` under its temporary name, hashes it by streaming,
 * renames it into place, writes the manifest under a temporary name, fsyncs and renames it,
 * and fsyncs the directory. The manifest is the commit point: a snapshot exists once its
 * `.json` does, and a crash at any moment leaves either the previous snapshots or the new
 * one complete, never a torn one. Leftover temporary files, drafts and manifest-less
 * `.bin`s are deleted at open; stale partial files too (snapshot-partials.ts).
 *
 * get() and latest() verify a snapshot's size and SHA-256 (streaming the file) the first
 * time this process serves it, and fall back to older ones if the newest is damaged (silent
 * disk corruption must not be installed, nor sent to followers); the size is re-checked on
 * every call. Keeping `retainCount` >= 2 is what makes that fallback possible.
 */
export class FileSnapshotStore implements SnapshotStore {
  /**
   * Base names whose bytes this process hashed (or wrote) and found to match, with the
   * file's identity then (inode, size, mtime): a file replaced or rewritten is hashed again.
   */
  private readonly verified = new Map<string, string>();
  private readonly partials: SnapshotPartials;
  private draftsCreated = 0;

  private constructor(private readonly options: FileSnapshotStoreOptions) {
    this.partials = new SnapshotPartials(options.directory,
      (path, meta, sha256) => this.commitFile(path, meta, sha256));
  }

  /** Opens (creating) the directory and removes what an interrupted commit left behind. */
  static open(options: FileSnapshotStoreOptions): FileSnapshotStore {
    assert(
      Number.isSafeInteger(options.retainCount) && options.retainCount >= 1,
      "a snapshot store must retain at least one snapshot",
    );
    mkdirSync(options.directory, { recursive: true });
    const store = new FileSnapshotStore(options);
    store.removeDebris(true);
    store.partials.removeStale(store.latest()?.meta.index ?? 0);
    return store;
  }

  create(): SnapshotDraft {
    this.draftsCreated += 1;
    // `.tmp`: debris for open() if the process dies before the commit.
    const path = join(this.options.directory,
      `snapshot-draft-${String(process.pid)}-${String(this.draftsCreated)}${TEMPORARY_SUFFIX}`);
    let open = true;
    return {
      path,
      write: (bytes) => {
        assert(open, "a committed or discarded draft takes no bytes");
        appendToFile(path, bytes);
      },
      commit: (meta, sha256) => {
        assert(open, "a draft is committed once");
        open = false;
        if (!existsSync(path)) appendToFile(path, new Uint8Array(0)); // An empty snapshot.
        return this.commitFile(path, meta, sha256);
      },
      discard: () => {
        open = false;
        rmSync(path, { force: true });
      },
    };
  }

  receive(key: IncomingSnapshotKey): IncomingSnapshot {
    return this.partials.receive(key);
  }

  receivedBytes(key: IncomingSnapshotKey): number {
    return this.partials.receivedBytes(key);
  }

  get(index: LogIndex): StoredSnapshot | undefined {
    for (const name of this.manifestNames()) {
      const match = NAME.exec(name);
      if (match !== null && Number(match[1]) === index) {
        const snapshot = this.read(name);
        if (snapshot !== undefined) return snapshot;
      }
    }
    return undefined;
  }

  latest(atOrBelow?: LogIndex): StoredSnapshot | undefined {
    for (const name of this.manifestNames()) {
      const match = NAME.exec(name);
      if (atOrBelow !== undefined && Number(match?.[1]) > atOrBelow) continue;
      const snapshot = this.read(name);
      if (snapshot !== undefined) return snapshot;
    }
    return undefined;
  }

  /**
   * The commit of a draft or an incoming snapshot whose bytes are complete in `path`:
   * fsync, hash by streaming (or trust `sha256`, which the caller verified while
   * receiving), rename, manifest (the commit point), fsync the directory.
   */
  private commitFile(path: string, meta: SnapshotMeta, sha256: string | undefined): StoredSnapshot {
    assertValidConfig(meta.config);
    fsyncFile(path);
    const sizeBytes = statSync(path).size;
    const digest = sha256 ?? sha256OfFile(path, sizeBytes);
    const manifest: SnapshotManifest = {
      version: 2, index: meta.index, term: meta.term,
      config: new TextDecoder().decode(encodeMembershipConfig(meta.config)),
      sha256: digest, sizeBytes,
    };
    const name = baseName(meta);
    const base = join(this.options.directory, name);
    this.verified.delete(name);
    renameSync(path, `${base}.bin`);
    writeFileDurably(`${base}.json${TEMPORARY_SUFFIX}`, Buffer.from(JSON.stringify(manifest)));
    renameSync(`${base}.json${TEMPORARY_SUFFIX}`, `${base}.json`);
    fsyncDirectory(this.options.directory);
    this.verified.set(name, fileIdentity(`${base}.bin`));
    return storedAt(`${base}.bin`, meta, digest, sizeBytes);
  }

  /** Manifest file names, newest (highest index, then term) first. */
  private manifestNames(): string[] {
    const named = readdirSync(this.options.directory).flatMap((name) => {
      const match = NAME.exec(name);
      return match === null ? [] : [{ name, index: Number(match[1]), term: Number(match[2]) }];
    });
    named.sort((a, b) => b.index - a.index || b.term - a.term);
    return named.map((entry) => entry.name);
  }

  /** The snapshot behind `manifestName`, or undefined if any part is missing or damaged. */
  private read(manifestName: string): StoredSnapshot | undefined {
    const base = manifestName.slice(0, -".json".length);
    const path = join(this.options.directory, base);
    try {
      const manifest = parseManifest(readFileSync(`${path}.json`, "utf8"));
      const meta: SnapshotMeta = {
        index: logIndex(manifest.index), // logIndex() and term() refuse unsafe numbers.
        term: term(manifest.term),
        config: configOf(manifest),
      };
      const identity = fileIdentity(`${path}.bin`);
      const intact = baseName(meta) === base &&
        statSync(`${path}.bin`).size === manifest.sizeBytes &&
        (this.verified.get(base) === identity ||
          sha256OfFile(`${path}.bin`, manifest.sizeBytes) === manifest.sha256);
      if (!intact) return undefined;
      this.verified.set(base, identity);
      return storedAt(`${path}.bin`, meta, manifest.sha256, manifest.sizeBytes);
    } catch {
      return undefined; // Unreadable or malformed: the caller falls back to an older one.
    }
  }

  /**
   * Deletes snapshots older than `keepFromIndex` beyond the newest `retainCount`, manifest
   * first, so an interrupted prune leaves a `.bin` without a manifest (debris), never a
   * manifest without its bytes.
   */
  prune(keepFromIndex: LogIndex): void {
    const stale = this.manifestNames().slice(this.options.retainCount).filter((name) => {
      const match = NAME.exec(name);
      return match !== null && Number(match[1]) < keepFromIndex;
    });
    for (const name of stale) {
      const base = join(this.options.directory, name.slice(0, -".json".length));
      rmSync(`${base}.json`, { force: true });
      rmSync(`${base}.bin`, { force: true });
      this.verified.delete(name.slice(0, -".json".length));
    }
    if (stale.length > 0) fsyncDirectory(this.options.directory);
    this.removeDebris(false);
  }

  /**
   * Manifest-less `.bin`s always; temporary files (drafts, manifests) only at open, since
   * later a draft may be being written by its producer right now.
   */
  private removeDebris(atOpen: boolean): void {
    const names = readdirSync(this.options.directory);
    const manifests = new Set(names.filter((name) => NAME.test(name)));
    const debris = names.filter(
      (name) =>
        (atOpen && name.startsWith("snapshot-") && name.endsWith(TEMPORARY_SUFFIX)) ||
        (/^snapshot-\d+-\d+\.bin$/.test(name) &&
          !manifests.has(name.slice(0, -".bin".length) + ".json")),
    );
    for (const name of debris) rmSync(join(this.options.directory, name), { force: true });
    if (debris.length > 0) fsyncDirectory(this.options.directory);
  }
}

/** A stored snapshot whose bytes are read from `path` a range at a time. */
function storedAt(
  path: string, meta: SnapshotMeta, sha256: string, sizeBytes: number,
): StoredSnapshot {
  return {
    meta, sha256, sizeBytes, path,
    readChunk: (offset, length) =>
      readFileRange(path, offset, Math.max(0, Math.min(length, sizeBytes - offset))),
  };
}

/** What changes when a file is replaced or rewritten. */
function fileIdentity(path: string): string {
  const stat = statSync(path, { bigint: true });
  return `${String(stat.ino)}/${String(stat.size)}/${String(stat.mtimeNs)}`;
}

function baseName(meta: SnapshotMeta): string {
  return `snapshot-${String(meta.index)}-${String(meta.term)}`;
}

function configOf(manifest: SnapshotManifest): MembershipConfig {
  if (manifest.version === 1) return makeConfig(manifest.config.voters, manifest.config.learners);
  return decodeMembershipConfig(new TextEncoder().encode(manifest.config));
}

/** Validates a manifest's shape; throws on anything unexpected (the caller skips it). */
function parseManifest(text: string): SnapshotManifest {
  const raw = JSON.parse(text) as Partial<Record<keyof SnapshotManifest, unknown>>;
  const config = raw.config as { voters?: unknown; learners?: unknown } | undefined;
  const configOk = raw.version === 2
    ? typeof raw.config === "string"
    : raw.version === 1 && Array.isArray(config?.voters) && Array.isArray(config.learners);
  const ok =
    configOk &&
    typeof raw.index === "number" &&
    typeof raw.term === "number" &&
    typeof raw.sha256 === "string" &&
    typeof raw.sizeBytes === "number";
  if (!ok) throw new Error("malformed snapshot manifest");
  return raw as SnapshotManifest;
}
