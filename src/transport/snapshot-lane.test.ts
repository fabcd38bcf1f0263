// Goal: a peer's snapshot lane streams one snapshot at a time, drops a send that is not newer
// than the one streaming or waiting, lets a newer send cancel the stream and replace the
// waiting one, and reports each stream's outcome once, except a cancelled one's and any after
// close(). Method: a scripted StartSnapshotStream that records starts and cancels and ends
// streams when the test says.
import type { SnapshotStatus } from "../core/progress.js";
import { logIndex, nodeId, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import { SnapshotLane, type SnapshotSend } from "./snapshot-lane.js";

function send(index: number, t = 5): SnapshotSend {
  const meta = { index: logIndex(index), term: term(2), config: makeConfig([1, 2]) };
  return {
    message: { type: "snapshot-request", from: nodeId(1), to: nodeId(2), term: term(t), snapshot: meta },
    snapshot: {
      meta, sizeBytes: 8, sha256: "0".repeat(64), path: undefined,
      readChunk: () => new Uint8Array(8),
    },
  };
}

/** A lane over scripted streams: `end(status)` ends the one streaming. */
function scriptedLane() {
  const log: string[] = [];
  let ending: ((status: SnapshotStatus) => void) | undefined;
  const lane = new SnapshotLane((started, ended) => {
    const name = `${String(started.message.snapshot.index)}@${String(started.message.term)}`;
    log.push(`start ${name}`);
    ending = ended;
    return () => log.push(`cancel ${name}`);
  }, (reported, status) => log.push(`report ${String(reported.message.snapshot.index)} ${status}`));
  const end = (status: SnapshotStatus): void => {
    const ended = ending;
    ending = undefined;
    ended?.(status);
  };
  return { lane, log, end };
}

describe("SnapshotLane", () => {
  test("streams one at a time and drops a duplicate or an older send", () => {
    const { lane, log, end } = scriptedLane();
    lane.offer(send(40));
    lane.offer(send(40));
    lane.offer(send(30));
    expect(log).toEqual(["start 40@5"]);
    end("finished");
    expect(log).toEqual(["start 40@5", "report 40 finished"]);
    expect(lane.current).toBeUndefined();
  });

  test("a newer send cancels the stream, replaces a waiting one, and alone is reported", () => {
    const { lane, log, end } = scriptedLane();
    lane.offer(send(10));
    lane.offer(send(20));
    lane.offer(send(20, 6)); // The same snapshot in a later term is newer too.
    lane.offer(send(30));
    expect(log).toEqual(["start 10@5", "cancel 10@5"]);
    end("failed"); // The cancelled stream ends: not reported, the newest starts.
    expect(log).toEqual(["start 10@5", "cancel 10@5", "start 30@5"]);
    end("failed");
    expect(log.slice(3)).toEqual(["report 30 failed"]);
  });

  test("close cancels the stream, forgets the waiting send and reports nothing more", () => {
    const { lane, log, end } = scriptedLane();
    lane.offer(send(10));
    lane.offer(send(20));
    lane.close();
    end("failed");
    lane.offer(send(30));
    expect(log).toEqual(["start 10@5", "cancel 10@5", "cancel 10@5"]);
  });
});
