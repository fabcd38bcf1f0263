import type { NodeId, Term } from "../core/ids.js";
import type { MembershipConfig } from "../core/entry.js";
import type { Role } from "../core/ready.js";

/** What a RaftNode reports to observers (hashicorp/raft's Observer analogue). */
export type NodeEvent =
  | { readonly type: "leader-changed"; readonly leader: NodeId; readonly term: Term }
  | { readonly type: "role-changed"; readonly role: Role; readonly term: Term }
  /**
   * The configuration in force changed: on append, as Raft's single-server changes take
   * effect (thesis 4.1), on truncation, or from a snapshot. Emitted before the member-added
   * and member-removed events it implies.
   */
  | { readonly type: "membership-changed"; readonly config: MembershipConfig }
  | { readonly type: "member-added"; readonly member: NodeId; readonly learner: boolean }
  | { readonly type: "member-removed"; readonly member: NodeId }
  | { readonly type: "heartbeat-failure"; readonly peer: NodeId }
  | {
    readonly type: "snapshot-taken"; readonly index: number; readonly bytes: number;
    /** From asking the state machine for a copy to the snapshot being stored. */
    readonly durationMs: number;
  }
  | { readonly type: "snapshot-installed"; readonly index: number }
  /** The stall watchdog made this leader give up leadership (stall-watchdog.ts). */
  | {
    readonly type: "stepped-down"; readonly kind: "log-write" | "event-loop";
    readonly stalledMs: number;
  };

export type NodeEventListener = (event: NodeEvent) => void;

/** Listeners are called synchronously; one that throws is isolated from the others. */
export class NodeEventHub {
  private readonly listeners = new Set<NodeEventListener>();

  subscribe(listener: NodeEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: NodeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An observer's failure must never break the Ready loop.
      }
    }
  }
}
