import type { NodeId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import type { StoredSnapshot } from "../storage/snapshot-store.js";

/**
 * What a transport delivers inbound: the node steps the message (persisting and draining its
 * Ready synchronously, so the state a response promises is durable before it is returned)
 * and returns the *response-type* messages (see isResponse()) it produced for
 * `message.from`, so that a request/response transport can answer the RPC with them. Every
 * other message the node produces leaves through PeerTransport.send().
 */
export interface InboundHandler {
  /** Steps a peer message; returns the response-type messages addressed to its sender. */
  receive(message: Message): Message[];
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
