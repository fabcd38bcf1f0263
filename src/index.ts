/**
 * raftkv as a library (the hashicorp/raft way), the package's one entry point:
 * `import { RaftNode } from "raftkv"`.
 *
 * - Build a RaftNode from a RaftConfig, a StateMachine, an AsyncLogStore, a SnapshotStore, a
 *   PeerTransport and a Scheduler (RaftNodeParts); its client calls fail with the typed
 *   errors below.
 * - Production parts: the SQLite Raft log (WorkerSqliteLogStore writes on a worker thread;
 *   SqliteLogStore is the synchronous store it wraps), the file snapshot store, the SQLite
 *   key-value state machine and its command codec, and the gRPC peer transport
 *   (GrpcPeerClient outbound, addRaftPeerService inbound).
 * - startMember() runs a whole raftkv member, as the `raftkv` command does, from Settings.
 * - In-memory stores, an in-memory network and a manual scheduler are included for tests and
 *   examples.
 * Everything not exported here is internal and may change without notice.
 */

// The Raft core's vocabulary.
export { DEFAULT_RAFT_CONFIG, validateRaftConfig, type RaftConfig } from "./core/raft-config.js";
export { bootstrapEntries } from "./core/bootstrap.js";
export { makeConfig, type ConfigChange } from "./core/membership-config.js";
export {
  nodeId, term, logIndex, NO_NODE, type NodeId, type Term, type LogIndex,
} from "./core/ids.js";
export type { Entry, EntryKind, HardState, MembershipConfig, SnapshotMeta } from "./core/entry.js";
export type { Message } from "./core/message.js";
export type { Role, Status } from "./core/ready.js";
export { SeededRandom, type Random } from "./core/random.js";
export { RaftCore } from "./core/raft-core.js";

// The driver, its ports and its errors.
export { RaftNode, type RaftNodeParts, type Applied } from "./node/raft-node.js";
export type { Scheduler } from "./node/scheduler.js";
export { ManualScheduler } from "./node/manual-scheduler.js";
export { SystemScheduler } from "./runtime/system-scheduler.js";
export type { NodeEvent, NodeEventListener } from "./node/node-events.js";
export {
  NodeError, NotLeaderError, LeadershipLostError, ProposalDroppedError, DeadlineExceededError,
  QueueFullError, FailedPreconditionError, ChangeInProgressError, InvalidRequestError,
  NodeStoppedError,
} from "./node/errors.js";
export type { SnapshotOutcome, StateMachine } from "./state-machine/state-machine.js";
export type { LogStore, PersistBatch } from "./storage/log-store.js";
export type { AsyncLogStore } from "./storage/async-log-store.js";
export type {
  IncomingSnapshot, IncomingSnapshotKey, SnapshotDraft, SnapshotStore, StoredSnapshot,
} from "./storage/snapshot-store.js";
export { readSnapshotBytes, saveSnapshotBytes } from "./storage/snapshot-store.js";
export type { PeerTransport, InboundHandler, AnswerRequest } from "./transport/peer-transport.js";

// In-memory parts, for tests and examples.
export { SyncAsyncLogStore } from "./storage/sync-async-log-store.js";
export { MemoryLogStore } from "./storage/memory-log-store.js";
export { MemorySnapshotStore } from "./storage/memory-snapshot-store.js";
export { MemoryNetwork } from "./transport/memory-transport.js";
export { MemoryKvStateMachine } from "./state-machine/memory-kv-state-machine.js";

// SQLite storage.
export {
  SqliteLogStore, SQLITE_LOG_STORE_SETTINGS, IdentityMismatchError,
  type SqliteLogStoreOptions, type MemberIdentity,
} from "./storage/sqlite/sqlite-log-store.js";
export {
  WorkerSqliteLogStore, type WorkerSqliteLogStoreOptions,
} from "./storage/sqlite/worker-sqlite-log-store.js";
export {
  FileSnapshotStore, type FileSnapshotStoreOptions,
} from "./storage/sqlite/sqlite-snapshot-store.js";
export { DatabaseSetupError, type SynchronousLevel } from "./storage/sqlite/open-database.js";
export { SchemaVersionError } from "./storage/sqlite/migrations.js";

// The key-value state machine.
export {
  SqliteKvStateMachine, type SqliteKvStateMachineOptions,
} from "./state-machine/sqlite-kv-state-machine.js";
export {
  encodeKvCommand, decodeKvCommand, encodeKvResult, decodeKvResult, KvCodecError,
} from "./state-machine/kv-command.js";
export {
  CLIENT_SESSIONS_MAX, type KvCommand, type KvResult, type KvSession, type KeyValue,
  type KvReader, type KvStateMachine, type RangeRequest, type RangeResult,
} from "./state-machine/kv-types.js";

// The gRPC peer transport.
export {
  GrpcPeerClient, DEFAULT_PEER_CLIENT_LIMITS, type GrpcPeerClientOptions, type PeerClientLimits,
} from "./transport/grpc-peer-client.js";
export {
  addRaftPeerService, peerServerOptions, DEFAULT_PEER_SERVER_LIMITS,
  type RaftPeerService, type RaftPeerServiceOptions,
} from "./transport/grpc-peer-server.js";

// A whole member, as the `raftkv` command runs it.
export { startMember, type Member } from "./member.js";
export { loadSettings, type Settings, type PeerSpec } from "./settings.js";
export { StartupError } from "./startup-error.js";
export { JsonLogger, type Logger, type LogLevel } from "./observability/logger.js";
