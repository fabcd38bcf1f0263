import {
  keyInRange, keyRange, keyText, type KeyValue, type KvEvent, type KvReader, type RangeRequest,
  type RangeResult,
} from "./kv-types.js";

/** A read at a revision the history no longer covers, or one not written yet. */
export class RevisionUnavailableError extends Error {
  constructor(readonly reason: "compacted" | "future", message: string) {
    super(message);
  }
}

/** Events read per page while reconstructing an older state. */
const PAGE_EVENTS = 1024;
const END_OF_REVISION = Number.MAX_SAFE_INTEGER;

/**
 * A Range as it would have answered at `revision` (etcd's RangeRequest.revision), rebuilt
 * from the current state and the history: a key's state at `revision` is the previous state
 * carried by its first change after `revision`, or, if it has not changed since, its current
 * state. Valid from historyStart() - 1 (the state just before the oldest change held) to
 * the current revision. Memory is bounded by the history window: the changes since
 * `revision` are read once, in pages.
 */
export function rangeAt(reader: KvReader, request: RangeRequest, revision: number): RangeResult {
  const current = reader.revision();
  if (revision > current) {
    throw new RevisionUnavailableError("future",
      `revision ${revision} is in the future; the current revision is ${current}`);
  }
  if (revision < reader.historyStart() - 1) {
    throw new RevisionUnavailableError("compacted", `revision ${revision} is compacted; ` +
      `the oldest revision available is ${reader.historyStart() - 1}`);
  }
  const range = keyRange(request.key, request.rangeEnd);
  const before = firstChangesAfter(reader, revision, (key) => keyInRange(key, range));
  const latest = reader.range({ ...request, limit: 0, keysOnly: false, countOnly: false });
  const byKey = new Map<string, KeyValue>();
  for (const kv of latest.kvs) byKey.set(keyText(kv.key), kv);
  for (const [key, event] of before) {
    if (event.prevKv === undefined) byKey.delete(key);
    else byKey.set(key, event.prevKv);
  }
  const all = [...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key));
  if (request.countOnly === true) return { kvs: [], more: false, count: all.length };
  const limited = request.limit === 0 ? all : all.slice(0, request.limit);
  const kvs = request.keysOnly === true
    ? limited.map((kv) => ({ ...kv, value: new Uint8Array(0) }))
    : limited;
  return { kvs, more: all.length > kvs.length, count: all.length };
}

/** For each key `wanted` selects, its first change after `revision`. */
function firstChangesAfter(
  reader: KvReader, revision: number, wanted: (key: Uint8Array) => boolean,
): Map<string, KvEvent> {
  const first = new Map<string, KvEvent>();
  let cursor = { revision, position: END_OF_REVISION };
  for (;;) {
    const page = reader.events(cursor, PAGE_EVENTS);
    for (const event of page) {
      const key = keyText(event.kv.key);
      if (!first.has(key) && wanted(event.kv.key)) first.set(key, event);
    }
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_EVENTS) return first;
    cursor = { revision: last.kv.modRevision, position: last.position };
  }
}
