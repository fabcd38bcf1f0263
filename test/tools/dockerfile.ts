/**
 * A small reader of the repository's Dockerfile and .dockerignore, for the tests that prove
 * the image without a container engine (test/dockerfile.test.ts, which lints and checks the
 * file, and test/integration/docker-steps.test.ts, which runs its steps). It understands
 * what the Dockerfile uses: comments, backslash continuations, stages (`FROM image AS name`),
 * exec-form JSON arrays, `--flag=value` options and `ENV key=value` pairs. Anything it
 * cannot read is an error, never a guess.
 */

/** One instruction, its continuation lines joined. */
export interface Instruction {
  /** Upper case, e.g. "COPY". */
  readonly keyword: string;
  /** Everything after the keyword, trimmed. */
  readonly args: string;
  /** 1-based line of the keyword, for messages. */
  readonly line: number;
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly from: Instruction;
  readonly instructions: readonly Instruction[];
}

/** The instructions of `text` in order: comment lines dropped, continuations joined. */
export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  let pending: { text: string; line: number } | undefined;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "");
    // Docker drops comment lines, also inside a continuation.
    if (/^\s*#/.test(line)) continue;
    if (pending === undefined && line.trim() === "") continue;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, "") : line;
    pending = pending === undefined
      ? { text: body, line: index + 1 }
      : { text: pending.text + body, line: pending.line };
    if (continued) continue;
    const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(pending.text);
    if (match === null) throw new Error(`Dockerfile line ${pending.line}: no instruction`);
    instructions.push({
      keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line,
    });
    pending = undefined;
  }
  if (pending !== undefined) {
    throw new Error(`Dockerfile line ${pending.line}: continuation at the end of the file`);
  }
  return instructions;
}

/** The stages of `text`; no instruction but ARG may precede the first FROM. */
export function parseStages(text: string): Stage[] {
  const stages: { image: string; name: string | undefined; from: Instruction;
    instructions: Instruction[] }[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === "FROM") {
      const { rest } = splitFlags(instruction.args);
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (match === null) throw new Error(`line ${instruction.line}: cannot read FROM ${rest}`);
      stages.push({ image: match[1]!, name: match[2], from: instruction, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (instruction.keyword === "ARG") continue;
      throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    }
    stage.instructions.push(instruction);
  }
  return stages;
}

/** Leading `--name=value` options of an instruction, and the rest of its arguments. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (;;) {
    const match = /^--([a-z-]+)=(\S*)\s*/.exec(rest);
    if (match === null) return { flags, rest };
    flags.set(match[1]!, match[2]!);
    rest = rest.slice(match[0].length);
  }
}

/** An exec-form argument list (`["a", "b"]`); throws for the shell form. */
export function execForm(args: string, what: string): string[] {
  const trimmed = args.trim();
  if (!trimmed.startsWith("[")) throw new Error(`${what} is in shell form: ${trimmed}`);
  const parsed = JSON.parse(trimmed) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
    throw new Error(`${what} is not a JSON array of strings: ${trimmed}`);
  }
  return parsed;
}

/** `ENV a=1 b=2` as pairs. Values are unquoted words; the legacy `ENV a 1` form is refused. */
export function envPairs(args: string): [string, string][] {
  return args.trim().split(/\s+/).map((word) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(word);
    if (match === null) throw new Error(`cannot read ENV word ${word} (use key=value)`);
    return [match[1]!, match[2]!];
  });
}

/** A COPY's options, sources and destination (the shell form with plain words only). */
export interface CopyArgs {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function copyArgs(instruction: Instruction): CopyArgs {
  const { flags, rest } = splitFlags(instruction.args);
  const unknown = [...flags.keys()].filter((flag) => flag !== "from");
  if (unknown.length > 0) throw new Error(`line ${instruction.line}: COPY --${unknown.join()}`);
  const words = rest.split(/\s+/);
  const destination = words.pop();
  if (destination === undefined || words.length === 0) {
    throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  }
  return { from: flags.get("from"), sources: words, destination };
}

/** HEALTHCHECK's options and its CMD in exec form. */
export function healthcheckArgs(args: string): { flags: Map<string, string>; command: string[] } {
  const { flags, rest } = splitFlags(args);
  const match = /^CMD\s+(.*)$/s.exec(rest);
  if (match === null) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  return { flags, command: execForm(match[1]!, "HEALTHCHECK CMD") };
}

/**
 * Whether .dockerignore (its text) keeps `path` (relative to the context, `/`-separated) out
 * of the build context, as Docker reads it: each line is a Go filepath.Match pattern where
 * `**` also spans directories, a pattern that matches a parent directory matches everything
 * in it, `!` re-includes, and the last matching line wins.
 */
export function dockerignoreExcludes(ignoreText: string, path: string): boolean {
  const rules = ignoreText.split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+|\/+$/g, "");
      return { negated, regex: patternRegex(pattern) };
    });
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join("/"));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negated;
  }
  return excluded;
}

function patternRegex(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (pattern.startsWith("**/", index)) {
      source += "(?:.*/)?";
      index += 2;
    } else if (pattern.startsWith("**", index)) {
      source += ".*";
      index += 1;
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}
