// Finds a grpcurl for tests: a real `grpcurl` on PATH, or else the offline stand-in
// `minigrpcurl`, a small Go program built from ../shared/tools (outside this repository, on the
// project machines), which validates reflected descriptors with the same Go protobuf code
// grpcurl uses. Neither may exist on a given machine, so findGrpcurl() returns undefined and
// says why; tests then skip with that message. Discovery is synchronous (it runs before a test
// registers its cases, while no server is up); the tool's commands are asynchronous, because
// the server under test runs on this same event loop and must keep answering while the tool
// talks to it.

import { execFile } from "node:child_process";
import { findToolOrStandIn } from "./stand-in.js";

/** A grpcurl-compatible client speaking plaintext gRPC with server reflection. */
export interface GrpcurlTool {
  /** Which tool this is and where, for test output. */
  readonly description: string;
  /** `list`: the fully qualified names of the services the server describes. */
  list(address: string): Promise<string[]>;
  /** `describe SYMBOL`: the tool's text description of a service or message. */
  describe(address: string, symbol: string): Promise<string>;
  /** Calls `pkg.Service/Method` with a JSON request; resolves to the parsed JSON answer. */
  call(address: string, method: string, requestJson: string): Promise<unknown>;
  /** The executable, which takes grpcurl's own command line (both tools do). */
  readonly path: string;
}

/** What the search found, or why it found nothing. */
type GrpcurlSearch =
  | { readonly tool: GrpcurlTool; readonly reason?: undefined }
  | { readonly tool?: undefined; readonly reason: string };

const COMMAND_TIMEOUT_MS = 30_000;

function run(path: string, args: readonly string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(path, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) done(stdout);
      else fail(new Error(`${path} ${args.join(" ")}: ${stderr.trim() || error.message}`));
    });
  });
}

function tool(description: string, argv: {
  list: (address: string) => string[];
  describe: (address: string, symbol: string) => string[];
  call: (address: string, method: string, json: string) => string[];
}, path: string): GrpcurlTool {
  return {
    description,
    path,
    list: async (address) =>
      (await run(path, argv.list(address))).split("\n").map((line) => line.trim())
        .filter((line) => line !== ""),
    describe: (address, symbol) => run(path, argv.describe(address, symbol)),
    call: async (address, method, json) =>
      JSON.parse(await run(path, argv.call(address, method, json))) as unknown,
  };
}

function realGrpcurl(path: string): GrpcurlTool {
  return tool(`grpcurl at ${path}`, {
    list: (address) => ["-plaintext", address, "list"],
    describe: (address, symbol) => ["-plaintext", address, "describe", symbol],
    call: (address, method, json) => ["-plaintext", "-d", json, address, method],
  }, path);
}

function standIn(path: string): GrpcurlTool {
  return tool(`minigrpcurl (the offline grpcurl stand-in) at ${path}`, {
    list: (address) => [address, "list"],
    describe: (address, symbol) => [address, "describe", symbol],
    call: (address, method, json) => [address, "call", method, json],
  }, path);
}

let search: GrpcurlSearch | undefined;

function searchOnce(): GrpcurlSearch {
  if (search === undefined) {
    const found = findToolOrStandIn("grpcurl", "minigrpcurl");
    search = found.path === undefined ? { reason: found.reason }
      : { tool: found.standIn ? standIn(found.path) : realGrpcurl(found.path) };
  }
  return search;
}

/**
 * A real grpcurl on PATH, else the stand-in (built on first use, about a minute on a fresh
 * machine); undefined when neither is available. Searched once per process.
 */
export function findGrpcurl(): GrpcurlTool | undefined {
  return searchOnce().tool;
}

/** Why findGrpcurl() found nothing, for a test's skip message; undefined when it found one. */
export function whyNoGrpcurl(): string | undefined {
  return searchOnce().reason;
}
