// Goal: an inbound request's answer leaves as soon as the write it waits for is durable,
// also when that write completed before the request's Ready loop ended (an empty write is
// durable at once), and answers leave in the order their requests arrived.
// Method: InboundAnswers driven by hand, as RaftNode.receive() and its Ready loop drive it.

import { nodeId, term } from "../core/ids.js";
import type { Message } from "../core/message.js";
import type { StorageWrite } from "../core/ready.js";
import { InboundAnswers } from "./inbound-answers.js";

const LEADER = nodeId(1);
const SELF = nodeId(2);

function heartbeatResponse(readRound: number): Message {
  return { type: "heartbeat-response", from: SELF, to: LEADER, term: term(3), readRound };
}

function writeReleasing(id: number, messages: readonly Message[]): StorageWrite {
  return {
    id, snapshot: undefined, entries: [], hardState: undefined, messagesAfterWrite: messages,
  };
}

test("an answer whose write was durable before the loop ended leaves at close()", () => {
  const answers = new InboundAnswers();
  const got: number[][] = [];
  const record = (out: readonly Message[]): void => {
    got.push(out.map((m) => (m.type === "heartbeat-response" ? m.readRound : -1)));
  };
  answers.open(LEADER, record);
  const response = heartbeatResponse(3);
  const write = writeReleasing(7, [response]);
  answers.claim(write);
  answers.released(7); // the empty write completed inside the Ready loop
  expect(answers.take(response)).toBe(true); // its messages are the answer's, not the wire's
  answers.close();
  expect(got).toEqual([[3]]);
});

test("answers wait for their writes and leave in arrival order", () => {
  const answers = new InboundAnswers();
  const got: string[] = [];
  answers.open(LEADER, () => got.push("first"));
  answers.claim(writeReleasing(1, [heartbeatResponse(1)]));
  answers.close();
  answers.open(LEADER, () => got.push("second")); // no write of its own: waits behind
  answers.close();
  expect(got).toEqual([]);
  answers.released(1);
  expect(got).toEqual(["first", "second"]);
  answers.open(LEADER, () => got.push("third"));
  answers.close();
  expect(got).toEqual(["first", "second", "third"]);
});
