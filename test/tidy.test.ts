// Goal: enforce mechanically the parts of docs/style.md that nobody should have to check by
// eye. The core is pure (docs/style.md, The core is pure): no clock, timers, randomness,
// console, process, async code or Promises, and no imports from outside src/core. Dependencies
// point one way (docs/style.md, Layers and dependencies). Nothing in src/ has a default export,
// and no line in src/ runs past 100 characters unless it holds a URL or a literal (the
// exemptions of eslint's max-len).
// Method: read the sources with node:fs and parse each with the TypeScript compiler API. Bans
// are matched against the code only: comments and the contents of string, template and regex
// literals are blanked first, with line numbers kept, so prose like "creates no Promises"
// cannot trip them. Imports and exports are read from the syntax tree. Each rule lists every
// violation as `path:line: reason`, so one run shows everything to fix. A self-check runs the
// scanner on small snippets first, so no rule can pass by finding nothing.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import ts from "typescript";

const LINE_LENGTH_MAX = 100;

/** A repository file: `path` is repo-relative with `/` separators; `text` is its contents. */
interface Source {
  readonly path: string;
  readonly text: string;
}

interface Ban {
  readonly pattern: RegExp;
  readonly reason: string;
}

// `(?<![\w$.])` keeps a ban from matching inside a longer name or after a property dot
// (`this.process.x` is not the global `process`).
const CORE_BANS: readonly Ban[] = [
  { pattern: /(?<![\w$.])Date\s*\.\s*now\b/, reason: "Date.now: the core's time is ticks" },
  { pattern: /(?<![\w$.])Date\s*\(/, reason: "Date(: the core reads no clock" },
  { pattern: /(?<![\w$.])setTimeout\b/, reason: "setTimeout: the core's time is ticks" },
  { pattern: /(?<![\w$.])setInterval\b/, reason: "setInterval: the core counts ticks" },
  { pattern: /(?<![\w$.])setImmediate\b/, reason: "setImmediate: the core schedules nothing" },
  { pattern: /(?<![\w$.])queueMicrotask\b/, reason: "queueMicrotask: the core schedules nothing" },
  { pattern: /(?<![\w$.])performance\s*\./, reason: "performance.*: the core reads no clock" },
  { pattern: /(?<![\w$.])Math\s*\.\s*random\b/, reason: "Math.random: inject a Random" },
  { pattern: /(?<![\w$.])console\s*\./, reason: "console.: the core reports events as data" },
  { pattern: /(?<![\w$.])process\s*\./, reason: "process.: the core does no I/O" },
  { pattern: /(?<![\w$.])async\s/, reason: "async: the core is synchronous" },
  { pattern: /(?<![\w$.])await\s/, reason: "await: the core is synchronous" },
  { pattern: /(?<![\w$])Promise/, reason: "Promise: the core creates no Promises" },
  { pattern: /(?<![\w$.])require\s*\(/, reason: "require(: the core imports only ./ siblings" },
];

/**
 * The driver reads time and schedules work only through its Scheduler port, so that the
 * simulator runs the same driver on a virtual clock (docs/design.md, "One driver").
 */
const NODE_BANS: readonly Ban[] = [
  { pattern: /(?<![\w$.])Date\s*\.\s*now\b/, reason: "Date.now: use Scheduler.nowMs()" },
  { pattern: /(?<![\w$.])setTimeout\b/, reason: "setTimeout: use the Scheduler port" },
  { pattern: /(?<![\w$.])setInterval\b/, reason: "setInterval: use Scheduler.every()" },
  { pattern: /(?<![\w$.])setImmediate\b/, reason: "setImmediate: use Scheduler.soon()" },
  { pattern: /(?<![\w$.])queueMicrotask\b/, reason: "queueMicrotask: use Scheduler.soon()" },
  { pattern: /(?<![\w$.])process\s*\.\s*nextTick\b/, reason: "process.nextTick: use Scheduler.soon()" },
  { pattern: /(?<![\w$.])performance\s*\./, reason: "performance.*: use Scheduler.nowMs()" },
  { pattern: /(?<![\w$.])Math\s*\.\s*random\b/, reason: "Math.random: use the Random port" },
];

/**
 * Layers each layer may not import (docs/style.md, Layers and dependencies); src/core is
 * checked more strictly below.
 */
const FORBIDDEN_LAYERS: Readonly<Record<string, readonly string[]>> = {
  storage: ["node", "api", "main"],
  "state-machine": ["node", "api", "main"],
  transport: ["node", "api", "main"],
  node: ["api", "main"],
  api: ["main"],
};

function parse(source: Source): ts.SourceFile {
  return ts.createSourceFile(source.path, source.text, ts.ScriptTarget.Latest, true);
}

function lineOf(file: ts.SourceFile, position: number): number {
  return file.getLineAndCharacterOfPosition(position).line + 1;
}

function isJsDocNode(node: ts.Node): boolean {
  return node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode;
}

function isLiteralToken(node: ts.Node): boolean {
  return (
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isTemplateHead(node) ||
    ts.isTemplateMiddle(node) ||
    ts.isTemplateTail(node) ||
    ts.isRegularExpressionLiteral(node)
  );
}

/**
 * The source text with everything but code tokens blanked: comments, whitespace runs and
 * literal contents become spaces, newlines stay, so line numbers still match the file.
 * Expressions inside `${...}` are code and are kept.
 */
function codeOnly(source: Source): string {
  const file = parse(source);
  // Work in code points (what Array.from yields); the parser's offsets are UTF-16 units.
  const text = Array.from(source.text);
  const chars: string[] = text.map((char) => (char === "\n" ? "\n" : " "));
  const offsets = codePointOffsets(source.text);
  const keep = (node: ts.Node): void => {
    const start = offsets.get(node.getStart(file));
    const end = offsets.get(node.end);
    if (start === undefined || end === undefined) return;
    for (let i = start; i < end; i++) chars[i] = text[i]!;
  };
  const visit = (node: ts.Node): void => {
    if (isJsDocNode(node)) return;
    const children = node.getChildren(file);
    if (children.length > 0) {
      children.forEach(visit);
    } else if (!isLiteralToken(node)) {
      keep(node);
    }
  };
  visit(file);
  return chars.join("");
}

/** Maps each UTF-16 offset that starts a code point to that code point's index. */
function codePointOffsets(text: string): Map<number, number> {
  const offsets = new Map<number, number>();
  let utf16 = 0;
  let index = 0;
  for (const char of text) {
    offsets.set(utf16, index);
    utf16 += char.length;
    index += 1;
  }
  offsets.set(utf16, index);
  return offsets;
}

/** Every use of a core-banned API in the file's code, as `path:line: reason`. */
function bannedApis(source: Source, bans: readonly Ban[] = CORE_BANS): string[] {
  const found: string[] = [];
  codeOnly(source)
    .split("\n")
    .forEach((line, i) => {
      for (const ban of bans) {
        if (ban.pattern.test(line)) found.push(`${source.path}:${i + 1}: ${ban.reason}`);
      }
    });
  return found;
}

interface ModuleReference {
  readonly specifier: string;
  readonly line: number;
}

/** Every module the file names: imports, re-exports, import(), require() and import types. */
function moduleReferences(source: Source): ModuleReference[] {
  const file = parse(source);
  const found: ModuleReference[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) {
      found.push({ specifier: node.text, line: lineOf(file, node.getStart(file)) });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference)) {
        add(node.moduleReference.expression);
      }
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      if (isImport || (ts.isIdentifier(callee) && callee.text === "require")) {
        add(node.arguments[0]);
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The repo-relative path a relative specifier points at, or undefined for packages. */
function resolveSpecifier(fromPath: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  return posix.normalize(posix.join(posix.dirname(fromPath), specifier));
}

/** `src/<layer>/...` gives the layer; a file directly in src/ is its own layer (`main`). */
function layerOf(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] !== "src" || parts.length < 2) return undefined;
  return parts.length === 2 ? parts[1]!.replace(/\.[^.]*$/, "") : parts[1];
}

/** Imports that leave src/core, for a non-test core file. */
function coreImportViolations(source: Source): string[] {
  const found: string[] = [];
  for (const { specifier, line } of moduleReferences(source)) {
    const where = `${source.path}:${line}`;
    const target = resolveSpecifier(source.path, specifier);
    if (specifier.startsWith("node:")) {
      found.push(`${where}: imports ${specifier}; the core does no I/O`);
    } else if (target === undefined) {
      found.push(`${where}: imports package ${specifier}; the core imports only src/core`);
    } else if (!target.startsWith("src/core/")) {
      found.push(`${where}: imports ${target}, outside src/core`);
    }
  }
  return found;
}

/** Imports against the dependency direction, for any file under src/. */
function layerViolations(source: Source): string[] {
  const forbidden = FORBIDDEN_LAYERS[layerOf(source.path) ?? ""] ?? [];
  const found: string[] = [];
  for (const { specifier, line } of moduleReferences(source)) {
    const target = resolveSpecifier(source.path, specifier);
    const targetLayer = target === undefined ? undefined : layerOf(target);
    if (targetLayer !== undefined && forbidden.includes(targetLayer)) {
      found.push(`${source.path}:${line}: imports ${specifier}; src/${targetLayer} is above it`);
    }
  }
  return found;
}

/** `export default ...`, `export = ...` and `export { x as default }`. */
function defaultExports(source: Source): string[] {
  const file = parse(source);
  const found: string[] = [];
  const report = (node: ts.Node): void => {
    found.push(`${source.path}:${lineOf(file, node.getStart(file))}: default export`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isExportAssignment(node)) {
      report(node);
    } else if (ts.isExportSpecifier(node) && node.name.text === "default") {
      report(node);
    } else if (ts.canHaveModifiers(node)) {
      const modifiers = ts.getModifiers(node) ?? [];
      const isExported = modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (isExported && modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) {
        report(node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * The lines that hold part of a string, template or regex literal, found from the syntax
 * tree so that an apostrophe in a comment does not count.
 */
function literalLines(source: Source): Set<number> {
  const file = parse(source);
  const lines = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (isJsDocNode(node)) return;
    const children = node.getChildren(file);
    if (children.length > 0) {
      children.forEach(visit);
    } else if (isLiteralToken(node)) {
      const last = lineOf(file, node.end);
      for (let line = lineOf(file, node.getStart(file)); line <= last; line++) lines.add(line);
    }
  };
  visit(file);
  return lines;
}

/**
 * Lines longer than LINE_LENGTH_MAX code points, unless they hold a URL or a string,
 * template or regex literal: the same exemptions as eslint's max-len (ignoreUrls,
 * ignoreStrings, ignoreTemplateLiterals, ignoreRegExpLiterals), so that a message is never
 * split mid-sentence.
 */
function longLines(source: Source): string[] {
  const found: string[] = [];
  const exemptLines = literalLines(source);
  source.text.split("\n").forEach((line, i) => {
    const length = Array.from(line.replace(/\r$/, "")).length;
    const exempt = /https?:\/\//.test(line) || exemptLines.has(i + 1);
    if (length > LINE_LENGTH_MAX && !exempt) {
      found.push(`${source.path}:${i + 1}: ${length} characters (max ${LINE_LENGTH_MAX})`);
    }
  });
  return found;
}

function findRepoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "src", "core"))) {
    const parent = resolve(dir, "..");
    if (parent === dir) throw new Error("tidy: run jest from inside the raftkv checkout");
    dir = parent;
  }
  return dir;
}

function listTypeScript(dirAbs: string): string[] {
  if (!existsSync(dirAbs)) return [];
  return readdirSync(dirAbs, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

const root = findRepoRoot();

function load(dirRelative: string): Source[] {
  return listTypeScript(join(root, dirRelative)).map((abs) => ({
    path: relative(root, abs).split(sep).join("/"),
    text: readFileSync(abs, "utf8"),
  }));
}

const isTest = (source: Source): boolean => source.path.endsWith(".test.ts");
// Generated protobuf code is never edited by hand, so it is not held to hand-written style.
const allSources = load("src").filter((source) => !source.path.startsWith("src/gen/"));
const coreSources = allSources.filter((s) => s.path.startsWith("src/core/") && !isTest(s));
const nodeSources = allSources.filter((s) => s.path.startsWith("src/node/") && !isTest(s));

describe("tidy: the scanner finds what it must and ignores prose", () => {
  const snippet = (text: string): Source => ({ path: "src/core/snippet.ts", text });

  it("bans APIs in code but not in comments or strings", () => {
    const source = snippet(
      [
        "/** Creates no Promises and never calls Date.now. */",
        "const label = 'console.log(process.env)';",
        "export const at = Date.now(); // setTimeout is mentioned, not called",
        "export const t = `${String(Math.random())} and Promise in text`;",
        "export async function f(): Promise<void> { await g(); }",
        "const self = { process: { env: 1 } }; export const env = self.process.env;",
      ].join("\n"),
    );
    expect(bannedApis(source)).toEqual([
      "src/core/snippet.ts:3: Date.now: the core's time is ticks",
      "src/core/snippet.ts:4: Math.random: inject a Random",
      "src/core/snippet.ts:5: async: the core is synchronous",
      "src/core/snippet.ts:5: await: the core is synchronous",
      "src/core/snippet.ts:5: Promise: the core creates no Promises",
    ]);
  });

  it("keeps line numbers when comments hold non-ASCII text", () => {
    const source = snippet(
      "// Ongaro §5.4.2 — “quoted” 🙂\n\nconst x = '🙂'; export const now = new Date();\n",
    );
    expect(bannedApis(source)).toEqual(["src/core/snippet.ts:3: Date(: the core reads no clock"]);
  });

  it("sees every way of naming a module, and judges core imports", () => {
    const source = snippet(
      [
        'import { a } from "./a.js";',
        'import type { B } from "../storage/log-store.js";',
        'export { c } from "node:fs";',
        'const d = require("better-sqlite3");',
        'type E = import("./sub/../../api/e.js").E;',
        'export const f = import("./f.js");',
      ].join("\n"),
    );
    expect(moduleReferences(source).map((r) => r.specifier)).toEqual([
      "./a.js",
      "../storage/log-store.js",
      "node:fs",
      "better-sqlite3",
      "./sub/../../api/e.js",
      "./f.js",
    ]);
    expect(coreImportViolations(source)).toEqual([
      "src/core/snippet.ts:2: imports src/storage/log-store.js, outside src/core",
      "src/core/snippet.ts:3: imports node:fs; the core does no I/O",
      "src/core/snippet.ts:4: imports package better-sqlite3; the core imports only src/core",
      "src/core/snippet.ts:5: imports src/api/e.js, outside src/core",
    ]);
  });

  it("judges the dependency direction between layers", () => {
    const source: Source = {
      path: "src/storage/sqlite/x.ts",
      text: [
        'import { a } from "../../core/a.js";',
        'import { b } from "../../node/raft-node.js";',
        'import { c } from "../../main.js";',
        'import { d } from "./node/helper.js";',
      ].join("\n"),
    };
    expect(layerViolations(source)).toEqual([
      "src/storage/sqlite/x.ts:2: imports ../../node/raft-node.js; src/node is above it",
      "src/storage/sqlite/x.ts:3: imports ../../main.js; src/main is above it",
    ]);
  });

  it("finds each form of default export", () => {
    const source = snippet(
      [
        "export default function f(): void {}",
        "const g = 1;",
        "export { g as default };",
        "export default g;",
        "export const h = { default: 1 };",
      ].join("\n"),
    );
    expect(defaultExports(source).map((v) => v.split(":")[1])).toEqual(["1", "3", "4"]);
  });

  it("measures lines in characters and lets URLs and literals run long", () => {
    const long = `const x = ${"é".repeat(95)};`;
    const url = `// See https://example.org/${"a".repeat(120)}`;
    const text = `const y = "${"é".repeat(120)}";`;
    const fits = `const z = ${"é".repeat(87)};`;
    const comment = `// Don't ${"a".repeat(100)}`;
    const template = ["const t = `", "é".repeat(120), "`;"].join("\n");
    const source = snippet([long, url, text, fits, comment, template].join("\n"));
    expect(longLines(source)).toEqual([
      "src/core/snippet.ts:1: 106 characters (max 100)",
      "src/core/snippet.ts:5: 109 characters (max 100)",
    ]);
  });
});

describe("tidy: src/core is pure", () => {
  it("has core sources to check", () => {
    expect(coreSources.length).toBeGreaterThan(0);
  });

  it("uses no clock, timer, randomness, console, process, async code or Promise", () => {
    expect(coreSources.flatMap((source) => bannedApis(source))).toEqual([]);
  });

  it("imports only from src/core", () => {
    expect(coreSources.flatMap(coreImportViolations)).toEqual([]);
  });
});

describe("tidy: src/node, the one driver, takes time only from its ports", () => {
  it("has node sources to check", () => {
    expect(nodeSources.length).toBeGreaterThan(0);
  });

  it("uses no timer, clock or randomness of its own", () => {
    expect(nodeSources.flatMap((source) => bannedApis(source, NODE_BANS))).toEqual([]);
  });

  it("finds a bare timer in a driver file", () => {
    const source = { path: "src/node/x.ts", text: "export const t = setImmediate(() => 1);" };
    expect(bannedApis(source, NODE_BANS)).toEqual(["src/node/x.ts:1: setImmediate: use Scheduler.soon()"]);
  });
});

describe("tidy: all of src/", () => {
  it("has no default exports", () => {
    expect(allSources.flatMap(defaultExports)).toEqual([]);
  });

  it("has no line over 100 characters, except to keep a URL or a literal whole", () => {
    expect(allSources.flatMap(longLines)).toEqual([]);
  });

  it("keeps dependencies pointing one way", () => {
    expect(allSources.flatMap(layerViolations)).toEqual([]);
  });
});
