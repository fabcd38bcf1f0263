import type { Metadata } from "@grpc/grpc-js";
import {
  context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter,
} from "@opentelemetry/api";

const getter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).map(String);
    return values.length === 0 ? undefined : values;
  },
};

const setter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/** The trace context a gRPC call carries in its metadata (W3C `traceparent`), if any. */
export function contextFromMetadata(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, getter);
}

/** Adds the active trace context to outgoing call metadata, so the callee continues it. */
export function injectTraceContext(metadata: Metadata): void {
  propagation.inject(context.active(), metadata, setter);
}
