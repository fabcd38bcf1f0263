import type { KvCommand, KvResult } from "./kv-types.js";

/**
 * Exactly-once writes (thesis 6.3), written once for both KV state machines. A client names
 * itself with a client id and numbers its writes 1, 2, 3, ... (gaps allowed). The state
 * machine remembers each client's last sequence and its reply, so:
 * - a retry of the last sequence gets the remembered reply and is not applied again;
 * - an older sequence is refused (`stale-sequence`);
 * - a client's first write must be sequence 1: it opens the session (the log decides it,
 *   as RegisterClient does in the thesis). A higher sequence from a client the table does
 *   not hold is a session that expired or was evicted: it is refused (`session-expired`)
 *   instead of being applied a second time, because its earlier writes may have been.
 *
 * Sessions end only by rules of the log, the same on every member, never by a clock: one
 * unused for SESSION_EXPIRY_ENTRIES log entries expires, and past sessionsMax the least
 * recently used one is evicted.
 */

/** Log entries after its last use at which a session expires. */
export const SESSION_EXPIRY_ENTRIES = 1_000_000;

/** The session table of one state machine, inside its apply transaction. */
export interface SessionTable {
  /** The client's session; its reply is read only when a retry needs it. */
  get(clientId: string): { readonly sequence: number; reply(): KvResult } | undefined;
  /** Records a use of a known session at log index `index`. */
  touch(clientId: string, index: number): void;
  /**
   * Remembers `reply` as the client's last, at `sequence` and `index`; `added` says the
   * table did not hold the client before (the caller has just looked).
   */
  remember(
    clientId: string, sequence: number, index: number, reply: KvResult, added: boolean,
  ): void;
  size(): number;
  /** Forgets the session with the lowest last-use index (ties: the lowest client id). */
  evictLeastRecentlyUsed(): void;
  /** Forgets every session last used before `index`. */
  expireUsedBefore(index: number): void;
}

/**
 * Applies `command` at `index` under its session (if any): `write` applies it to the
 * store and returns its result; `revision` is the store's revision, for refusals.
 */
export function applyWithSession(
  sessions: SessionTable, sessionsMax: number, command: KvCommand, index: number,
  revision: number, write: () => KvResult,
): KvResult {
  const session = command.session;
  if (session === undefined) return write();
  const known = sessions.get(session.clientId);
  if (known !== undefined && session.sequence <= known.sequence) {
    sessions.touch(session.clientId, index);
    if (session.sequence === known.sequence) return known.reply();
    return { type: "stale-sequence", revision, lastSequence: known.sequence };
  }
  if (known === undefined && session.sequence !== 1) return { type: "session-expired", revision };
  const reply = write();
  sessions.remember(session.clientId, session.sequence, index, reply, known === undefined);
  if (sessions.size() > sessionsMax) sessions.evictLeastRecentlyUsed();
  return reply;
}

/** After a batch up to `applied`: expire the sessions that went unused too long. */
export function expireSessions(
  sessions: SessionTable, applied: number, expiryEntries = SESSION_EXPIRY_ENTRIES,
): void {
  if (applied > expiryEntries) sessions.expireUsedBefore(applied - expiryEntries);
}
