import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { MemberMetrics } from "./member-metrics.js";

/** What /healthz and /readyz report. */
export interface HealthChecks {
  /** Alive: the process runs and its event loop answers (false once it was removed). */
  readonly live: () => { readonly ok: boolean; readonly reason: string };
  /** Ready for clients: it knows a leader and applied what it knows is committed. */
  readonly ready: () => { readonly ok: boolean; readonly reason: string };
}

/**
 * The HTTP side of a member, on --listen-metrics: `/metrics` for Prometheus, `/healthz` for
 * liveness and `/readyz` for readiness (Kubernetes' conventions, beside gRPC health on the
 * client port). /healthz stays 200 while the member has no leader: a liveness probe that
 * failed during an election or a partition would restart members that only wait.
 */
export class MetricsServer {
  private constructor(private readonly server: Server) {}

  static async listen(
    host: string, port: number, metrics: MemberMetrics, checks: HealthChecks,
  ): Promise<{ server: MetricsServer; port: number }> {
    const server = createServer((request, response) => route(request, response, metrics, checks));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const bound = typeof address === "object" && address !== null ? address.port : port;
    return { server: new MetricsServer(server), port: bound };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function route(
  request: IncomingMessage, response: ServerResponse, metrics: MemberMetrics, checks: HealthChecks,
): void {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method !== "GET" && request.method !== "HEAD") {
    respond(response, 405, "only GET and HEAD\n");
  } else if (path === "/metrics") {
    metrics.serve(request, response);
  } else if (path === "/healthz" || path === "/readyz") {
    const check = path === "/healthz" ? checks.live() : checks.ready();
    respond(response, check.ok ? 200 : 503, `${check.ok ? "ok" : "not ok"}: ${check.reason}\n`);
  } else {
    respond(response, 404, "not found: try /metrics, /healthz or /readyz\n");
  }
}

function respond(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(body);
}
