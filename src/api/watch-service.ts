import * as grpc from "@grpc/grpc-js";
import type { Event } from "../gen/raftkv/kv/v1/Event.js";
import type { WatchRequest__Output } from "../gen/raftkv/kv/v1/WatchRequest.js";
import type { WatchResponse } from "../gen/raftkv/kv/v1/WatchResponse.js";
import type { Logger } from "../observability/logger.js";
import type { KvEvent } from "../state-machine/kv-types.js";
import { toGrpcStatus } from "./grpc-status.js";
import {
  decodeKey, decodeRangeEnd, decodeUint64, encodeHeader, encodeKeyValue, type KvLimits,
} from "./kv-codec.js";
import { requireWellFormed } from "./request-guard.js";
import { WatchRefusedError, type WatchHub, type WatchSink, type WatchSpec } from "./watch-hub.js";

/** EventType's numbers in kv.proto. */
const EVENT_PUT = 0;
const EVENT_DELETE = 1;

/**
 * KV.Watch over grpc-js: validates the request, opens the watch on this member's WatchHub
 * and maps the hub's sink onto the server stream. Flow control is the stream's own: the
 * number of responses written and not yet taken by the network is its writableLength, and
 * 'drain' says when the client caught up. Failures end the call with a status: bad input
 * INVALID_ARGUMENT, a compacted start OUT_OF_RANGE, too many watches or a stalled client
 * RESOURCE_EXHAUSTED, each with a message saying what to do.
 */
export function watchHandler(options: {
  readonly hub: WatchHub;
  readonly limits: KvLimits;
  /** The response header at `revision`, or at the current revision when undefined. */
  readonly header: (revision: number | undefined) => ReturnType<typeof encodeHeader>;
  readonly logger: Logger;
}): grpc.handleServerStreamingCall<WatchRequest__Output, WatchResponse> {
  return (call) => {
    let cancel: (() => void) | undefined;
    let ended = false;
    const end = (code: grpc.status, details: string): void => {
      if (ended) return;
      ended = true;
      cancel?.();
      call.emit("error", { code, details, metadata: new grpc.Metadata() });
    };
    call.on("cancelled", () => {
      ended = true;
      cancel?.();
    });
    try {
      const spec = decodeWatch(requireWellFormed(call.request), options.limits);
      const sink: WatchSink = {
        send: (events, revision) => {
          if (ended) return;
          call.write({ header: options.header(revision), events: events.map(encodeEvent) });
        },
        queuedBatches: () => call.writableLength,
        onDrain: (resume) => { call.once("drain", resume); },
        fail: (failure) => {
          end(failure.type === "compacted" ? grpc.status.OUT_OF_RANGE : grpc.status.RESOURCE_EXHAUSTED,
            failure.message);
        },
      };
      call.write({ header: options.header(undefined), created: true, events: [] });
      cancel = options.hub.open(spec, sink);
    } catch (error: unknown) {
      if (error instanceof WatchRefusedError) {
        end(error.reason === "compacted" ? grpc.status.OUT_OF_RANGE : grpc.status.RESOURCE_EXHAUSTED,
          error.message);
        return;
      }
      const status = toGrpcStatus(error, () => undefined);
      if (status.code === grpc.status.INTERNAL) {
        options.logger.error("unexpected error opening a watch", { error: String(error) });
      }
      end(status.code, status.details);
    }
  };
}

export function decodeWatch(request: WatchRequest__Output, limits: KvLimits): WatchSpec {
  const key = decodeKey(request.key, limits, "key");
  const rangeEnd = decodeRangeEnd(request.range_end, key, limits);
  return {
    key, rangeEnd, startRevision: decodeUint64(request.start_revision, "start_revision"),
    prevKv: request.prev_kv, progressNotify: request.progress_notify,
  };
}

function encodeEvent(event: KvEvent): Event {
  return {
    type: event.type === "put" ? EVENT_PUT : EVENT_DELETE,
    kv: encodeKeyValue(event.kv),
    ...(event.prevKv === undefined ? {} : { prev_kv: encodeKeyValue(event.prevKv) }),
  };
}
