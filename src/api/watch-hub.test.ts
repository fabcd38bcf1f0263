// Goal: a watch sees every change in its range once, in revision order, from any start the
// history still holds (past, now or future); a start before the history window is refused
// with the oldest revision; a live watch whose client stops reading is cancelled with the
// revision to resume from, while catching up from the history waits for the client instead
// of queueing; progress notifications reach idle watches that asked; the watch count is
// bounded. Method: a WatchHub over a MemoryKvStateMachine fed by encoded log entries, with
// a recording sink whose queue the test drains by hand.
import type { Entry } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { encodeKvCommand } from "../state-machine/kv-command.js";
import type { KvCommand, KvEvent } from "../state-machine/kv-types.js";
import { MemoryKvStateMachine } from "../state-machine/memory-kv-state-machine.js";
import { WatchHub, WatchRefusedError, type WatchFailure, type WatchSink, type WatchSpec } from "./watch-hub.js";

const k = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

class RecordingSink implements WatchSink {
  readonly batches: { events: readonly KvEvent[]; revision: number }[] = [];
  queued = 0;
  failure: WatchFailure | undefined;
  private resume: (() => void) | undefined;

  send(events: readonly KvEvent[], revision: number): void {
    this.batches.push({ events, revision });
    this.queued++;
  }

  queuedBatches(): number {
    return this.queued;
  }

  onDrain(resume: () => void): void {
    this.resume = resume;
  }

  fail(reason: WatchFailure): void {
    this.failure = reason;
  }

  /** The client read everything queued. */
  drain(): void {
    this.queued = 0;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  seen(): string[] {
    return this.batches.flatMap((b) => b.events.map((e) =>
      `${e.type} ${str(e.kv.key)}=${str(e.kv.value)}@${e.kv.modRevision}` +
      (e.prevKv === undefined ? "" : ` prev=${str(e.prevKv.value)}`)));
  }
}

const LIMITS = { watchersMax: 4, queuedBatchesMax: 3, batchEventsMax: 2, stalledTicksMax: 2 };

function cluster(limits = LIMITS): {
  hub: WatchHub; write: (...commands: KvCommand[]) => void; machine: MemoryKvStateMachine;
} {
  const machine = new MemoryKvStateMachine(10, 20);
  const hub = new WatchHub(machine, limits);
  let index = 0;
  const write = (...commands: KvCommand[]): void => {
    const entries: Entry[] = commands.map((command) => ({
      index: logIndex(++index), term: term(1), kind: "command", data: encodeKvCommand(command),
    }));
    machine.apply(entries);
    hub.applied();
  };
  return { hub, write, machine };
}

const put = (key: string, value: string): KvCommand => ({ type: "put", key: k(key), value: k(value) });
const spec = (extra: Partial<WatchSpec> = {}): WatchSpec => ({
  key: k("a"), rangeEnd: k("b"), startRevision: 0, prevKv: false, progressNotify: false, ...extra,
});

describe("WatchHub", () => {
  it("delivers the changes in its range, in order, from the next revision", () => {
    const { hub, write } = cluster();
    write(put("a1", "old"));
    const sink = new RecordingSink();
    hub.open(spec({ prevKv: true }), sink);
    write(put("a1", "x"), put("zz", "outside"), put("a2", "y"));
    sink.drain();
    write({ type: "delete-range", key: k("a"), rangeEnd: k("b") });
    expect(sink.seen()).toEqual([
      "put a1=x@2 prev=old", "put a2=y@4", "delete a1=@5 prev=x", "delete a2=@5 prev=y",
    ]);
  });

  it("replays from a past revision, or waits for a future one", () => {
    const { hub, write } = cluster();
    write(put("a", "1"), put("a", "2"), put("a", "3"));
    const past = new RecordingSink();
    const future = new RecordingSink();
    hub.open(spec({ key: k("a"), rangeEnd: new Uint8Array(0), startRevision: 2 }), past);
    hub.open(spec({ key: k("a"), rangeEnd: new Uint8Array(0), startRevision: 5 }), future);
    past.drain();
    write(put("a", "4"), put("a", "5"));
    expect(past.seen()).toEqual(["put a=2@2", "put a=3@3", "put a=4@4", "put a=5@5"]);
    expect(future.seen()).toEqual(["put a=5@5"]);
  });

  it("refuses a start the history window no longer holds, naming the oldest revision", () => {
    const { hub, write, machine } = cluster();
    for (let i = 0; i < 25; i++) write(put("a", String(i)));
    expect(machine.historyStart()).toBe(6);
    expect(() => hub.open(spec({ startRevision: 3 }), new RecordingSink()))
      .toThrow(new WatchRefusedError("compacted", "revision 3 is compacted; the oldest revision available is 6"));
  });

  it("catches up from history only as fast as the client reads", () => {
    const { hub, write } = cluster();
    for (let i = 1; i <= 12; i++) write(put("a", String(i)));
    const sink = new RecordingSink();
    hub.open(spec({ key: k("a"), rangeEnd: new Uint8Array(0), startRevision: 1 }), sink);
    expect(sink.batches).toHaveLength(3); // queuedBatchesMax, then it waits for a drain
    sink.drain();
    sink.drain();
    expect(sink.seen()).toHaveLength(12);
    expect(sink.failure).toBeUndefined();
  });

  it("holds a slow client's events in the history, and cancels a client that stopped reading", () => {
    const { hub, write } = cluster();
    const slow = new RecordingSink();
    const stalled = new RecordingSink();
    hub.open(spec(), slow);
    hub.open(spec(), stalled);
    for (let i = 1; i <= 6; i++) write(put("a", String(i)));
    expect(slow.batches).toHaveLength(3); // queuedBatchesMax, then it waits for the client
    slow.drain();
    hub.progressTick();
    slow.drain();
    expect(slow.seen()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `put a=${i}@${i}`));
    hub.progressTick();
    expect(slow.failure).toBeUndefined();
    expect(stalled.failure).toEqual({
      type: "slow", resumeRevision: 4,
      message: "the client stopped reading its watch (3 responses unread) and it was cancelled; " +
        "to resume, watch again from the revision after the last event received (events up to " +
        "revision 3 were sent)",
    });
    expect(hub.size).toBe(1);
  });

  it("sends progress notifications to idle watches that asked, and bounds the watch count", () => {
    const { hub, write } = cluster();
    const asked = new RecordingSink();
    const silent = new RecordingSink();
    hub.open(spec({ progressNotify: true }), asked);
    hub.open(spec(), silent);
    write(put("zz", "elsewhere"));
    hub.progressTick();
    expect(asked.batches).toEqual([{ events: [], revision: 1 }]);
    expect(silent.batches).toEqual([]);
    hub.open(spec(), new RecordingSink());
    const cancel = hub.open(spec(), new RecordingSink());
    expect(() => hub.open(spec(), new RecordingSink())).toThrow(/already serves 4 watches/);
    cancel();
    expect(hub.size).toBe(3);
  });
});
