import { context, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { LogIndex, NodeId } from "../core/ids.js";
import type { LogProgressObserver } from "../node/log-progress.js";

/** One open span of one traced entry, waiting for the log to reach `index`. */
interface Waiting {
  readonly index: number;
  readonly span: Span;
  /** The entry's propose span context, the parent of what follows. */
  readonly parent: Context;
}

/**
 * Traces each client write through Raft (no peer system traces a write end to end): under
 * the call's own span, `raft.propose` from the append to the apply, and inside it
 * `raft.log_write` (until this member's log is durable through the entry), one
 * `raft.replicate` per follower (until that follower's log matches through it),
 * `raft.commit` (until it is known committed) and `raft.apply`. Only writes proposed inside
 * a traced call (an active span) are traced: RaftNode.apply() reports the index
 * synchronously, inside that call's context.
 *
 * Bounded: each stage keeps at most `entriesMax` open spans; past that the oldest is ended
 * and marked incomplete (a follower that never answers must not grow memory).
 */
export class WriteTracer implements LogProgressObserver {
  private logWrites: Waiting[] = [];
  private commits: Waiting[] = [];
  private applies: Waiting[] = [];
  private proposes: Waiting[] = [];
  private readonly replications = new Map<NodeId, Waiting[]>();

  constructor(
    private readonly tracer: Tracer,
    /** The other members a new entry is replicated to. */
    private readonly followers: () => readonly NodeId[],
    private readonly entriesMax: number,
  ) {}

  proposed(index: LogIndex): void {
    const callContext = context.active();
    if (trace.getSpan(callContext) === undefined) return;
    const attributes = { "raft.index": index };
    const propose = this.tracer.startSpan("raft.propose", { attributes }, callContext);
    const parent = trace.setSpan(callContext, propose);
    const open = (name: string, extra: Record<string, number> = {}): Waiting => ({
      index, parent,
      span: this.tracer.startSpan(name, { attributes: { ...attributes, ...extra } }, parent),
    });
    this.push(this.proposes, { index, span: propose, parent });
    this.push(this.logWrites, open("raft.log_write"));
    this.push(this.commits, open("raft.commit"));
    for (const peer of this.followers()) {
      let queue = this.replications.get(peer);
      if (queue === undefined) {
        queue = [];
        this.replications.set(peer, queue);
      }
      this.push(queue, open("raft.replicate", { "raft.peer": peer }));
    }
  }

  persisted(lastIndex: LogIndex): void {
    this.logWrites = endThrough(this.logWrites, lastIndex);
  }

  matched(peer: NodeId, matchIndex: LogIndex): void {
    const queue = this.replications.get(peer);
    if (queue !== undefined) this.replications.set(peer, endThrough(queue, matchIndex));
  }

  committed(commitIndex: LogIndex): void {
    while (this.commits[0] !== undefined && this.commits[0].index <= commitIndex) {
      const done = this.commits.shift()!;
      done.span.end();
      const apply = this.tracer.startSpan("raft.apply", {
        attributes: { "raft.index": done.index },
      }, done.parent);
      this.push(this.applies, { index: done.index, span: apply, parent: done.parent });
    }
  }

  applied(appliedIndex: LogIndex): void {
    this.applies = endThrough(this.applies, appliedIndex);
    this.proposes = endThrough(this.proposes, appliedIndex);
  }

  private push(queue: Waiting[], waiting: Waiting): void {
    queue.push(waiting);
    while (queue.length > this.entriesMax) {
      const dropped = queue.shift()!;
      dropped.span.setAttribute("raft.incomplete", true);
      dropped.span.end();
    }
  }
}

/** Ends the spans of `queue` (ascending by index) through `index`; returns the rest. */
function endThrough(queue: Waiting[], index: number): Waiting[] {
  let done = 0;
  while (done < queue.length && queue[done]!.index <= index) {
    queue[done]!.span.end();
    done += 1;
  }
  return done === 0 ? queue : queue.slice(done);
}
