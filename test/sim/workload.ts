import { assert } from "../../src/core/assert.js";
import type { Entry } from "../../src/core/entry.js";
import type { ProposeResult, RequestResult } from "../../src/core/errors.js";
import { NO_NODE, type NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { KvInput, KvOperation, KvOutput } from "../checker/kv-model.js";
import {
  encodeClientCommand,
  type AppliedCommand,
  type KvApplyResult,
  type KvCommand,
} from "./kv-state-machine.js";
import type { SimNode } from "./sim-node.js";

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
  invoke<T>(id: NodeId, call: (node: SimNode) => T): T | undefined;
  scheduleClientStep(delayMicros: number, clientId: number): void;
  scheduleClientTimeout(delayMicros: number, clientId: number, requestId: number): void;
}

interface PendingOp {
  readonly clientId: number;
  readonly requestId: number;
  readonly input: KvInput;
  readonly nodeId: NodeId;
  readonly callMicros: number;
  /** The (index, term) a leader accepted the write at, once known. */
  proposalIndex: number;
}

interface Client {
  readonly id: number;
  pending: PendingOp | undefined;
  leaderHint: NodeId;
  writesIssued: number;
  /** The last value this client saw or wrote per key; guides cas so that some succeed. */
  readonly lastSeen: Map<string, string | null>;
}

/**
 * Closed-loop clients, one outstanding operation each, over a handful of keys, with unique
 * write values "c{client}-{n}". Every completed call lands in `history` in the checker's
 * Operation format, on the virtual clock; a timed-out write is recorded as unknown. Writes a
 * non-leader refused, and reads that failed, did not happen and are left out.
 */
export class Workload {
  readonly history: KvOperation[] = [];
  private readonly clients: Client[] = [];
  private readonly byRequest = new Map<number, PendingOp>();
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
        lastSeen: new Map(),
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
      clientId,
      requestId: this.requestIdNext++,
      input,
      nodeId,
      callMicros: this.access.nowMicros(),
      proposalIndex: 0,
    };
    client.pending = op;
    this.byRequest.set(op.requestId, op);
    const result: ProposeResult | RequestResult | undefined =
      input.kind === "get"
        ? this.access.invoke(nodeId, (node) => node.readIndex(op.requestId))
        : this.access.invoke(nodeId, (node) => node.propose(this.encode(client, op)));
    if (client.pending !== op) return; // Already answered inside the call (one-node cluster).
    if (result === undefined) return; // The node crashed in the call; nodeCrashed() settled it.
    if (!result.ok) {
      if (result.refusal.leaderHint !== NO_NODE) client.leaderHint = result.refusal.leaderHint;
      this.finish(op, undefined);
      return;
    }
    if (isAcceptedProposal(result)) op.proposalIndex = result.index;
    this.access.scheduleClientTimeout(this.options.opTimeoutMicros, clientId, op.requestId);
  }

  /**
   * A node applied a committed entry: answer the client whose write it is, if it asked there.
   * A call completes once, at the entry's first application on the node that serves it. An
   * entry `reapplied` after a power loss (ADR 0005) answers nobody: its call was answered at
   * the first application, or failed when the node went down (nodeCrashed), and calls made
   * since are at indexes the node never reached before.
   */
  applied(
    node: SimNode, entry: Entry, outcome: AppliedCommand | undefined, reapplied: boolean,
  ): void {
    if (reapplied) {
      const waiting = this.clients.some((client) => {
        const op = client.pending;
        if (op === undefined || op.nodeId !== node.id) return false;
        return op.proposalIndex === entry.index || op.requestId === outcome?.command.requestId;
      });
      assert(!waiting, `node ${node.id} re-applied ${entry.index}, which a call there still waits for`);
      return;
    }
    if (outcome !== undefined) {
      const op = this.byRequest.get(outcome.command.requestId);
      if (op !== undefined && op.nodeId === node.id) {
        this.finish(op, this.writeOutput(op.input, outcome.result));
        this.client(op.clientId).leaderHint = node.id;
        return;
      }
    }
    // Another entry took the index our write was accepted at: the write can never commit.
    for (const client of this.clients) {
      const op = client.pending;
      if (op !== undefined && op.nodeId === node.id && op.proposalIndex === entry.index && op.input.kind !== "get") {
        this.finish(op, undefined);
      }
    }
  }

  readServed(node: SimNode, requestId: number): void {
    const op = this.byRequest.get(requestId);
    if (op === undefined || op.nodeId !== node.id) return;
    assert(op.input.kind === "get", "only gets use ReadIndex");
    const value = node.kv.get(op.input.key) ?? null;
    this.finish(op, { kind: "get", value });
  }

  readDropped(node: SimNode, requestId: number): void {
    const op = this.byRequest.get(requestId);
    if (op !== undefined && op.nodeId === node.id) this.finish(op, undefined);
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
    this.byRequest.delete(op.requestId);
    const nowMicros = this.access.nowMicros();
    if (output !== undefined) {
      this.completedCount++;
      const ret = output.kind === "unknown" ? Number.POSITIVE_INFINITY : nowMicros;
      const call = op.callMicros;
      this.history.push({ clientId: op.clientId, input: op.input, output, call, ret });
      this.remember(client, op.input, output);
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
    if (roll < 65) return { kind: "put", key, value };
    if (roll < 75) return { kind: "delete", key };
    const seen = client.lastSeen.get(key);
    const expected = seen !== undefined && this.random.chance(0.7) ? seen : null;
    return { kind: "cas", key, expected, value };
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

  private encode(client: Client, op: PendingOp): Uint8Array {
    const input = op.input;
    let command: KvCommand;
    if (input.kind === "put") command = { op: "put", key: input.key, value: input.value };
    else if (input.kind === "delete") command = { op: "delete", key: input.key };
    else if (input.kind === "cas") command = { op: "cas", key: input.key, expected: input.expected, value: input.value };
    else throw new Error("reads are not proposed");
    return encodeClientCommand({ clientId: client.id, requestId: op.requestId, command });
  }

  private writeOutput(input: KvInput, result: KvApplyResult): KvOutput {
    switch (input.kind) {
      case "put":
        return { kind: "put" };
      case "delete":
        return { kind: "delete" };
      case "cas":
        return { kind: "cas", succeeded: result.ok };
      case "get":
        throw new Error("a get is never applied as a command");
    }
  }

  private remember(client: Client, input: KvInput, output: KvOutput): void {
    if (output.kind === "get") client.lastSeen.set(input.key, output.value);
    else if (input.kind === "put") client.lastSeen.set(input.key, input.value);
    else if (input.kind === "delete") client.lastSeen.set(input.key, null);
    else if (input.kind === "cas" && output.kind === "cas" && output.succeeded) client.lastSeen.set(input.key, input.value);
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

function isAcceptedProposal(
  result: ProposeResult | RequestResult,
): result is Extract<ProposeResult, { ok: true }> {
  return result.ok && "index" in result;
}
