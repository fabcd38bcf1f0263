/**
 * Branded identifiers. Terms and log indexes are `number`s, not bigints: the codecs assert
 * `Number.isSafeInteger` on decode, and 2^53 entries is unreachable (docs/decisions/0001).
 */

/** A member id. Positive; 0 means "none" only in the dedicated `NO_NODE` constant. */
export type NodeId = number & { readonly __brand: "NodeId" };
/** A Raft term. Monotonic on each node; made durable before any vote or ack leaves. */
export type Term = number & { readonly __brand: "Term" };
/** A position in the replicated log. Index 0 is the empty prefix; the first entry is 1. */
export type LogIndex = number & { readonly __brand: "LogIndex" };

function assertSafeNonNegative(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a safe non-negative integer, got ${String(value)}`);
  }
}

export function nodeId(value: number): NodeId {
  assertSafeNonNegative(value, "NodeId");
  return value as NodeId;
}

export function term(value: number): Term {
  assertSafeNonNegative(value, "Term");
  return value as Term;
}

export function logIndex(value: number): LogIndex {
  assertSafeNonNegative(value, "LogIndex");
  return value as LogIndex;
}

/** "No node": no vote cast, no leader known. Never a valid member id. */
export const NO_NODE = 0 as NodeId;
export const TERM_ZERO = 0 as Term;
export const INDEX_ZERO = 0 as LogIndex;
