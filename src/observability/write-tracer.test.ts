import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { logIndex, nodeId } from "../core/ids.js";
import { WriteTracer } from "./write-tracer.js";

describe("WriteTracer", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("test");
  const manager = new AsyncLocalStorageContextManager().enable();

  beforeAll(() => context.setGlobalContextManager(manager));
  afterAll(() => context.disable());
  beforeEach(() => exporter.reset());

  function proposeInCall(writes: WriteTracer, index: number): string {
    const call = tracer.startSpan("raftkv/Put");
    context.with(trace.setSpan(context.active(), call), () => writes.proposed(logIndex(index)));
    call.end();
    return call.spanContext().traceId;
  }

  test("a traced write gets propose, log write, a replicate per follower, commit and apply", () => {
    const writes = new WriteTracer(tracer, () => [nodeId(2), nodeId(3)], 100);
    const traceId = proposeInCall(writes, 7);
    writes.persisted(logIndex(7));
    writes.matched(nodeId(2), logIndex(7));
    writes.committed(logIndex(7));
    writes.applied(logIndex(7));
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual([
      "raft.apply", "raft.commit", "raft.log_write", "raft.propose", "raft.replicate", "raftkv/Put",
    ]);
    writes.matched(nodeId(3), logIndex(9)); // A slower follower's span ends when it catches up.
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name === "raft.replicate").map((s) => s.attributes["raft.peer"]))
      .toEqual([2, 3]);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    const propose = spans.find((s) => s.name === "raft.propose")!;
    const proposeId = propose.spanContext().spanId;
    const children = spans.filter((s) => s.parentSpanContext?.spanId === proposeId);
    expect(children.map((s) => s.name).sort())
      .toEqual(["raft.apply", "raft.commit", "raft.log_write", "raft.replicate", "raft.replicate"]);
  });

  test("a write proposed outside a traced call is not traced", () => {
    const writes = new WriteTracer(tracer, () => [nodeId(2)], 100);
    writes.proposed(logIndex(1));
    writes.applied(logIndex(1));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  test("open spans are bounded: the oldest is ended and marked incomplete", () => {
    const writes = new WriteTracer(tracer, () => [nodeId(2)], 2);
    for (const index of [1, 2, 3]) proposeInCall(writes, index);
    const incomplete = exporter.getFinishedSpans().filter((s) => s.attributes["raft.incomplete"] === true);
    expect(incomplete.map((s) => [s.name, s.attributes["raft.index"]]).sort()).toEqual([
      ["raft.commit", 1], ["raft.log_write", 1], ["raft.propose", 1], ["raft.replicate", 1],
    ]);
  });
});
