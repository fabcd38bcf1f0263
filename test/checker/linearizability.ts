import { assert } from "../../src/core/assert.js";
import { Bitset } from "./bitset.js";
import { buildEventList, lift, unlift, type EventNode } from "./event-list.js";
import { LinearizationCache } from "./linearization-cache.js";

/**
 * A sequential specification: the object the history claims to be a linearizable
 * implementation of (Herlihy & Wing 1990). Same shape as porcupine's `Model`.
 */
export interface Model<S, I, O> {
  init(): S;
  /** Whether `output` is a legal result of applying `input` in `state`, and the next state.
   *  Must not mutate `state`: the search keeps old states on its backtracking stack. */
  step(state: S, input: I, output: O): { ok: boolean; next: S };
  equal(a: S, b: S): boolean;
  /** A 32-bit hash consistent with `equal`, for the (linearized set, state) memo cache. */
  hash(state: S): number;
  describeOperation(input: I, output: O): string;
  describeState(state: S): string;
}

/** One completed or pending client operation, as recorded by the harness. */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  output: O;
  /** Invocation time on the harness clock; the same units for every operation. */
  call: number;
  /** Response time, or Number.POSITIVE_INFINITY when the outcome is unknown: the operation may
   *  take effect at any point after its call, or never. */
  ret: number;
}

/** "timeout" means the search gave up: callers must treat it as a failure, never a pass. */
export type CheckOutcome = "ok" | "illegal" | "timeout";

export interface CheckResult {
  outcome: CheckOutcome;
  /** On "illegal": the longest linearized prefix found (operation indexes into the input array)
   *  and the first operation that could not be linearized after it, rendered with
   *  describeOperation. */
  longestPrefix?: number[];
  blockedOperation?: string;
  /** On "illegal": the index in the input array of the blocked operation. */
  blockedOpIndex?: number;
  explanation?: string;
}

/** Used when the caller gives no timeout: a bound, so that no test can hang on a search. */
export const CHECK_TIMEOUT_MS_DEFAULT = 60_000;

/** How many search iterations run between two looks at the wall clock. */
const CLOCK_CHECK_INTERVAL_ITERATIONS = 1024;

/** A backtracking point: the call that was linearized and the state before it. Frames form
 *  an immutable parent chain, so a dead end's prefix can be kept by reference in O(1). */
interface Frame<S> {
  readonly call: EventNode;
  readonly stateBefore: S;
  readonly parent: Frame<S> | null;
  readonly depth: number;
}

/** The deepest dead end seen: the prefix that was linearized and the operation whose return
 *  was reached without it being linearizable next. */
interface DeadEnd<S> {
  readonly top: Frame<S> | null;
  readonly state: S;
  readonly blockedOpIndex: number;
}

/**
 * Decides whether `history` is linearizable with respect to `model`, by the search of Wing &
 * Gong as refined by Lowe ("Testing for Linearizability", 2017; porcupine's checkSingle):
 * walk the time-ordered event list; at a call, try to linearize that operation now (step the
 * model, lift its call and return out of the list, restart from the head), unless the
 * configuration (linearized set, resulting state) was already explored, which is Lowe's
 * memoisation (extended to unknown outcomes in LinearizationCache); at a return whose
 * operation is not yet linearized, backtrack. The search is iterative, so long histories
 * cannot overflow the stack.
 *
 * Unknown outcomes (ret = +Infinity) may be linearized anywhere after their call, or never:
 * their returns sort after every finite event, so reaching one means every completed
 * operation is linearized and the remaining unknown ones are taken as never having happened.
 *
 * Returns "timeout" when the wall-clock budget (`timeoutMs`, default
 * CHECK_TIMEOUT_MS_DEFAULT) runs out; that is a failure to decide, not a pass.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options?: { timeoutMs?: number },
): CheckResult {
  const timeoutMs = options?.timeoutMs ?? CHECK_TIMEOUT_MS_DEFAULT;
  assert(timeoutMs >= 0, `timeoutMs must be >= 0, got ${timeoutMs}`);
  const deadlineMs = performance.now() + timeoutMs;
  const search = new Search(model, history);
  let deepest: DeadEnd<S> | null = null;
  for (let iterations = 1; search.head.next !== null; iterations++) {
    if (iterations % CLOCK_CHECK_INTERVAL_ITERATIONS === 0 && performance.now() > deadlineMs) {
      return timeoutResult(timeoutMs, iterations);
    }
    const node = search.node;
    // The last event of the list is always a return, and returns are never stepped over.
    assert(node !== null, "search walked off the end of the event list");
    if (node.match !== null) {
      search.tryCandidate(node);
    } else if (node.time === Number.POSITIVE_INFINITY) {
      break;
    } else {
      if (deepest === null || search.depth() > (deepest.top?.depth ?? 0)) {
        deepest = { top: search.top, state: search.state, blockedOpIndex: node.opIndex };
      }
      if (!search.backtrack()) return illegalResult(model, history, deepest);
    }
  }
  return { outcome: "ok" };
}

/**
 * The mutable state of one search: the event list with linearized operations lifted out,
 * the walk position, the model state, the backtracking stack and the cache.
 * Invariant: `completed` and `unknown` hold exactly the operations lifted out of the list,
 * split by whether their ret is finite, and `state` is the model state after them in stack
 * order.
 */
class Search<S, I, O> {
  readonly head: EventNode;
  node: EventNode | null;
  state: S;
  top: Frame<S> | null = null;
  private readonly completed: Bitset;
  private readonly unknown: Bitset;
  private readonly cache: LinearizationCache<S>;

  constructor(
    private readonly model: Model<S, I, O>,
    private readonly history: readonly Operation<I, O>[],
  ) {
    this.head = buildEventList(history);
    this.node = this.head.next;
    this.state = model.init();
    this.completed = new Bitset(history.length);
    this.unknown = new Bitset(history.length);
    this.cache = new LinearizationCache<S>(
      (a, b) => model.equal(a, b),
      (state) => model.hash(state),
    );
  }

  depth(): number {
    return this.top?.depth ?? 0;
  }

  /** At a call: linearize its operation now if the step is legal and the resulting
   *  configuration is new, and restart the walk from the head; otherwise move on. */
  tryCandidate(call: EventNode): void {
    const op = operationAt(this.history, call.opIndex);
    const set = this.setFor(op);
    const { ok, next } = this.model.step(this.state, op.input, op.output);
    if (ok) {
      set.set(call.opIndex);
      if (this.cache.visit(this.completed, this.unknown, next)) {
        const depth = this.depth() + 1;
        this.top = { call, stateBefore: this.state, parent: this.top, depth };
        this.state = next;
        lift(call);
        this.node = this.head.next;
        return;
      }
      set.clear(call.opIndex);
    }
    this.node = call.next;
  }

  /** Undoes the most recent linearization and resumes the walk after it. Returns false when
   *  there is nothing to undo: the history is not linearizable. */
  backtrack(): boolean {
    const frame = this.top;
    if (frame === null) return false;
    this.setFor(operationAt(this.history, frame.call.opIndex)).clear(frame.call.opIndex);
    unlift(frame.call);
    this.state = frame.stateBefore;
    this.node = frame.call.next;
    this.top = frame.parent;
    return true;
  }

  private setFor(op: Operation<I, O>): Bitset {
    return op.ret === Number.POSITIVE_INFINITY ? this.unknown : this.completed;
  }
}

function operationAt<I, O>(history: readonly Operation<I, O>[], opIndex: number): Operation<I, O> {
  const op = history[opIndex];
  assert(op !== undefined, "no operation at that index");
  return op;
}

function prefixOf<S>(top: Frame<S> | null): number[] {
  const prefix: number[] = [];
  for (let frame = top; frame !== null; frame = frame.parent) prefix.push(frame.call.opIndex);
  prefix.reverse();
  assert(prefix.length === (top?.depth ?? 0), "prefix length disagrees with frame depth");
  return prefix;
}

function illegalResult<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  deadEnd: DeadEnd<S>,
): CheckResult {
  const prefix = prefixOf(deadEnd.top);
  const blocked = operationAt(history, deadEnd.blockedOpIndex);
  const blockedOperation = model.describeOperation(blocked.input, blocked.output);
  const legalThere = model.step(deadEnd.state, blocked.input, blocked.output).ok;
  const reason = legalThere
    ? "it is legal in that state, but every order tried after it led to a dead end"
    : "it is not legal in that state";
  const explanation =
    `no linearization exists. The longest linearizable prefix (${prefix.length} operations) ` +
    `leaves the state ${model.describeState(deadEnd.state)}; the blocked operation of client ` +
    `${blocked.clientId} must take effect before it returns at ${blocked.ret}, but ${reason}.`;
  return {
    outcome: "illegal",
    longestPrefix: prefix,
    blockedOperation,
    blockedOpIndex: deadEnd.blockedOpIndex,
    explanation,
  };
}

function timeoutResult(timeoutMs: number, iterations: number): CheckResult {
  return {
    outcome: "timeout",
    explanation:
      `search gave up after ${timeoutMs} ms (${iterations} iterations) without deciding; ` +
      "treat as a failure",
  };
}
