import type { LogIndex, NodeId } from "../core/ids.js";

/**
 * Where the entries of client writes are on their way (an optional port of RaftNode, for
 * tracing a write end to end). Each call is cheap and synchronous; `proposed` runs inside
 * RaftNode.apply(), so an observer can read the caller's context (the active trace) there.
 */
export interface LogProgressObserver {
  /** A client command was appended at `index` on this leader. */
  proposed(index: LogIndex): void;
  /** This member's log is durable through `lastIndex`. */
  persisted(lastIndex: LogIndex): void;
  /** The leader learned that `peer`'s log matches its own through `matchIndex`. */
  matched(peer: NodeId, matchIndex: LogIndex): void;
  /** This member knows entries through `commitIndex` are committed. */
  committed(commitIndex: LogIndex): void;
  /** This member applied entries through `appliedIndex`. */
  applied(appliedIndex: LogIndex): void;
}
