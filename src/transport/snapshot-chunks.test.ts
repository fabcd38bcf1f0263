// Goal: a snapshot cut into InstallSnapshot chunks is reassembled byte for byte, and a
// receiver accepts nothing but a well-formed stream: chunks in order without gaps or
// overlaps, no bytes past the announced size, a size within its limit, and bytes matching
// the announced SHA-256 (docs/testing.md, Bad input: InstallSnapshot chunks).
// Method: fast-check over snapshot sizes (including empty) and chunk sizes, each chunk
// pushed through real protobuf bytes into a SnapshotAssembler; then one table case per way
// to break a stream, checking the typed refusal.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { AssertionError } from "../core/assert.js";
import { logIndex, nodeId, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import type { SnapshotRequest } from "../core/message.js";
import type {
  InstallSnapshotChunk, InstallSnapshotChunk__Output,
} from "../gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";
import { PeerRequestError, type InboundContext } from "./peer-envelope.js";
import { raftkvProtos } from "./proto-loading.js";
import {
  encodeSnapshotChunks, SNAPSHOT_CHUNK_BYTES_MAX, SnapshotAssembler,
} from "./snapshot-chunks.js";

const CLUSTER = 9;
const INVALID = "invalid-argument";
const context: InboundContext = { clusterId: CLUSTER, selfId: nodeId(2), isKnownPeer: () => true };

function stored(data: Uint8Array): { message: SnapshotRequest; snapshot: StoredSnapshot } {
  const meta = { index: logIndex(100), term: term(3), config: makeConfig([1, 2, 3], [4]) };
  return {
    message: {
      type: "snapshot-request", from: nodeId(1), to: nodeId(2), term: term(4), snapshot: meta,
    },
    snapshot: { meta, data, sha256: createHash("sha256").update(data).digest("hex") },
  };
}

function wire(chunk: InstallSnapshotChunk): InstallSnapshotChunk__Output {
  const definition = raftkvProtos().packageDefinition["raftkv.raft.v1.InstallSnapshotChunk"];
  const type = definition as unknown as {
    serialize: (value: object) => Buffer;
    deserialize: (bytes: Buffer) => InstallSnapshotChunk__Output;
  };
  return type.deserialize(type.serialize(chunk));
}

function assemble(
  chunks: readonly InstallSnapshotChunk[], limit = 1 << 20, inbound: InboundContext = context,
) {
  const assembler = new SnapshotAssembler(inbound, limit);
  for (const chunk of chunks) assembler.add(wire(chunk));
  return assembler.finish();
}

function refusal(chunks: readonly InstallSnapshotChunk[], limit?: number): string {
  try {
    assemble(chunks, limit);
    return "accepted";
  } catch (error) {
    if (error instanceof PeerRequestError) return error.code;
    throw error;
  }
}

describe("encodeSnapshotChunks() and SnapshotAssembler", () => {
  it("reassemble any snapshot exactly, whatever the chunk size", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }),
      (data, chunkBytes) => {
        const { message, snapshot } = stored(data);
        const chunks = encodeSnapshotChunks(message, snapshot, CLUSTER, chunkBytes);
        expect(chunks).toHaveLength(Math.max(1, Math.ceil(data.byteLength / chunkBytes)));
        const result = assemble(chunks);
        expect(result.message).toEqual(message);
        expect(result.snapshot).toEqual(snapshot);
      }), { numRuns: 200 });
  });

  it("accept a leader outside the receiver's configuration (thesis 4.1: it may be older)", () => {
    const { message, snapshot } = stored(new Uint8Array(10));
    const outsider: InboundContext = { ...context, isKnownPeer: (id) => id !== message.from };
    const chunks = encodeSnapshotChunks(message, snapshot, CLUSTER, 4);
    expect(assemble(chunks, 1 << 20, outsider).message).toEqual(message);
  });

  it("asserts the chunk size limit on the sender", () => {
    const { message, snapshot } = stored(new Uint8Array(10));
    expect(() => encodeSnapshotChunks(message, snapshot, CLUSTER, SNAPSHOT_CHUNK_BYTES_MAX + 1))
      .toThrow(AssertionError);
    expect(() => encodeSnapshotChunks(message, snapshot, CLUSTER, 0)).toThrow(AssertionError);
  });
});

describe("SnapshotAssembler refuses a broken stream", () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  const { message, snapshot } = stored(data);
  const chunks = (): InstallSnapshotChunk[] => encodeSnapshotChunks(message, snapshot, CLUSTER, 40);
  const edit = (change: (chunks: InstallSnapshotChunk[]) => void): InstallSnapshotChunk[] => {
    const result = chunks().map((chunk) => ({ ...chunk }));
    change(result);
    return result;
  };

  it.each<[string, (chunks: InstallSnapshotChunk[]) => void, string]>([
    ["the unchanged stream", () => undefined, "accepted"],
    ["a gap", (c) => { c.splice(1, 1); }, INVALID],
    ["an overlap", (c) => { c[1] = { ...c[1], offset: 30 }; }, INVALID],
    ["a repeated chunk", (c) => { c.splice(1, 0, { ...c[1]! }); }, INVALID],
    ["bytes past the announced size", (c) => {
      c[2] = { ...c[2], data: new Uint8Array(30) };
    }, INVALID],
    ["no metadata on the first chunk", (c) => { c[0] = { ...c[0], metadata: null }; }, INVALID],
    ["metadata on a later chunk", (c) => {
      c[1] = { ...c[1], metadata: c[0]!.metadata ?? null };
    }, INVALID],
    ["another term on a later chunk", (c) => { c[1] = { ...c[1], term: 9 }; }, INVALID],
    ["a chunk after the last", (c) => {
      c.push({ ...c[2]!, offset: 100, data: new Uint8Array(0) });
    }, INVALID],
    ["an end without the last chunk", (c) => { c.pop(); }, INVALID],
    ["no chunk at all", (c) => { c.length = 0; }, INVALID],
    ["bytes that do not match the checksum", (c) => {
      c[1] = { ...c[1], data: new Uint8Array(40) };
    }, "corrupt"],
    ["a malformed checksum", (c) => {
      c[0] = { ...c[0], metadata: { ...c[0]!.metadata, sha256: "ABC" } };
    }, INVALID],
    ["a configuration without voters", (c) => {
      c[0] = { ...c[0], metadata: { ...c[0]!.metadata, voters: [] } };
    }, INVALID],
    ["unsorted voters", (c) => {
      c[0] = { ...c[0], metadata: { ...c[0]!.metadata, voters: [3, 1, 2] } };
    }, INVALID],
    ["another cluster", (c) => {
      c.forEach((chunk, i) => { c[i] = { ...chunk, cluster_id: 8 }; });
    }, "wrong-cluster"],
  ])("%s", (_name, change, expected) => {
    expect(refusal(edit(change))).toBe(expected);
  });

  it("refuses a snapshot over the receiver's size limit before reading its bytes", () => {
    expect(refusal(chunks(), 99)).toBe("too-large");
    expect(refusal(chunks(), 100)).toBe("accepted");
  });
});
