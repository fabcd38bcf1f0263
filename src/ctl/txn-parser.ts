import { CompareResult, type CompareResult__Output } from "../gen/raftkv/kv/v1/CompareResult.js";
import { CompareTarget, type CompareTarget__Output } from "../gen/raftkv/kv/v1/CompareTarget.js";
import { keyRange } from "./key-arguments.js";
import { BadBytesError, hexToBytes, keyFromArgument } from "./key-bytes.js";
import { readWord, skipSpace, splitWords, WordError, type Word } from "./quoted-words.js";
import type { Compare, RequestOp, TxnRequest } from "./rpcs.js";

/**
 * etcdctl's `txn` input: compares, a blank line, success requests, a blank line, failure
 * requests (and a blank line or the end of input). A compare is `TARGET(KEY) OP OPERAND`:
 * `value("k") = "v"`, `version("k") > "2"`, `create("k") = "0"`, `mod("k") < "10"`, with the
 * targets ver/version, c/create, m/mod, val/value and the operators = != > <. A request is a
 * command line: `put KEY VALUE [--prev-kv]`, `get KEY [--prefix|--from-key] [--limit N]
 * [--keys-only] [--count-only]`, `del KEY [--prefix|--from-key] [--prev-kv]`. Keys,
 * values and operands are bare words or quoted (quoted-words.ts). Everything here is pure:
 * text in, request out, or a TxnSyntaxError saying which line is wrong and why.
 */

/** The parts of a txn, in the order they are read. */
export type TxnSection = "compares" | "success" | "failure";
const SECTIONS: readonly TxnSection[] = ["compares", "success", "failure"];

/** Far above any txn a member accepts (128 operations per branch by default). */
export const TXN_LINES_MAX = 10_000;

export interface TxnParseOptions {
  /** --hex: keys, values and value operands are written in hex. */
  readonly hex: boolean;
}

/** A txn line that cannot be read; `lineNumber` counts from 1 (0: not tied to a line). */
export class TxnSyntaxError extends Error {
  readonly lineNumber: number;

  constructor(message: string, lineNumber = 0) {
    super(lineNumber === 0 ? message : `txn line ${lineNumber}: ${message}`);
    this.name = "TxnSyntaxError";
    this.lineNumber = lineNumber;
  }
}

/**
 * Reads a txn one line at a time, so an interactive reader can prompt for each section as
 * it starts and report a bad line as soon as it is typed. A blank line (white space only)
 * ends a section; the end of input ends every section left, which are then empty.
 */
export class TxnReader {
  private readonly options: TxnParseOptions;
  /** Invariant: 0 <= sectionIndex <= SECTIONS.length; the length means "done". */
  private sectionIndex = 0;
  private lineNumber = 0;
  private readonly compare: Compare[] = [];
  private readonly success: RequestOp[] = [];
  private readonly failure: RequestOp[] = [];

  constructor(options: TxnParseOptions) {
    this.options = options;
  }

  /** The section the next line belongs to; undefined once the failure requests ended. */
  get section(): TxnSection | undefined {
    return SECTIONS[this.sectionIndex];
  }

  /** Adds one line (without its line end). Throws a TxnSyntaxError naming the line. */
  add(line: string): void {
    const section = this.section;
    if (section === undefined) throw new Error("TxnReader.add() after the last section");
    this.lineNumber++;
    if (this.lineNumber > TXN_LINES_MAX) {
      throw new TxnSyntaxError(`a txn has at most ${TXN_LINES_MAX} lines`, this.lineNumber);
    }
    const text = line.trim();
    if (text === "") {
      this.sectionIndex++;
      return;
    }
    try {
      if (section === "compares") this.compare.push(parseCompare(text, this.options));
      else this[section].push(parseRequest(text, this.options));
    } catch (error: unknown) {
      if (error instanceof TxnSyntaxError) throw new TxnSyntaxError(error.message, this.lineNumber);
      throw error;
    }
  }

  /** The request read so far: the sections not reached are empty. */
  request(): TxnRequest {
    return { compare: [...this.compare], success: [...this.success], failure: [...this.failure] };
  }
}

/** A whole txn from its text (what `raftkvctl txn` reads from stdin). */
export function parseTxn(text: string, options: TxnParseOptions): TxnRequest {
  const reader = new TxnReader(options);
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop(); // The final line end ends the last line.
  for (const line of lines) {
    if (reader.section === undefined) break; // etcdctl reads nothing after the failure part.
    reader.add(line);
  }
  return reader.request();
}

const TARGETS: Readonly<Record<string, {
  readonly target: CompareTarget__Output;
  readonly field: "version" | "create_revision" | "mod_revision" | "value";
}>> = {
  ver: { target: CompareTarget.VERSION, field: "version" },
  version: { target: CompareTarget.VERSION, field: "version" },
  c: { target: CompareTarget.CREATE, field: "create_revision" },
  create: { target: CompareTarget.CREATE, field: "create_revision" },
  m: { target: CompareTarget.MOD, field: "mod_revision" },
  mod: { target: CompareTarget.MOD, field: "mod_revision" },
  val: { target: CompareTarget.VALUE, field: "value" },
  value: { target: CompareTarget.VALUE, field: "value" },
};

const OPERATORS: Readonly<Record<string, CompareResult__Output>> = {
  "=": CompareResult.EQUAL,
  "!=": CompareResult.NOT_EQUAL,
  ">": CompareResult.GREATER,
  "<": CompareResult.LESS,
};

/** One compare line, e.g. `value("k") = "v"` or `version(k) > 2`. */
export function parseCompare(line: string, options: TxnParseOptions): Compare {
  const opening = /^\s*([A-Za-z_]+)\s*\(/.exec(line);
  if (opening === null) {
    throw new TxnSyntaxError(`expected a compare like value("key") = "v", got ${line}`);
  }
  const name = opening[1]!;
  if (name === "lease") throw new TxnSyntaxError("lease compares are not supported: raftkv has no leases");
  const target = TARGETS[name];
  if (target === undefined) {
    throw new TxnSyntaxError(`unknown compare target ${name}; use version, create, mod or value`);
  }
  const keyWord = wordAt(line, skipSpace(line, opening[0].length), ")", "the key");
  let at = skipSpace(line, keyWord.end);
  if (line[at] !== ")") throw new TxnSyntaxError(`expected ) after the key, at column ${at + 1}`);
  at = skipSpace(line, at + 1);
  const operator = /^(!=|==|>=|<=|=|>|<)/.exec(line.slice(at))?.[1];
  if (operator === "==" || operator === ">=" || operator === "<=") {
    throw new TxnSyntaxError(`there is no operator ${operator}; use =, !=, > or <`);
  }
  const result = operator === undefined ? undefined : OPERATORS[operator];
  if (operator === undefined || result === undefined) {
    throw new TxnSyntaxError(`expected an operator (=, !=, > or <) at column ${at + 1}`);
  }
  const operandWord = wordAt(line, skipSpace(line, at + operator.length), "", "the operand");
  const rest = skipSpace(line, operandWord.end);
  if (rest < line.length) {
    throw new TxnSyntaxError(`unexpected text after the operand: ${line.slice(rest)}`);
  }
  const key = keyOf(keyWord, options, { emptyAllowed: false });
  const operand = target.field === "value"
    ? valueOf(operandWord, options)
    : wholeNumber(operandWord, `the ${name} operand`);
  return { key, target: target.target, result, [target.field]: operand };
}

/** The verbs a txn request may use, and their flags (`true`: the flag takes a value). */
const VERBS = {
  put: { arguments: ["KEY", "VALUE"], flags: { "prev-kv": false } },
  get: {
    arguments: ["KEY"],
    flags: { prefix: false, "from-key": false, limit: true, "keys-only": false, "count-only": false },
  },
  del: { arguments: ["KEY"], flags: { prefix: false, "from-key": false, "prev-kv": false } },
} as const satisfies Record<string, {
  readonly arguments: readonly string[];
  readonly flags: Record<string, boolean>;
}>;
type Verb = keyof typeof VERBS;

/** One request line, e.g. `put k v`, `get k --prefix`, `del "a b"`. */
export function parseRequest(line: string, options: TxnParseOptions): RequestOp {
  const [verbWord, ...rest] = words(line);
  const verb = verbWord === undefined ? "" : textOf(verbWord, "the request");
  if (!Object.hasOwn(VERBS, verb)) {
    throw new TxnSyntaxError(`unknown request ${verb}; use get, put or del`);
  }
  const { positionals, flags } = requestArguments(verb as Verb, rest);
  const has = (name: string): boolean => flags.has(name);
  if (verb === "put") {
    const [key, value] = positionals as [Word, Word];
    return {
      request_put: {
        key: keyOf(key, options, { emptyAllowed: false }), value: valueOf(value, options),
        prev_kv: has("prev-kv"),
      },
    };
  }
  const range = asSyntaxError(() => keyRange(
    keyOf(positionals[0]!, options, { emptyAllowed: true }),
    { prefix: has("prefix"), fromKey: has("from-key") },
  ));
  if (verb === "del") {
    return {
      request_delete_range: { key: range.key, range_end: range.rangeEnd, prev_kv: has("prev-kv") },
    };
  }
  const limit = flags.get("limit");
  return {
    request_range: {
      key: range.key, range_end: range.rangeEnd,
      limit: limit === undefined ? 0 : wholeNumber(limit, "--limit"),
      keys_only: has("keys-only"), count_only: has("count-only"),
    },
  };
}

/**
 * Splits a request's words into positionals and flags (`--name`, `--name value`,
 * `--name=value`). An unquoted word starting with `-` is a flag until `--`; quote a value
 * that starts with `-` or put it after `--`.
 */
function requestArguments(verb: Verb, rest: readonly Word[]): {
  positionals: Word[]; flags: Map<string, Word | undefined>;
} {
  const spec = VERBS[verb];
  const known: Readonly<Record<string, boolean>> = spec.flags;
  const positionals: Word[] = [];
  const flags = new Map<string, Word | undefined>();
  let flagsEnded = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const text = word.quoted ? "" : textOf(word, "a flag");
    if (flagsEnded || word.quoted || !text.startsWith("-") || text === "-") {
      positionals.push(word);
    } else if (text === "--") {
      flagsEnded = true;
    } else {
      const [name, inline] = splitFlag(text);
      const takesValue = known[name];
      if (takesValue === undefined || !text.startsWith("--")) {
        const names = Object.keys(known).map((flag) => `--${flag}`).join(", ");
        throw new TxnSyntaxError(`${verb} has no flag ${text} (its flags: ${names}); a ` +
          "word that starts with - goes in quotes or after --");
      }
      if (takesValue && inline === undefined && rest[i + 1] === undefined) {
        throw new TxnSyntaxError(`--${name} needs a value`);
      }
      flags.set(name, takesValue ? inline ?? rest[++i] : undefined);
    }
  }
  if (positionals.length !== spec.arguments.length) {
    throw new TxnSyntaxError(`${verb} takes ${spec.arguments.join(" and ")}, got ` +
      `${positionals.length} word${positionals.length === 1 ? "" : "s"}`);
  }
  return { positionals, flags };
}

/** `--limit=5` as ["limit", the word "5"]; `--prefix` as ["prefix", undefined]. */
function splitFlag(text: string): [string, Word | undefined] {
  const body = text.replace(/^--?/, "");
  const equals = body.indexOf("=");
  if (equals < 0) return [body, undefined];
  const value = new TextEncoder().encode(body.slice(equals + 1));
  return [body.slice(0, equals), { bytes: value, quoted: false, end: 0 }];
}

function words(line: string): Word[] {
  try {
    return splitWords(line);
  } catch (error: unknown) {
    if (error instanceof WordError) throw new TxnSyntaxError(error.message);
    throw error;
  }
}

function wordAt(line: string, start: number, stopChars: string, what: string): Word {
  if (start >= line.length || stopChars.includes(line[start]!)) {
    throw new TxnSyntaxError(`missing ${what} at column ${start + 1}`);
  }
  try {
    return readWord(line, start, stopChars);
  } catch (error: unknown) {
    if (error instanceof WordError) throw new TxnSyntaxError(error.message);
    throw error;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function textOf(word: Word, what: string): string {
  try {
    return strictUtf8.decode(word.bytes);
  } catch {
    throw new TxnSyntaxError(`${what} is not valid UTF-8`);
  }
}

function keyOf(word: Word, options: TxnParseOptions, rule: { emptyAllowed: boolean }): string {
  const key = asSyntaxError(() => keyFromArgument(textOf(word, "the key"), options.hex));
  if (key === "" && !rule.emptyAllowed) throw new TxnSyntaxError("the key is empty");
  return key;
}

function valueOf(word: Word, options: TxnParseOptions): Uint8Array {
  if (!options.hex) return word.bytes;
  return asSyntaxError(() => hexToBytes(textOf(word, "the value"), "value"));
}

/** A uint64 operand or limit, kept below 2^53 as raftkv keeps every revision and count. */
function wholeNumber(word: Word, what: string): number {
  const text = textOf(word, what);
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw new TxnSyntaxError(`${what} must be a whole number >= 0, got ${text}`);
  }
  return number;
}

function asSyntaxError<T>(body: () => T): T {
  try {
    return body();
  } catch (error: unknown) {
    if (error instanceof BadBytesError) throw new TxnSyntaxError(error.message);
    throw error;
  }
}
