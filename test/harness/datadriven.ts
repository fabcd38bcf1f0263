/**
 * Data-driven test scripts, after cockroachdb/datadriven as etcd-io/raft uses it: a script is
 * a list of blocks, each a command and the output it must produce, so a test reads like the
 * protocol trace it checks.
 *
 * ```
 * # Comment lines (and blank lines) before a command explain it.
 * command arg1 key=value key=(1,2,3) (4,5) "quoted text"
 * ----
 * expected output, up to the next blank line
 * ```
 *
 * Output that itself contains blank lines is fenced by a doubled separator: `----` twice
 * after the command, and `----` twice after the output. A command line ending in `\`
 * continues on the next line. With REWRITE=1 the runner writes the actual outputs back into
 * the file instead of comparing (for authoring only; CI never sets it).
 */
import { readFileSync, writeFileSync } from "node:fs";

const SEPARATOR = "----";

/**
 * One argument. `key=value` gives values [value]; `key=(a,b)` gives [a, b]; a bare word gives
 * that key with no values; a bare group `(a,b)` gives key "" with values [a, b].
 */
export interface CommandArg {
  readonly key: string;
  readonly values: readonly string[];
}

/** A parsed command line; `line` is its 1-based line number in `file`, for error messages. */
export interface DataDrivenCommand {
  readonly name: string;
  readonly args: readonly CommandArg[];
  readonly file: string;
  readonly line: number;
}

/** One block: the raw lines before it (kept for REWRITE), the command and its expectation. */
export interface ScriptBlock {
  readonly preamble: readonly string[];
  readonly commandLines: readonly string[];
  readonly command: DataDrivenCommand;
  readonly expected: string;
}

export interface ParsedScript {
  readonly blocks: readonly ScriptBlock[];
  /** Comment or blank lines after the last block. */
  readonly trailer: readonly string[];
}

export type CommandHandler = (command: DataDrivenCommand) => string;

/**
 * Splits a command line into its name and arguments. Parentheses and double quotes group:
 * whitespace inside them does not split, and quotes are removed. Throws on unbalanced
 * grouping, naming `file:line`.
 */
export function parseCommandLine(text: string, file: string, line: number): DataDrivenCommand {
  const tokens = tokenize(text, `${file}:${String(line)}`);
  const name = tokens.shift();
  if (name === undefined) throw new Error(`${file}:${String(line)}: empty command`);
  return { name, args: tokens.map(parseArg), file, line };
}

function tokenize(text: string, where: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  let started = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted;
      started = true;
      if (depth > 0) current += char; // Quotes inside a group are the group's business.
      continue;
    }
    if (!quoted && char === "(") depth += 1;
    if (!quoted && char === ")") depth -= 1;
    if (depth < 0) throw new Error(`${where}: unbalanced ")" in ${JSON.stringify(text)}`);
    if (!quoted && depth === 0 && /\s/.test(char)) {
      if (started) tokens.push(current);
      current = "";
      started = false;
      continue;
    }
    current += char;
    started = true;
  }
  if (quoted || depth !== 0) {
    throw new Error(`${where}: unbalanced quote or "(" in ${JSON.stringify(text)}`);
  }
  if (started) tokens.push(current);
  return tokens;
}

function parseArg(token: string): CommandArg {
  const group = /^\((.*)\)$/s.exec(token);
  if (group !== null) return { key: "", values: splitGroup(group[1] ?? "") };
  const equals = token.indexOf("=");
  if (equals < 0) return { key: token, values: [] };
  const key = token.slice(0, equals);
  const value = token.slice(equals + 1);
  const inner = /^\((.*)\)$/s.exec(value);
  return { key, values: inner === null ? [value] : splitGroup(inner[1] ?? "") };
}

function splitGroup(inner: string): string[] {
  if (inner.trim() === "") return [];
  return inner.split(",").map((value) => value.trim().replace(/^"(.*)"$/s, "$1"));
}

/** Parses a whole script. Throws with `file:line` on a command without its separator. */
export function parseScript(text: string, file: string): ParsedScript {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const blocks: ScriptBlock[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === "" || raw.startsWith("#")) {
      preamble.push(raw);
      i += 1;
      continue;
    }
    const line = i + 1;
    const commandLines: string[] = [];
    while (lines[i]?.endsWith("\\") === true) commandLines.push(lines[i++]!);
    if (i < lines.length) commandLines.push(lines[i++]!);
    if (lines[i] !== SEPARATOR) {
      throw new Error(`${file}:${String(line)}: expected "${SEPARATOR}" after the command`);
    }
    i += 1;
    const joined = commandLines.map((l) => l.replace(/\\$/, "")).join(" ");
    const { expected, next } = readExpected(lines, i, file);
    i = next;
    const command = parseCommandLine(joined, file, line);
    blocks.push({ preamble, commandLines, command, expected });
    preamble = [];
  }
  return { blocks, trailer: preamble };
}

/** Reads an expected output starting at `start`; returns it and the index after it. */
function readExpected(
  lines: string[], start: number, file: string,
): { expected: string; next: number } {
  const output: string[] = [];
  let i = start;
  if (lines[i] === SEPARATOR) {
    // Fenced output: runs to the first doubled separator.
    i += 1;
    while (!(lines[i] === SEPARATOR && lines[i + 1] === SEPARATOR)) {
      if (i >= lines.length) {
        throw new Error(`${file}:${String(start + 1)}: unterminated "${SEPARATOR}" fence`);
      }
      output.push(lines[i++]!);
    }
    i += 2;
  } else {
    while (i < lines.length && lines[i]!.trim() !== "") output.push(lines[i++]!);
  }
  if (lines[i]?.trim() === "") i += 1; // The blank line that ends the block.
  return { expected: normalizeOutput(output.join("\n")), next: i };
}

/** Trailing whitespace on each line and trailing blank lines never matter. */
export function normalizeOutput(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");
}

/** Renders a script with the given outputs in place of the expected ones (for REWRITE). */
export function formatScript(script: ParsedScript, outputs: readonly string[]): string {
  const out: string[] = [];
  script.blocks.forEach((block, index) => {
    const output = normalizeOutput(outputs[index] ?? block.expected);
    out.push(...block.preamble, ...block.commandLines, SEPARATOR);
    const fenced = output !== "" && output.split("\n").includes("");
    if (fenced) out.push(SEPARATOR, output, SEPARATOR, SEPARATOR);
    else if (output !== "") out.push(output);
    out.push(""); // The blank line that ends a block.
  });
  out.push(...script.trailer);
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

/**
 * A line diff of `expected` against `actual` (longest common subsequence): common lines are
 * indented by two spaces, missing ones start with "- " and unexpected ones with "+ ".
 */
export function diffLines(expected: string, actual: string): string {
  const a = expected === "" ? [] : expected.split("\n");
  const b = actual === "" ? [] : actual.split("\n");
  // lcs[i][j] = length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i]!;
      const below = lcs[i + 1]!;
      row[j] = a[i] === b[j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]!}`);
      j += 1;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j++]!}`);
    } else {
      out.push(`- ${a[i++]!}`);
    }
  }
  return out.join("\n");
}

/** The values of the argument `key`, or undefined when the command has no such argument. */
export function argValues(command: DataDrivenCommand, key: string): readonly string[] | undefined {
  return command.args.find((arg) => arg.key === key)?.values;
}

/** The bare words of a command (its positional arguments), e.g. the ids in `stabilize 1 2`. */
export function positionalArgs(command: DataDrivenCommand): string[] {
  return command.args.filter((arg) => arg.key !== "" && arg.values.length === 0).map((a) => a.key);
}

/**
 * The integer at `position` among all arguments (0 = the first after the name), or
 * `fallback` when it is absent; throws, naming the command, on anything else.
 */
export function intArg(command: DataDrivenCommand, position: number, fallback?: number): number {
  const arg = command.args[position];
  if (arg === undefined || arg.values.length > 0 || arg.key === "") {
    if (fallback !== undefined) return fallback;
    throw new Error(`${command.name}: expected a number as argument ${String(position + 1)}`);
  }
  return parseInteger(arg.key, command.name);
}

/** The integer value of `key=N`; throws, naming the command, when missing or malformed. */
export function intValue(command: DataDrivenCommand, key: string): number {
  const value = argValues(command, key)?.[0];
  if (value === undefined) throw new Error(`${command.name}: missing ${key}=N`);
  return parseInteger(value, `${command.name} ${key}`);
}

/** Parses a safe integer; throws naming `what` otherwise. */
export function parseInteger(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(value)) {
    throw new Error(`${what}: "${text}" is not an integer`);
  }
  return value;
}

export interface RunOptions {
  /** Write actual outputs back into the file instead of comparing. Defaults to REWRITE=1. */
  readonly rewrite?: boolean;
}

/**
 * Runs every block of the script at `path` through `handler`, in order, and throws at the
 * first block whose output differs from the expected text, naming `file:line` and showing a
 * diff. A handler that throws fails the run the same way, with the error as `cause`. With
 * rewrite on, every block runs and the file is rewritten with the actual outputs.
 */
export function runDataDriven(
  path: string, handler: CommandHandler, options: RunOptions = {},
): void {
  const rewrite = options.rewrite ?? process.env["REWRITE"] === "1";
  const script = parseScript(readFileSync(path, "utf8"), path);
  const outputs: string[] = [];
  for (const block of script.blocks) {
    const { command } = block;
    const where = `${command.file}:${String(command.line)}: ${block.commandLines.join(" ")}`;
    let actual: string;
    try {
      actual = normalizeOutput(handler(command));
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${where}\ncommand failed: ${message}`, { cause: error });
    }
    outputs.push(actual);
    if (!rewrite && actual !== block.expected) {
      throw new Error(
        `${where}\noutput differs from the expected text (- expected, + actual):\n` +
          `${diffLines(block.expected, actual)}\n` +
          "Run with REWRITE=1 to accept the actual output, after checking it is right.",
      );
    }
  }
  if (rewrite) writeFileSync(path, formatScript(script, outputs));
}
