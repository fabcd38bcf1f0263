import { readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SnapshotMeta } from "../core/entry.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";
import { prepareSqliteRestore } from "./sqlite-snapshot-producer.js";

/**
 * Copies of received snapshots made ahead of their restore, off the event loop: the slow
 * part of replacing a state-machine database (copying, quick_check-ing and fsyncing a file
 * that may hold gigabytes) runs on a worker thread while the log write that names the
 * snapshot is on its way (StateMachine.prepareRestore), so the restore itself only renames
 * the copy over the database and reopens it, without scanning it again.
 *
 * Each copy is `<database>.restore-<index>-<term>.tmp` beside the database. A copy that is
 * never used (a newer snapshot overtook it, the member stopped, a crash) is debris: removed
 * when a later restore passes its index, and at open.
 */
export class RestorePreparations {
  /** Finished, fsynced copies by snapshot (`index/term`), ready to be renamed over. */
  private readonly ready = new Map<string, { readonly index: number; readonly path: string }>();

  constructor(private readonly databasePath: string) {
    const prefix = `${basename(databasePath)}.restore-`;
    const directory = dirname(databasePath);
    for (const name of readdirSync(directory)) {
      if (name.startsWith(prefix) && name.endsWith(".tmp")) {
        rmSync(join(directory, name), { force: true });
      }
    }
  }

  /**
   * Copies `snapshot`'s file, checks and fsyncs the copy, then calls `done`; on any failure
   * (or a copy at another index than the snapshot names) it removes what was written and
   * calls `done` all the same: take() then finds nothing, and the restore does the whole
   * work itself and reports the error. A store without files (in memory) has nothing to copy.
   */
  prepare(snapshot: StoredSnapshot, done: () => void): void {
    const source = snapshot.path;
    if (source === undefined) {
      done();
      return;
    }
    const key = keyOf(snapshot.meta);
    const target = `${this.databasePath}.restore-${String(snapshot.meta.index)}-` +
      `${String(snapshot.meta.term)}.tmp`;
    prepareSqliteRestore({ source, target }, (outcome) => {
      if (outcome.ok && outcome.appliedIndex === snapshot.meta.index) {
        this.ready.set(key, { index: snapshot.meta.index, path: target });
      } else {
        rmSync(target, { force: true });
      }
      done();
    });
  }

  /**
   * The finished copy of the snapshot `meta` names, handed over (forgotten here), if any:
   * quick_check passed on it and its applied index is the snapshot's.
   */
  take(meta: SnapshotMeta): string | undefined {
    const key = keyOf(meta);
    const prepared = this.ready.get(key);
    this.ready.delete(key);
    return prepared?.path;
  }

  /** Removes finished copies of snapshots at or below `index`: a restore went past them. */
  discardThrough(index: number): void {
    for (const [key, prepared] of this.ready) {
      if (prepared.index > index) continue;
      this.ready.delete(key);
      rmSync(prepared.path, { force: true });
    }
  }
}

function keyOf(meta: SnapshotMeta): string {
  return `${String(meta.index)}/${String(meta.term)}`;
}
