import {
  logIndex, readSnapshotBytes, type Entry, type LogIndex, type SnapshotDraft, type SnapshotMeta,
  type SnapshotOutcome, type StateMachine, type StoredSnapshot,
} from "raftkv";

/**
 * A replicated counter: the smallest useful state machine on the raftkv library surface.
 * Commands are "add N" as a signed 32-bit little-endian integer; the result is the new total.
 * It lives in memory (durability comes from replaying the Raft log after a restart).
 */
export class CounterStateMachine implements StateMachine<number> {
  private total = 0;
  private applied: LogIndex = logIndex(0);

  static encodeAdd(amount: number): Uint8Array {
    if (!Number.isInteger(amount) || amount < -(2 ** 31) || amount >= 2 ** 31) {
      throw new RangeError(`amount must be a 32-bit integer, got ${String(amount)}`);
    }
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, amount, true);
    return bytes;
  }

  value(): number {
    return this.total;
  }

  appliedIndex(): LogIndex {
    return this.applied;
  }

  apply(entries: readonly Entry[]): Map<LogIndex, number> {
    const results = new Map<LogIndex, number>();
    for (const entry of entries) {
      if (entry.index <= this.applied) continue; // Re-delivered after a restart: already in.
      if (entry.kind === "command") {
        this.total += new DataView(entry.data.buffer, entry.data.byteOffset, 4).getInt32(0, true);
        results.set(entry.index, this.total);
      }
      this.applied = entry.index;
    }
    return results;
  }

  /** The whole state is one small number, so the snapshot is written at once, in memory. */
  snapshotTo(draft: SnapshotDraft, done: (outcome: SnapshotOutcome) => void): void {
    draft.write(this.snapshot());
    done({ ok: true, index: this.applied });
  }

  restoreFrom(snapshot: StoredSnapshot): void {
    this.restore(snapshot.meta, readSnapshotBytes(snapshot));
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ total: this.total }));
  }

  restore(meta: SnapshotMeta, data: Uint8Array): void {
    const parsed = JSON.parse(new TextDecoder().decode(data)) as { total: number };
    this.total = parsed.total;
    this.applied = meta.index;
  }
}
