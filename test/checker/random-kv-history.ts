import { assert, assertNever } from "../../src/core/assert.js";
import type { SeededRandom } from "../../src/core/random.js";
import type { KvInput, KvOperation, KvOutput } from "./kv-model.js";

/**
 * Seeded generators of key-value histories that are linearizable by construction, for testing
 * the checker: each operation takes effect on a reference map at one instant strictly inside
 * its [call, ret] interval, so that instant order is a witness linearization.
 */
export interface KvWorkloadOptions {
  operationCount: number;
  keyCount: number;
  /** Clients with one operation in flight each; 1 gives a sequential history. */
  clientCount: number;
  /** Chance that an operation's response is lost (output "unknown", ret = +Infinity). Half
   *  of the lost operations never take effect, the other half do. */
  unknownProbability: number;
}

type ClientPhase =
  | { phase: "idle" }
  | { phase: "invoked"; input: KvInput; call: number; lost: "no" | "before" | "after" }
  | { phase: "applied"; input: KvInput; call: number; output: KvOutput; lost: boolean };

interface Workload {
  readonly random: SeededRandom;
  readonly options: KvWorkloadOptions;
  readonly store: Map<string, string>;
  readonly history: KvOperation[];
  nextValue: number;
}

/**
 * Generates `operationCount` operations from `clientCount` concurrent clients. Every event
 * (call, effect, return) gets its own time step, so intervals overlap whenever several clients
 * are busy. A client whose response is lost moves on under a fresh client id, as a real
 * client would after a timeout. Operations are returned in call order.
 */
export function generateKvHistory(
  random: SeededRandom,
  options: KvWorkloadOptions,
): KvOperation[] {
  assert(options.operationCount >= 0 && options.keyCount >= 1, "bad workload size");
  assert(options.clientCount >= 1, "at least one client");
  const workload: Workload = { random, options, store: new Map(), history: [], nextValue: 0 };
  const clients: ClientPhase[] = Array.from({ length: options.clientCount }, () => ({
    phase: "idle",
  }));
  const clientIds = clients.map((_, index) => index);
  let nextClientId = clients.length;
  let invoked = 0;
  for (let time = 0; workload.history.length < options.operationCount; time++) {
    const slot = random.intBelow(clients.length);
    const client = clients[slot];
    const clientId = clientIds[slot];
    assert(client !== undefined && clientId !== undefined, "client slot out of range");
    if (client.phase === "idle") {
      if (invoked === options.operationCount) continue;
      invoked++;
      clients[slot] = invoke(workload, time);
    } else if (client.phase === "invoked") {
      clients[slot] = takeEffect(workload, client, clientId);
    } else {
      workload.history.push({
        clientId,
        input: client.input,
        output: client.lost ? { kind: "unknown" } : client.output,
        call: client.call,
        ret: client.lost ? Number.POSITIVE_INFINITY : time,
      });
      if (client.lost) clientIds[slot] = nextClientId++;
      clients[slot] = { phase: "idle" };
    }
  }
  return workload.history.sort((a, b) => a.call - b.call);
}

function invoke(workload: Workload, time: number): ClientPhase {
  const { random, options } = workload;
  const input = randomInput(workload);
  const lost = random.chance(options.unknownProbability)
    ? random.chance(0.5)
      ? "before"
      : "after"
    : "no";
  return { phase: "invoked", input, call: time, lost };
}

/** The operation's linearization point: apply it to the reference map, or lose it. */
function takeEffect(
  workload: Workload,
  client: Extract<ClientPhase, { phase: "invoked" }>,
  clientId: number,
): ClientPhase {
  const { input, call, lost } = client;
  if (lost === "before") {
    // Never took effect: record it at once; its ret is +Infinity anyway.
    workload.history.push({ clientId, input, output: { kind: "unknown" }, call, ret: Infinity });
    return { phase: "idle" };
  }
  const output = applyToStore(workload.store, input);
  return { phase: "applied", input, call, output, lost: lost === "after" };
}

/** The reference implementation of the sequential specification. */
export function applyToStore(store: Map<string, string>, input: KvInput): KvOutput {
  switch (input.kind) {
    case "get":
      return { kind: "get", value: store.get(input.key) ?? null };
    case "put":
      store.set(input.key, input.value);
      return { kind: "put" };
    case "delete":
      store.delete(input.key);
      return { kind: "delete" };
    case "cas": {
      const succeeded = (store.get(input.key) ?? null) === input.expected;
      if (succeeded) store.set(input.key, input.value);
      return { kind: "cas", succeeded };
    }
    default:
      return assertNever(input, "KvInput");
  }
}

/** 40% get, 30% put, 10% delete, 20% cas; cas usually expects the value current at call. */
function randomInput(workload: Workload): KvInput {
  const { random, options, store } = workload;
  const key = `k${random.intBelow(options.keyCount)}`;
  const roll = random.intBelow(10);
  if (roll < 4) return { kind: "get", key };
  if (roll < 5) return { kind: "delete", key };
  const value = `v${workload.nextValue++}`;
  if (roll < 8) return { kind: "put", key, value };
  const current = store.get(key) ?? null;
  const stale = workload.nextValue >= 2 && random.chance(0.3);
  const expected = stale ? `v${random.intBelow(workload.nextValue - 1)}` : current;
  return { kind: "cas", key, expected, value };
}

/** A history with one read changed to a value it cannot have returned in any linearization. */
export interface CorruptedHistory {
  history: KvOperation[];
  readIndex: number;
  originalValue: string | null;
  corruptValue: string;
}

/**
 * Replaces the output of one completed get with a value V that no linearization can make
 * current during its interval, so the result is illegal for certain. With unique write values
 * only one write W can produce V, and V qualifies when
 * - W is called after the read returns (a value from the future); or
 * - W is a cas known to have failed (V was never written); or
 * - W completed, is effective (put, or cas known to succeed), and another effective write
 *   W2 on the key is called after W returns and returns before the read is called (stale).
 * Being "never current in the witness execution" is not enough: concurrent writes could be
 * reordered. Returns null if no read has such a value.
 */
export function corruptOneRead(
  history: readonly KvOperation[],
  random: SeededRandom,
): CorruptedHistory | null {
  const reads = history.flatMap((op, index) =>
    op.input.kind === "get" && op.output.kind === "get" ? [index] : [],
  );
  const start = reads.length === 0 ? 0 : random.intBelow(reads.length);
  for (let offset = 0; offset < reads.length; offset++) {
    const readIndex = reads[(start + offset) % reads.length];
    assert(readIndex !== undefined, "read index out of range");
    const candidates = impossibleValues(history, readIndex);
    if (candidates.length === 0) continue;
    const corruptValue = candidates[random.intBelow(candidates.length)];
    const read = history[readIndex];
    assert(corruptValue !== undefined && read?.output.kind === "get", "bad candidate");
    const corrupted = history.slice();
    corrupted[readIndex] = { ...read, output: { kind: "get", value: corruptValue } };
    return { history: corrupted, readIndex, originalValue: read.output.value, corruptValue };
  }
  return null;
}

function impossibleValues(history: readonly KvOperation[], readIndex: number): string[] {
  const read = history[readIndex];
  assert(read !== undefined, "read out of range");
  const sameKey = history.filter((op) => op.input.key === read.input.key);
  const effective = sameKey.filter(isEffectiveWrite);
  const values: string[] = [];
  for (const write of sameKey) {
    if (write.input.kind !== "put" && write.input.kind !== "cas") continue;
    const future = write.call > read.ret;
    const failedCas = write.output.kind === "cas" && !write.output.succeeded;
    const stale =
      isEffectiveWrite(write) &&
      effective.some((later) => later.call > write.ret && later.ret < read.call);
    if (future || failedCas || stale) values.push(write.input.value);
  }
  return values;
}

/** A write that took effect in every linearization: a completed put or delete, or a cas that
 *  reported success. */
function isEffectiveWrite(op: KvOperation): boolean {
  if (op.ret === Number.POSITIVE_INFINITY) return false;
  if (op.output.kind === "put" || op.output.kind === "delete") return true;
  return op.output.kind === "cas" && op.output.succeeded;
}
