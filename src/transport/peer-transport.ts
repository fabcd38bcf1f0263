import type { NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
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
  /** A snapshot's bytes arrived (before its metadata-only snapshot-request is received). */
  receiveSnapshotData(snapshot: StoredSnapshot): void;
  /** The transport could not deliver to `peer`; the core stops pipelining to it. */
  reportUnreachable(peer: NodeId): void;
}

/**
 * Outbound peer messaging (hashicorp/raft's Transport analogue). send() is fire-and-forget
 * and never blocks the event loop; a bounded queue per peer drops (and reports unreachable)
 * rather than growing. Responses to our requests come back through InboundHandler.receive().
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
