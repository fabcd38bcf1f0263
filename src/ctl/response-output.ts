import {
  headerJson, keyValueJson, uint64Json, writeKeyValue, type Json, type Terminal,
} from "./output.js";
import type { DeleteResponse, KeyValue, PutResponse, ResponseHeader } from "./rpcs.js";

/**
 * How put, get and del responses print, on their own and inside a txn (etcdctl prints a
 * txn's responses exactly as the commands print theirs). JSON keeps the proto's field
 * names; a header is left out where the server leaves it unset (inside a txn).
 */

/** What a printed range holds: one Range page, or several joined by `get`. */
export interface RangeResult {
  readonly header: ResponseHeader | null;
  readonly kvs: readonly KeyValue[];
  /** More keys remain after the last one returned (the limit stopped the read). */
  readonly more: boolean;
  readonly count: string;
}

/** How the request asked for the range: keys without values, or the count alone. */
export interface RangeShape {
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
}

/** `OK`, then the replaced pair when the put asked for it and the key existed. */
export function writePutResponse(terminal: Terminal, response: PutResponse, hex: boolean): void {
  terminal.stdout("OK\n");
  if (response.prev_kv === null) return;
  writeKeyValue(terminal, response.prev_kv, { hex, keysOnly: false });
}

/** The count with --count-only; else each pair as key and value lines (keys alone). */
export function writeRangeResult(
  terminal: Terminal,
  result: RangeResult,
  options: RangeShape & { readonly hex: boolean },
): void {
  if (options.countOnly) {
    terminal.stdout(`${result.count}\n`);
    return;
  }
  for (const kv of result.kvs) {
    writeKeyValue(terminal, kv, { hex: options.hex, keysOnly: options.keysOnly });
  }
}

/** The number of keys deleted, then the removed pairs when the delete asked for them. */
export function writeDeleteResponse(
  terminal: Terminal,
  response: DeleteResponse,
  hex: boolean,
): void {
  terminal.stdout(`${response.deleted}\n`);
  for (const kv of response.prev_kvs) writeKeyValue(terminal, kv, { hex, keysOnly: false });
}

export function putResponseJson(response: PutResponse): Json {
  const json: Record<string, Json> = withHeader(response.header);
  if (response.prev_kv !== null) json.prev_kv = keyValueJson(response.prev_kv, false);
  return json;
}

/** With --count-only there are no `kvs` and no `more`. */
export function rangeResultJson(result: RangeResult, shape: RangeShape): Json {
  const json: Record<string, Json> = withHeader(result.header);
  if (!shape.countOnly) {
    json.kvs = result.kvs.map((kv) => keyValueJson(kv, shape.keysOnly));
    json.more = result.more;
  }
  json.count = uint64Json(result.count);
  return json;
}

export function deleteResponseJson(response: DeleteResponse): Json {
  const json: Record<string, Json> = withHeader(response.header);
  json.deleted = uint64Json(response.deleted);
  if (response.prev_kvs.length > 0) {
    json.prev_kvs = response.prev_kvs.map((kv) => keyValueJson(kv, false));
  }
  return json;
}

function withHeader(header: ResponseHeader | null): Record<string, Json> {
  return header === null ? {} : { header: headerJson(header) };
}
