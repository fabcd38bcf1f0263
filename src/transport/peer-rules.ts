import type { Entry, EntryKind, MembershipConfig, SnapshotMeta } from "../core/entry.js";
import type { LogIndex, Term } from "../core/ids.js";
import { assertValidConfig, decodeMembershipConfig } from "../core/membership-config.js";
import type { AppendRequest, Message, VoteRequest } from "../core/message.js";

/**
 * The rules a peer message must satisfy to be stepped, stated once and used twice
 * (docs/style.md, Checks on both sides of a boundary): the encoder asserts them on what our
 * core produced, and the decoder rejects a request that breaks them before it can reach the
 * core (docs/testing.md, Bad input).
 * Each rule follows from a Raft invariant, so a correct sender never breaks one.
 * Returns a description of the first broken rule, or undefined.
 */
export function messageProblem(message: Message): string | undefined {
  if (message.from === 0 || message.to === 0) return "member id 0 is reserved";
  if (message.from === message.to) return "a member does not message itself";
  switch (message.type) {
    case "vote-request":
      return voteRequestProblem(message);
    case "append-request":
      return appendRequestProblem(message);
    case "snapshot-request":
      return (
        requestTermProblem(message.term) ?? snapshotMetaProblem(message.snapshot, message.term)
      );
    case "heartbeat-request":
    case "timeout-now":
    case "read-index-request":
      return requestTermProblem(message.term);
    case "vote-response":
    case "append-response":
    case "heartbeat-response":
    case "read-index-response":
      // A response may carry term 0: a member that never saw a term rejects a pre-vote
      // with its own term (thesis 9.6). Every other field is a plain number checked on parse.
      return undefined;
  }
}

/** Requests come from a member that has seen a term: leaders and candidates are >= 1. */
function requestTermProblem(term: Term): string | undefined {
  return term >= 1 ? undefined : "a request carries term >= 1";
}

/** §5.4.1: a candidate's last log term is at most its term; index 0 has term 0. */
function voteRequestProblem(message: VoteRequest): string | undefined {
  return (
    requestTermProblem(message.term) ??
    positionProblem("last log", message.lastLogIndex, message.lastLogTerm, message.term) ??
    (message.preVote && message.leadershipTransfer
      ? "a leadership-transfer campaign skips pre-vote (thesis 3.10)"
      : undefined)
  );
}

function positionProblem(
  what: string, index: LogIndex, termAtIndex: Term, messageTerm: Term,
): string | undefined {
  if (index === 0 && termAtIndex !== 0) return `${what} index 0 must have term 0`;
  if (termAtIndex > messageTerm) return `${what} term ${termAtIndex} is above term ${messageTerm}`;
  return undefined;
}

/**
 * §5.3 and Log Matching: entries follow prevLogIndex contiguously; a log's terms never
 * decrease; a leader of term T only holds entries of terms <= T.
 */
function appendRequestProblem(message: AppendRequest): string | undefined {
  const base =
    requestTermProblem(message.term) ??
    positionProblem("prev log", message.prevLogIndex, message.prevLogTerm, message.term);
  if (base !== undefined) return base;
  let previousTerm: number = message.prevLogTerm;
  for (let i = 0; i < message.entries.length; i++) {
    const entry = message.entries[i]!;
    const expectedIndex = message.prevLogIndex + 1 + i;
    if (entry.index !== expectedIndex) {
      return `entries[${i}].index is ${entry.index}, expected ${expectedIndex} (contiguous)`;
    }
    if (entry.term < Math.max(previousTerm, 1) || entry.term > message.term) {
      return `entries[${i}].term ${entry.term} is outside [${Math.max(previousTerm, 1)}, ` +
        `${message.term}] (terms never decrease and never pass the leader's)`;
    }
    previousTerm = entry.term;
    const payload = entryPayloadProblem(entry);
    if (payload !== undefined) return `entries[${i}]: ${payload}`;
  }
  return undefined;
}

/** A no-op carries nothing; a config entry carries a valid configuration (thesis 4.1). */
function entryPayloadProblem(entry: Entry): string | undefined {
  switch (entry.kind) {
    case "command":
      return undefined;
    case "noop":
      return entry.data.byteLength === 0 ? undefined : "a noop entry carries no data";
    case "config":
      return configDataProblem(entry.data);
  }
}

function configDataProblem(data: Uint8Array): string | undefined {
  let config: MembershipConfig;
  try {
    config = decodeMembershipConfig(data);
  } catch (error) {
    return `config entry does not decode: ${error instanceof Error ? error.message : "?"}`;
  }
  return configProblem(config);
}

/** A configuration has a voter, and no member twice (disjoint, ascending lists). */
export function configProblem(config: MembershipConfig): string | undefined {
  try {
    assertValidConfig(config);
  } catch (error) {
    return error instanceof Error ? error.message : "invalid configuration";
  }
  return config.voters.length > 0 ? undefined : "a configuration has at least one voter";
}

/** §7: a snapshot covers at least one entry, of a term the leader has seen. */
function snapshotMetaProblem(meta: SnapshotMeta, messageTerm: Term): string | undefined {
  if (meta.index < 1 || meta.term < 1) return "a snapshot covers index >= 1 with term >= 1";
  if (meta.term > messageTerm) return `snapshot term ${meta.term} is above term ${messageTerm}`;
  const config = configProblem(meta.config);
  return config === undefined ? undefined : `snapshot configuration: ${config}`;
}

/** The wire value of each entry kind (raftkv.raft.v1.EntryKind); 0 is never valid. */
export const ENTRY_KIND_NUMBERS: Readonly<Record<EntryKind, 1 | 2 | 3>> = Object.freeze({
  command: 1,
  noop: 2,
  config: 3,
});

/** The entry kind of a wire value, or undefined for 0 and unknown values. */
export function entryKindOf(value: number): EntryKind | undefined {
  switch (value) {
    case 1:
      return "command";
    case 2:
      return "noop";
    case 3:
      return "config";
    default:
      return undefined;
  }
}
