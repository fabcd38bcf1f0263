import type { NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import { assert } from "../core/assert.js";
import type { IncomingSnapshot, StoredSnapshot } from "../storage/snapshot-store.js";
import type { InboundHandler, PeerTransport } from "./peer-transport.js";

/**
 * An in-process network for multi-member tests and examples (hashicorp/raft's InmemTransport
 * analogue). Delivery is asynchronous (one macrotask per message) and in order per link, as
 * with one gRPC channel per peer. Links can be cut to model partitions; a message over a cut
 * link is dropped and the sender is told the peer is unreachable. A snapshot-request is
 * reported finished once delivered, or failed when dropped (InboundHandler.reportSnapshot).
 */
export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, InboundHandler>();
  private readonly cut = new Set<string>();
  private readonly queueMax: number;
  private queued = 0;

  constructor(options: { queueMax?: number } = {}) {
    this.queueMax = options.queueMax ?? 100_000;
  }

  transport(self: NodeId): PeerTransport {
    return new MemoryTransport(this, self);
  }

  register(id: NodeId, handler: InboundHandler): void {
    this.handlers.set(id, handler);
  }

  unregister(id: NodeId): void {
    this.handlers.delete(id);
  }

  /** Cuts both directions between a and b. */
  partition(a: NodeId, b: NodeId): void {
    this.cut.add(`${String(a)}>${String(b)}`);
    this.cut.add(`${String(b)}>${String(a)}`);
  }

  /** Cuts every link to and from `id`. */
  isolate(id: NodeId, others: readonly NodeId[]): void {
    for (const other of others) if (other !== id) this.partition(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  deliver(from: NodeId, message: Message, snapshot: StoredSnapshot | undefined): void {
    const sender = this.handlers.get(from);
    // As a gRPC transport reports a snapshot stream: "failed" instead of unreachable.
    const failed = (): void => {
      if (snapshot !== undefined) sender?.reportSnapshot(message.to, "failed", snapshot.meta.index);
      else sender?.reportUnreachable(message.to);
    };
    if (this.cut.has(`${String(from)}>${String(message.to)}`) || this.queued >= this.queueMax) {
      setImmediate(failed);
      return;
    }
    this.queued += 1;
    setImmediate(() => {
      this.queued -= 1;
      const target = this.handlers.get(message.to);
      if (target === undefined) {
        failed();
        return;
      }
      if (snapshot !== undefined) target.receiveSnapshotData(copyInto(target, snapshot));
      // One-way, as Raft's messages are: responses come back through the target's send().
      target.receive(message);
      // The whole snapshot arrived: the sender hears so on a later turn, as from gRPC.
      if (snapshot === undefined) return;
      setImmediate(() => sender?.reportSnapshot(message.to, "finished", snapshot.meta.index));
    });
  }
}

/** Writes `snapshot` into the receiver's partial copy a chunk at a time, as a stream would. */
function copyInto(target: InboundHandler, snapshot: StoredSnapshot): IncomingSnapshot {
  const key = {
    index: snapshot.meta.index, term: snapshot.meta.term, sizeBytes: snapshot.sizeBytes,
    sha256: snapshot.sha256,
  };
  let incoming = target.openIncomingSnapshot(key);
  if (incoming.receivedBytes > 0) {
    incoming.discard(); // This network never breaks a stream midway: start over.
    incoming = target.openIncomingSnapshot(key);
  }
  for (let offset = 0; offset < snapshot.sizeBytes; offset += COPY_CHUNK_BYTES) {
    incoming.append(snapshot.readChunk(offset, COPY_CHUNK_BYTES));
  }
  assert(incoming.intact(), "a stored snapshot copies intact");
  return incoming;
}

const COPY_CHUNK_BYTES = 64 * 1024;

class MemoryTransport implements PeerTransport {
  constructor(private readonly network: MemoryNetwork, private readonly self: NodeId) {}

  attach(handler: InboundHandler): void {
    this.network.register(this.self, handler);
  }

  send(message: Message, snapshot?: StoredSnapshot): void {
    this.network.deliver(this.self, message, snapshot);
  }

  setPeerAddress(): void {
    // Every member of a MemoryNetwork is reachable by id.
  }

  close(): Promise<void> {
    this.network.unregister(this.self);
    return Promise.resolve();
  }
}
