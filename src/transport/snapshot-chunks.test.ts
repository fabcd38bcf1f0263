// Goal: a snapshot cut into InstallSnapshot chunks arrives byte for byte in the receiver's
// snapshot store, resumes where a broken stream left off, and a receiver accepts nothing but
// a well-formed stream: chunks in order without gaps or overlaps, each matching its CRC-32,
// no bytes past the announced size, a size within its limit, and bytes matching the
// announced SHA-256 (docs/testing.md, Bad input: InstallSnapshot chunks). The sender reads
// the snapshot a chunk at a time.
// Method: fast-check over snapshot sizes (including empty) and chunk sizes, each chunk
// pushed through real protobuf bytes into a SnapshotReceiver over a MemorySnapshotStore;
// then one table case per way to break a stream, checking the typed refusal.

import fc from "fast-check";
import { AssertionError } from "../core/assert.js";
import { logIndex, nodeId, term } from "../core/ids.js";
import { makeConfig } from "../core/membership-config.js";
import type { SnapshotRequest } from "../core/message.js";
import type {
  InstallSnapshotChunk, InstallSnapshotChunk__Output,
} from "../gen/raftkv/raft/v1/InstallSnapshotChunk.js";
import { MemorySnapshotStore } from "../storage/memory-snapshot-store.js";
import {
  readSnapshotBytes, saveSnapshotBytes, type StoredSnapshot,
} from "../storage/snapshot-store.js";
import { PeerRequestError, type InboundContext } from "./peer-envelope.js";
import { raftkvProtos } from "./proto-loading.js";
import {
  chunkCrc32 as crc32Of, SNAPSHOT_CHUNK_BYTES_MAX, SnapshotChunkReader,
} from "./snapshot-chunks.js";
import { SnapshotReceiver, type IncomingSnapshots } from "./snapshot-receiver.js";

const CLUSTER = 9;
const INVALID = "invalid-argument";
const context: InboundContext = { clusterId: CLUSTER, selfId: nodeId(2), isKnownPeer: () => true };

function stored(data: Uint8Array): { message: SnapshotRequest; snapshot: StoredSnapshot } {
  const meta = { index: logIndex(100), term: term(3), config: makeConfig([1, 2, 3], [4]) };
  const snapshot = saveSnapshotBytes(new MemorySnapshotStore({ retainCount: 1 }), meta, data);
  return {
    message: {
      type: "snapshot-request", from: nodeId(1), to: nodeId(2), term: term(4), snapshot: meta,
    },
    snapshot,
  };
}

function encodeAll(
  message: SnapshotRequest, snapshot: StoredSnapshot, chunkBytes: number, from = 0,
): InstallSnapshotChunk[] {
  const reader = new SnapshotChunkReader(message, snapshot, CLUSTER, chunkBytes, from);
  const chunks: InstallSnapshotChunk[] = [];
  for (let chunk = reader.next(); chunk !== undefined; chunk = reader.next()) chunks.push(chunk);
  return chunks;
}

/** The receiving member's store, as the InboundHandler the receiver writes through. */
function sinkOf(store: MemorySnapshotStore): IncomingSnapshots {
  return {
    openIncomingSnapshot: (key) => store.receive(key),
    incomingSnapshotBytes: (key) => store.receivedBytes(key),
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
  store = new MemorySnapshotStore({ retainCount: 1 }),
) {
  const receiver = new SnapshotReceiver(inbound, limit, sinkOf(store));
  for (const chunk of chunks) receiver.add(wire(chunk));
  return receiver.finish();
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

describe("SnapshotChunkReader and SnapshotReceiver", () => {
  it("deliver any snapshot exactly into the receiver's store, whatever the chunk size", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }),
      (data, chunkBytes) => {
        const { message, snapshot } = stored(data);
        const chunks = encodeAll(message, snapshot, chunkBytes);
        expect(chunks).toHaveLength(Math.max(1, Math.ceil(data.byteLength / chunkBytes)));
        const result = assemble(chunks);
        expect(result.message).toEqual(message);
        const committed = result.snapshot.commit(message.snapshot);
        expect(committed.sha256).toBe(snapshot.sha256);
        expect(Array.from(readSnapshotBytes(committed))).toEqual(Array.from(data));
      }), { numRuns: 200 });
  });

  it("read the snapshot one chunk at a time, only as chunks are asked for", () => {
    const { message, snapshot } = stored(new Uint8Array(1000));
    const reads: [number, number][] = [];
    const spied: StoredSnapshot = {
      ...snapshot,
      readChunk: (offset, length) => {
        reads.push([offset, length]);
        return snapshot.readChunk(offset, length);
      },
    };
    const reader = new SnapshotChunkReader(message, spied, CLUSTER, 300, 0);
    reader.next();
    expect(reads).toEqual([[0, 300]]);
    while (reader.next() !== undefined);
    expect(reads).toEqual([[0, 300], [300, 300], [600, 300], [900, 100]]);
  });

  it("resume a broken stream where the receiver's partial copy ends", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const { message, snapshot } = stored(data);
    const store = new MemorySnapshotStore({ retainCount: 1 });
    const first = new SnapshotReceiver(context, 1 << 20, sinkOf(store));
    for (const chunk of encodeAll(message, snapshot, 300).slice(0, 2)) first.add(wire(chunk));
    expect(first.progress()).toEqual({ index: 100, receivedBytes: 600, totalBytes: 1000 });
    // The stream broke; the sender asks where to resume and streams only the rest.
    const key = { index: logIndex(100), term: 3, sizeBytes: 1000, sha256: snapshot.sha256 };
    expect(store.receivedBytes(key)).toBe(600);
    const rest = encodeAll(message, snapshot, 300, 600);
    expect(rest.map((chunk) => chunk.offset)).toEqual([600, 900]);
    const result = assemble(rest, 1 << 20, context, store);
    expect(Array.from(readSnapshotBytes(result.snapshot.commit(message.snapshot))))
      .toEqual(Array.from(data));
    // A stream that resumes anywhere else is refused.
    store.receive(key).append(data.subarray(0, 300));
    expect(() => assemble(encodeAll(message, snapshot, 300, 600), 1 << 20, context, store))
      .toThrow(/resumes at 600, but this member holds 300 B/);
  });

  it("accept a leader outside the receiver's configuration (thesis 4.1: it may be older)", () => {
    const { message, snapshot } = stored(new Uint8Array(10));
    const outsider: InboundContext = { ...context, isKnownPeer: (id) => id !== message.from };
    const chunks = encodeAll(message, snapshot, 4);
    expect(assemble(chunks, 1 << 20, outsider).message).toEqual(message);
  });

  it("carry the whole configuration, addresses included", () => {
    const config = {
      ...makeConfig([1, 2, 3], [4]),
      addresses: [{ id: nodeId(4), peerAddress: "d:1", clientAddress: "d:2", autoPromote: true }],
    };
    const { message, snapshot } = stored(new Uint8Array(10));
    const withAddresses = { ...message, snapshot: { ...message.snapshot, config } };
    const spied = { ...snapshot, meta: withAddresses.snapshot };
    expect(assemble(encodeAll(withAddresses, spied, 4)).message.snapshot.config).toEqual(config);
  });

  it("asserts the chunk size limit on the sender", () => {
    const { message, snapshot } = stored(new Uint8Array(10));
    const tooLarge = SNAPSHOT_CHUNK_BYTES_MAX + 1;
    expect(() => new SnapshotChunkReader(message, snapshot, CLUSTER, tooLarge, 0))
      .toThrow(AssertionError);
    expect(() => new SnapshotChunkReader(message, snapshot, CLUSTER, 0, 0)).toThrow(AssertionError);
  });
});

describe("SnapshotReceiver refuses a broken stream", () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  const { message, snapshot } = stored(data);
  const chunks = (): InstallSnapshotChunk[] => encodeAll(message, snapshot, 40);
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
    ["a chunk that does not match its CRC-32", (c) => {
      c[1] = { ...c[1], data: new Uint8Array(40) };
    }, "corrupt"],
    ["bytes that match their CRC-32s but not the SHA-256", (c) => {
      c[1] = { ...c[1], data: new Uint8Array(40), crc32: 0 };
      c[1] = { ...c[1], crc32: crc32Of(new Uint8Array(40)) };
    }, "corrupt"],
    ["a config that lists other members than voters and learners", (c) => {
      c[0] = {
        ...c[0],
        metadata: { ...c[0]!.metadata, config: new TextEncoder().encode('{"v":1,"voters":[1],"learners":[]}') },
      };
    }, INVALID],
    ["a config that does not decode", (c) => {
      c[0] = { ...c[0], metadata: { ...c[0]!.metadata, config: Uint8Array.of(1, 2) } };
    }, INVALID],
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

  it("names the chunk whose CRC-32 does not match, so the sender can resume before it", () => {
    const broken = edit((c) => { c[1] = { ...c[1], data: new Uint8Array(40) }; });
    expect(() => assemble(broken)).toThrow(
      "InstallSnapshot: the chunk at offset 40 does not match its CRC-32; resume from 40");
  });

  it("refuses a snapshot over the receiver's size limit before reading its bytes", () => {
    expect(refusal(chunks(), 99)).toBe("too-large");
    expect(refusal(chunks(), 100)).toBe("accepted");
  });
});
