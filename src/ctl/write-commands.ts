import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { booleanFlag } from "./flags.js";
import { keyArgument, keyRangeFromArguments, valueArgument } from "./key-arguments.js";
import { writeJson } from "./output.js";
import {
  deleteResponseJson, putResponseJson, writeDeleteResponse, writePutResponse,
} from "./response-output.js";
import { RPCS } from "./rpcs.js";

/**
 * `put KEY VALUE`: prints OK (and, with --prev-kv, the pair it replaced), like etcdctl.
 * Writes are not sent twice: a put whose endpoint fails after receiving it reports the
 * error instead of failing over (client.ts).
 */
export const PUT_COMMAND: CommandSpec = {
  name: "put",
  summary: "set a key to a value",
  args: [{ name: "KEY" }, { name: "VALUE" }],
  flags: ["prev-kv"],
  outputs: ["simple", "json"],
  notes: [
    "Prints OK, then with --prev-kv the previous key and value when the key existed.",
    "A VALUE that starts with - goes after --:  raftkvctl put -- key -value",
  ],
  run: runPut,
};

/** `del KEY [--prefix|--from-key]`: prints how many keys were deleted, like etcdctl. */
export const DEL_COMMAND: CommandSpec = {
  name: "del",
  summary: "delete a key, or every key in a range",
  args: [{ name: "KEY" }],
  flags: ["prefix", "from-key"],
  outputs: ["simple", "json"],
  notes: ["Prints the number of keys deleted (0 when there was none)."],
  run: runDel,
};

async function runPut(input: CommandInput, context: CommandContext): Promise<void> {
  const [keyText, valueText] = input.args;
  if (keyText === undefined || valueText === undefined) throw new Error("args.ts checks arity");
  const key = keyArgument(keyText, input.flags, input.usage);
  const value = valueArgument(valueText, input.flags, input.usage);
  const prevKv = booleanFlag(input.flags, "prev-kv");

  const { response } = await context.client.call(RPCS.put, { key, value, prev_kv: prevKv });

  if (input.globals.output === "json") {
    writeJson(context.terminal, putResponseJson(response));
  } else {
    writePutResponse(context.terminal, response, input.globals.hex);
  }
}

async function runDel(input: CommandInput, context: CommandContext): Promise<void> {
  const [keyText] = input.args;
  if (keyText === undefined) throw new Error("args.ts checks arity");
  const range = keyRangeFromArguments(keyText, input.flags, input.usage);

  const { response } = await context.client.call(RPCS.delete, {
    key: range.key, range_end: range.rangeEnd,
  });

  if (input.globals.output === "json") {
    writeJson(context.terminal, deleteResponseJson(response));
  } else {
    writeDeleteResponse(context.terminal, response, input.globals.hex);
  }
}
