import type { HardState } from "../core/entry.js";
import type { Message } from "../core/message.js";
import type { Ready } from "../core/ready.js";

/**
 * Which messages of a Ready may leave before the Ready is persisted (thesis 10.2.1).
 *
 * Only a leader's replication traffic: append-requests and heartbeats. They promise nothing
 * about the leader's own disk, and the core never counts the leader's own copy of an entry
 * until that entry is persisted (the leader's Progress advances in advance(), after the
 * write). So the leader's fsync overlaps its followers' instead of preceding them:
 * - if the leader crashes before its write, entries its followers already hold are still
 *   safe: a majority without the leader may commit them, and the leader, whose log is now
 *   shorter, cannot win an election against them (§5.4.1);
 * - the leader never applies, and never acknowledges to a client, an entry it has not
 *   persisted (RaftLog hands out only persisted entries for applying);
 * - the term these messages carry must already be durable: `durable` is checked against the
 *   Ready's HardState, because a single voter becomes candidate and leader in one step, and
 *   its first appends then carry a term this very Ready persists (the simulator found this).
 * Everything else — votes, append and heartbeat answers, ReadIndex answers — promises state
 * this Ready persists, and so waits for the write.
 */
export function earlyMessages(ready: Ready, durable: HardState): (message: Message) => boolean {
  const hardState = ready.hardState;
  const termDurable =
    hardState === undefined || (hardState.term === durable.term && hardState.vote === durable.vote);
  return (message) =>
    termDurable && (message.type === "append-request" || message.type === "heartbeat-request");
}
