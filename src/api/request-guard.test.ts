// Goal: a guarded service decodes every well-formed request exactly as grpc-js's own
// deserializer does, and turns every request it cannot decode (truncated, a bad wire type,
// a string field that is not UTF-8) into a MalformedRequest naming the type or the field and
// the byte offset, which requireWellFormed() rejects as an InvalidArgumentError.
// Method: the real KV and Cluster definitions (raftkvProtos()), requests encoded with the
// definitions' own serializers or written out byte by byte.

import {
  loadPackageDefinition, raftkvProtos, SERVICE_NAMES,
} from "../transport/proto-loading.js";
import { InvalidArgumentError } from "./errors.js";
import { guardedService, MalformedRequest, requireWellFormed } from "./request-guard.js";

const definition = raftkvProtos().packageDefinition;
const kv = guardedService(definition, SERVICE_NAMES.kv);
const cluster = guardedService(definition, SERVICE_NAMES.cluster);

interface Codec {
  readonly serialize: (value: object) => Buffer;
  readonly decode: (bytes: Buffer) => unknown;
}

function method(name: string, service = { ...kv, ...cluster }): Codec {
  const found = service[name];
  if (found === undefined) throw new Error(`no method ${name}`);
  return {
    serialize: (value) => found.requestSerialize(value),
    decode: (bytes) => found.requestDeserialize(bytes) as unknown,
  };
}

function problem(value: unknown): string {
  if (!(value instanceof MalformedRequest)) throw new Error(`decoded: ${JSON.stringify(value)}`);
  return value.problem;
}

describe("guardedService", () => {
  test("keeps every method, and decodes well-formed requests unchanged", () => {
    const original = definition[SERVICE_NAMES.kv] as Record<string, { path: string }>;
    expect(Object.keys(kv).sort()).toEqual(Object.keys(original).sort());
    const put = method("Put");
    const bytes = put.serialize({ key: "héllo", value: Buffer.from("v"), client_id: "c", sequence: "7" });
    expect(put.decode(bytes)).toEqual({
      key: "héllo", value: Buffer.from("v"), prev_kv: false, client_id: "c", sequence: "7",
    });
    expect(method("Status").decode(Buffer.alloc(0))).toEqual({});
  });

  test("skips unknown fields, as proto3 requires", () => {
    // Field 15 (length-delimited, not UTF-8) and field 14 (varint) are unknown to GetRequest.
    const bytes = Buffer.from([0x7a, 0x01, 0xff, 0x70, 0x05, 0x0a, 0x01, 0x6b]);
    expect(method("Get").decode(bytes)).toMatchObject({ key: "k" });
  });

  test("a string field that is not UTF-8 is named with the offset of its first bad byte", () => {
    expect(problem(method("Put").decode(Buffer.from([0x0a, 0x02, 0xc3, 0x28]))))
      .toBe("key is not valid UTF-8: byte 0 (0xc3) does not start a well-formed UTF-8 sequence");
    expect(problem(method("Range").decode(Buffer.from([0x0a, 0x01, 0x61, 0x12, 0x02, 0x62, 0xff]))))
      .toMatch(/^range_end is not valid UTF-8: byte 1 \(0xff\)/);
    expect(problem(method("Put").decode(Buffer.from([0x22, 0x01, 0x80]))))
      .toMatch(/^client_id is not valid UTF-8: byte 0 \(0x80\)/);
  });

  test("string fields inside nested messages are checked too, named by their path", () => {
    const nested = loadPackageDefinition({
      "t/v1/t.proto": `syntax = "proto3"; package t.v1;
        message Inner { string name = 1; bytes data = 2; }
        message Outer { Inner inner = 1; repeated Inner more = 2; }
        service S { rpc Call(Outer) returns (Outer); }`,
    });
    const call = method("Call", guardedService(nested, "t.v1.S"));
    // more[0] = { data: FF } is fine (bytes); more[1] = { name: "a" FF } is not.
    const bytes = Buffer.from([0x12, 0x03, 0x12, 0x01, 0xff, 0x12, 0x04, 0x0a, 0x02, 0x61, 0xff]);
    expect(problem(call.decode(bytes))).toMatch(/^more\.name is not valid UTF-8: byte 1 \(0xff\)/);
    expect(call.decode(call.serialize({ inner: { name: "é" } }))).toMatchObject({ inner: { name: "é" } });
  });

  test("bytes that are not a message of the request type name the type and the reason", () => {
    expect(problem(method("Put").decode(Buffer.from([0x0a, 0xff]))))
      .toBe("the request is not a valid raftkv.kv.v1.PutRequest (2 bytes): " +
        "it ends in the middle of a field");
    expect(problem(method("MemberList").decode(Buffer.from([0x0f]))))
      .toMatch(/^the request is not a valid raftkv\.cluster\.v1\.MemberListRequest \(1 bytes\): .*invalid wire type 7/);
  });

  test("requireWellFormed passes requests through and rejects a MalformedRequest", () => {
    const request = { key: "k" };
    expect(requireWellFormed(request)).toBe(request);
    const malformed = new MalformedRequest("key is not valid UTF-8");
    expect(() => requireWellFormed(malformed)).toThrow(InvalidArgumentError);
    expect(() => requireWellFormed(malformed)).toThrow("key is not valid UTF-8");
  });
});
