import type { LogIndex, NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { IncomingSnapshot, StoredSnapshot } from "../storage/snapshot-store.js";
import type { IncomingSnapshots } from "./snapshot-receiver.js";

/**
 * Receives the response-type messages (see isResponse()) that stepping a request produced
 * for its sender, once they may leave (after the write they promise is durable): possibly
 * empty, exactly once, and in the order the requests were received.
 */
export type AnswerRequest = (responses: readonly Message[]) => void;

/**
 * What a transport delivers inbound. The node steps the message; with `answer`, the
 * responses it produces for `message.from` go to `answer` (so that a request/response
 * transport can answer the RPC with them) instead of PeerTransport.send(). Every other
 * message the node produces leaves through PeerTransport.send().
 *
 * A snapshot's bytes go to disk as they arrive: the transport opens the partial copy
 * through IncomingSnapshots (the node's snapshot store) and writes each chunk to it.
 */
export interface InboundHandler extends IncomingSnapshots {
  /** Steps a peer message; `answer` (for requests) gets its responses to the sender. */
  receive(message: Message, answer?: AnswerRequest): void;
  /**
   * Every byte of a snapshot arrived and matched its SHA-256 (snapshot.intact()), just
   * before its metadata-only snapshot-request is received. The node commits it to its store
   * if the core takes the snapshot, and discards it if a newer one replaces it first.
   */
  receiveSnapshotData(snapshot: IncomingSnapshot): void;
  /** The transport could not deliver to `peer`; the core stops pipelining to it. */
  reportUnreachable(peer: NodeId): void;
  /**
   * How the send of the snapshot at `snapshotIndex` to `peer` ended (etcd's
   * raft.ReportSnapshot): "finished" once the peer took the whole stream and answered,
   * "failed" when it broke, timed out or could not start. The leader sends no other
   * snapshot to `peer` until this comes, however long the stream takes. Every
   * snapshot-request given to send() gets one report, on a later turn than send(), except
   * one a later snapshot-request to the same peer made redundant (a duplicate, or an older
   * snapshot or term): the later one's report stands for both. None come after close().
   */
  reportSnapshot(peer: NodeId, status: SnapshotStatus, snapshotIndex: LogIndex): void;
}

/**
 * Outbound peer messaging (hashicorp/raft's Transport analogue). send() is fire-and-forget
 * and never blocks the event loop; a bounded queue per peer drops (and reports unreachable)
 * rather than growing. Responses to our requests come back through InboundHandler.receive().
 * A snapshot-request streams its snapshot, one stream per peer at a time, and its outcome
 * comes back through InboundHandler.reportSnapshot().
 */
export interface PeerTransport {
  /** Registers the node that receives inbound messages and responses. */
  attach(handler: InboundHandler): void;
  /** Sends a message; `snapshot` accompanies a snapshot-request (the bytes to stream). */
  send(message: Message, snapshot?: StoredSnapshot): void;
  /** Updates where peers are reached (membership changes). */
  setPeerAddress(peer: NodeId, address: string): void;
  close(): Promise<void>;
}
