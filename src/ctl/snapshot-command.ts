import { status as GrpcCode } from "@grpc/grpc-js";
import { lstat } from "node:fs/promises";
import { joinFailures, type EndpointClient, type ResponseStream } from "./client.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { CallError, UsageError } from "./errors.js";
import { booleanFlag } from "./flags.js";
import { uint64Json, writeJson } from "./output.js";
import { STREAM_RPCS, type SnapshotChunk } from "./rpcs.js";
import { PART_SUFFIX, saveSnapshot } from "./snapshot-file.js";

/**
 * `snapshot save FILE`: a backup of one member's state (Cluster/Snapshot, served by the
 * member itself), streamed to FILE.part and renamed to FILE once its size and SHA-256 are
 * checked (snapshot-file.ts). The snapshot is taken on the first endpoint that accepts a
 * connection; once its stream has started, a failure ends the command, since another
 * member's snapshot would be a different one.
 */
export const SNAPSHOT_SAVE_COMMAND: CommandSpec = {
  name: "snapshot save",
  summary: "save a snapshot of one member's state (a SQLite database) to FILE",
  args: [{ name: "FILE" }],
  flags: ["overwrite"],
  outputs: ["simple", "json"],
  notes: [
    "Writes FILE.part as the snapshot arrives; once its offsets were contiguous and its size",
    "and SHA-256 are the ones the member announced, fsyncs it and renames it to FILE. On any",
    "failure FILE.part is removed and FILE is untouched. An existing FILE is an error unless",
    "--overwrite. The snapshot comes from the first endpoint that accepts a connection; the",
    "stream has no overall deadline, but fails when no data arrives for --command-timeout.",
    "Prints \"Snapshot saved at FILE: index I, term T, SIZE bytes, sha256 HEX\"; -w json",
    "prints {\"file\",\"endpoint\",\"index\",\"term\",\"size_bytes\",\"sha256\"}.",
  ],
  run: runSnapshotSave,
};

async function runSnapshotSave(input: CommandInput, context: CommandContext): Promise<void> {
  const [path] = input.args;
  if (path === undefined) throw new Error("args.ts checks arity");
  const overwrite = booleanFlag(input.flags, "overwrite");
  await checkTarget(path, overwrite, input.usage);

  const { client, terminal } = context;
  const { endpoint, stream } = await openFirst(client);
  const restoreInterrupt = terminal.onInterrupt(() => {
    stream.cancel(); // The save then fails with CANCELLED and removes FILE.part.
  });
  try {
    const chunks = withIdleTimeout(stream, input.globals.commandTimeoutMs, endpoint);
    const saved = await saveSnapshot(chunks, { path, overwrite, endpoint });
    if (input.globals.output === "json") {
      writeJson(terminal, {
        file: path, endpoint, index: uint64Json(saved.index), term: uint64Json(saved.term),
        size_bytes: saved.sizeBytes, sha256: saved.sha256,
      });
    } else {
      terminal.stdout(`Snapshot saved at ${path}: index ${saved.index}, term ${saved.term}, ` +
        `${saved.sizeBytes} bytes, sha256 ${saved.sha256}\n`);
    }
  } finally {
    stream.cancel();
    restoreInterrupt();
  }
}

/** Refuses, before any call, a FILE that exists (without --overwrite) or is not a name. */
async function checkTarget(path: string, overwrite: boolean, usage: string): Promise<void> {
  if (path === "" || path.endsWith("/")) {
    throw new UsageError(`FILE must name a file, got "${path}"`, usage);
  }
  if (path.endsWith(PART_SUFFIX)) {
    throw new UsageError(`FILE must not end with ${PART_SUFFIX}, used while saving`, usage);
  }
  if (overwrite) return;
  const exists = await lstat(path).then(() => true, () => false);
  if (exists) throw new UsageError(`${path} exists; pass --overwrite to replace it`, usage);
}

/**
 * Starts the stream on the first endpoint that connects. A failed connection means the
 * request was never sent, so the next endpoint is tried, as for every command.
 */
async function openFirst(
  client: EndpointClient,
): Promise<{ endpoint: string; stream: ResponseStream<SnapshotChunk> }> {
  const failures: CallError[] = [];
  for (const endpoint of client.endpoints) {
    try {
      return { endpoint, stream: await client.openStream(endpoint, STREAM_RPCS.snapshot, {}) };
    } catch (error: unknown) {
      if (!(error instanceof CallError)) throw error;
      failures.push(error);
    }
  }
  throw joinFailures(failures);
}

/**
 * The stream's chunks, failing with DEADLINE_EXCEEDED (and cancelling the call) when the
 * next one takes longer than `idleMs`: every RPC has a deadline, but a snapshot's total
 * time grows with its size, so the bound is on silence rather than on the whole stream.
 */
async function* withIdleTimeout(
  stream: ResponseStream<SnapshotChunk>,
  idleMs: number,
  endpoint: string,
): AsyncGenerator<SnapshotChunk> {
  const iterator = stream.responses[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const next = iterator.next();
    const idle = new Promise<"idle">((resolve) => {
      timer = setTimeout(() => {
        resolve("idle");
      }, idleMs);
    });
    const outcome = await Promise.race([next, idle]).finally(() => {
      clearTimeout(timer);
    });
    if (outcome === "idle") {
      next.catch(() => undefined); // Rejects with CANCELLED once the call is cancelled.
      stream.cancel();
      throw new CallError(GrpcCode.DEADLINE_EXCEEDED,
        `no snapshot data for ${idleMs} ms (--command-timeout)`, endpoint);
    }
    if (outcome.done === true) return;
    yield outcome.value;
  }
}
