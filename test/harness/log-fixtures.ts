/**
 * Small builders for log tests, shared by the RaftLog, UnstableLog and LogStore tests so
 * that every one of them speaks about entries, snapshots and hard states the same way.
 */
import type { Entry, HardState, SnapshotMeta } from "../../src/core/entry.js";
import { logIndex, nodeId, term, type LogIndex } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";

export const idx = (value: number): LogIndex => logIndex(value);

/** A command entry; its `dataBytes` bytes follow a pattern of the index (distinct per entry). */
export function entry(index: number, entryTerm: number, dataBytes = 0): Entry {
  const data = new Uint8Array(dataBytes).map((_, i) => (index * 31 + i) & 0xff);
  return { index: logIndex(index), term: term(entryTerm), kind: "command", data };
}

/** Entries from `first` on, one per term given. */
export function run(first: number, terms: readonly number[], dataBytes = 0): Entry[] {
  return terms.map((entryTerm, i) => entry(first + i, entryTerm, dataBytes));
}

export function snapshotAt(index: number, snapshotTerm: number): SnapshotMeta {
  return { index: logIndex(index), term: term(snapshotTerm), config: makeConfig([1, 2, 3]) };
}

export function hardState(hardTerm: number, commit: number, vote = 0): HardState {
  return { term: term(hardTerm), vote: nodeId(vote), commit: logIndex(commit) };
}
