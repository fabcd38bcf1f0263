// Goal: measure what a snapshot of a large KV state costs a member: the size of the file,
// how long the VACUUM INTO copy takes, the longest stall of the event loop while it runs (the
// copy and its hash are on a worker thread, so the loop should keep turning), how long a
// restore from the file takes, and how fast InstallSnapshot streams it disk to disk over
// loopback gRPC. Not part of `make test`.
// Method: a SqliteKvStateMachine gets KEYS puts (16-byte keys, 100-byte values) applied in
// batches through apply(); a snapshot is taken the way RaftNode takes one (snapshotTo into a
// FileSnapshotStore draft, then commit) while a 1 ms interval probe and
// monitorEventLoopDelay watch the loop; the snapshot is restored into a second machine, all
// on the event loop, and into a third as a follower installs one (prepareRestore off the
// loop, then restoreFrom);
// then a GrpcPeerClient streams it to a RaftPeer server on 127.0.0.1 whose handler writes it
// into another FileSnapshotStore, and the wall time gives MB/s.
// Run: npx tsc -p bench/tsconfig.json --outDir .scratch/bench &&
//      node .scratch/bench/bench/snapshot-bench.js [keys]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import type { Entry } from "../src/core/entry.js";
import { logIndex, nodeId, term, type NodeId } from "../src/core/ids.js";
import { makeConfig } from "../src/core/membership-config.js";
import type { Message } from "../src/core/message.js";
import type { SnapshotStatus } from "../src/core/progress.js";
import { encodeKvCommand } from "../src/state-machine/kv-command.js";
import { KV_HISTORY_REVISIONS_DEFAULT } from "../src/state-machine/kv-types.js";
import { SqliteKvStateMachine } from "../src/state-machine/sqlite-kv-state-machine.js";
import type { SnapshotOutcome } from "../src/state-machine/state-machine.js";
import type {
  IncomingSnapshot, IncomingSnapshotKey, StoredSnapshot,
} from "../src/storage/snapshot-store.js";
import { FileSnapshotStore } from "../src/storage/sqlite/sqlite-snapshot-store.js";
import { DEFAULT_PEER_CLIENT_LIMITS, GrpcPeerClient } from "../src/transport/grpc-peer-client.js";
import {
  addRaftPeerService, DEFAULT_PEER_SERVER_LIMITS, peerServerOptions,
} from "../src/transport/grpc-peer-server.js";
import type { AnswerRequest, InboundHandler } from "../src/transport/peer-transport.js";

const KEYS = Number(process.argv[2] ?? 1_000_000);
const BATCH_ENTRIES = 1000;
const MB = 1024 * 1024;

function openMachine(directory: string): SqliteKvStateMachine {
  return SqliteKvStateMachine.open({
    path: join(directory, "kv.db"), synchronous: "NORMAL", sessionsMax: 10_000,
    historyRevisionsMax: KV_HISTORY_REVISIONS_DEFAULT, busyTimeoutMs: 5000,
    walAutocheckpointPages: 1000,
  });
}

function fill(machine: SqliteKvStateMachine): void {
  const value = new Uint8Array(100).fill(0x61);
  for (let first = 1; first <= KEYS; first += BATCH_ENTRIES) {
    const batch: Entry[] = [];
    for (let index = first; index < first + BATCH_ENTRIES && index <= KEYS; index++) {
      const key = new TextEncoder().encode(`key-${String(index).padStart(12, "0")}`);
      batch.push({
        index: logIndex(index), term: term(1), kind: "command",
        data: encodeKvCommand({ type: "put", key, value }),
      });
    }
    machine.apply(batch);
  }
}

/** Runs `work` while probing the event loop; returns its result and the longest stall. */
async function probed<T>(
  work: () => Promise<T>,
): Promise<{ result: T; stallMs: number; histogramMaxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let last = performance.now();
  let stallMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  try {
    const result = await work();
    return { result, stallMs, histogramMaxMs: histogram.max / 1e6 };
  } finally {
    clearInterval(probe);
    histogram.disable();
  }
}

async function takeSnapshot(
  machine: SqliteKvStateMachine, store: FileSnapshotStore,
): Promise<StoredSnapshot> {
  const draft = store.create();
  const outcome = await new Promise<SnapshotOutcome>((done) => {
    machine.snapshotTo(draft, done);
  });
  if (!outcome.ok) throw outcome.error;
  const meta = { index: outcome.index, term: term(1), config: makeConfig([1, 2]) };
  return draft.commit(meta, outcome.sha256);
}

/** The receiving member: writes chunks into its store and answers the snapshot-request. */
class ReceivingHandler implements InboundHandler {
  installed: StoredSnapshot | undefined;
  private incoming: IncomingSnapshot | undefined;

  constructor(private readonly store: FileSnapshotStore) {}

  openIncomingSnapshot(key: IncomingSnapshotKey): IncomingSnapshot {
    return this.store.receive(key);
  }

  incomingSnapshotBytes(key: IncomingSnapshotKey): number {
    return this.store.receivedBytes(key);
  }

  receiveSnapshotData(snapshot: IncomingSnapshot): void {
    this.incoming = snapshot;
  }

  receive(message: Message, answer?: AnswerRequest): void {
    if (message.type !== "snapshot-request" || this.incoming === undefined) return;
    this.installed = this.incoming.commit(message.snapshot);
    answer?.([{
      type: "append-response", from: message.to, to: message.from, term: message.term,
      success: true, matchIndex: message.snapshot.index, rejectedIndex: logIndex(0),
      hintIndex: logIndex(0), hintTerm: term(0),
    }]);
  }

  reportUnreachable(): void {
    // Nothing is sent from here.
  }

  reportSnapshot(): void {
    // Nothing is sent from here.
  }
}

/** The sending member: only waits for the snapshot's report. */
class SendingHandler implements InboundHandler {
  report: ((status: SnapshotStatus) => void) | undefined;
  openIncomingSnapshot(): never {
    throw new Error("the sender receives no snapshot");
  }
  incomingSnapshotBytes(): number {
    return 0;
  }
  receiveSnapshotData(): void {
    throw new Error("the sender receives no snapshot");
  }
  receive(): void {
    // The append-response: nothing to do.
  }
  reportUnreachable(): void {
    // Reported through reportSnapshot.
  }
  reportSnapshot(_peer: NodeId, status: SnapshotStatus): void {
    this.report?.(status);
  }
}

async function transfer(snapshot: StoredSnapshot, directory: string): Promise<number> {
  const handler = new ReceivingHandler(FileSnapshotStore.open({ directory, retainCount: 2 }));
  const server = new grpc.Server(peerServerOptions());
  addRaftPeerService(server, {
    ...DEFAULT_PEER_SERVER_LIMITS, clusterId: 1, selfId: nodeId(2), handler,
    isKnownPeer: () => true, currentTerm: () => term(1),
  });
  const port = await new Promise<number>((done, fail) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) done(bound);
      else fail(error);
    });
  });
  const sender = new SendingHandler();
  const client = new GrpcPeerClient({
    ...DEFAULT_PEER_CLIENT_LIMITS, clusterId: 1, selfId: nodeId(1),
    snapshotDeadlineMs: 600_000,
  });
  client.attach(sender);
  client.setPeerAddress(nodeId(2), `127.0.0.1:${String(port)}`);
  const started = performance.now();
  const status = await new Promise<SnapshotStatus>((done) => {
    sender.report = done;
    client.send({
      type: "snapshot-request", from: nodeId(1), to: nodeId(2), term: term(1),
      snapshot: snapshot.meta,
    }, snapshot);
  });
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  server.forceShutdown();
  if (status !== "finished" || handler.installed?.sha256 !== snapshot.sha256) {
    throw new Error(`the transfer ${status}`);
  }
  return snapshot.sizeBytes / MB / seconds;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "raftkv-snapshot-bench-"));
  try {
    const directory = (name: string): string => mkdtempSync(join(root, name));
    const source = openMachine(directory("source-"));
    let started = performance.now();
    fill(source);
    console.log(`applied ${KEYS} puts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const store = FileSnapshotStore.open({ directory: directory("snapshots-"), retainCount: 2 });
    started = performance.now();
    const { result: snapshot, stallMs, histogramMaxMs } =
      await probed(() => takeSnapshot(source, store));
    const produceSeconds = (performance.now() - started) / 1000;
    console.log(`snapshot: ${(snapshot.sizeBytes / MB).toFixed(1)} MB at index ` +
      `${String(snapshot.meta.index)}, produced and committed in ${produceSeconds.toFixed(2)} s; ` +
      `longest event-loop stall ${stallMs.toFixed(1)} ms (1 ms probe), ` +
      `${histogramMaxMs.toFixed(1)} ms (monitorEventLoopDelay max)`);
    const target = openMachine(directory("target-"));
    started = performance.now();
    target.restoreFrom(snapshot);
    console.log(`restore, all on the event loop (no preparation): ` +
      `${((performance.now() - started) / 1000).toFixed(2)} s ` +
      `(applied index ${String(target.appliedIndex())})`);
    // As a follower installs a received snapshot: the copy is prepared off the event loop
    // while its log write runs, then restoreFrom() only checks it and renames it into place.
    const prepared = openMachine(directory("prepared-"));
    started = performance.now();
    const { stallMs: prepareStallMs } = await probed(() => new Promise<void>((done) => {
      prepared.prepareRestore(snapshot, done);
    }));
    const prepareSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    prepared.restoreFrom(snapshot);
    console.log(`restore with preparation: copy off the event loop ${prepareSeconds.toFixed(2)} s ` +
      `(longest event-loop stall ${prepareStallMs.toFixed(1)} ms), then restoreFrom on the ` +
      `event loop ${(performance.now() - started).toFixed(1)} ms ` +
      `(applied index ${String(prepared.appliedIndex())})`);
    source.close();
    target.close();
    prepared.close();
    const { result: rate, stallMs: transferStallMs } =
      await probed(() => transfer(snapshot, directory("received-")));
    console.log(`InstallSnapshot over loopback gRPC, disk to disk: ${rate.toFixed(1)} MB/s; ` +
      `longest event-loop stall ${transferStallMs.toFixed(1)} ms (sender and receiver ` +
      "in this one process, commit included)");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
