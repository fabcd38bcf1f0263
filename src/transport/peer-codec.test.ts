// Goal: every core message survives the trip through the RaftPeer wire format unchanged,
// and every malformed or hostile peer input is refused with the right typed error before
// it can reach the core (docs/testing.md, Bad input: unsafe or negative integers, broken
// entry runs, unknown kinds, wrong receiver, wrong cluster, unknown sender).
// Method: fast-check generates valid messages (ids and terms up to 2^53 - 1, entry runs
// with every kind); each is encoded, serialized and deserialized with the loaded protos
// (real protobuf bytes), decoded, and compared. Table tests then break one field at a
// time, and a fuzz property feeds arbitrary bytes to each decoder: the only error allowed
// out of a decoder is a PeerRequestError.

import fc from "fast-check";
import { AssertionError } from "../core/assert.js";
import type { Entry } from "../core/entry.js";
import { logIndex, nodeId, term, type NodeId } from "../core/ids.js";
import { encodeMembershipConfig, makeConfig } from "../core/membership-config.js";
import type { AppendRequest, Message } from "../core/message.js";
import {
  decodeAppendEntriesRequest, decodeAppendResponse, decodeReadIndexRequest,
  decodeReadIndexResponse, decodeTimeoutNowRequest, decodeVoteRequest, decodeVoteResponse,
  encodeAppendResponse, encodePeerRequest, encodeReadIndexResponse, encodeVoteResponse,
} from "./peer-codec.js";
import {
  PeerRequestError, type InboundContext, type PeerRequestErrorCode,
} from "./peer-envelope.js";
import { raftkvProtos } from "./proto-loading.js";

const CLUSTER = 42;
const MAX = Number.MAX_SAFE_INTEGER;

interface WireType {
  serialize(value: object): Buffer;
  deserialize(bytes: Buffer): never;
}

function wireType(typeName: string): WireType {
  const type = raftkvProtos().packageDefinition[`raftkv.raft.v1.${typeName}`];
  if (type === undefined || !("serialize" in type)) throw new Error(`no type ${typeName}`);
  return type as unknown as WireType;
}

/**
 * Real protobuf bytes out and back in, with the loaded (PROTO_LOADER_OPTIONS) serializers.
 * Typed `never` so that it fits whichever decoder reads it: the bytes decide the shape.
 */
function wire(typeName: string, value: object): never {
  const type = wireType(typeName);
  return type.deserialize(type.serialize(value));
}

function inbound(selfId: NodeId, known: (id: NodeId) => boolean = () => true): InboundContext {
  return { clusterId: CLUSTER, selfId, isKnownPeer: known };
}

/** Encodes a request-type message and decodes it on the receiver, through real bytes. */
function roundTripRequest(message: Message, context = inbound(message.to)): Message {
  const encoded = encodePeerRequest(message, CLUSTER);
  switch (encoded.rpc) {
    case "RequestVote":
      return decodeVoteRequest(wire("RequestVoteRequest", encoded.request), context);
    case "AppendEntries":
      return decodeAppendEntriesRequest(wire("AppendEntriesRequest", encoded.request), context);
    case "TimeoutNow":
      return decodeTimeoutNowRequest(wire("TimeoutNowRequest", encoded.request), context);
    case "ReadIndex":
      return decodeReadIndexRequest(wire("ReadIndexRequest", encoded.request), context);
  }
}

function roundTripResponse(message: Message): Message {
  const context = { clusterId: CLUSTER, selfId: message.to, peer: message.from };
  if (message.type === "vote-response") {
    const encoded = encodeVoteResponse(message, CLUSTER);
    return decodeVoteResponse(wire("RequestVoteResponse", encoded), context);
  }
  if (message.type === "append-response" || message.type === "heartbeat-response") {
    const encoded = encodeAppendResponse(message, CLUSTER);
    return decodeAppendResponse(wire("AppendEntriesResponse", encoded), context);
  }
  if (message.type === "read-index-response") {
    const encoded = encodeReadIndexResponse(message, CLUSTER);
    return decodeReadIndexResponse(wire("ReadIndexResponse", encoded), context);
  }
  throw new Error(`not a response: ${message.type}`);
}

const ids = fc.tuple(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 1, max: MAX }))
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ from: nodeId(a), to: nodeId(b) }));
const safe = fc.integer({ min: 0, max: MAX });
const requestTerm = fc.integer({ min: 1, max: MAX }).map(term);

const config = fc.uniqueArray(fc.integer({ min: 1, max: MAX }), { minLength: 1, maxLength: 6 })
  .chain((members) => fc.integer({ min: 1, max: members.length })
    .map((voters) => makeConfig(members.slice(0, voters), members.slice(voters))));

const entryPayload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((data) => ({ kind: "command" as const, data })),
  fc.constant({ kind: "noop" as const, data: new Uint8Array(0) }),
  config.map((c) => ({ kind: "config" as const, data: encodeMembershipConfig(c) })),
);

/** A valid append: contiguous entries after prev, terms non-decreasing within [prev, term]. */
const appendRequest = fc.record({ ids, leaderTerm: requestTerm, commit: safe, prevIndex: safe })
  .chain(({ ids: { from, to }, leaderTerm, commit, prevIndex }) =>
    fc.record({
      prevTerm: prevIndex === 0 ? fc.constant(0) : fc.integer({ min: 0, max: leaderTerm }),
      count: fc.integer({ min: 0, max: Math.min(8, MAX - prevIndex) }),
    }).chain(({ prevTerm, count }) =>
      fc.tuple(
        fc.array(fc.integer({ min: Math.max(prevTerm, 1), max: leaderTerm }),
          { minLength: count, maxLength: count }),
        fc.array(entryPayload, { minLength: count, maxLength: count }),
      ).map(([terms, payloads]): AppendRequest => ({
        type: "append-request", from, to, term: leaderTerm, prevLogIndex: logIndex(prevIndex),
        prevLogTerm: term(prevTerm), leaderCommit: logIndex(commit),
        entries: terms.sort((a, b) => a - b).map((t, i): Entry => ({
          index: logIndex(prevIndex + 1 + i), term: term(t), ...payloads[i]!,
        })),
      }))));

const voteRequest = fc.record({
  ids, t: requestTerm, lastIndex: safe, preVote: fc.boolean(), transfer: fc.boolean(),
}).chain(({ ids: { from, to }, t, lastIndex, preVote, transfer }) =>
  (lastIndex === 0 ? fc.constant(0) : fc.integer({ min: 0, max: t })).map((lastTerm): Message => ({
    type: "vote-request", from, to, term: t, preVote, lastLogIndex: logIndex(lastIndex),
    lastLogTerm: term(lastTerm), leadershipTransfer: transfer && !preVote,
  })));

const otherKind = fc.integer({ min: 0, max: 2 });
const otherRequest = fc.record({ ids, t: requestTerm, n: safe, kind: otherKind })
  .map(({ ids: { from, to }, t, n, kind }): Message => {
    if (kind === 0) {
      return { type: "heartbeat-request", from, to, term: t, commit: logIndex(n), readRound: n };
    }
    if (kind === 1) return { type: "timeout-now", from, to, term: t };
    return { type: "read-index-request", from, to, term: t, requestId: n };
  });

const response = fc.record({
  ids, t: safe.map(term), a: safe, b: safe, c: safe, d: safe, flag: fc.boolean(),
  kind: fc.integer({ min: 0, max: 3 }),
}).map(({ ids: { from, to }, t, a, b, c, d, flag, kind }): Message => {
  switch (kind) {
    case 0:
      return { type: "vote-response", from, to, term: t, preVote: flag, granted: !flag };
    case 1:
      return {
        type: "append-response", from, to, term: t, success: flag, matchIndex: logIndex(a),
        rejectedIndex: logIndex(b), hintIndex: logIndex(c), hintTerm: term(d),
      };
    case 2:
      return { type: "heartbeat-response", from, to, term: t, readRound: a };
    default:
      return {
        type: "read-index-response", from, to, term: t, requestId: a,
        readIndex: flag ? logIndex(b) : undefined,
      };
  }
});

describe("round trips through real protobuf bytes", () => {
  it("keeps every request unchanged", () => {
    fc.assert(fc.property(fc.oneof(appendRequest, voteRequest, otherRequest), (message) => {
      expect(roundTripRequest(message)).toEqual(message);
    }), { numRuns: 400 });
  });

  it("keeps every response unchanged", () => {
    fc.assert(fc.property(response, (message) => {
      expect(roundTripResponse(message)).toEqual(message);
    }), { numRuns: 400 });
  });
});

function refusal(action: () => unknown): PeerRequestErrorCode | "accepted" {
  try {
    action();
    return "accepted";
  } catch (error) {
    if (error instanceof PeerRequestError) return error.code;
    throw error;
  }
}

const ONE = nodeId(1);
const TWO = nodeId(2);
const baseAppend: AppendRequest = {
  type: "append-request", from: ONE, to: TWO, term: term(5), prevLogIndex: logIndex(10),
  prevLogTerm: term(4), leaderCommit: logIndex(9),
  entries: [
    { index: logIndex(11), term: term(4), kind: "command", data: new Uint8Array([1]) },
    { index: logIndex(12), term: term(5), kind: "noop", data: new Uint8Array(0) },
  ],
};

/** The wire form of baseAppend with `change` applied to it, decoded by member 2. */
type WireRequest = Record<string, unknown>;
type WireEntries = { index: unknown; term: unknown; kind: unknown; data: unknown }[];
const entriesOf = (request: WireRequest): WireEntries => request["entries"] as WireEntries;
const entry = (request: WireRequest, i: number) => entriesOf(request)[i]!;

function decodeAppendWith(change: (wire: WireRequest) => void, context = inbound(TWO)) {
  const encoded = encodePeerRequest(baseAppend, CLUSTER);
  const request = structuredClone(encoded.request) as WireRequest;
  change(request);
  return refusal(() => decodeAppendEntriesRequest(wire("AppendEntriesRequest", request), context));
}

const INVALID = "invalid-argument";

describe("refusals of bad AppendEntries", () => {
  it.each<[string, (wire: WireRequest) => void, PeerRequestErrorCode | "accepted"]>([
    ["the unchanged request", () => undefined, "accepted"],
    ["another cluster", (w) => { w["cluster_id"] = 41; }, "wrong-cluster"],
    ["another receiver", (w) => { w["to"] = 3; }, INVALID],
    ["sender 0", (w) => { w["from"] = 0; }, INVALID],
    ["a term of 2^53", (w) => { w["term"] = "9007199254740992"; }, INVALID],
    ["a term of 2^64 - 1", (w) => { w["term"] = "18446744073709551615"; }, INVALID],
    ["a negative commit (int64 -1 on the wire)", (w) => { w["leader_commit"] = "-1"; }, INVALID],
    ["term 0", (w) => {
      w["term"] = 0;
      w["prev_log_term"] = 0;
      entriesOf(w).length = 0;
    }, INVALID],
    ["prev index 0 with a term", (w) => { w["prev_log_index"] = 0; }, INVALID],
    ["prev term above the term", (w) => { w["prev_log_term"] = 6; }, INVALID],
    ["a gap in the entries", (w) => { entry(w, 1).index = 13; }, INVALID],
    ["entries not after prev", (w) => { w["prev_log_index"] = 11; }, INVALID],
    ["an entry term above the term", (w) => { entry(w, 1).term = 6; }, INVALID],
    ["decreasing entry terms", (w) => {
      entry(w, 0).term = 5;
      entry(w, 1).term = 4;
    }, INVALID],
    ["an entry term below prev term", (w) => { entry(w, 0).term = 3; }, INVALID],
    ["an unknown entry kind", (w) => { entry(w, 0).kind = 7; }, INVALID],
    ["entry kind 0", (w) => { entry(w, 0).kind = 0; }, INVALID],
    ["a noop with data", (w) => { entry(w, 1).data = Buffer.from([1]); }, INVALID],
    ["a config entry that does not decode", (w) => {
      entry(w, 0).kind = 3;
      entry(w, 0).data = Buffer.from("{not json");
    }, INVALID],
    ["a config entry without voters", (w) => {
      entry(w, 0).kind = 3;
      entry(w, 0).data = Buffer.from(JSON.stringify({ v: 1, voters: [], learners: [3] }));
    }, INVALID],
    ["a heartbeat with entries", (w) => { w["heartbeat"] = true; }, INVALID],
  ])("%s", (_name, change, expected) => {
    expect(decodeAppendWith(change)).toBe(expected);
  });
});

describe("requests from a sender outside the configuration", () => {
  const outsider = inbound(TWO, (id) => id !== ONE);
  const from = { from: ONE, to: TWO, term: term(5) };

  it("are delivered, except vote requests (thesis 4.1, 4.2.2 and 4.2.3)", () => {
    // A follower's configuration may be older than its leader's (thesis 4.1); a removed
    // leader hands over with TimeoutNow to a successor whose configuration no longer names
    // it (thesis 4.2.2); a new member may ask for a read before its configuration names it.
    const accepted: Message[] = [
      baseAppend,
      { type: "heartbeat-request", ...from, commit: logIndex(3), readRound: 2 },
      { type: "timeout-now", ...from },
      { type: "read-index-request", ...from, requestId: 7 },
    ];
    for (const message of accepted) expect(roundTripRequest(message, outsider)).toEqual(message);
    // Only a vote may be disregarded: a server outside our configuration cannot count on
    // our vote, and a removed server must not disrupt the cluster (thesis 4.2.3).
    const vote: Message = {
      type: "vote-request", ...from, preVote: true, lastLogIndex: logIndex(3),
      lastLogTerm: term(4), leadershipTransfer: false,
    };
    expect(refusal(() => roundTripRequest(vote, outsider))).toBe("unknown-sender");
  });
});

describe("refusals of bad votes and answers", () => {
  const vote = (change: Record<string, unknown>): PeerRequestErrorCode | "accepted" => {
    const encoded = encodePeerRequest({
      type: "vote-request", from: ONE, to: TWO, term: term(5), preVote: false,
      lastLogIndex: logIndex(3), lastLogTerm: term(4), leadershipTransfer: false,
    }, CLUSTER);
    const request = wire("RequestVoteRequest", { ...encoded.request, ...change });
    return refusal(() => decodeVoteRequest(request, inbound(TWO)));
  };

  it("checks the candidate's log position and campaign kind", () => {
    expect(vote({})).toBe("accepted");
    expect(vote({ last_log_term: 6 })).toBe(INVALID);
    expect(vote({ last_log_index: 0 })).toBe(INVALID);
    expect(vote({ pre_vote: true, leadership_transfer: true })).toBe(INVALID);
  });

  it("refuses an answer from another member than the one called", () => {
    const answer = encodeVoteResponse({
      type: "vote-response", from: ONE, to: TWO, term: term(5), preVote: false, granted: true,
    }, CLUSTER);
    const context = { clusterId: CLUSTER, selfId: TWO, peer: nodeId(3) };
    const decode = (): unknown => decodeVoteResponse(wire("RequestVoteResponse", answer), context);
    expect(refusal(decode)).toBe(INVALID);
  });

  it("asserts, rather than sends, a message that breaks the rules", () => {
    const broken = { ...baseAppend, entries: [{ ...baseAppend.entries[0]!, index: logIndex(20) }] };
    expect(() => encodePeerRequest(broken, CLUSTER)).toThrow(AssertionError);
  });
});

describe("arbitrary bytes", () => {
  const decoders: [string, (request: never) => unknown][] = [
    ["RequestVoteRequest", (r) => decodeVoteRequest(r, inbound(TWO))],
    ["AppendEntriesRequest", (r) => decodeAppendEntriesRequest(r, inbound(TWO))],
    ["TimeoutNowRequest", (r) => decodeTimeoutNowRequest(r, inbound(TWO))],
    ["ReadIndexRequest", (r) => decodeReadIndexRequest(r, inbound(TWO))],
  ];

  it("never get past a decoder except as a valid message or a PeerRequestError", () => {
    const input = fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.nat(decoders.length - 1));
    fc.assert(fc.property(input, ([bytes, which]) => {
      const [typeName, decode] = decoders[which]!;
      let request: never;
      try {
        request = wireType(typeName).deserialize(Buffer.from(bytes));
      } catch {
        return; // grpc answers bytes protobuf cannot parse with INTERNAL itself.
      }
      refusal(() => decode(request));
    }), { numRuns: 2000 });
  });
});
