import type { KeyValue, ResponseHeader } from "./rpcs.js";
import { bytesToHex, keyBytes } from "./key-bytes.js";

/**
 * Where a command writes, reads, and hears Ctrl-C; main.ts binds it to the process. stdout
 * takes bytes as well as text: `get` prints values as they are stored, which need not be
 * UTF-8. Lines written to stderr end with a newline.
 */
export interface Terminal {
  stdout(chunk: string | Uint8Array): void;
  stderr(line: string): void;
  /**
   * stdin as lines, without their line ends, until the end of input. Only a command that
   * reads (txn) calls it, once; ending the iteration early (return()) releases stdin.
   */
  stdinLines(): AsyncIterable<string>;
  /**
   * Calls `listener` on Ctrl-C (SIGINT) instead of the default, which ends the process at
   * once, and when stdout's reader goes away (EPIPE); returns the function that restores
   * the default. Only a command that runs until interrupted (watch) uses it.
   */
  onInterrupt(listener: () => void): () => void;
}

/** A JSON value as raftkvctl prints it. */
export type Json =
  | string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** One JSON object per response, on one line (JSON Lines), so `jq` reads a stream of them. */
export function writeJson(terminal: Terminal, value: Json): void {
  terminal.stdout(`${JSON.stringify(value)}\n`);
}

/**
 * A uint64 from the wire (a decimal string, proto-loading.ts) as a JSON number. raftkv keeps
 * ids, terms, indexes and counts below 2^53 (ADR 0001); a larger value stays a string rather
 * than print a rounded number.
 */
export function uint64Json(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** Base64 of bytes, as etcdctl's JSON output writes keys and values. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function headerJson(header: ResponseHeader | null): Json {
  if (header === null) return null;
  return {
    cluster_id: uint64Json(header.cluster_id),
    member_id: uint64Json(header.member_id),
    raft_term: uint64Json(header.raft_term),
    revision: uint64Json(header.revision),
  };
}

/** A KeyValue with key and value in base64 (the key as its UTF-8 bytes), like etcdctl. */
export function keyValueJson(kv: KeyValue, keysOnly: boolean): Json {
  const fields: Record<string, Json> = {
    key: base64(keyBytes(kv.key)),
    create_revision: uint64Json(kv.create_revision),
    mod_revision: uint64Json(kv.mod_revision),
    version: uint64Json(kv.version),
  };
  if (!keysOnly) fields.value = base64(kv.value);
  return fields;
}

/**
 * etcdctl's simple output of a pair: the key on one line, the value on the next, both as
 * stored (or in hex). With keysOnly, the key line alone.
 */
export function writeKeyValue(
  terminal: Terminal,
  kv: KeyValue,
  options: { readonly hex: boolean; readonly keysOnly: boolean },
): void {
  terminal.stdout(`${options.hex ? bytesToHex(keyBytes(kv.key)) : kv.key}\n`);
  if (options.keysOnly) return;
  if (options.hex) {
    terminal.stdout(`${bytesToHex(kv.value)}\n`);
  } else {
    terminal.stdout(kv.value);
    terminal.stdout("\n");
  }
}

/**
 * A table in etcdctl's style: a ruled header row, one row per record, every cell padded to
 * its column's widest entry.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const rule = `+${widths.map((width) => "-".repeat(width + 2)).join("+")}+`;
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? "").padEnd(width)).join(" | ")} |`;
  return [rule, line(header), rule, ...rows.map(line), rule, ""].join("\n");
}
