// Goal: with OTEL_EXPORTER_OTLP_ENDPOINT set, a write is one trace across members: the
// follower's server span, its forward to the leader, the leader's server span, and under it
// raft.propose with raft.log_write, a raft.replicate per follower, raft.commit and
// raft.apply, exported over OTLP/HTTP by the real exporter.
// Method: an OTLP/HTTP collector stand-in (an HTTP server in this test that keeps every
// span posted to /v1/traces as JSON); three real members exporting to it; one put sent to a
// follower; then find the put's trace among what arrived.

import { createServer, type Server } from "node:http";
import { ClusterHarness } from "./cluster-harness.js";
import { waitUntil } from "./wait-until.js";

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly member: string;
}

/** The spans of every OTLP/HTTP JSON export request received. */
function startCollector(received: ReceivedSpan[]): Promise<{ server: Server; address: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") collect(Buffer.concat(chunks).toString("utf8"), received);
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({ server, address: `http://127.0.0.1:${port}` });
    });
  });
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: {
      spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[];
    }[];
  }[];
}

function collect(body: string, received: ReceivedSpan[]): void {
  const parsed = JSON.parse(body) as OtlpExport;
  for (const resource of parsed.resourceSpans ?? []) {
    const member = resource.resource?.attributes
      ?.find((attribute) => attribute.key === "service.instance.id")?.value.stringValue ?? "?";
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        received.push({
          traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? "",
          name: span.name, member,
        });
      }
    }
  }
}

/** The spans of one Put sent to a follower, and how many of each (two followers replicate). */
const EXPECTED_SPANS: Readonly<Record<string, number>> = {
  "raftkv/Put": 2, "raftkv.forward/Put": 1, "raft.propose": 1, "raft.log_write": 1,
  "raft.commit": 1, "raft.apply": 1, "raft.replicate": 2,
};

describe("a write traced end to end", () => {
  const received: ReceivedSpan[] = [];
  let collector: { server: Server; address: string } | undefined;
  let cluster: ClusterHarness | undefined;

  beforeAll(async () => {
    collector = await startCollector(received);
    cluster = await ClusterHarness.start({
      size: 3,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.address,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "100",
      },
    });
  });

  afterAll(async () => {
    await cluster?.destroy();
    collector?.server.close();
  });

  test("a put through a follower is one trace from the call to the apply", async () => {
    if (cluster === undefined) throw new Error("the cluster did not start (see beforeAll)");
    const c = cluster;
    await c.withLogs(async () => {
      const leader = await c.waitForLeader();
      const follower = c.ids().find((id) => id !== leader)!;
      await c.client(follower).put({ key: "traced", value: Buffer.from("v") });
      const spans = await waitUntil("the put's trace to reach the collector", 20_000, () => {
        const apply = received.find((span) => span.name === "raft.apply" &&
          received.some((other) => other.traceId === span.traceId &&
            other.name === "raftkv/Put" && other.member === String(follower)));
        if (apply === undefined) return Promise.resolve(undefined);
        // Every span the checks below name: each member exports on its own schedule, so
        // the leader's may arrive after the follower's, or the other way round.
        const trace = received.filter((span) => span.traceId === apply.traceId);
        const count = (name: string): number => trace.filter((span) => span.name === name).length;
        const complete = Object.entries(EXPECTED_SPANS).every(([name, n]) => count(name) >= n);
        return Promise.resolve(complete ? trace : undefined);
      });
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const parentName = (span: ReceivedSpan): string | undefined =>
        byId.get(span.parentSpanId)?.name;
      const named = (name: string): ReceivedSpan[] => spans.filter((span) => span.name === name);
      const [followerCall, forward, leaderCall, propose] =
        ["raftkv/Put", "raftkv.forward/Put", "raftkv/Put", "raft.propose"].map((name, i) =>
          named(name)[name === "raftkv/Put" && i === 2 ? 1 : 0]);
      expect(named("raftkv/Put").map((span) => span.member).sort())
        .toEqual([String(follower), String(leader)].sort());
      expect(followerCall).toBeDefined();
      expect(forward).toMatchObject({ member: String(follower) });
      expect(leaderCall).toBeDefined();
      expect(propose).toMatchObject({ member: String(leader) });
      expect(parentName(forward!)).toBe("raftkv/Put");
      expect(parentName(propose!)).toBe("raftkv/Put");
      for (const stage of ["raft.log_write", "raft.commit", "raft.apply"]) {
        expect([stage, named(stage).map(parentName)]).toEqual([stage, ["raft.propose"]]);
      }
      expect(named("raft.replicate").map(parentName)).toEqual(["raft.propose", "raft.propose"]);
    });
  });
});
