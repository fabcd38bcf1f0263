import { NO_NODE, type NodeId } from "../core/ids.js";
import type { DeleteRequest__Output } from "../gen/raftkv/kv/v1/DeleteRequest.js";
import type { DeleteResponse } from "../gen/raftkv/kv/v1/DeleteResponse.js";
import type { GetRequest__Output } from "../gen/raftkv/kv/v1/GetRequest.js";
import type { GetResponse } from "../gen/raftkv/kv/v1/GetResponse.js";
import type { PutRequest__Output } from "../gen/raftkv/kv/v1/PutRequest.js";
import type { PutResponse } from "../gen/raftkv/kv/v1/PutResponse.js";
import type { RangeRequest__Output } from "../gen/raftkv/kv/v1/RangeRequest.js";
import type { RangeResponse } from "../gen/raftkv/kv/v1/RangeResponse.js";
import type { TxnRequest__Output } from "../gen/raftkv/kv/v1/TxnRequest.js";
import type { TxnResponse } from "../gen/raftkv/kv/v1/TxnResponse.js";
import { NotLeaderError } from "../node/errors.js";
import type { RaftNode } from "../node/raft-node.js";
import { encodeKvCommand } from "../state-machine/kv-command.js";
import { rangeAt } from "../state-machine/kv-read-at.js";
import type { KvCommand, KvReader, KvResult } from "../state-machine/kv-types.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { InvalidArgumentError, PreconditionError } from "./errors.js";
import { isServiceError, LEADER_ID_KEY, NOT_PROPOSED_KEY } from "./grpc-status.js";
import {
  decodeDelete, decodeGet, decodePut, decodeRange, encodeHeader, encodeKeyValue,
  encodeRangeResult, type ReadConsistency,
} from "./kv-codec.js";
import { decodeTxn, encodeTxnResponses, type TxnLimits } from "./kv-txn-codec.js";
import type { LeaderForwarder } from "./leader-forwarder.js";

/** A forward to an unreachable leader is retried while this much of the deadline remains. */
const FORWARD_RETRY_MARGIN_MS = 100;
const FORWARD_RETRY_PAUSE_MS = 25;

/**
 * Whether grpc-js failed the call before sending it: it could not connect. (grpc-js says so
 * only in the status text.) Such a request is safe to send again, even a write.
 */
function neverSent(details: string): boolean {
  return details.startsWith("No connection established");
}

/** A lost read is retried only while at least this much of the call's deadline remains. */
const READ_RETRY_MARGIN_MS = 50;
const READ_RETRY_PAUSE_MS = 10;

/** How long before a call's deadline a leaderless member gives up and answers UNAVAILABLE. */
const ANSWER_MARGIN_MAX_MS = 500;
/**
 * A write refused before it was proposed is routed again only while this much of the deadline
 * remains: more than a member keeps back to answer "no leader in time", so that answer still
 * reaches the client before its deadline rather than being routed round again.
 */
const ROUTE_AGAIN_MARGIN_MS = ANSWER_MARGIN_MAX_MS + FORWARD_RETRY_MARGIN_MS;

/** Per-call facts the gRPC layer extracts: the absolute deadline and whether it was forwarded. */
export interface CallContext {
  readonly deadlineMs: number;
  readonly forwarded: boolean;
}

/**
 * The client KV API's behaviour, independent of gRPC plumbing: validate, then either serve
 * here (leader, or a serializable read) or forward to the leader. Writes settle when their
 * entry is applied on the leader; linearizable reads wait for a ReadIndex barrier.
 */
export class KvService {
  constructor(private readonly deps: {
    readonly node: RaftNode<KvResult>;
    readonly reader: KvReader;
    readonly forwarder: LeaderForwarder;
    readonly clusterId: number;
    readonly limits: TxnLimits;
    readonly nowMs: () => number;
  }) {}

  async put(request: PutRequest__Output, call: CallContext): Promise<PutResponse> {
    const command = decodePut(request, this.deps.limits);
    return this.routeWrite(call, "Put", request, async () => {
      const result = await this.propose(command, call);
      if (result.type !== "put") throw unexpectedResult(result);
      return {
        header: this.header(),
        ...(result.prevKv === undefined ? {} : { prev_kv: encodeKeyValue(result.prevKv) }),
      };
    });
  }

  async delete(request: DeleteRequest__Output, call: CallContext): Promise<DeleteResponse> {
    const command = decodeDelete(request, this.deps.limits);
    return this.routeWrite(call, "Delete", request, async () => {
      const result = await this.propose(command, call);
      if (result.type !== "delete") throw unexpectedResult(result);
      return {
        header: this.header(), deleted: String(result.deleted),
        prev_kvs: (result.prevKvs ?? []).map((kv) => encodeKeyValue(kv)),
      };
    });
  }

  async txn(request: TxnRequest__Output, call: CallContext): Promise<TxnResponse> {
    const command = decodeTxn(request, this.deps.limits);
    return this.routeWrite(call, "Txn", request, async () => {
      const result = await this.propose(command, call);
      if (result.type !== "txn") throw unexpectedResult(result);
      const ops = result.succeeded ? command.success : command.failure;
      return {
        header: this.header(), succeeded: result.succeeded,
        responses: encodeTxnResponses(result.responses, ops),
      };
    });
  }

  async get(request: GetRequest__Output, call: CallContext): Promise<GetResponse> {
    const { key, consistency, revision } = decodeGet(request, this.deps.limits);
    return this.routeRead(call, consistency, "Get", request, () => {
      const single = { key, rangeEnd: new Uint8Array(0), limit: 1 };
      const kv = revision === 0
        ? this.deps.reader.get(key)
        : rangeAt(this.deps.reader, single, revision).kvs[0];
      return { header: this.header(), ...(kv === undefined ? {} : { kv: encodeKeyValue(kv) }) };
    });
  }

  async range(request: RangeRequest__Output, call: CallContext): Promise<RangeResponse> {
    const { range, consistency, revision } = decodeRange(request, this.deps.limits);
    return this.routeRead(call, consistency, "Range", request, () => {
      const result = revision === 0
        ? this.deps.reader.range(range)
        : rangeAt(this.deps.reader, range, revision);
      return { header: this.header(), ...encodeRangeResult(result, range.keysOnly === true) };
    });
  }

  private async propose(command: KvCommand, call: CallContext): Promise<KvResult> {
    const applied = await this.deps.node.apply(encodeKvCommand(command), this.remainingMs(call));
    const result = applied.result;
    if (result === undefined) throw new Error("a KV command applied without a result");
    if (result.type === "invalid-command") {
      throw new InvalidArgumentError(`the command could not be decoded: ${result.reason}`);
    }
    if (result.type === "session-expired") {
      throw new PreconditionError(
        "session expired; the write may or may not have been applied (start a new client_id at sequence 1)",
      );
    }
    if (result.type === "stale-sequence") {
      throw new PreconditionError(
        `sequence is older than this client's last applied one (${String(result.lastSequence)})`,
      );
    }
    return result;
  }

  private async routeWrite<Response>(
    call: CallContext, method: "Put" | "Delete" | "Txn", request: unknown,
    local: () => Promise<Response>,
  ): Promise<Response> {
    for (;;) {
      const leader = await this.waitForLeader(call);
      if (leader === this.deps.node.id) {
        try {
          return await local();
        } catch (error: unknown) {
          // Leadership moved between the check and the proposal: nothing was proposed.
          if (!this.mayRouteAgain(error, call)) throw error;
          await new Promise((resolve) => setTimeout(resolve, FORWARD_RETRY_PAUSE_MS));
          continue;
        }
      }
      if (call.forwarded) throw new NotLeaderError(leader, undefined, { notProposed: true });
      const forwarded = await this.forward(leader, method, request, call);
      // The leader runs this same service: its answer is this method's Response.
      if (forwarded !== undefined) return forwarded.response as Response;
    }
  }

  /**
   * Whether a write that failed this way may be routed again: a refusal before anything
   * reached the log, with enough of the call's deadline left. A forwarded call is not
   * routed again here; the member that forwarded it decides.
   */
  private mayRouteAgain(error: unknown, call: CallContext): boolean {
    return !call.forwarded && error instanceof NotLeaderError && error.notProposed &&
      this.remainingMs(call) > ROUTE_AGAIN_MARGIN_MS;
  }

  private async routeRead<Response>(
    call: CallContext, consistency: ReadConsistency, method: "Get" | "Range",
    request: unknown, local: () => Response,
  ): Promise<Response> {
    if (consistency === "serializable") return local();
    // A read changes nothing, so one whose confirmation was lost to a leader change is
    // tried again, with the new leader, until the call's deadline (as etcd does).
    for (;;) {
      const leader = await this.waitForLeader(call);
      if (leader !== this.deps.node.id) {
        if (call.forwarded) throw new NotLeaderError(leader, undefined, { notProposed: true });
        const forwarded = await this.forward(leader, method, request, call);
        if (forwarded !== undefined) return forwarded.response as Response;
        continue;
      }
      try {
        await this.deps.node.readBarrier(this.remainingMs(call));
        return local();
      } catch (error: unknown) {
        const retry = error instanceof NotLeaderError &&
          this.remainingMs(call) > READ_RETRY_MARGIN_MS;
        if (!retry) throw error;
        // A pause, so that a member still settling its leadership is not asked in a loop.
        await new Promise((resolve) => setTimeout(resolve, READ_RETRY_PAUSE_MS));
      }
    }
  }

  /**
   * Waits until some leader is known, but answers UNAVAILABLE (naming the last leader known)
   * a little before the call's deadline, so the client gets the hint rather than its own
   * DEADLINE_EXCEEDED (thesis 6.2: clients retry elsewhere).
   */
  private async waitForLeader(call: CallContext): Promise<NodeId> {
    const node = this.deps.node;
    if (node.leader() !== NO_NODE) return node.leader();
    const remainingMs = this.remainingMs(call);
    const answerMarginMs = Math.min(ANSWER_MARGIN_MAX_MS, remainingMs / 10);
    return new Promise<NodeId>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new NotLeaderError(node.lastKnownLeader(), "no leader was elected in time",
          { notProposed: true }));
      }, remainingMs - answerMarginMs);
      const unsubscribe = node.subscribe((event) => {
        if (event.type !== "leader-changed" || event.leader === NO_NODE) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(event.leader);
      });
    });
  }

  /** A leader that cannot be reached becomes UNAVAILABLE with its id as the hint. */
  /**
   * Forwards to the leader and returns its answer, or undefined when the leader could not
   * even be connected to (it died, and this member has not yet seen the next one elected):
   * the request was never sent, so the caller routes it again, writes included, while the
   * deadline allows. Any other failure of the leader becomes UNAVAILABLE with its id as the
   * hint.
   */
  private async forward(
    leader: NodeId, method: "Put" | "Delete" | "Get" | "Range" | "Txn", request: unknown,
    call: CallContext,
  ): Promise<{ readonly response: unknown } | undefined> {
    try {
      const remainingMs = this.remainingMs(call);
      const response = await this.deps.forwarder.forward<unknown>(
        leader, method, request, remainingMs);
      return { response };
    } catch (error: unknown) {
      if (!isServiceError(error) || error.code !== grpcStatus.UNAVAILABLE) throw error;
      // The leader named was not the leader any more (or not yet) and proposed nothing:
      // route again once this member learns who leads, while the deadline allows.
      if (error.metadata.get(NOT_PROPOSED_KEY).length > 0 &&
          this.remainingMs(call) > ROUTE_AGAIN_MARGIN_MS) {
        await new Promise((resolve) => setTimeout(resolve, FORWARD_RETRY_PAUSE_MS));
        return undefined;
      }
      if (error.metadata.get(LEADER_ID_KEY).length > 0) throw error;
      if (neverSent(error.details) && this.remainingMs(call) > FORWARD_RETRY_MARGIN_MS) {
        await new Promise((resolve) => setTimeout(resolve, FORWARD_RETRY_PAUSE_MS));
        return undefined;
      }
      throw new NotLeaderError(leader, `the leader could not be reached (${error.details})`);
    }
  }

  private remainingMs(call: CallContext): number {
    return Math.max(0, call.deadlineMs - this.deps.nowMs());
  }

  private header(): ReturnType<typeof encodeHeader> {
    const status = this.deps.node.status();
    return encodeHeader({
      clusterId: this.deps.clusterId, memberId: status.id, term: status.term,
      revision: this.deps.reader.revision(),
    });
  }
}

function unexpectedResult(result: KvResult): Error {
  return new Error(`unexpected state machine result ${result.type}`);
}
