import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../core/assert.js";
import type { SnapshotMeta } from "../../core/entry.js";
import { logIndex, term, type LogIndex } from "../../core/ids.js";
import { assertValidConfig, makeConfig } from "../../core/membership-config.js";
import type { SnapshotStore, StoredSnapshot } from "../snapshot-store.js";
import { fsyncDirectory, writeFileDurably } from "./open-database.js";

/** How a FileSnapshotStore behaves; every field is explicit at the call site. */
export interface FileSnapshotStoreOptions {
  /** The directory that holds the snapshots; created if missing. */
  readonly directory: string;
  /** How many of the newest snapshots prune() always keeps (a fallback if one is damaged). */
  readonly retainCount: number;
}

/** What the `.json` beside each snapshot holds. Version 1. */
interface SnapshotManifest {
  readonly version: 1;
  readonly index: number;
  readonly term: number;
  readonly config: { readonly voters: number[]; readonly learners: number[] };
  readonly sha256: string;
  readonly sizeBytes: number;
}

const NAME = /^snapshot-(\d+)-(\d+)\.json$/;
const TEMPORARY_SUFFIX = ".tmp";

/**
 * Snapshots as files (hashicorp/raft's FileSnapshotStore analogue); the bytes are whatever
 * the state machine produced (for the KV service, a SQLite database image). Each snapshot is
 * `snapshot-<index>-<term>.bin` plus a `.json` manifest with its metadata, size and SHA-256.
 *
 * Crash safety: save() writes both files under temporary names, fsyncs them, renames the
 * `.bin` and then the `.json` into place and fsyncs the directory. The manifest is the
 * commit point: a snapshot exists once its `.json` does, and a crash at any moment leaves
 * either the previous snapshots or the new one complete, never a torn one. Leftover
 * temporary files and manifest-less `.bin`s are deleted at open and after each save.
 *
 * latest() re-reads and verifies the newest snapshot's SHA-256 and falls back to older ones
 * if it is damaged (silent disk corruption must not be installed, nor sent to followers).
 * Keeping `retainCount` >= 2 is what makes that fallback possible.
 */
export class FileSnapshotStore implements SnapshotStore {
  private constructor(private readonly options: FileSnapshotStoreOptions) {}

  /** Opens (creating) the directory and removes what an interrupted save() left behind. */
  static open(options: FileSnapshotStoreOptions): FileSnapshotStore {
    assert(
      Number.isSafeInteger(options.retainCount) && options.retainCount >= 1,
      "a snapshot store must retain at least one snapshot",
    );
    mkdirSync(options.directory, { recursive: true });
    const store = new FileSnapshotStore(options);
    store.removeDebris();
    return store;
  }

  save(meta: SnapshotMeta, data: Uint8Array): StoredSnapshot {
    assertValidConfig(meta.config);
    const sha256 = sha256Hex(data);
    const manifest: SnapshotManifest = {
      version: 1,
      index: meta.index,
      term: meta.term,
      config: { voters: [...meta.config.voters], learners: [...meta.config.learners] },
      sha256,
      sizeBytes: data.byteLength,
    };
    const base = join(this.options.directory, baseName(meta));
    writeFileDurably(`${base}.bin${TEMPORARY_SUFFIX}`, data);
    writeFileDurably(`${base}.json${TEMPORARY_SUFFIX}`, Buffer.from(JSON.stringify(manifest)));
    renameSync(`${base}.bin${TEMPORARY_SUFFIX}`, `${base}.bin`);
    renameSync(`${base}.json${TEMPORARY_SUFFIX}`, `${base}.json`);
    fsyncDirectory(this.options.directory);
    this.removeDebris();
    return { meta, data, sha256 };
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

  latest(): StoredSnapshot | undefined {
    for (const name of this.manifestNames()) {
      const snapshot = this.read(name);
      if (snapshot !== undefined) return snapshot;
    }
    return undefined;
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
        config: makeConfig(manifest.config.voters, manifest.config.learners),
      };
      const bytes = readFileSync(`${path}.bin`);
      const intact =
        baseName(meta) === base &&
        bytes.byteLength === manifest.sizeBytes &&
        sha256Hex(bytes) === manifest.sha256;
      if (!intact) return undefined;
      const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { meta, data, sha256: manifest.sha256 };
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
    }
    if (stale.length > 0) fsyncDirectory(this.options.directory);
    this.removeDebris();
  }

  private removeDebris(): void {
    const names = readdirSync(this.options.directory);
    const manifests = new Set(names.filter((name) => NAME.test(name)));
    const debris = names.filter(
      (name) =>
        (name.startsWith("snapshot-") && name.endsWith(TEMPORARY_SUFFIX)) ||
        (/^snapshot-\d+-\d+\.bin$/.test(name) &&
          !manifests.has(name.slice(0, -".bin".length) + ".json")),
    );
    for (const name of debris) rmSync(join(this.options.directory, name), { force: true });
    if (debris.length > 0) fsyncDirectory(this.options.directory);
  }
}

function baseName(meta: SnapshotMeta): string {
  return `snapshot-${String(meta.index)}-${String(meta.term)}`;
}

function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Validates a manifest's shape; throws on anything unexpected (the caller skips it). */
function parseManifest(text: string): SnapshotManifest {
  const raw = JSON.parse(text) as Partial<Record<keyof SnapshotManifest, unknown>>;
  const config = raw.config as { voters?: unknown; learners?: unknown } | undefined;
  const ok =
    raw.version === 1 &&
    typeof raw.index === "number" &&
    typeof raw.term === "number" &&
    typeof raw.sha256 === "string" &&
    typeof raw.sizeBytes === "number" &&
    Array.isArray(config?.voters) &&
    Array.isArray(config.learners);
  if (!ok) throw new Error("malformed snapshot manifest");
  return raw as SnapshotManifest;
}
