import type { Event, WatchResponse } from "./rpcs.js";

/** What one WatchResponse gives the user, after the cursor has seen it. */
export type WatchDelivery =
  /** New events, in revision order; events a resumed stream repeated are left out. */
  | { readonly kind: "events"; readonly events: readonly Event[] }
  /** A progress notification: nothing changed up to `revision`. */
  | { readonly kind: "progress"; readonly revision: number }
  /** Nothing to print: the creation response, or events that were all repeats. */
  | { readonly kind: "none" };

/**
 * Where a watch stands, so that a stream broken on one member resumes on another with no
 * gap and no duplicate. Every member applies the same log, and a watch reports a revision's
 * events in the same order on each, so a position is a revision and how many of its events
 * were already delivered.
 *
 * The stream resumes at the revision of the last event received, not the one after it: the
 * server sends events in pages of a fixed size, so a revision that wrote several keys in the
 * range (a txn, a delete of a prefix) can be split across two responses, and the stream may
 * break between them. The resumed stream repeats that revision's events from its first;
 * the ones already delivered are dropped, and the rest are new.
 *
 * Before any event, the position is the requested start revision; when that was 0 ("from
 * the next write"), the creation response fixes it at the member's revision + 1, so a
 * resumed watch does not skip what was written while it moved.
 */
export class WatchCursor {
  /** The start_revision of the next stream; 0 only until a stream was created. */
  private resumeRevision: number;
  /** Events of resumeRevision already delivered. Invariant: 0 when no event was. */
  private deliveredAtResume = 0;
  /** On the current stream: repeated events of resumeRevision still to drop. */
  private repeatsLeft = 0;
  private eventSeen = false;

  constructor(startRevision: number) {
    if (!Number.isSafeInteger(startRevision) || startRevision < 0) {
      throw new Error(`a watch cannot start at revision ${startRevision}`);
    }
    this.resumeRevision = startRevision;
  }

  /** The start revision of a new stream (the first, or a resumed one); call once per stream. */
  startStream(): number {
    this.repeatsLeft = this.deliveredAtResume;
    return this.resumeRevision;
  }

  /** Takes the next response of the current stream and says what of it is new. */
  accept(response: WatchResponse): WatchDelivery {
    if (response.created) {
      if (this.resumeRevision === 0 && !this.eventSeen) {
        this.resumeRevision = revisionOf(response.header?.revision, "a creation header") + 1;
      }
      return { kind: "none" };
    }
    if (response.events.length === 0) {
      return { kind: "progress", revision: revisionOf(response.header?.revision, "a progress header") };
    }
    const fresh: Event[] = [];
    for (const event of response.events) {
      const revision = revisionOf(event.kv?.mod_revision, "an event");
      if (this.eventSeen && revision < this.resumeRevision) {
        throw new Error(`a watch event at revision ${revision} came after ${this.resumeRevision}`);
      }
      if (this.repeatsLeft > 0 && revision === this.resumeRevision) {
        this.repeatsLeft--;
        continue;
      }
      this.repeatsLeft = 0;
      fresh.push(event);
      if (this.eventSeen && revision === this.resumeRevision) {
        this.deliveredAtResume++;
      } else {
        this.resumeRevision = revision;
        this.deliveredAtResume = 1;
      }
      this.eventSeen = true;
    }
    return fresh.length === 0 ? { kind: "none" } : { kind: "events", events: fresh };
  }
}

/** A revision from the wire (a uint64 decimal string), checked to be usable as a number. */
function revisionOf(text: string | undefined, what: string): number {
  const revision = Number(text);
  if (text === undefined || !Number.isSafeInteger(revision) || revision < 0) {
    throw new Error(`${what} has no usable revision: ${String(text)}`);
  }
  return revision;
}
