// Goal: raftkvctl's command line means what its help says: global flags anywhere, local
// flags only on their commands, the argument count checked, the global values validated
// and defaulted (flag over environment over default), and key text decoded the documented
// way (--hex, prefix ends that stay valid UTF-8).
// Method: parseCommandLine() and the key-bytes helpers called directly; no network.

import { parseCommandLine, type CommandLine } from "./args.js";
import { UsageError } from "./errors.js";
import { bytesToHex, keyFromArgument, NO_RANGE_END, prefixEnd } from "./key-bytes.js";

function runInput(line: CommandLine): Extract<CommandLine, { action: "run" }>["input"] {
  if (line.action !== "run") throw new Error(`expected a command to run, got ${line.action}`);
  return line.input;
}

function usageError(argv: readonly string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(argv, env);
  } catch (error: unknown) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(" ")} parsed without a usage error`);
}

describe("parseCommandLine", () => {
  test("defaults: one local endpoint, etcdctl's timeouts, simple output", () => {
    const input = runInput(parseCommandLine(["get", "k"], {}));
    expect(input.globals).toEqual({
      endpoints: ["127.0.0.1:7379"], dialTimeoutMs: 2000, commandTimeoutMs: 5000,
      output: "simple", hex: false,
    });
    expect(input.args).toEqual(["k"]);
  });

  test("global flags anywhere; the flag wins over RAFTKVCTL_ENDPOINTS", () => {
    const env = { RAFTKVCTL_ENDPOINTS: "a:1,b:2" };
    expect(runInput(parseCommandLine(["get", "k"], env)).globals.endpoints).toEqual(["a:1", "b:2"]);
    const input = runInput(parseCommandLine(
      ["member", "--dial-timeout", "500ms", "list", "-w", "table", "--endpoints", "[::1]:9"],
      env));
    expect(input.globals).toMatchObject({
      endpoints: ["[::1]:9"], dialTimeoutMs: 500, output: "table",
    });
    expect(runInput(parseCommandLine(["--command-timeout", "1.5m", "status"], {}))
      .globals.commandTimeoutMs).toBe(90_000);
  });

  test("help and version win over everything else", () => {
    expect(parseCommandLine(["--help"], {})).toEqual({ action: "help", command: undefined });
    const help = parseCommandLine(["endpoint", "health", "-h"], {});
    expect(help.action === "help" && help.command?.name).toBe("endpoint health");
    expect(parseCommandLine(["--version", "get"], {})).toEqual({ action: "version" });
  });

  test("bad command lines are usage errors that say what is wrong", () => {
    expect(usageError([])).toBe("no command given");
    expect(usageError(["frob"])).toBe('unknown command "frob"');
    expect(usageError(["endpoint"])).toMatch(/did you mean endpoint health/);
    expect(usageError(["get", "k", "--bogus"])).toBe("unknown flag: --bogus");
    expect(usageError(["put", "k", "v", "--prefix"])).toBe("unknown flag for put: --prefix");
    expect(usageError(["put", "k"])).toBe("missing argument VALUE");
    expect(usageError(["get", "k", "extra"])).toBe('unexpected argument "extra"');
    expect(usageError(["get", "k", "-w", "table"])).toMatch(/get cannot print -w table/);
    expect(usageError(["status", "-w", "yaml"])).toMatch(/-w must be one of/);
    expect(usageError(["get", "k", "--endpoints", "http://a:1"])).toMatch(/not host:port/);
    expect(usageError(["get", "k", "--endpoints", "a:1,"])).toMatch(/not host:port/);
    expect(usageError(["get", "k", "--endpoints", "a:70000"])).toMatch(/not host:port/);
    expect(usageError(["get", "k", "--dial-timeout", "2"])).toMatch(/duration/);
    expect(usageError(["get", "k", "--command-timeout", "0s"])).toMatch(/duration/);
    expect(usageError(["get", "k", "--command-timeout", "61m"])).toMatch(/duration/);
  });
});

describe("membership, leadership and snapshot command lines", () => {
  test("two-word commands take their own flags and an optional or required argument", () => {
    const add = runInput(parseCommandLine(["member", "add", "4", "--peer-urls", "a:1",
      "--client-urls", "b:2", "--voter", "--auto-promote"], {}));
    expect(add.args).toEqual(["4"]);
    expect(add.flags).toMatchObject({
      "peer-urls": "a:1", "client-urls": "b:2", voter: true, "auto-promote": true,
    });
    expect(runInput(parseCommandLine(["member", "remove", "2", "--force"], {})).flags.force)
      .toBe(true);
    expect(runInput(parseCommandLine(["move-leader"], {})).args).toEqual([]);
    expect(runInput(parseCommandLine(["move-leader", "3"], {})).args).toEqual(["3"]);
    const save = runInput(parseCommandLine(["snapshot", "save", "b.db", "--overwrite"], {}));
    expect({ args: save.args, overwrite: save.flags.overwrite })
      .toEqual({ args: ["b.db"], overwrite: true });
  });

  test("their mistakes are usage errors", () => {
    expect(usageError(["member", "promote"])).toBe("missing argument ID");
    expect(usageError(["member", "remove", "1", "2"])).toBe('unexpected argument "2"');
    expect(usageError(["member", "list", "--force"])).toBe("unknown flag for member list: --force");
    expect(usageError(["member", "promote", "4", "--voter"]))
      .toBe("unknown flag for member promote: --voter");
    expect(usageError(["put", "k", "v", "--overwrite"])).toBe("unknown flag for put: --overwrite");
    expect(usageError(["snapshot", "save"])).toBe("missing argument FILE");
    expect(usageError(["snapshot"])).toMatch(/did you mean snapshot save/);
    expect(usageError(["snapshot", "save", "f", "-w", "table"]))
      .toMatch(/snapshot save cannot print -w table/);
    expect(usageError(["move-leader", "-w", "table"])).toMatch(/cannot print -w table/);
  });
});

describe("key text", () => {
  test("--hex decodes plain hex and refuses what is not UTF-8", () => {
    expect(keyFromArgument("666f6F", true)).toBe("foo");
    expect(keyFromArgument("666f6F", false)).toBe("666f6F");
    expect(() => keyFromArgument("c328", true)).toThrow(/not valid UTF-8/);
    expect(() => keyFromArgument("abc", true)).toThrow(/not hex/);
    expect(bytesToHex(new Uint8Array([0, 255, 16]))).toBe("00ff10");
  });

  test("prefixEnd increments the last code point and stays valid UTF-8", () => {
    expect(prefixEnd("a/")).toBe("a0");
    expect(prefixEnd("a\x7f")).toBe("a\x80"); // etcd's byte increment would give a\x80 bytes.
    expect(prefixEnd("a\ud7ff")).toBe("a\ue000"); // Skips the surrogates.
    expect(prefixEnd("a\u{10ffff}")).toBe("b");
    expect(prefixEnd("\u{10ffff}")).toBe(NO_RANGE_END);
    // Every key with the prefix sorts below the end, in UTF-8 byte order.
    const bytes = (text: string): Buffer => Buffer.from(text, "utf8");
    for (const key of ["a\x7f", "a\x7f\u{10ffff}", "a\x7fz"]) {
      expect(Buffer.compare(bytes(key), bytes(prefixEnd("a\x7f")))).toBe(-1);
    }
  });
});
