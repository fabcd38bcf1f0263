/**
 * Goal: the write pipeline reports writes durable in start order, and a write that carries a
 * snapshot only once both its log write and the state machine's preparation of the restore
 * finished, in whichever order they finish; writes behind it wait for it.
 * Method: a log store whose persist() callbacks the test calls by hand, and a preparation
 * hook that records its `done` for the test to call.
 */
import type { SnapshotMeta } from "../core/entry.js";
import { logIndex, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import type { StorageWrite } from "../core/ready.js";
import type { AsyncLogStore } from "../storage/async-log-store.js";
import { WritePipeline } from "./write-pipeline.js";

const SNAPSHOT: SnapshotMeta = {
  index: logIndex(40), term: term(3), config: makeConfig([1, 2, 3]),
};

function write(id: number, snapshot?: SnapshotMeta): StorageWrite {
  return {
    id, snapshot, messagesAfterWrite: [],
    entries: snapshot === undefined
      ? [{ index: logIndex(100 + id), term: term(3), kind: "noop", data: new Uint8Array(0) }]
      : [],
    hardState: undefined,
  };
}

function setUp(withPreparation: boolean) {
  const logWrites: (() => void)[] = [];
  const preparations: { snapshot: SnapshotMeta; done: () => void }[] = [];
  const durable: number[] = [];
  const logStore = {
    persist: (_batch: unknown, onDurable: () => void) => { logWrites.push(onDurable); },
  } as unknown as AsyncLogStore;
  const pipeline = new WritePipeline(
    logStore, 8, (done) => { durable.push(done.id); }, () => 0,
    withPreparation ? (snapshot, done) => { preparations.push({ snapshot, done }); } : undefined,
  );
  return { pipeline, logWrites, preparations, durable };
}

describe("WritePipeline", () => {
  test("a snapshot write waits for its log write and its preparation, either first", () => {
    for (const preparationFirst of [true, false]) {
      const { pipeline, logWrites, preparations, durable } = setUp(true);
      pipeline.start(write(1, SNAPSHOT));
      pipeline.start(write(2));
      expect(preparations.map((p) => p.snapshot)).toEqual([SNAPSHOT]);
      expect(logWrites).toHaveLength(2);

      logWrites[1]!(); // The write behind it is durable first: it still waits its turn.
      if (preparationFirst) preparations[0]!.done();
      else logWrites[0]!();
      expect(durable).toEqual([]);
      if (preparationFirst) logWrites[0]!();
      else preparations[0]!.done();
      expect(durable).toEqual([1, 2]);
    }
  });

  test("without a preparation hook a snapshot write is durable with its log write", () => {
    const { pipeline, logWrites, durable } = setUp(false);
    pipeline.start(write(1, SNAPSHOT));
    logWrites[0]!();
    expect(durable).toEqual([1]);
  });

  test("a write without a snapshot is not prepared", () => {
    const { pipeline, logWrites, preparations, durable } = setUp(true);
    pipeline.start(write(1));
    logWrites[0]!();
    expect(preparations).toEqual([]);
    expect(durable).toEqual([1]);
  });
});
