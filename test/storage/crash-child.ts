// The process that test/storage/crash-consistency.test.ts kills with SIGKILL
// (docs/testing.md, Storage crash consistency). It appends entries and hard state with the
// production SqliteLogStore in a loop, as fast as the disk allows, and reports each write on
// stdout only AFTER persist() returned, i.e. after SQLite's fsync: every line the parent reads is
// a promise the store must keep.
//
// Usage: RAFTKV_CRASH_CHILD=1 node dist/test/storage/crash-child.js <database path> <seed>
// Output, one line each, written synchronously:
//   ready <lastIndex>                      the store opened (and recovered)
//   ack <lastIndex> <term> <vote> <commit>  a persist() returned: all of it is durable
// The child resumes from whatever the store holds, so one database survives many kills.
// Entry data is a pure function of (index, term) (crashEntryData), so the parent can check
// every byte it reads back, not just the indexes.
import { writeSync } from "node:fs";
import type { Entry, HardState } from "../../src/core/entry.js";
import { logIndex, nodeId, term } from "../../src/core/ids.js";
import { makeConfig } from "../../src/core/membership-config.js";
import { SeededRandom } from "../../src/core/random.js";
import { SQLITE_LOG_STORE_SETTINGS, SqliteLogStore } from "../../src/storage/sqlite/sqlite-log-store.js";

/** The identity every crash-test database carries. */
export const CRASH_IDENTITY = { clusterId: "crash-test", memberId: nodeId(1) } as const;

/** The data of the entry at (index, term): up to 300 bytes, all derived from both. */
export function crashEntryData(index: number, entryTerm: number): Uint8Array {
  const length = (index * 37 + entryTerm * 11) % 301;
  return Uint8Array.from({ length }, (_, i) => (index * 131 + entryTerm * 17 + i) & 0xff);
}

/** writeSync to a pipe can meet EAGAIN when the pipe is full; retry until it all went. */
function writeLine(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  let written = 0;
  while (written < bytes.byteLength) {
    try {
      written += writeSync(1, bytes, written, bytes.byteLength - written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
  }
}

function main(path: string, seed: number): void {
  const settings = { path, identity: CRASH_IDENTITY, ...SQLITE_LOG_STORE_SETTINGS };
  const store = SqliteLogStore.open(settings);
  const random = new SeededRandom(seed);
  let hardState: HardState = store.initialState().hardState;
  writeLine(`ready ${String(store.lastIndex())}`);
  for (;;) {
    const last = store.lastIndex();
    // Now and then a new term, as after an election; entries always carry the current term.
    if (random.intBelow(10) === 0 || hardState.term === 0) {
      const vote = nodeId(1 + random.intBelow(3));
      hardState = { term: term(hardState.term + 1), vote, commit: hardState.commit };
    }
    const count = 1 + random.intBelow(8);
    const entries: Entry[] = Array.from({ length: count }, (_, i) => ({
      index: logIndex(last + 1 + i),
      term: hardState.term,
      kind: "command",
      data: crashEntryData(last + 1 + i, hardState.term),
    }));
    const newLast = last + count;
    // Commit trails the log, as it does on a follower.
    const commit = logIndex(Math.max(hardState.commit, newLast - random.intBelow(4)));
    hardState = { ...hardState, commit };
    store.persist({ entries, hardState });
    writeLine(
      `ack ${String(newLast)} ${String(hardState.term)} ${String(hardState.vote)} ${String(commit)}`,
    );
    const snapshotIndex = store.snapshotMeta().index;
    if (random.intBelow(40) === 0 && commit - 10 > snapshotIndex) {
      const index = logIndex(commit - 10);
      const snapshotTerm = store.term(index);
      if (snapshotTerm !== undefined) {
        store.compact({ index, term: snapshotTerm, config: makeConfig([1, 2, 3]) });
      }
    }
  }
}

// The parent imports this module for crashEntryData and CRASH_IDENTITY; only a process it
// spawned for the purpose (marked by the environment) runs the loop.
const [path, seedText] = process.argv.slice(2);
if (process.env["RAFTKV_CRASH_CHILD"] === "1" && path !== undefined && seedText !== undefined) {
  main(path, Number(seedText));
}
