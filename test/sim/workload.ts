import { assert } from "../../src/core/assert.js";
import { NO_NODE, type NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";
import {
  DeadlineExceededError, LeadershipLostError, NodeStoppedError, NotLeaderError,
} from "../../src/node/errors.js";
import { encodeKvCommand } from "../../src/state-machine/kv-command.js";
import type { KvCommand } from "../../src/state-machine/kv-types.js";
import type { KvInput, KvOperation, KvOutput } from "../checker/kv-model.js";
import type { SimMember } from "./sim-member.js";

/** How the simulated clients behave (TESTING.md 2.1.5). */
export interface WorkloadOptions {
  readonly clientCount: number;
  readonly keyCount: number;
  /** A call with no answer by then is recorded as unknown (writes) or dropped (reads). */
  readonly opTimeoutMicros: number;
  /** Pause between a client's operations, drawn uniformly from [0, thinkMicrosMax). */
  readonly thinkMicrosMax: number;
  /** Probability that a client calls the leader it last heard of rather than a random node. */
  readonly stickToLeaderProbability: number;
}

/** The simulator's side of the client connection. */
export interface ClusterAccess {
  nowMicros(): number;
  /** Nodes a client can reach: running and not paused. */
  reachableNodeIds(): readonly NodeId[];
  /** Runs `call` on a reachable node and handles a crash it triggers; undefined if it crashed. */
  invoke<T>(id: NodeId, call: (member: SimMember) => T): T | undefined;
  scheduleClientStep(delayMicros: number, clientId: number): void;
  scheduleClientTimeout(delayMicros: number, clientId: number, requestId: number): void;
}

interface PendingOp {
  readonly clientId: number;
  readonly requestId: number;
  readonly input: KvInput;
  readonly nodeId: NodeId;
  readonly callMicros: number;
}

interface Client {
  readonly id: number;
  pending: PendingOp | undefined;
  leaderHint: NodeId;
  writesIssued: number;
}

/**
 * Closed-loop clients, one outstanding operation each, over a handful of keys, with unique
 * write values "c{client}-{n}", calling the production RaftNode's client API (apply() with
 * real KV commands, readBarrier() then a local read) and settling on its promises. Every
 * completed call lands in `history` in the checker's Operation format, on the virtual
 * clock; a write that timed out or lost its leader is recorded as unknown. Writes a
 * non-leader refused, and reads that failed, did not happen and are left out.
 */
export class Workload {
  readonly history: KvOperation[] = [];
  private readonly clients: Client[] = [];
  private requestIdNext = 1;
  /** While false, clients finish their current call and stop. */
  private issuing = true;
  /** Keys still waiting for a successful final read (final phase only). */
  private finalReadKeys: string[] | undefined;
  readonly keys: readonly string[];
  completedCount = 0;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly random: SeededRandom,
    private readonly access: ClusterAccess,
  ) {
    assert(options.clientCount >= 1 && options.keyCount >= 1, "need clients and keys");
    this.keys = Array.from({ length: options.keyCount }, (_, i) => `k${i}`);
    for (let id = 1; id <= options.clientCount; id++) {
      this.clients.push({
        id,
        pending: undefined,
        leaderHint: NO_NODE,
        writesIssued: 0,
      });
      access.scheduleClientStep(random.intBelow(options.thinkMicrosMax), id);
    }
  }

  stopIssuing(): void {
    this.issuing = false;
  }

  /** Starts the final phase: linearizable reads of every key, retried until each succeeds. */
  startFinalReads(): void {
    this.finalReadKeys = [...this.keys];
    this.issuing = true;
    for (const client of this.clients) {
      if (client.pending === undefined) this.access.scheduleClientStep(0, client.id);
    }
  }

  /** True once every key had a successful final read. */
  finalReadsDone(): boolean {
    return this.finalReadKeys !== undefined && this.finalReadKeys.length === 0;
  }

  hasPending(): boolean {
    return this.clients.some((client) => client.pending !== undefined);
  }

  /**
   * Ends the run: calls still waiting are recorded as timed out, so that a write that took
   * effect but was never answered is still in the history (as unknown).
   */
  closeHistory(): void {
    this.issuing = false;
    for (const client of this.clients) {
      const op = client.pending;
      if (op !== undefined) this.timedOut(client.id, op.requestId);
    }
  }

  /** A client's turn: issue its next operation. */
  step(clientId: number): void {
    const client = this.client(clientId);
    if (client.pending !== undefined || !this.issuing) return;
    const input = this.nextInput(client);
    if (input === undefined) return;
    const nodeId = this.pickNode(client);
    if (nodeId === undefined) {
      this.access.scheduleClientStep(this.thinkMicros(), clientId);
      return;
    }
    const op: PendingOp = {
      clientId, requestId: this.requestIdNext++, input, nodeId,
      callMicros: this.access.nowMicros(),
    };
    client.pending = op;
    this.access.scheduleClientTimeout(this.options.opTimeoutMicros, clientId, op.requestId);
    // The node's own deadline is longer: the client gives up first, as a real one would.
    const nodeTimeoutMs = (2 * this.options.opTimeoutMicros) / 1000;
    this.access.invoke(nodeId, (member) => {
      if (input.kind === "get") {
        member.node.readBarrier(nodeTimeoutMs).then(
          () => { this.settle(op, { kind: "get", value: member.kv.get(input.key) }); },
          (error: unknown) => { this.failed(op, error); },
        );
      } else {
        member.node.apply(encodeKvCommand(command(input)), nodeTimeoutMs).then(
          () => { this.settle(op, { kind: input.kind === "put" ? "put" : "delete" }); },
          (error: unknown) => { this.failed(op, error); },
        );
      }
    });
  }

  /** A call's promise settled; ignored if the call already ended (timeout, crash). */
  private settle(op: PendingOp, output: KvOutput | undefined): void {
    if (this.client(op.clientId).pending !== op) return;
    if (output !== undefined && output.kind !== "unknown") {
      this.client(op.clientId).leaderHint = op.nodeId;
    }
    this.finish(op, output);
  }

  /**
   * A call failed. A refused or dropped write never took effect; one whose leader was lost,
   * or whose member stopped or ran out of time, may or may not have (unknown).
   */
  private failed(op: PendingOp, error: unknown): void {
    if (this.client(op.clientId).pending !== op) return;
    // A member that names no leader (partitioned, or removed from the cluster) is no place
    // to come back to: the client forgets it and picks another member next time.
    if (error instanceof NotLeaderError) this.client(op.clientId).leaderHint = error.leaderHint;
    const maybeApplied = error instanceof LeadershipLostError ||
      error instanceof DeadlineExceededError || error instanceof NodeStoppedError;
    this.settle(op, op.input.kind !== "get" && maybeApplied ? { kind: "unknown" } : undefined);
  }

  /** The client's deadline passed: a write becomes unknown, a read is dropped. */
  timedOut(clientId: number, requestId: number): void {
    const op = this.client(clientId).pending;
    if (op === undefined || op.requestId !== requestId) return;
    this.finish(op, op.input.kind === "get" ? undefined : { kind: "unknown" });
  }

  /** The node a call was waiting on crashed: the connection breaks, as on a timeout. */
  nodeCrashed(nodeId: NodeId): void {
    for (const client of this.clients) {
      const op = client.pending;
      if (op !== undefined && op.nodeId === nodeId) this.timedOut(client.id, op.requestId);
    }
  }

  /**
   * Completes a call. `output` undefined means it definitely had no effect (refused write,
   * failed read), so it stays out of the history.
   */
  private finish(op: PendingOp, output: KvOutput | undefined): void {
    const client = this.client(op.clientId);
    assert(client.pending === op, "finishing a call that is not pending");
    client.pending = undefined;
    const nowMicros = this.access.nowMicros();
    if (output !== undefined) {
      this.completedCount++;
      const ret = output.kind === "unknown" ? Number.POSITIVE_INFINITY : nowMicros;
      const call = op.callMicros;
      this.history.push({ clientId: op.clientId, input: op.input, output, call, ret });
      if (op.input.kind === "get" && output.kind === "get" && this.finalReadKeys !== undefined) {
        this.finalReadKeys = this.finalReadKeys.filter((key) => key !== op.input.key);
      }
    }
    if (this.issuing) this.access.scheduleClientStep(this.thinkMicros(), op.clientId);
  }

  private nextInput(client: Client): KvInput | undefined {
    if (this.finalReadKeys !== undefined) {
      if (this.finalReadKeys.length === 0) return undefined;
      return { kind: "get", key: this.finalReadKeys[(client.id - 1) % this.finalReadKeys.length]! };
    }
    const key = this.keys[this.random.intBelow(this.keys.length)]!;
    const roll = this.random.intBelow(100);
    if (roll < 35) return { kind: "get", key };
    const value = `c${client.id}-${++client.writesIssued}`;
    if (roll < 80) return { kind: "put", key, value };
    return { kind: "delete", key };
  }

  private pickNode(client: Client): NodeId | undefined {
    const reachable = this.access.reachableNodeIds();
    if (reachable.length === 0) return undefined;
    const stick = this.options.stickToLeaderProbability;
    if (reachable.includes(client.leaderHint) && this.random.chance(stick)) {
      return client.leaderHint;
    }
    return reachable[this.random.intBelow(reachable.length)];
  }

  private thinkMicros(): number {
    return this.random.intBelow(this.options.thinkMicrosMax);
  }

  private client(clientId: number): Client {
    const client = this.clients[clientId - 1];
    assert(client !== undefined, `no client ${clientId}`);
    return client;
  }
}

/** The production KV command for a write (compare-and-swap arrives with KV.Txn). */
function command(input: KvInput): KvCommand {
  const key = new TextEncoder().encode(input.key);
  if (input.kind === "put") return { type: "put", key, value: new TextEncoder().encode(input.value) };
  assert(input.kind === "delete", `a ${input.kind} is not a write the KV state machine takes`);
  return { type: "delete", key };
}
