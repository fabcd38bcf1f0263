/**
 * Goal: the data-driven script runner parses what scenario authors write, reports a mismatch
 * precisely (file:line and a diff), and REWRITE produces a file that parses back to the same
 * commands and outputs.
 * Method: example-based tests of the command-line and script parsers, the diff and the
 * runner (on scripts written to a temporary directory), plus a fast-check property that
 * formatScript() and parseScript() round-trip arbitrary commands and outputs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  argValues, diffLines, formatScript, intArg, intValue, normalizeOutput, parseCommandLine,
  parseScript, positionalArgs, runDataDriven, type DataDrivenCommand, type ParsedScript,
} from "./datadriven.js";

const parse = (text: string): DataDrivenCommand => parseCommandLine(text, "t.txt", 7);

describe("parseCommandLine", () => {
  test("splits a name, bare words, key=value, key=(list) and bare groups", () => {
    const command = parse("add-nodes 3 voters=(1, 2,3) prevote=false (4) () learner");
    expect(command.name).toBe("add-nodes");
    expect(command.line).toBe(7);
    expect(command.args).toEqual([
      { key: "3", values: [] },
      { key: "voters", values: ["1", "2", "3"] },
      { key: "prevote", values: ["false"] },
      { key: "", values: ["4"] },
      { key: "", values: [] },
      { key: "learner", values: [] },
    ]);
  });

  test("double quotes keep whitespace together and are removed", () => {
    const command = parse('propose 1 "a b  c" key="x y" list=("p q",r)');
    expect(command.args).toEqual([
      { key: "1", values: [] },
      { key: "a b  c", values: [] },
      { key: "key", values: ["x y"] },
      { key: "list", values: ["p q", "r"] },
    ]);
  });

  test("unbalanced grouping and empty lines are errors naming file:line", () => {
    expect(() => parse("cmd a=(1,2")).toThrow(/t\.txt:7: unbalanced/);
    expect(() => parse("cmd a)")).toThrow(/t\.txt:7: unbalanced "\)"/);
    expect(() => parse('cmd "open')).toThrow(/t\.txt:7: unbalanced quote/);
    expect(() => parse("   ")).toThrow(/t\.txt:7: empty command/);
  });
});

describe("argument helpers", () => {
  const command = parse("transfer 4 5 from=1 to=x drop=(2,3)");

  test("read positional and keyed arguments", () => {
    expect(positionalArgs(command)).toEqual(["4", "5"]);
    expect(intArg(command, 0)).toBe(4);
    expect(intArg(command, 9, 11)).toBe(11);
    expect(intValue(command, "from")).toBe(1);
    expect(argValues(command, "drop")).toEqual(["2", "3"]);
    expect(argValues(command, "absent")).toBeUndefined();
  });

  test("reject missing and malformed numbers", () => {
    expect(() => intArg(command, 9)).toThrow(/transfer: expected a number as argument 10/);
    expect(() => intArg(command, 2)).toThrow(/expected a number/);
    expect(() => intValue(command, "to")).toThrow(/"x" is not an integer/);
    expect(() => intValue(command, "absent")).toThrow(/missing absent=N/);
  });
});

describe("parseScript", () => {
  const script = [
    "# A comment explains the first command.",
    "",
    "first 1",
    "----",
    "line one",
    "  line two  ",
    "",
    "second \\",
    "  continued=(1,2)",
    "----",
    "",
    "# Fenced output may hold blank lines.",
    "third",
    "----",
    "----",
    "before",
    "",
    "after",
    "----",
    "----",
    "",
    "# trailing comment",
    "",
  ].join("\n");

  test("reads commands, outputs, comments and line numbers", () => {
    const parsed = parseScript(script, "s.txt");
    expect(parsed.blocks.map((b) => [b.command.name, b.command.line])).toEqual([
      ["first", 3], ["second", 8], ["third", 13],
    ]);
    expect(parsed.blocks[0]?.preamble).toEqual(["# A comment explains the first command.", ""]);
    expect(parsed.blocks[0]?.expected).toBe("line one\n  line two");
    expect(parsed.blocks[1]?.command.args).toEqual([{ key: "continued", values: ["1", "2"] }]);
    expect(parsed.blocks[1]?.expected).toBe("");
    expect(parsed.blocks[2]?.expected).toBe("before\n\nafter");
    expect(parsed.trailer).toEqual(["# trailing comment"]);
  });

  test("formatScript with the expected outputs reproduces the file", () => {
    const parsed = parseScript(script, "s.txt");
    const rewritten = formatScript(parsed, parsed.blocks.map((b) => b.expected));
    expect(rewritten).toBe(script.replace("  line two  ", "  line two"));
  });

  test("a command without its separator, or an open fence, names file:line", () => {
    expect(() => parseScript("# c\ncmd\nnot a separator\n", "bad.txt")).toThrow(/bad\.txt:2: expected "----"/);
    expect(() => parseScript("cmd\n----\n----\nout\n", "open.txt")).toThrow(/open\.txt:3: unterminated/);
  });

  test("normalizeOutput drops trailing whitespace and trailing blank lines only", () => {
    expect(normalizeOutput("  a  \n\tb\t\n\n\n")).toBe("  a\n\tb");
  });
});

describe("diffLines", () => {
  test("marks missing and unexpected lines around the common ones", () => {
    expect(diffLines("a\nb\nc", "a\nx\nc\nd")).toBe(["  a", "+ x", "- b", "  c", "+ d"].join("\n"));
    expect(diffLines("", "new")).toBe("+ new");
    expect(diffLines("old", "")).toBe("- old");
  });
});

describe("runDataDriven", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "datadriven-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const echo = (command: DataDrivenCommand): string =>
    [command.name, ...command.args.map((a) => a.key)].join("\n");

  test("passes when every output matches and hands each command to the handler", () => {
    const path = join(dir, "ok.txt");
    writeFileSync(path, "hello a b\n----\nhello\na\nb\n\nbye\n----\nbye\n");
    const seen: string[] = [];
    runDataDriven(path, (command) => {
      seen.push(command.name);
      return echo(command);
    }, { rewrite: false });
    expect(seen).toEqual(["hello", "bye"]);
  });

  test("a mismatch fails with file:line, the command and a diff", () => {
    const path = join(dir, "bad.txt");
    writeFileSync(path, "# header\nfirst\n----\nfirst\n\nsecond x\n----\nsecond\ny\n");
    expect(() => runDataDriven(path, echo, { rewrite: false })).toThrow(
      `${path}:6: second x\noutput differs from the expected text (- expected, + actual):\n` +
        "  second\n+ x\n- y\n",
    );
  });

  test("a handler error fails with file:line and keeps the error as cause", () => {
    const path = join(dir, "throws.txt");
    writeFileSync(path, "boom\n----\nok\n");
    const failure = new Error("core assertion");
    let caught: unknown;
    try {
      runDataDriven(path, () => {
        throw failure;
      }, { rewrite: false });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe(`${path}:1: boom\ncommand failed: core assertion`);
    expect((caught as Error).cause).toBe(failure);
  });

  test("rewrite mode writes the actual outputs, fencing ones with blank lines", () => {
    const path = join(dir, "rewrite.txt");
    writeFileSync(path, "# keep me\none a\n----\nstale\n\ntwo\n----\n");
    runDataDriven(path, (command) => (command.name === "one" ? "fresh\n\nblank above" : "done"), {
      rewrite: true,
    });
    const text = readFileSync(path, "utf8");
    expect(text).toBe(
      "# keep me\none a\n----\n----\nfresh\n\nblank above\n----\n----\n\ntwo\n----\ndone\n",
    );
    runDataDriven(path, (command) => (command.name === "one" ? "fresh\n\nblank above" : "done"), {
      rewrite: false,
    });
  });
});

describe("formatScript and parseScript round-trip", () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/);
  const arg = fc.oneof(
    word,
    fc.tuple(word, word).map(([key, value]) => `${key}=${value}`),
    fc.tuple(word, fc.array(fc.stringMatching(/^[0-9]{1,3}$/), { maxLength: 3 }))
      .map(([key, values]) => `${key}=(${values.join(",")})`),
  );
  const commandLine = fc.tuple(word, fc.array(arg, { maxLength: 4 }))
    .map(([name, args]) => [name, ...args].join(" "));
  // Any printable line except the separator itself; blank lines force a fenced output.
  const outputLine = fc.string({ unit: fc.constantFrom("a", "b", " ", "#", "-", ">", "="), maxLength: 8 })
    .filter((line) => line !== "----");
  const block = fc.record({
    comment: fc.boolean(),
    line: commandLine,
    output: fc.array(outputLine, { maxLength: 5 }).map((lines) => lines.join("\n")),
  });

  test("every command and normalized output survives a rewrite", () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), (blocks) => {
        const script: ParsedScript = {
          blocks: blocks.map((b, i) => ({
            preamble: b.comment ? [`# block ${String(i)}`] : [],
            commandLines: [b.line],
            command: parseCommandLine(b.line, "gen.txt", 0),
            expected: "",
          })),
          trailer: [],
        };
        const text = formatScript(script, blocks.map((b) => b.output));
        const reparsed = parseScript(text, "gen.txt");
        expect(reparsed.blocks.length).toBe(blocks.length);
        reparsed.blocks.forEach((parsedBlock, i) => {
          const original = script.blocks[i]!;
          expect(parsedBlock.command.name).toBe(original.command.name);
          expect(parsedBlock.command.args).toEqual(original.command.args);
          expect(parsedBlock.expected).toBe(normalizeOutput(blocks[i]!.output));
        });
        expect(formatScript(reparsed, reparsed.blocks.map((b) => b.expected))).toBe(text);
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
