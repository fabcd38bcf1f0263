import { bootstrapEntries } from "../../src/core/bootstrap.js";
import type { Entry, HardState } from "../../src/core/entry.js";
import { logIndex, nodeId, NO_NODE, term, type NodeId } from "../../src/core/ids.js";
import { checkInvariants } from "../../src/core/invariants.js";
import { encodeMembershipConfig, makeConfig } from "../../src/core/membership-config.js";
import { MembershipTracker } from "../../src/core/membership-tracker.js";
import type { Message } from "../../src/core/message.js";
import { DEFAULT_RAFT_CONFIG, type RaftConfig } from "../../src/core/raft-config.js";
import { RaftLog } from "../../src/core/raft-log.js";
import { RaftState } from "../../src/core/raft-state.js";
import { SeededRandom } from "../../src/core/random.js";
import { broadcastAppend } from "../../src/core/replication.js";
import { stepFollowerOrLeader, tick } from "../../src/core/step-dispatch.js";
import { MemoryLogStore } from "../../src/storage/memory-log-store.js";

/**
 * A few RaftStates driven below the Ready layer, for focused tests of one protocol rule:
 * messages are taken straight from each state's outbox and stepped into their receiver, so
 * these tests do not depend on how Ready hands them out (docs/design.md; the scenario
 * harness, test/harness, covers the Ready cycle). Nothing is persisted: a state's own log
 * writes stay unstable, which only means a leader does not count its own copy toward commit.
 * Every step and tick is followed by checkInvariants(), as RaftCore does.
 */
export class StateCluster {
  readonly states = new Map<NodeId, RaftState>();

  /** Adds node `id` over `store`, with DEFAULT_RAFT_CONFIG changed by `overrides`. */
  add(id: number, store: MemoryLogStore, overrides: Partial<RaftConfig> = {}): RaftState {
    const config: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...overrides, nodeId: nodeId(id) };
    const { hardState, snapshot } = store.initialState();
    const log = new RaftLog(store, { entriesMaxBytes: config.appendBytesMax });
    const membership = new MembershipTracker(snapshot);
    if (store.lastIndex() >= store.firstIndex()) {
      membership.onAppend(
        store.entries(store.firstIndex(), logIndex(store.lastIndex() + 1), Infinity));
    }
    const state = new RaftState({
      config, random: new SeededRandom(id), log, membership, hardState,
    });
    checkInvariants(state);
    this.states.set(config.nodeId, state);
    return state;
  }

  state(id: number): RaftState {
    const state = this.states.get(nodeId(id));
    if (state === undefined) throw new Error(`no node ${id}`);
    return state;
  }

  /** Takes node `id`'s outgoing messages, flushing the appends a leader owes first. */
  outbox(id: number): Message[] {
    const s = this.state(id);
    if (s.role === "leader" && s.broadcastPending) broadcastAppend(s);
    const messages = s.messages;
    s.messages = [];
    return messages;
  }

  step(message: Message): void {
    const target = this.states.get(message.to);
    if (target === undefined) throw new Error(`no node ${message.to}`);
    stepFollowerOrLeader(target, message);
    checkInvariants(target);
  }

  tick(id: number, ticks = 1): void {
    const s = this.state(id);
    for (let i = 0; i < ticks; i++) {
      tick(s);
      checkInvariants(s);
    }
  }

  /**
   * Delivers messages until every outbox is empty. `deliver` decides per message (default:
   * all); a refused message is dropped. Returns what was delivered, in order.
   */
  deliverAll(deliver: (message: Message) => boolean = () => true): Message[] {
    const delivered: Message[] = [];
    for (let round = 0; round < 1_000; round++) {
      const pending = [...this.states.keys()].flatMap((id) => this.outbox(id));
      if (pending.length === 0) return delivered;
      for (const message of pending) {
        if (!deliver(message)) continue;
        delivered.push(message);
        this.step(message);
      }
    }
    throw new Error("messages kept flowing for 1000 rounds");
  }

  /** Ticks node `id` until it reaches `role`, within two election timeouts. */
  tickUntil(id: number, role: RaftState["role"]): void {
    const s = this.state(id);
    for (let i = 0; i < 2 * s.config.electionTicks && s.role !== role; i++) this.tick(id);
    if (s.role !== role) throw new Error(`node ${id} did not become ${role}`);
  }
}

/** A store holding the bootstrap entry for `voters`, then `later`, with `hard` state. */
export function storeWith(options: {
  voters: readonly number[];
  later?: readonly Entry[];
  hard: { term: number; commit: number };
}): MemoryLogStore {
  const boot = bootstrapEntries(makeConfig([...options.voters]));
  const hardState: HardState = {
    term: term(options.hard.term), vote: NO_NODE, commit: logIndex(options.hard.commit),
  };
  return new MemoryLogStore({ entries: [...boot.entries, ...(options.later ?? [])], hardState });
}

/** A configuration entry naming `voters`. */
export function configEntry(index: number, entryTerm: number, voters: readonly number[]): Entry {
  return {
    index: logIndex(index), term: term(entryTerm), kind: "config",
    data: encodeMembershipConfig(makeConfig([...voters])),
  };
}

export function noopEntry(index: number, entryTerm: number): Entry {
  return { index: logIndex(index), term: term(entryTerm), kind: "noop", data: new Uint8Array(0) };
}
