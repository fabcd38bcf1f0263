import { trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor, NodeTracerProvider, type SpanExporter,
} from "@opentelemetry/sdk-trace-node";

/** A member's tracing: its tracer, and how to flush and stop it. */
export interface Tracing {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * Traces go out only when asked for, the OpenTelemetry way: with OTEL_EXPORTER_OTLP_ENDPOINT
 * (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, spans are batched to that OTLP/HTTP collector
 * (OTEL_BSP_* tune the batching; OTEL_EXPORTER_OTLP_PROTOCOL http/json or http/protobuf).
 * Registering the provider also installs the W3C trace-context propagator and an
 * AsyncLocalStorage context manager, so a span started in a call is the parent of what the
 * call does, across awaits and across gRPC (metadata `traceparent`). Without the variable
 * nothing is registered and the API's no-op tracer costs next to nothing.
 * `exporter` replaces the OTLP exporter (tests).
 */
export function startTracing(
  memberId: number, env: NodeJS.ProcessEnv, exporter?: SpanExporter,
): Tracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporter === undefined && (endpoint === undefined || endpoint === "")) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": env.OTEL_SERVICE_NAME ?? "raftkv",
      "service.instance.id": String(memberId),
    }),
    spanProcessors: [new BatchSpanProcessor(exporter ?? new OTLPTraceExporter())],
  });
  provider.register();
  return {
    tracer: trace.getTracer("raftkv"),
    shutdown: async () => {
      await provider.shutdown();
    },
  };
}
