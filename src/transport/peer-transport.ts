import type { LogIndex, NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import type { SnapshotStatus } from "../core/progress.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";

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
 */
export interface InboundHandler {
  /** Steps a peer message; `answer` (for requests) gets its responses to the sender. */
  receive(message: Message, answer?: AnswerRequest): void;
  /**
   * A snapshot's bytes arrived (before its metadata-only snapshot-request is received).
   * Known limit: they arrive whole, so a receiver holds the entire snapshot in memory (the
   * gRPC server assembles the stream up to its snapshotBytesMax, snapshot-chunks.ts) until
   * it is saved; streaming it to the snapshot store as it arrives is not done yet.
   */
  receiveSnapshotData(snapshot: StoredSnapshot): void;
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
