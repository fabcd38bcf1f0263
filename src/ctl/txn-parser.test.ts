// Goal: `raftkvctl txn` reads etcdctl's txn format: the three sections split by blank lines,
// every compare target and operator, put/get/del with their flags, bare, double-quoted (Go
// escapes) and single-quoted words, --hex, and a syntax error that names its line and says
// what is wrong.
// Method: parseTxn() and the line parsers on text; the requests they return are compared
// with the TxnRequest objects raftkvctl sends (proto field names, numeric enums).

import {
  parseCompare, parseRequest, parseTxn, TxnReader, TxnSyntaxError, TXN_LINES_MAX,
} from "./txn-parser.js";

const PLAIN = { hex: false };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** CompareTarget and CompareResult numbers (kv.proto). */
const VERSION = 0;
const CREATE = 1;
const MOD = 2;
const VALUE = 3;
const EQUAL = 0;
const GREATER = 1;
const LESS = 2;
const NOT_EQUAL = 3;

function syntaxError(body: () => unknown): TxnSyntaxError {
  try {
    body();
  } catch (error: unknown) {
    if (error instanceof TxnSyntaxError) return error;
    throw error;
  }
  throw new Error("expected a TxnSyntaxError");
}

describe("parseTxn", () => {
  test("compares, a blank line, success requests, a blank line, failure requests", () => {
    const text = [
      'value("k") = "v1"',
      'version("k") > "2"',
      "",
      "put k v2",
      "get k",
      "",
      "del k --prefix",
      "",
    ].join("\n");
    expect(parseTxn(text, PLAIN)).toEqual({
      compare: [
        { key: "k", target: VALUE, result: EQUAL, value: bytes("v1") },
        { key: "k", target: VERSION, result: GREATER, version: 2 },
      ],
      success: [
        { request_put: { key: "k", value: bytes("v2"), prev_kv: false } },
        {
          request_range: {
            key: "k", range_end: "", limit: 0, keys_only: false, count_only: false,
          },
        },
      ],
      failure: [{ request_delete_range: { key: "k", range_end: "l", prev_kv: false } }],
    });
  });

  test("the end of input ends every section left; CRLF and blank space are line ends", () => {
    expect(parseTxn("", PLAIN)).toEqual({ compare: [], success: [], failure: [] });
    expect(parseTxn('mod("k") < "10"', PLAIN).success).toEqual([]);
    const crlf = parseTxn('create("k") = "0"\r\n  \t\r\nput k v\r\n', PLAIN);
    expect(crlf.compare).toEqual([{ key: "k", target: CREATE, result: EQUAL, create_revision: 0 }]);
    expect(crlf.success).toHaveLength(1);
    expect(crlf.failure).toEqual([]);
  });

  test("nothing after the failure section is read, as in etcdctl", () => {
    expect(parseTxn("\n\n\nthis is not a request\n", PLAIN))
      .toEqual({ compare: [], success: [], failure: [] });
  });

  test("a bad line is a TxnSyntaxError naming its line", () => {
    const error = syntaxError(() => parseTxn('value("k") = "v"\n\nput k\n', PLAIN));
    expect(error.lineNumber).toBe(3);
    expect(error.message).toBe("txn line 3: put takes KEY and VALUE, got 1 word");
    expect(syntaxError(() => parseTxn("put k v\n", PLAIN)).message)
      .toBe("txn line 1: expected a compare like value(\"key\") = \"v\", got put k v");
  });

  test("a txn has a bounded number of lines", () => {
    const reader = new TxnReader(PLAIN);
    for (let i = 0; i < TXN_LINES_MAX && reader.section === "compares"; i++) {
      reader.add('version("k") = 0');
    }
    expect(() => reader.add("")).toThrow(`txn line ${TXN_LINES_MAX + 1}: a txn has at most`);
  });
});

describe("parseCompare", () => {
  test.each([
    ['value("k") = "v"', { key: "k", target: VALUE, result: EQUAL, value: bytes("v") }],
    ['val("k") != "v"', { key: "k", target: VALUE, result: NOT_EQUAL, value: bytes("v") }],
    ['version("k") > "2"', { key: "k", target: VERSION, result: GREATER, version: 2 }],
    ['ver("k") < "2"', { key: "k", target: VERSION, result: LESS, version: 2 }],
    ['create("k") = "0"', { key: "k", target: CREATE, result: EQUAL, create_revision: 0 }],
    ['c("k") > "7"', { key: "k", target: CREATE, result: GREATER, create_revision: 7 }],
    ['mod("k") < "10"', { key: "k", target: MOD, result: LESS, mod_revision: 10 }],
    ['m("k") != "3"', { key: "k", target: MOD, result: NOT_EQUAL, mod_revision: 3 }],
    ["value(k)=v", { key: "k", target: VALUE, result: EQUAL, value: bytes("v") }],
    ["  version( a/b ) > 12  ", { key: "a/b", target: VERSION, result: GREATER, version: 12 }],
    ['value("a b") = "x \\"y\\""', { key: "a b", target: VALUE, result: EQUAL, value: bytes('x "y"') }],
    // Single quotes take no escapes.
    ["value('a\\b') = ''", { key: "a\\b", target: VALUE, result: EQUAL, value: bytes("") }],
  ])("%s", (line, expected) => {
    expect(parseCompare(line, PLAIN)).toEqual(expected);
  });

  test.each([
    ["put k v", 'expected a compare like value("key") = "v", got put k v'],
    ['lease("k") = "1"', "lease compares are not supported: raftkv has no leases"],
    ['size("k") = "1"', "unknown compare target size; use version, create, mod or value"],
    ['value("k" = "v"', "expected ) after the key, at column 11"],
    ['value("k") == "v"', "there is no operator ==; use =, !=, > or <"],
    ['version("k") >= "2"', "there is no operator >=; use =, !=, > or <"],
    ['value("k") ~ "v"', "expected an operator (=, !=, > or <) at column 12"],
    ['value("k") =', "missing the operand at column 13"],
    ['value() = "v"', "missing the key at column 7"],
    ['value("") = "v"', "the key is empty"],
    ['version("k") = "-1"', 'the version operand must be a whole number >= 0, got -1'],
    ['version("k") = "two"', "the version operand must be a whole number >= 0, got two"],
    ['value("k") = "v" extra', "unexpected text after the operand: extra"],
    ['value("k) = "v"', "expected ) after the key, at column 14"],
    ['value("k") = "v', 'column 14: the quote " is never closed'],
    ['value("\\xff") = "v"', "the key is not valid UTF-8"],
  ])("%s is refused: %s", (line, message) => {
    expect(syntaxError(() => parseCompare(line, PLAIN)).message).toBe(message);
  });

  test("with --hex the key and a value operand are hex; numbers stay decimal", () => {
    const hex = { hex: true };
    expect(parseCompare('value("6b") = "00ff"', hex))
      .toEqual({ key: "k", target: VALUE, result: EQUAL, value: new Uint8Array([0, 255]) });
    expect(parseCompare("version(6b) > 10", hex))
      .toEqual({ key: "k", target: VERSION, result: GREATER, version: 10 });
    expect(syntaxError(() => parseCompare('value("zz") = "00"', hex)).message)
      .toMatch(/^key is not hex/);
  });
});

describe("parseRequest", () => {
  test("put, with --prev-kv, quoted words and a value after --", () => {
    expect(parseRequest("put k v --prev-kv", PLAIN))
      .toEqual({ request_put: { key: "k", value: bytes("v"), prev_kv: true } });
    expect(parseRequest('put "a key" "two\\nlines\\t\\x00\\377\\u00e9"', PLAIN)).toEqual({
      request_put: {
        key: "a key", prev_kv: false,
        value: new Uint8Array([...bytes("two\nlines\t"), 0x00, 0xff, ...bytes("é")]),
      },
    });
    expect(parseRequest("put k -- -v", PLAIN).request_put?.value).toEqual(bytes("-v"));
    expect(parseRequest('put k "-v"', PLAIN).request_put?.value).toEqual(bytes("-v"));
    expect(parseRequest("put 'k' '\\n'", PLAIN).request_put?.value).toEqual(bytes("\\n"));
  });

  test("get with its range and output flags", () => {
    expect(parseRequest("get a/ --prefix --limit 5 --keys-only", PLAIN)).toEqual({
      request_range: { key: "a/", range_end: "a0", limit: 5, keys_only: true, count_only: false },
    });
    expect(parseRequest("get b --from-key --limit=2 --count-only", PLAIN)).toEqual({
      request_range: { key: "b", range_end: "\0", limit: 2, keys_only: false, count_only: true },
    });
    expect(parseRequest('get "" --prefix', PLAIN).request_range)
      .toMatchObject({ key: "\0", range_end: "\0" });
  });

  test("del of a key, a prefix, everything from a key, with --prev-kv", () => {
    expect(parseRequest("del k", PLAIN))
      .toEqual({ request_delete_range: { key: "k", range_end: "", prev_kv: false } });
    expect(parseRequest("del p/ --prefix --prev-kv", PLAIN))
      .toEqual({ request_delete_range: { key: "p/", range_end: "p0", prev_kv: true } });
    expect(parseRequest("del k --from-key", PLAIN).request_delete_range?.range_end).toBe("\0");
  });

  test("--hex keys and values", () => {
    expect(parseRequest("put 6b 00ff", { hex: true }))
      .toEqual({ request_put: { key: "k", value: new Uint8Array([0, 255]), prev_kv: false } });
  });

  test.each([
    ["pat k v", "unknown request pat; use get, put or del"],
    ["put k", "put takes KEY and VALUE, got 1 word"],
    ["put k v w", "put takes KEY and VALUE, got 3 words"],
    ["get", "get takes KEY, got 0 words"],
    ["put k v --prefix", "put has no flag --prefix (its flags: --prev-kv); a word that " +
      "starts with - goes in quotes or after --"],
    ["put k -1", "put has no flag -1 (its flags: --prev-kv); a word that starts with - " +
      "goes in quotes or after --"],
    ["get k --limit", "--limit needs a value"],
    ["get k --limit x", "--limit must be a whole number >= 0, got x"],
    ["get k --prefix --from-key", "--prefix and --from-key exclude each other"],
    ['del ""', 'KEY is empty; with --prefix or --from-key, "" means every key'],
    ['put "" v', "the key is empty"],
    ['put k "\\q"', "column 8: unknown escape \\q (Go escapes: \\n \\t \\\" \\\\ \\xff \\377 " +
      "\\u00e9 ...)"],
    ['put k "\\x4"', "column 8: \\x needs 2 hex digits"],
    ['put k "\\ud800"', "column 8: \\ud800 is not a Unicode character"],
    ["put k 'v", "column 7: the quote ' is never closed"],
    ['put "k"v w', "column 8: expected a space after the closing quote"],
  ])("%s is refused: %s", (line, message) => {
    expect(syntaxError(() => parseRequest(line, PLAIN)).message).toBe(message);
  });
});
