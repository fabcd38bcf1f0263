import { status as GrpcCode } from "@grpc/grpc-js";
import { EventType } from "../gen/raftkv/kv/v1/EventType.js";
import { joinFailures, type EndpointClient, type ResponseStream } from "./client.js";
import type { CommandContext, CommandInput, CommandSpec } from "./command.js";
import { CallError, codeName, UsageError } from "./errors.js";
import { booleanFlag, stringFlag } from "./flags.js";
import { keyRangeFromArguments } from "./key-arguments.js";
import {
  headerJson, keyValueJson, writeJson, writeKeyValue, type Json, type Terminal,
} from "./output.js";
import { STREAM_RPCS, type Event, type WatchRequest, type WatchResponse } from "./rpcs.js";
import { WatchCursor, type WatchDelivery } from "./watch-cursor.js";

/**
 * `watch KEY [--prefix] [--rev N] [--prev-kv] [--progress-notify]`: prints each change to
 * a key or range as it happens, until Ctrl-C (exit 0) or until the server ends the watch
 * (exit 1). A stream that breaks because its member died or is stopping (UNAVAILABLE, or a
 * CANCELLED raftkvctl did not ask for) resumes on the next endpoint where it stopped, with
 * no gap and no duplicate (watch-cursor.ts).
 */
export const WATCH_COMMAND: CommandSpec = {
  name: "watch",
  summary: "print the changes to a key or range as they happen, until Ctrl-C",
  args: [{ name: "KEY" }],
  flags: ["prefix", "rev", "prev-kv", "progress-notify"],
  outputs: ["simple", "json"],
  notes: [
    "Prints PUT or DELETE for each event, then (with --prev-kv) the previous key and",
    "value, then the key and its new value (empty after a delete). With --progress-notify,",
    "\"progress notify: REV\" after each idle interval. -w json: one WatchResponse a line.",
    "Ctrl-C ends the watch (exit 0). When a member's stream breaks (it died or is stopping),",
    "the watch resumes on the next endpoint after the last event printed; it gives up",
    "(exit 1) once every endpoint in a row failed without delivering anything.",
  ],
  run: runWatch,
};

/**
 * Failures a watch moves past to the next endpoint; anything else ends the command.
 * UNAVAILABLE: the member died or dropped the connection. DEADLINE_EXCEEDED: it did not
 * connect in time. CANCELLED that raftkvctl did not ask for: the member is stopping (a
 * member shutting down cancels the calls it still serves).
 */
const RESUME_CODES: ReadonlySet<GrpcCode> = new Set([
  GrpcCode.UNAVAILABLE, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.CANCELLED,
]);

/** How one stream on one endpoint ended. */
type StreamEnd =
  | { readonly kind: "interrupted" }
  | {
    readonly kind: "failed";
    readonly error: CallError;
    /** The stream delivered an event or a progress notification before it failed. */
    readonly delivered: boolean;
  };

/** Ctrl-C: whether it came, a promise of it, and the stream it must cancel. */
class Interrupt {
  readonly happened: Promise<void>;
  private requested = false;
  private stream: ResponseStream<WatchResponse> | undefined;
  private resolve: () => void = () => undefined;

  constructor() {
    this.happened = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** The Ctrl-C handler: cancels the stream being read, if any. */
  trigger(): void {
    this.requested = true;
    this.stream?.cancel();
    this.resolve();
  }

  wasRequested(): boolean {
    return this.requested;
  }

  /** The stream Ctrl-C must cancel from now on (undefined: none). */
  reading(stream: ResponseStream<WatchResponse> | undefined): void {
    this.stream = stream;
  }
}

async function runWatch(input: CommandInput, context: CommandContext): Promise<void> {
  const [keyText] = input.args;
  if (keyText === undefined) throw new Error("args.ts checks arity");
  const range = keyRangeFromArguments(keyText, input.flags, input.usage);
  const cursor = new WatchCursor(revisionFlag(stringFlag(input.flags, "rev"), input.usage));
  const base = {
    key: range.key, range_end: range.rangeEnd,
    prev_kv: booleanFlag(input.flags, "prev-kv"),
    progress_notify: booleanFlag(input.flags, "progress-notify"),
  };
  const { client, terminal } = context;
  const print = (delivery: WatchDelivery, response: WatchResponse): void => {
    writeDelivery(terminal, delivery, response, input.globals);
  };

  const interrupt = new Interrupt();
  const restoreInterrupt = terminal.onInterrupt(() => {
    interrupt.trigger();
  });
  try {
    const failures: CallError[] = [];
    const endpoints = client.endpoints;
    for (let attempt = 0; failures.length < endpoints.length; attempt++) {
      const endpoint = endpoints[attempt % endpoints.length]!;
      const request: WatchRequest = { ...base, start_revision: cursor.startStream() };
      const end = await watchOn(client, endpoint, request, { cursor, interrupt, print });
      if (end.kind === "interrupted") return;
      if (!RESUME_CODES.has(end.error.code)) throw end.error;
      if (end.delivered) failures.length = 0;
      failures.push(end.error);
      if (failures.length < endpoints.length) {
        terminal.stderr(`raftkvctl: watch: ${codeName(end.error.code)}: ${end.error.message}; ` +
          `continuing on ${endpoints[(attempt + 1) % endpoints.length]!}\n`);
      }
    }
    throw joinFailures(failures);
  } finally {
    // Once interrupted, the listener stays for the moments until exit: a second SIGINT (as
    // `timeout -s INT` sends to the command and then to its process group) must not kill
    // a watch that is already ending cleanly (exit 0, not 130).
    if (!interrupt.wasRequested()) restoreInterrupt();
  }
}

/** Runs one stream on `endpoint` until it fails or Ctrl-C, printing what is new. */
async function watchOn(
  client: EndpointClient,
  endpoint: string,
  request: WatchRequest,
  parts: {
    readonly cursor: WatchCursor;
    readonly interrupt: Interrupt;
    readonly print: (delivery: WatchDelivery, response: WatchResponse) => void;
  },
): Promise<StreamEnd> {
  const { cursor, interrupt } = parts;
  let stream: ResponseStream<WatchResponse> | undefined;
  try {
    const opening = client.openStream(endpoint, STREAM_RPCS.watch, request);
    stream = await Promise.race([opening, interrupt.happened.then(() => undefined)]);
  } catch (error: unknown) {
    if (error instanceof CallError) return { kind: "failed", error, delivered: false };
    throw error;
  }
  if (interrupt.wasRequested() || stream === undefined) return { kind: "interrupted" };
  interrupt.reading(stream);
  let delivered = false;
  try {
    for await (const response of stream.responses) {
      if (!response.created) delivered = true;
      parts.print(cursor.accept(response), response);
    }
    const error = new CallError(GrpcCode.UNAVAILABLE, "the server ended the watch", endpoint);
    return { kind: "failed", error, delivered };
  } catch (error: unknown) {
    if (interrupt.wasRequested()) return { kind: "interrupted" };
    if (error instanceof CallError) return { kind: "failed", error, delivered };
    throw error;
  } finally {
    interrupt.reading(undefined);
  }
}

/** `--rev N`: a revision; 0 (the default) means the next write (watch) or the latest (get). */
export function revisionFlag(text: string | undefined, usage: string): number {
  if (text === undefined) return 0;
  const revision = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(revision)) {
    throw new UsageError(`--rev must be a whole number >= 0, got ${text}`, usage);
  }
  return revision;
}

/**
 * etcdctl's watch output. simple: for each event its type, then the previous pair (with
 * --prev-kv, when the key existed), then the pair; a progress notification as a line.
 * json: the response, holding only the events not printed before.
 */
function writeDelivery(
  terminal: Terminal,
  delivery: WatchDelivery,
  response: WatchResponse,
  globals: CommandInput["globals"],
): void {
  if (delivery.kind === "none") return;
  if (globals.output === "json") {
    const events = delivery.kind === "events" ? delivery.events : [];
    writeJson(terminal, { header: headerJson(response.header), events: events.map(eventJson) });
    return;
  }
  if (delivery.kind === "progress") {
    terminal.stdout(`progress notify: ${delivery.revision}\n`);
    return;
  }
  const options = { hex: globals.hex, keysOnly: false };
  for (const event of delivery.events) {
    terminal.stdout(`${eventTypeName(event)}\n`);
    if (event.prev_kv !== null) writeKeyValue(terminal, event.prev_kv, options);
    if (event.kv !== null) writeKeyValue(terminal, event.kv, options);
  }
}

function eventJson(event: Event): Json {
  const json: Record<string, Json> = { type: eventTypeName(event) };
  if (event.kv !== null) json.kv = keyValueJson(event.kv, false);
  if (event.prev_kv !== null) json.prev_kv = keyValueJson(event.prev_kv, false);
  return json;
}

function eventTypeName(event: Event): string {
  switch (event.type) {
    case EventType.PUT: return "PUT";
    case EventType.DELETE: return "DELETE";
    default: return `type ${String(event.type)}`;
  }
}
