import { assert } from "../../src/core/assert.js";
import type { KvSession } from "../../src/state-machine/kv-types.js";

/**
 * One simulated client's exactly-once session (thesis 6.3) as the client keeps it: its
 * client id and the last sequence it used. Sessions open in the log, with sequence 1
 * (src/state-machine/kv-sessions.ts); until a write of the session was answered, the
 * client cannot know the log opened it, and a later sequence may find no session and be
 * refused (`session-expired`). So a write that ends unanswered before then, and may be in
 * a log, ends the session, and the next write begins a new one: "{name}.{n}" from sequence
 * 1. A write refused before it reached any log gives its sequence back. Nothing evicts or
 * expires an open session in a run (a few clients and short logs against the simulated
 * members' table of 64 and the expiry of 1,000,000 entries).
 */
export class ClientSession {
  private clientId: string;
  private started = 1;
  /** The last sequence used in this session; each new write takes the next. */
  private sequence = 0;
  /** A write of this session was answered: the state machine holds the session. */
  private open = false;

  constructor(private readonly name: string) {
    this.clientId = name;
  }

  /** The session for the next write (or the planted fault's next retry). */
  next(): KvSession {
    return { clientId: this.clientId, sequence: ++this.sequence };
  }

  /** A write of this session was answered: the log holds the session. */
  answered(): void {
    this.open = true;
  }

  /** The write that took `session` reached no log: its sequence is free again. */
  withdraw(session: KvSession): void {
    assert(session.clientId === this.clientId && session.sequence === this.sequence,
      "only the last sequence can be given back");
    this.sequence--;
  }

  /**
   * A write that may be in a log ended unanswered; `refused`: the session table refused it
   * (the session is of no more use).
   */
  ended(refused: boolean): void {
    if (this.open && !refused) return;
    this.started++;
    this.clientId = `${this.name}.${this.started}`;
    this.sequence = 0;
    this.open = false;
  }
}
