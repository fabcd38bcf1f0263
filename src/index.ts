/**
 * raftkv as a library (the hashicorp/raft way): build a RaftNode from a RaftConfig, a
 * StateMachine, an AsyncLogStore, a SnapshotStore, a PeerTransport and a Scheduler.
 * In-memory stores and an in-memory network are included for tests and examples; SQLite
 * stores and the gRPC transport are the production parts.
 */
export { DEFAULT_RAFT_CONFIG, validateRaftConfig, type RaftConfig } from "./core/raft-config.js";
export { bootstrapEntries } from "./core/bootstrap.js";
export { makeConfig, type ConfigChange } from "./core/membership-config.js";
export { nodeId, term, logIndex, NO_NODE, type NodeId, type Term, type LogIndex } from "./core/ids.js";
export type { Entry, EntryKind, HardState, MembershipConfig, SnapshotMeta } from "./core/entry.js";
export type { Message } from "./core/message.js";
export type { Role, Status } from "./core/ready.js";
export { SeededRandom, type Random } from "./core/random.js";
export { RaftCore } from "./core/raft-core.js";
export type { StateMachine } from "./state-machine/state-machine.js";
export type { LogStore, PersistBatch } from "./storage/log-store.js";
export type { AsyncLogStore } from "./storage/async-log-store.js";
export { SyncAsyncLogStore } from "./storage/sync-async-log-store.js";
export type { SnapshotStore, StoredSnapshot } from "./storage/snapshot-store.js";
export { MemoryLogStore } from "./storage/memory-log-store.js";
export { MemorySnapshotStore } from "./storage/memory-snapshot-store.js";
export type { PeerTransport, InboundHandler, AnswerRequest } from "./transport/peer-transport.js";
export { MemoryNetwork } from "./transport/memory-transport.js";
export { RaftNode, type RaftNodeParts, type Applied } from "./node/raft-node.js";
export type { Scheduler } from "./node/scheduler.js";
export { ManualScheduler } from "./node/manual-scheduler.js";
export { SystemScheduler } from "./runtime/system-scheduler.js";
export type { NodeEvent, NodeEventListener } from "./node/node-events.js";
export * from "./node/errors.js";
