// Goal: a watch that resumes on another member after its stream broke prints every event
// once: none missing, none twice, even when the break split a revision's events between
// two responses, and even when the watch began "from the next write" (--rev 0).
// Method: WatchCursor is fed WatchResponses as two members would send them (the same events
// in the same order, per revision); the test checks the start revision each stream asks
// for and the events the cursor lets through.

import type { Event, WatchResponse } from "./rpcs.js";
import { WatchCursor } from "./watch-cursor.js";

function event(key: string, revision: number): Event {
  return {
    type: 0, prev_kv: null,
    kv: {
      key, value: Buffer.from(key), create_revision: String(revision),
      mod_revision: String(revision), version: "1",
    },
  };
}

function response(revision: number, events: Event[], created = false): WatchResponse {
  return {
    header: { cluster_id: "1", member_id: "1", raft_term: "1", revision: String(revision) },
    created, events,
  };
}

/** The keys the cursor lets through for each response, in order. */
function feed(cursor: WatchCursor, responses: WatchResponse[]): string[] {
  const keys: string[] = [];
  for (const r of responses) {
    const delivery = cursor.accept(r);
    if (delivery.kind === "events") keys.push(...delivery.events.map((e) => e.kv!.key));
  }
  return keys;
}

describe("WatchCursor", () => {
  test("a first stream starts at the requested revision and passes every event", () => {
    const cursor = new WatchCursor(5);
    expect(cursor.startStream()).toBe(5);
    expect(feed(cursor, [
      response(9, [], true), response(5, [event("a", 5)]), response(7, [event("b", 7)]),
    ])).toEqual(["a", "b"]);
  });

  test("a resumed stream starts at the last event's revision and drops what was printed", () => {
    const cursor = new WatchCursor(1);
    cursor.startStream();
    // A txn at revision 7 wrote a, b and c; the page ended after b, then the member died.
    expect(feed(cursor, [
      response(9, [], true), response(7, [event("x", 6), event("a", 7), event("b", 7)]),
    ])).toEqual(["x", "a", "b"]);
    expect(cursor.startStream()).toBe(7);
    expect(feed(cursor, [
      response(9, [], true),
      response(7, [event("a", 7), event("b", 7), event("c", 7)]),
      response(8, [event("d", 8)]),
    ])).toEqual(["c", "d"]);
    // A second break, after d: the next stream repeats d only.
    expect(cursor.startStream()).toBe(8);
    expect(feed(cursor, [
      response(8, [event("d", 8), event("e", 8)]), response(10, [event("f", 10)]),
    ])).toEqual(["e", "f"]);
  });

  test("a repeat split across responses of the resumed stream is still dropped once", () => {
    const cursor = new WatchCursor(3);
    cursor.startStream();
    feed(cursor, [response(3, [event("a", 3), event("b", 3)])]);
    expect(cursor.startStream()).toBe(3);
    expect(feed(cursor, [
      response(3, [event("a", 3)]), response(3, [event("b", 3), event("c", 3)]),
    ])).toEqual(["c"]);
  });

  test("--rev 0 resumes after the revision the first member was at when it was created", () => {
    const cursor = new WatchCursor(0);
    expect(cursor.startStream()).toBe(0);
    expect(feed(cursor, [response(41, [], true)])).toEqual([]);
    // The stream broke before any event: the next member starts where the first one would.
    expect(cursor.startStream()).toBe(42);
    expect(feed(cursor, [response(50, [], true), response(42, [event("a", 42)])])).toEqual(["a"]);
    expect(cursor.startStream()).toBe(42);
  });

  test("a response with no events and no creation is a progress notification", () => {
    const cursor = new WatchCursor(0);
    cursor.startStream();
    expect(cursor.accept(response(12, [], true))).toEqual({ kind: "none" });
    expect(cursor.accept(response(12, []))).toEqual({ kind: "progress", revision: 12 });
  });

  test("events that go back in revision are a bug, not something to print", () => {
    const cursor = new WatchCursor(1);
    cursor.startStream();
    feed(cursor, [response(5, [event("a", 5)])]);
    expect(() => cursor.accept(response(4, [event("b", 4)])))
      .toThrow("a watch event at revision 4 came after 5");
  });
});
