import { assert } from "../core/assert.js";
import type { Entry, SnapshotMeta } from "../core/entry.js";
import type { LogIndex } from "../core/ids.js";
import { isResponse, type Message } from "../core/message.js";
import type { RaftCore } from "../core/raft-core.js";
import type { Ready } from "../core/ready.js";
import type { StateMachine } from "../state-machine/state-machine.js";
import type { LogStore } from "../storage/log-store.js";
import type { SnapshotStore, StoredSnapshot } from "../storage/snapshot-store.js";
import type { PeerTransport } from "../transport/peer-transport.js";
import { earlyMessages } from "./send-order.js";

/** Everything handleReady() touches. Owned by RaftNode; no other code calls handleReady(). */
export interface ReadyParts<Result> {
  readonly core: RaftCore;
  readonly logStore: LogStore;
  readonly stateMachine: StateMachine<Result>;
  readonly snapshotStore: SnapshotStore;
  readonly transport: PeerTransport;
  /** Bytes of a snapshot received from the leader, waiting for its Ready. */
  incomingSnapshot: StoredSnapshot | undefined;
  /** During an inbound RPC: responses to its sender are captured to answer the RPC. */
  capture: { readonly from: number; readonly out: Message[] } | undefined;
}

/** What applying one Ready produced, for the driver to settle waiters and emit events. */
export interface ReadyOutcome<Result> {
  readonly applied: readonly Entry[];
  readonly results: Map<LogIndex, Result>;
  readonly installedSnapshot: SnapshotMeta | undefined;
}

/**
 * Drains one Ready. The order below is the safety argument, not a detail:
 * 0. A leader's appends and heartbeats leave first, so that its fsync overlaps its
 *    followers' (thesis 10.2.1; the argument is in send-order.ts).
 * 1. Persist: a received snapshot's bytes first (so the log never names a snapshot whose
 *    data is missing), then snapshot metadata, entries and HardState in ONE durable SQLite
 *    transaction, so we never send a vote or an acknowledgement for state a crash could lose.
 * 2. Send the other messages. Sends are fire-and-forget; replies return through receive().
 * 3. Apply: install a received snapshot into the state machine, then apply committed
 *    entries (durably, with the state machine's applied index in the same transaction).
 * 4. Advance, telling the core that steps 1-3 happened.
 * Everything here is synchronous except the sends, so nothing can interleave with a
 * half-handled Ready.
 */
export function handleReady<Result>(parts: ReadyParts<Result>, ready: Ready): ReadyOutcome<Result> {
  const early = earlyMessages(ready, parts.logStore.initialState().hardState);
  for (const message of ready.messages) {
    if (early(message)) sendOne(parts, message);
  }
  const snapshot = ready.snapshot;
  let snapshotData: StoredSnapshot | undefined;
  if (snapshot !== undefined) {
    snapshotData = parts.incomingSnapshot;
    assert(
      snapshotData !== undefined && snapshotData.meta.index === snapshot.index &&
        snapshotData.meta.term === snapshot.term,
      "a snapshot reaches the core only after its bytes arrived",
    );
    parts.snapshotStore.save(snapshot, snapshotData.data);
    parts.incomingSnapshot = undefined;
  }
  if (needsPersist(parts, ready)) {
    parts.logStore.persist({ snapshot, entries: ready.entries, hardState: ready.hardState });
  }
  // Only now, with the log naming the received snapshot, may older ones go.
  if (snapshot !== undefined) parts.snapshotStore.prune(snapshot.index);

  for (const message of ready.messages) {
    if (!early(message)) sendOne(parts, message);
  }

  if (snapshot !== undefined && snapshotData !== undefined) {
    parts.stateMachine.restore(snapshot, snapshotData.data);
  }
  const results = ready.committedEntries.length > 0
    ? parts.stateMachine.apply(ready.committedEntries)
    : new Map<LogIndex, Result>();
  parts.core.advance(ready);
  return { applied: ready.committedEntries, results, installedSnapshot: snapshot };
}

/**
 * The commit index is volatile state (Raft paper, Figure 2): nothing a peer was promised
 * depends on it being durable, and after a restart the state machine's applied index (always
 * a committed one) lifts it back (RaftCore's appliedIndex option). So a Ready whose only
 * durable change is a higher commit index skips the write and its fsync; the next write of
 * entries, term or vote carries the newer commit along.
 */
function needsPersist<Result>(parts: ReadyParts<Result>, ready: Ready): boolean {
  if (ready.snapshot !== undefined || ready.entries.length > 0) return true;
  const next = ready.hardState;
  if (next === undefined) return false;
  const durable = parts.logStore.initialState().hardState;
  return next.term !== durable.term || next.vote !== durable.vote;
}

function sendOne<Result>(parts: ReadyParts<Result>, message: Message): void {
  const capture = parts.capture;
  if (capture !== undefined && message.to === capture.from && isResponse(message)) {
    capture.out.push(message);
    return;
  }
  if (message.type === "snapshot-request") {
    // The snapshot the log names, which may be older than the newest stored one: a crash
    // between saving a snapshot and compacting the log leaves both. prune() keeps it.
    const stored = parts.snapshotStore.get(message.snapshot.index);
    assert(
      stored !== undefined && stored.meta.term === message.snapshot.term,
      `snapshot ${String(message.snapshot.index)} named by the log is missing or damaged`,
    );
    parts.transport.send(message, stored);
    return;
  }
  parts.transport.send(message);
}
