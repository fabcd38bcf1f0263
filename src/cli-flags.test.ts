// Goal: the command line means one thing. --help and --version win; anything else must be a
// known flag with a value, and a mistake is a StartupError naming the argument. FLAG_DOCS is
// the one table of settings, so README's configuration table must list exactly its rows,
// in its groups and order, with the same variables, defaults and meanings.
// Method: parseCommandLine() on hand-written argv; README.md's "## Configuration" table
// parsed as Markdown rows and compared with FLAG_DOCS.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FLAG_DOCS, FLAG_GROUPS, parseCommandLine } from "./cli-flags.js";
import { StartupError } from "./startup-error.js";

function refusal(argv: readonly string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error: unknown) {
    if (error instanceof StartupError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  test("--help and -h win over everything, then --version", () => {
    expect(parseCommandLine(["--id", "0", "--bogus", "-h"])).toEqual({ action: "help" });
    expect(parseCommandLine(["--version", "--help"])).toEqual({ action: "help" });
    expect(parseCommandLine(["--version", "x"])).toEqual({ action: "version" });
  });

  test("flags with values, in either form", () => {
    const parsed = parseCommandLine(["--id", "2", "--data-dir=/tmp/x"]);
    expect(parsed).toEqual({
      action: "run", flags: new Map([["--id", "2"], ["--data-dir", "/tmp/x"]]),
    });
  });

  test("mistakes name the argument", () => {
    expect(refusal(["--bogus", "1"])).toBe("--bogus: unknown flag (raftkv --help lists them)");
    expect(refusal(["--id"])).toBe("--id: needs a value <id>");
    expect(refusal(["--id", "--data-dir", "x"])).toBe("--id: needs a value <id>");
    expect(refusal(["serve"])).toBe("serve: unexpected argument (flags take the form --name value)");
  });
});

describe("README's configuration table", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const section = readme.split("\n## Configuration\n")[1]?.split("\n## ")[0] ?? "";

  test("lists every setting of FLAG_DOCS, by group, as --help does", () => {
    const rows = section.split("\n").filter((line) => line.startsWith("| "));
    // Backticks are Markdown only (`<id>` would otherwise be read as an HTML tag).
    const cells = rows.map((row) =>
      row.split("|").slice(1, -1).map((cell) => cell.trim().replace(/`/g, "")));
    const expected: string[][] = [];
    for (const group of FLAG_GROUPS) {
      expected.push([`**${group}**`, "", "", ""]);
      for (const doc of FLAG_DOCS.filter((candidate) => candidate.group === group)) {
        expected.push([doc.flag, doc.env, doc.fallback, doc.meaning]);
      }
    }
    expect(cells.slice(1)).toEqual(expected); // The first row is the header.
  });
});
