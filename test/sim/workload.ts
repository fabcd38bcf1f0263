import { assert } from "../../src/core/assert.js";
import { NO_NODE, type NodeId } from "../../src/core/ids.js";
import type { SeededRandom } from "../../src/core/random.js";
import {
  DeadlineExceededError, LeadershipLostError, NodeStoppedError, NotLeaderError,
} from "../../src/node/errors.js";
import type { Applied } from "../../src/node/raft-node.js";
import { encodeKvCommand } from "../../src/state-machine/kv-command.js";
import type { KvCommand, KvResult, KvSession } from "../../src/state-machine/kv-types.js";
import type { KvInput, KvOperation, KvOutput } from "../checker/kv-model.js";
import { writeText, type ClientWrite, type ExactlyOnceChecker } from "./exactly-once.js";
import { ClientSession } from "./exactly-once-session.js";
import type { SimMember } from "./sim-member.js";

/** How the simulated clients behave (docs/testing.md, Simulated clients). */
export interface WorkloadOptions {
  readonly clientCount: number;
  readonly keyCount: number;
  /** A call with no answer by then is recorded as unknown (writes) or dropped (reads). */
  readonly opTimeoutMicros: number;
  /** Pause between a client's operations, drawn uniformly from [0, thinkMicrosMax). */
  readonly thinkMicrosMax: number;
  /** Probability that a client calls the leader it last heard of rather than a random node. */
  readonly stickToLeaderProbability: number;
  /**
   * Attempts of one write in doubt, the first included, before the client gives up on it.
   * Each attempt carries the write's session, so a retry never applies twice (thesis 6.3).
   */
  readonly writeAttemptsMax: number;
}

/** What the workload reports to, and the planted client fault it may carry. */
export interface WorkloadChecks {
  readonly exactlyOnce: ExactlyOnceChecker;
  /**
   * Planted fault in the client: a retry goes out with a new sequence, as a naive client's
   * would, so the session table cannot recognise it; the exactly-once checker must see the
   * double application that follows.
   */
  readonly newSequenceOnRetry: boolean;
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

/** One call in flight: a read, or one attempt of a write. */
interface PendingOp {
  readonly clientId: number;
  readonly requestId: number;
  readonly input: KvInput;
  readonly nodeId: NodeId;
  readonly callMicros: number;
}

/**
 * A write the client keeps until it is answered or given up: one logical operation, one
 * history record, however many attempts it takes.
 */
interface WriteInProgress {
  readonly input: KvInput & { kind: "put" | "delete" };
  /** The write as the exactly-once checker knows it. */
  readonly write: ClientWrite;
  /** The latest attempt's session; every attempt's unless the planted fault is on. */
  session: KvSession;
  /** When the first attempt went out: the history operation's call time. */
  readonly callMicros: number;
  attempts: number;
  /** Some attempt was proposed and may still apply, so an unanswered end is "unknown". */
  maybeApplied: boolean;
  /** The member the last attempt went to: a retry goes elsewhere unless told otherwise. */
  lastNodeId: NodeId;
}

interface Client {
  readonly id: number;
  /** "c{id}": names the client's writes and sessions. */
  readonly name: string;
  pending: PendingOp | undefined;
  write: WriteInProgress | undefined;
  leaderHint: NodeId;
  writesIssued: number;
  readonly session: ClientSession;
}

/**
 * Closed-loop clients, one outstanding operation each, over a handful of keys, calling the
 * production RaftNode's client API (apply() with real KV commands, readBarrier() then a
 * local read) and settling on its promises. Every write carries the client's session
 * (its name as clientId, a new sequence per write) and unique value "c{client}-{n}". A write
 * in doubt (an attempt timed out, or lost its leader or member, so it may be in a log) is
 * retried with the same session on another member (mostly the leader last named), refusals
 * included, up to writeAttemptsMax attempts (thesis 6.3: the session table answers a retry
 * of an applied write with the remembered reply; giveUp() says when a session ends). Every
 * completed operation lands in `history` once, in the checker's Operation format, on the
 * virtual clock, from its first attempt to its answer; a write given up in doubt is
 * recorded as unknown. Writes refused before any attempt reached a log, and reads that
 * failed, did not happen and are left out.
 */
export class Workload {
  readonly history: KvOperation[] = [];
  private readonly clients: Client[] = [];
  private requestIdNext = 1;
  /** While false, clients finish their current operation (retries included) and stop. */
  private issuing = true;
  /** Keys still waiting for a successful final read (final phase only). */
  private finalReadKeys: string[] | undefined;
  readonly keys: readonly string[];
  completedCount = 0;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly random: SeededRandom,
    private readonly access: ClusterAccess,
    private readonly checks: WorkloadChecks,
  ) {
    assert(options.clientCount >= 1 && options.keyCount >= 1, "need clients and keys");
    assert(options.writeAttemptsMax >= 1, "a write needs at least one attempt");
    this.keys = Array.from({ length: options.keyCount }, (_, i) => `k${i}`);
    for (let id = 1; id <= options.clientCount; id++) {
      this.clients.push({
        id, name: `c${id}`, pending: undefined, write: undefined, leaderHint: NO_NODE,
        writesIssued: 0, session: new ClientSession(`c${id}`),
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
    return this.clients.some((client) =>
      client.pending !== undefined || client.write !== undefined);
  }

  /**
   * Ends the run: calls still waiting are abandoned, so that a write that took effect but was
   * never answered is still in the history (as unknown).
   */
  closeHistory(): void {
    this.issuing = false;
    for (const client of this.clients) {
      const write = client.write;
      if (write !== undefined) {
        const maybeApplied = write.maybeApplied || client.pending !== undefined;
        this.endWrite(client, write, maybeApplied ? { kind: "unknown" } : undefined);
      }
      client.pending = undefined;
    }
  }

  /** A client's turn: retry its write in progress, or issue its next operation. */
  step(clientId: number): void {
    const client = this.client(clientId);
    if (client.pending !== undefined) return;
    const write = client.write;
    if (write !== undefined) {
      const retryNodeId = this.pickNode(client, write.lastNodeId);
      if (retryNodeId === undefined) this.access.scheduleClientStep(this.thinkMicros(), clientId);
      else this.attemptWrite(client, write, retryNodeId);
      return;
    }
    if (!this.issuing) return;
    const input = this.nextInput(client);
    if (input === undefined) return;
    const nodeId = this.pickNode(client, NO_NODE);
    if (nodeId === undefined) {
      this.access.scheduleClientStep(this.thinkMicros(), clientId);
      return;
    }
    if (input.kind === "get") {
      this.read(client, input, nodeId);
      return;
    }
    assert(input.kind === "put" || input.kind === "delete", `the workload issues no ${input.kind}`);
    const session = client.session.next();
    client.write = {
      input, write: { name: `${client.name}#${client.writesIssued}`, command: inputText(input) },
      session,
      callMicros: this.access.nowMicros(), attempts: 0, maybeApplied: false, lastNodeId: nodeId,
    };
    this.attemptWrite(client, client.write, nodeId);
  }

  private read(client: Client, input: KvInput & { kind: "get" }, nodeId: NodeId): void {
    const op = this.startCall(client, input, nodeId);
    this.access.invoke(nodeId, (member) => {
      member.node.readBarrier(this.nodeTimeoutMs()).then(
        () => { this.settle(op, { kind: "get", value: member.kv.get(input.key) }); },
        (error: unknown) => { this.failed(op, error); },
      );
    });
  }

  /** One attempt of `write`, with its session (a new one only under the planted fault). */
  private attemptWrite(client: Client, write: WriteInProgress, nodeId: NodeId): void {
    const retry = write.attempts > 0;
    if (retry && this.checks.newSequenceOnRetry) {
      write.session = client.session.next();
    }
    write.attempts++;
    write.lastNodeId = nodeId;
    const session = write.session;
    this.checks.exactlyOnce.attempted(session, write.write, retry);
    const op = this.startCall(client, write.input, nodeId);
    const data = encodeKvCommand(command(write.input, session));
    this.access.invoke(nodeId, (member) => {
      member.node.apply(data, this.nodeTimeoutMs()).then(
        (applied) => { this.acknowledged(op, session, applied); },
        (error: unknown) => { this.failed(op, error); },
      );
    });
  }

  /** Makes `input` the client's call in flight to `nodeId`, with its client-side deadline. */
  private startCall(client: Client, input: KvInput, nodeId: NodeId): PendingOp {
    const op: PendingOp = {
      clientId: client.id, requestId: this.requestIdNext++, input, nodeId,
      callMicros: this.access.nowMicros(),
    };
    client.pending = op;
    this.access.scheduleClientTimeout(this.options.opTimeoutMicros, client.id, op.requestId);
    return op;
  }

  /** The node's own deadline is longer: the client gives up first, as a real one would. */
  private nodeTimeoutMs(): number {
    return (2 * this.options.opTimeoutMicros) / 1000;
  }

  /**
   * A write attempt was answered; ignored if the call already ended (timeout, crash). A
   * refusal by the session table (an ended session, an old sequence: FAILED_PRECONDITION in
   * the API) applied nothing, but the session can no longer carry this write.
   */
  private acknowledged(op: PendingOp, session: KvSession, applied: Applied<KvResult>): void {
    const client = this.client(op.clientId);
    if (client.pending !== op) return;
    const type = applied.result?.type;
    if (type === "session-expired" || type === "stale-sequence") {
      this.checks.exactlyOnce.refused();
      client.pending = undefined;
      this.giveUp(client, true);
      return;
    }
    this.checks.exactlyOnce.acknowledged(session, applied);
    client.session.answered();
    this.settle(op, { kind: op.input.kind === "put" ? "put" : "delete" });
  }

  /** A call's promise settled; ignored if the call already ended (timeout, crash). */
  private settle(op: PendingOp, output: KvOutput | undefined): void {
    const client = this.client(op.clientId);
    if (client.pending !== op) return;
    if (output !== undefined && output.kind !== "unknown") client.leaderHint = op.nodeId;
    this.finish(client, op, output);
  }

  /**
   * A call failed. A refused or dropped write attempt never took effect; one whose leader
   * was lost, or whose member stopped or ran out of time, may or may not have.
   */
  private failed(op: PendingOp, error: unknown): void {
    const client = this.client(op.clientId);
    if (client.pending !== op) return;
    // A member that names no leader (partitioned, or removed from the cluster) is no place
    // to come back to: the client forgets it and picks another member next time.
    if (error instanceof NotLeaderError) client.leaderHint = error.leaderHint;
    const maybeApplied = error instanceof LeadershipLostError ||
      error instanceof DeadlineExceededError || error instanceof NodeStoppedError;
    this.finish(client, op, maybeApplied ? { kind: "unknown" } : undefined);
  }

  /** The client's deadline passed: a write attempt may have been proposed, a read is dropped. */
  timedOut(clientId: number, requestId: number): void {
    const client = this.client(clientId);
    const op = client.pending;
    if (op === undefined || op.requestId !== requestId) return;
    this.finish(client, op, { kind: "unknown" });
  }

  /** The node a call was waiting on crashed: the connection breaks, as on a timeout. */
  nodeCrashed(nodeId: NodeId): void {
    for (const client of this.clients) {
      const op = client.pending;
      if (op !== undefined && op.nodeId === nodeId) this.timedOut(client.id, op.requestId);
    }
  }

  /**
   * Ends the call in flight. A read's `output` goes to the history as is (unknown: dropped).
   * A write's answer ends the write; an attempt without one ("unknown": maybe proposed,
   * undefined: not proposed) leads to a retry, or once attempts run out, to giving up.
   */
  private finish(client: Client, op: PendingOp, output: KvOutput | undefined): void {
    assert(client.pending === op, "finishing a call that is not pending");
    client.pending = undefined;
    const write = client.write;
    if (write === undefined) {
      this.record(client, op.input, output?.kind === "unknown" ? undefined : output, op.callMicros);
      if (this.issuing) this.access.scheduleClientStep(this.thinkMicros(), client.id);
      return;
    }
    if (output === undefined || output.kind === "unknown") {
      write.maybeApplied ||= output !== undefined;
      // Only a write in doubt is retried: one refused before it reached any log has nothing
      // to prove, and is dropped as before sessions (retrying those too kept the clients on
      // writes: more committed entries per seed, and fewer reads to catch stale ones). A
      // retry waits a think time, as the next operation would.
      if (write.maybeApplied && write.attempts < this.options.writeAttemptsMax) {
        this.access.scheduleClientStep(this.thinkMicros(), client.id);
      } else {
        this.giveUp(client, false);
      }
      return;
    }
    this.endWrite(client, write, output);
    if (this.issuing) this.access.scheduleClientStep(this.thinkMicros(), client.id);
  }

  /**
   * Ends the write in progress unanswered: unknown if an attempt may have been proposed,
   * else left out, its session's sequence given back. `refused`: by the session table.
   */
  private giveUp(client: Client, refused: boolean): void {
    const write = client.write;
    assert(write !== undefined && client.pending === undefined, "giving up a write in flight");
    this.endWrite(client, write, write.maybeApplied ? { kind: "unknown" } : undefined);
    if (write.maybeApplied || refused) {
      this.checks.exactlyOnce.gaveUp();
      client.session.ended(refused);
    } else {
      this.checks.exactlyOnce.withdrawn(write.session, write.write);
      client.session.withdraw(write.session);
    }
    if (this.issuing) this.access.scheduleClientStep(this.thinkMicros(), client.id);
  }

  /** Records the write once, from its first attempt to its answer, and forgets it. */
  private endWrite(client: Client, write: WriteInProgress, output: KvOutput | undefined): void {
    client.write = undefined;
    this.record(client, write.input, output, write.callMicros);
  }

  /** Adds a completed operation to the history; `output` undefined: it had no effect. */
  private record(client: Client, input: KvInput, output: KvOutput | undefined, call: number): void {
    if (output === undefined) return;
    const nowMicros = this.access.nowMicros();
    this.completedCount++;
    const ret = output.kind === "unknown" ? Number.POSITIVE_INFINITY : nowMicros;
    this.history.push({ clientId: client.id, input, output, call, ret });
    if (input.kind === "get" && output.kind === "get" && this.finalReadKeys !== undefined) {
      this.finalReadKeys = this.finalReadKeys.filter((key) => key !== input.key);
    }
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

  /**
   * The leader the client last heard of, mostly, else a random reachable member; a retry
   * (`avoid` set) goes to another member than its last attempt's when there is one.
   */
  private pickNode(client: Client, avoid: NodeId): NodeId | undefined {
    const reachable = this.access.reachableNodeIds();
    if (reachable.length === 0) return undefined;
    const stick = this.options.stickToLeaderProbability;
    const hint = client.leaderHint;
    if (hint !== avoid && reachable.includes(hint) && this.random.chance(stick)) return hint;
    const others = reachable.filter((id) => id !== avoid);
    const candidates = others.length > 0 ? others : reachable;
    return candidates[this.random.intBelow(candidates.length)];
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

function inputText(input: KvInput & { kind: "put" | "delete" }): string {
  return input.kind === "put" ? writeText("put", input.key, input.value) : writeText("delete", input.key);
}

/** The production KV command for a write, with the client's session. */
function command(input: KvInput, session: KvSession): KvCommand {
  const key = new TextEncoder().encode(input.key);
  if (input.kind === "put") {
    return { type: "put", key, value: new TextEncoder().encode(input.value), session };
  }
  assert(input.kind === "delete", `a ${input.kind} is not a write the KV state machine takes`);
  return { type: "delete", key, session };
}
