import type { Entry, HardState, SnapshotMeta } from "./entry.js";
import type { LogIndex, Term } from "./ids.js";

/**
 * Synchronous read access to what is durable: the core's view of stable storage. The driver
 * writes to storage (from Ready) and the core only reads through this port.
 *
 * Invariants an implementation must keep:
 * - the log holds the contiguous range [firstIndex(), lastIndex()];
 * - firstIndex() === snapshotMeta().index + 1, and lastIndex() >= snapshotMeta().index
 *   (lastIndex() === snapshotMeta().index means the log is empty after the snapshot);
 * - term(snapshotMeta().index) === snapshotMeta().term.
 */
export interface LogReader {
  initialState(): { readonly hardState: HardState; readonly snapshot: SnapshotMeta };
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  /**
   * The term of the entry at `index`, for index in [snapshotMeta().index, lastIndex()].
   * Returns undefined outside that range (compacted, or not yet written).
   */
  term(index: LogIndex): Term | undefined;
  /**
   * Entries in [low, high), stopping early once the total of entrySizeBytes() would exceed
   * `maxBytes`, but always returning at least one entry when low < high.
   * Precondition: firstIndex() <= low <= high <= lastIndex() + 1.
   */
  entries(low: LogIndex, high: LogIndex, maxBytes: number): Entry[];
  /**
   * The `config` entries in [low, high), in index order: what a restart needs to know the
   * membership, without reading every entry into memory. Precondition as for entries().
   */
  configEntries(low: LogIndex, high: LogIndex): Entry[];
  snapshotMeta(): SnapshotMeta;
}
