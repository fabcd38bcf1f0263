import { Consistency, type Consistency__Output } from "../gen/raftkv/kv/v1/Consistency.js";
import type { EndpointClient } from "./client.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { UsageError } from "./errors.js";
import { booleanFlag, stringFlag, type FlagValues } from "./flags.js";
import { revisionFlag } from "./watch-command.js";
import { keyRangeFromArguments, type KeyRange } from "./key-arguments.js";
import { writeJson } from "./output.js";
import { rangeResultJson, writeRangeResult, type RangeResult } from "./response-output.js";
import { RPCS } from "./rpcs.js";

/**
 * `get KEY [--prefix|--from-key] [--limit N] [--consistency l|s] [--keys-only]
 * [--count-only] [--rev N]`, over the Range RPC. A missing key prints nothing and succeeds, like
 * etcdctl.
 */
export const GET_COMMAND: CommandSpec = {
  name: "get",
  summary: "read a key, or the keys in a range",
  args: [{ name: "KEY" }],
  flags: ["prefix", "from-key", "limit", "consistency", "keys-only", "count-only", "rev"],
  outputs: ["simple", "json"],
  notes: [
    "Prints each key on one line and its value on the next; nothing when no key matches.",
    "--count-only prints the number of keys in the range.",
    "A range larger than one server page is read in pages, each a separate read, so a",
    "range written to meanwhile may mix states (not with --rev, which reads every page",
    "as of that revision); --count-only is one read.",
  ],
  run: runGet,
};

/** Every key a range read returns is held in memory; this bounds a runaway read. */
const PAGES_MAX = 100_000;

interface RangePlan extends KeyRange {
  /** 0: every key in the range. */
  readonly limit: number;
  readonly consistency: Consistency__Output;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  /** 0: the latest. */
  readonly revision: number;
}

async function runGet(input: CommandInput, context: CommandContext): Promise<void> {
  const [keyText] = input.args;
  if (keyText === undefined) throw new Error("args.ts checks arity");
  const plan = rangePlan(keyText, input.flags, input.usage);

  const result = await readRange(context.client, plan);

  if (input.globals.output === "json") {
    writeJson(context.terminal, rangeResultJson(result, plan));
  } else {
    writeRangeResult(context.terminal, result, { ...plan, hex: input.globals.hex });
  }
}

function rangePlan(keyText: string, flags: FlagValues, usage: string): RangePlan {
  const range = keyRangeFromArguments(keyText, flags, usage);
  return {
    ...range,
    limit: limitFlag(stringFlag(flags, "limit"), usage),
    consistency: consistencyFlag(stringFlag(flags, "consistency"), usage),
    keysOnly: booleanFlag(flags, "keys-only"),
    countOnly: booleanFlag(flags, "count-only"),
    revision: revisionFlag(stringFlag(flags, "rev"), usage),
  };
}

function limitFlag(text: string | undefined, usage: string): number {
  if (text === undefined) return 0;
  const limit = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(limit)) {
    throw new UsageError(`--limit must be a whole number >= 0, got ${text}`, usage);
  }
  return limit;
}

function consistencyFlag(text: string | undefined, usage: string): Consistency__Output {
  switch (text) {
    case undefined:
    case "l": return Consistency.LINEARIZABLE;
    case "s": return Consistency.SERIALIZABLE;
    default: throw new UsageError(`--consistency must be l or s, got ${text}`, usage);
  }
}

/**
 * Reads `plan` with as many Range calls (the result: the first page's header and count,
 * every page's pairs) as it takes. The server caps a page at its own
 * maximum (limit 0 asks for that maximum) and says `more` when keys remain; the next page
 * starts just after the last key returned (key + "\0", the proto's rule). --count-only
 * needs one call: the count covers the whole range whatever the limit, so it asks for
 * one pair.
 */
async function readRange(client: EndpointClient, plan: RangePlan): Promise<RangeResult> {
  const request = {
    key: plan.key, range_end: plan.rangeEnd, consistency: plan.consistency,
    keys_only: plan.keysOnly || plan.countOnly, revision: String(plan.revision),
  };
  const first = (await client.call(RPCS.range, {
    ...request, limit: plan.countOnly ? 1 : plan.limit,
  })).response;
  const kvs = [...first.kvs];
  let more = first.more;
  const wanted = (): boolean => plan.limit === 0 || kvs.length < plan.limit;
  // A single-key read (empty range_end) has no next page, whatever `more` says.
  for (let pages = 1; more && wanted() && !plan.countOnly && plan.rangeEnd !== ""; pages++) {
    const last = kvs[kvs.length - 1];
    if (last === undefined) throw new Error("a Range page said more but returned no pair");
    if (pages >= PAGES_MAX) throw new Error(`a range read took more than ${PAGES_MAX} pages`);
    const page = (await client.call(RPCS.range, {
      ...request, key: `${last.key}\0`, limit: plan.limit === 0 ? 0 : plan.limit - kvs.length,
    })).response;
    kvs.push(...page.kvs);
    more = page.more;
  }
  if (plan.limit !== 0 && kvs.length > plan.limit) {
    throw new Error(`the server returned ${kvs.length} pairs for limit ${plan.limit}`);
  }
  return { header: first.header, kvs, more, count: first.count };
}
