import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { UsageError } from "./errors.js";
import { booleanFlag } from "./flags.js";
import { headerJson, writeJson, type Json, type Terminal } from "./output.js";
import {
  deleteResponseJson, putResponseJson, rangeResultJson, writeDeleteResponse, writePutResponse,
  writeRangeResult,
} from "./response-output.js";
import { RPCS, type RequestOp, type ResponseOp, type TxnRequest, type TxnResponse } from "./rpcs.js";
import { TxnReader, TxnSyntaxError, type TxnSection } from "./txn-parser.js";

/**
 * `txn [-i]`: reads a transaction from stdin in etcdctl's format (txn-parser.ts), sends it
 * as one Txn call, and prints which branch ran and each of its responses. A txn is a write:
 * once an endpoint may have received it, it is not sent to another (client.ts).
 */
export const TXN_COMMAND: CommandSpec = {
  name: "txn",
  summary: "compare, then run the success or the failure requests, atomically (stdin)",
  args: [],
  flags: ["interactive"],
  outputs: ["simple", "json"],
  notes: [
    "Reads from stdin: compares, a blank line, success requests, a blank line, failure",
    "requests. Compares: value(\"k\") = \"v\", version(\"k\") > \"2\", create(\"k\") = \"0\",",
    "mod(\"k\") < \"10\" (operators = != > <). Requests: put KEY VALUE [--prev-kv],",
    "get KEY [--prefix|--from-key] [--limit N] [--keys-only] [--count-only],",
    "del KEY [--prefix|--from-key] [--prev-kv]. Words are bare or \"quoted\" with Go escapes.",
    "Prints SUCCESS or FAILURE, then each response as put, get and del print theirs,",
    "each after a blank line. A bad line exits 2 and sends nothing.",
    "Example:  printf 'value(\"k\") = \"v1\"\\n\\nput k v2\\n\\nget k\\n' | raftkvctl txn",
  ],
  run: runTxn,
};

/** etcdctl's prompts, word for word. */
const PROMPTS: Readonly<Record<TxnSection, string>> = {
  compares: "compares:",
  success: "success requests (get, put, del):",
  failure: "failure requests (get, put, del):",
};

async function runTxn(input: CommandInput, context: CommandContext): Promise<void> {
  const { terminal } = context;
  const request = await readTxn(terminal, {
    hex: input.globals.hex, interactive: booleanFlag(input.flags, "interactive"), usage: input.usage,
  });

  const { response } = await context.client.call(RPCS.txn, request);

  const ran = (response.succeeded ? request.success : request.failure) ?? [];
  if (response.responses.length !== ran.length) {
    throw new Error(`the txn ran ${ran.length} requests but got ${response.responses.length} ` +
      "responses");
  }
  if (input.globals.output === "json") {
    writeJson(terminal, txnJson(response, ran));
  } else {
    writeTxnSimple(terminal, response, ran, input.globals.hex);
  }
}

/**
 * Reads stdin until the failure requests end (a blank line or the end of input), prompting
 * for each section with --interactive. A bad line is a usage error naming the line.
 */
async function readTxn(
  terminal: Terminal,
  options: { readonly hex: boolean; readonly interactive: boolean; readonly usage: string },
): Promise<TxnRequest> {
  const reader = new TxnReader({ hex: options.hex });
  const lines = terminal.stdinLines()[Symbol.asyncIterator]();
  let prompted: TxnSection | undefined;
  try {
    for (let section = reader.section; section !== undefined; section = reader.section) {
      if (options.interactive && section !== prompted) {
        terminal.stdout(`${PROMPTS[section]}\n`);
        prompted = section;
      }
      const line = await lines.next();
      if (line.done === true) break;
      reader.add(line.value);
    }
  } catch (error: unknown) {
    if (error instanceof TxnSyntaxError) throw new UsageError(error.message, options.usage);
    throw error;
  } finally {
    await lines.return?.();
  }
  return reader.request();
}

/** etcdctl's simple Txn output: SUCCESS or FAILURE, then a blank line before each response. */
function writeTxnSimple(
  terminal: Terminal,
  response: TxnResponse,
  ran: readonly RequestOp[],
  hex: boolean,
): void {
  terminal.stdout(response.succeeded ? "SUCCESS\n" : "FAILURE\n");
  response.responses.forEach((op, i) => {
    terminal.stdout("\n");
    const answer = responseOf(op);
    switch (answer.kind) {
      case "put": return writePutResponse(terminal, answer.response, hex);
      case "delete": return writeDeleteResponse(terminal, answer.response, hex);
      case "range": return writeRangeResult(terminal, answer.response, { ...rangeShape(ran[i]), hex });
    }
  });
}

function txnJson(response: TxnResponse, ran: readonly RequestOp[]): Json {
  return {
    header: headerJson(response.header),
    succeeded: response.succeeded,
    responses: response.responses.map((op, i) => {
      const answer = responseOf(op);
      switch (answer.kind) {
        case "put": return { response_put: putResponseJson(answer.response) };
        case "delete": return { response_delete_range: deleteResponseJson(answer.response) };
        case "range":
          return { response_range: rangeResultJson(answer.response, rangeShape(ran[i])) };
      }
    }),
  };
}

type Answer =
  | { readonly kind: "put"; readonly response: NonNullable<ResponseOp["response_put"]> }
  | { readonly kind: "range"; readonly response: NonNullable<ResponseOp["response_range"]> }
  | {
    readonly kind: "delete";
    readonly response: NonNullable<ResponseOp["response_delete_range"]>;
  };

/** The one response a ResponseOp carries (its oneof arrives as three nullable fields). */
function responseOf(op: ResponseOp): Answer {
  if (op.response_put != null) return { kind: "put", response: op.response_put };
  if (op.response_range != null) return { kind: "range", response: op.response_range };
  if (op.response_delete_range != null) {
    return { kind: "delete", response: op.response_delete_range };
  }
  throw new Error("a txn response holds no put, range or delete response");
}

/** How the range request asked for its keys, which decides how its response prints. */
function rangeShape(op: RequestOp | undefined): { keysOnly: boolean; countOnly: boolean } {
  const range = op?.request_range;
  return { keysOnly: range?.keys_only === true, countOnly: range?.count_only === true };
}
