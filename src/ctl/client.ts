import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { raftkvProtos } from "../transport/proto-loading.js";
import { CallError, LocalError } from "./errors.js";
import type { TlsFlagFiles } from "./flags.js";
import type { StreamRpc, UnaryRpc } from "./rpcs.js";

/** Where to call and how long to wait; validated by args.ts. */
export interface ClientOptions {
  /** host:port of members' client ports, in the order they are tried. Non-empty. */
  readonly endpoints: readonly string[];
  /** How long to wait for one endpoint's connection before giving up on it. */
  readonly dialTimeoutMs: number;
  /** The deadline of one call to one endpoint, counted once it is connected. */
  readonly commandTimeoutMs: number;
  /** TLS to the members' client ports (--cacert, --cert, --key); plaintext when absent. */
  readonly tls?: TlsFlagFiles | undefined;
}

/** A response and the endpoint that gave it. */
export interface Answer<Response> {
  readonly endpoint: string;
  readonly response: Response;
}

/**
 * The server sends client responses up to 64 MiB (src/member.ts); a Range page of large
 * values can come close, so the client accepts the same. Requests stay at grpc-js's default
 * limit, which is above the server's 2 MiB --max-request-bytes.
 */
const RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

const CHANNEL_OPTIONS: grpc.ChannelOptions = Object.freeze({
  "grpc.max_receive_message_length": RESPONSE_BYTES_MAX,
  // Failover (below) decides what is sent again, and where; grpc-js does not retry.
  "grpc.enable_retries": 0,
});

/**
 * A server stream on one endpoint. `responses` yields each response in order, ends when the
 * server ends the call with OK, and throws a CallError naming the endpoint when it ends
 * with any other status (CANCELLED after cancel()).
 */
export interface ResponseStream<Response> {
  readonly responses: AsyncIterable<Response>;
  /** Ends the call; `responses` then throws CANCELLED. Harmless after the end. */
  cancel(): void;
}

/** A failure that means "this endpoint did not answer": the next one may. */
const FAILOVER_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
]);

/** The channel interface a stub exposes (grpc.Channel names the implementation class). */
type ClientChannel = ReturnType<grpc.Client["getChannel"]>;

type StreamMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

/**
 * Calls raftkv's client API over gRPC (plaintext, or TLS with options.tls), one channel per
 * endpoint, with failover.
 *
 * Each attempt first connects (at most dialTimeoutMs) and then calls (deadline
 * commandTimeoutMs), so a dead port or a stopped process costs one dial timeout at most,
 * and a call that could not be sent is always safe to try elsewhere. After a call was sent,
 * UNAVAILABLE or DEADLINE_EXCEEDED move on to the next endpoint only for RPCs marked
 * idempotent (reads): a write that timed out may still be applied, and sending it again
 * could apply it twice (see README.md, "Failover"). Any other status ends the command.
 */
export class EndpointClient {
  private readonly options: ClientOptions;
  private readonly channels = new Map<string, grpc.Channel>();
  private readonly stubs = new Map<string, grpc.Client>();
  private readonly credentials: grpc.ChannelCredentials;

  /** Throws LocalError when a TLS file cannot be read. */
  constructor(options: ClientOptions) {
    if (options.endpoints.length === 0) throw new Error("EndpointClient needs an endpoint");
    this.options = options;
    this.credentials = channelCredentials(options.tls);
  }

  get endpoints(): readonly string[] {
    return this.options.endpoints;
  }

  /**
   * Calls `rpc` on the first endpoint that answers. Throws the CallError of the last
   * endpoint tried when none does, naming every endpoint that failed.
   */
  async call<Request, Response>(
    rpc: UnaryRpc<Request, Response>,
    request: Request,
  ): Promise<Answer<Response>> {
    const failures: CallError[] = [];
    for (const endpoint of this.options.endpoints) {
      const outcome = await this.attempt(endpoint, rpc, request);
      if (outcome.kind === "answered") return { endpoint, response: outcome.response };
      failures.push(outcome.error);
      const failOver = outcome.kind === "not-sent" ||
        (rpc.idempotent && FAILOVER_CODES.has(outcome.error.code));
      if (!failOver) break;
    }
    throw joinFailures(failures);
  }

  /** Calls `rpc` on `endpoint` only, with the same dial and call deadlines. */
  async callEndpoint<Request, Response>(
    endpoint: string,
    rpc: UnaryRpc<Request, Response>,
    request: Request,
  ): Promise<Response> {
    const outcome = await this.attempt(endpoint, rpc, request);
    if (outcome.kind === "answered") return outcome.response;
    throw outcome.error;
  }

  /**
   * Connects to `endpoint` (at most dialTimeoutMs) and starts the server stream `rpc`, with
   * no deadline: it lasts until the server ends it or the caller cancels it. Rejects with a
   * CallError when the connection fails, which means the request was not sent. There is no
   * failover here: only the caller knows where a broken stream may resume.
   */
  async openStream<Request, Response>(
    endpoint: string,
    rpc: StreamRpc<Request, Response>,
    request: Request,
  ): Promise<ResponseStream<Response>> {
    const stub = this.stub(endpoint, rpc.service);
    await connect(stub.getChannel(), endpoint, this.options.dialTimeoutMs);
    const method = (stub as unknown as Record<string, StreamMethod | undefined>)[rpc.method];
    if (method === undefined) throw new Error(`${rpc.service} has no method ${rpc.method}`);
    const call = method.call(stub, request, new grpc.Metadata(), {});
    return {
      responses: streamResponses<Response>(call, endpoint),
      cancel: () => {
        call.cancel();
      },
    };
  }

  /** Closes every channel; pending calls fail. The process can then exit on its own. */
  close(): void {
    for (const stub of this.stubs.values()) stub.close();
    for (const channel of this.channels.values()) channel.close();
    this.stubs.clear();
    this.channels.clear();
  }

  private async attempt<Request, Response>(
    endpoint: string,
    rpc: UnaryRpc<Request, Response>,
    request: Request,
  ): Promise<Attempt<Response>> {
    const stub = this.stub(endpoint, rpc.service);
    try {
      await connect(stub.getChannel(), endpoint, this.options.dialTimeoutMs);
    } catch (error: unknown) {
      return { kind: "not-sent", error: asCallError(error, endpoint) };
    }
    const method = (stub as unknown as Record<string, UnaryMethod | undefined>)[rpc.method];
    if (method === undefined) throw new Error(`${rpc.service} has no method ${rpc.method}`);
    const deadline = Date.now() + this.options.commandTimeoutMs;
    try {
      const response = await new Promise<Response>((resolve, reject) => {
        method.call(stub, request, new grpc.Metadata(), { deadline }, (error, answer) => {
          if (error !== null) reject(error);
          else if (answer === undefined) reject(new Error("a unary call returned no response"));
          else resolve(answer as Response);
        });
      });
      return { kind: "answered", response };
    } catch (error: unknown) {
      return { kind: "sent", error: asCallError(error, endpoint) };
    }
  }

  private stub(endpoint: string, service: UnaryRpc<unknown, unknown>["service"]): grpc.Client {
    const key = `${service} ${endpoint}`;
    let stub = this.stubs.get(key);
    if (stub === undefined) {
      const constructor = serviceConstructor(service);
      const channelOverride = this.channel(endpoint);
      stub = new constructor(endpoint, this.credentials, { channelOverride });
      this.stubs.set(key, stub);
    }
    return stub;
  }

  private channel(endpoint: string): grpc.Channel {
    let channel = this.channels.get(endpoint);
    if (channel === undefined) {
      channel = new grpc.Channel(endpoint, this.credentials, CHANNEL_OPTIONS);
      this.channels.set(endpoint, channel);
    }
    return channel;
  }
}

/** Plaintext without files; TLS verifying with the CA (else Node's roots), maybe mutual. */
function channelCredentials(tls: TlsFlagFiles | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  const read = (flag: string, path: string | undefined): Buffer | null => {
    if (path === undefined) return null;
    try {
      return readFileSync(path);
    } catch (error: unknown) {
      const code = (error as { code?: unknown }).code;
      throw new LocalError(`--${flag} ${path}: cannot read it (${String(code ?? error)})`);
    }
  };
  try {
    return grpc.credentials.createSsl(
      read("cacert", tls.caFile), read("key", tls.keyFile), read("cert", tls.certFile));
  } catch (error: unknown) {
    if (error instanceof LocalError) throw error;
    throw new LocalError(`--cacert/--cert/--key: ${error instanceof Error ? error.message : ""}`);
  }
}

type Attempt<Response> =
  | { readonly kind: "answered"; readonly response: Response }
  /** The request never left: the connection failed or did not come up in time. */
  | { readonly kind: "not-sent"; readonly error: CallError }
  /** The request may have reached the server. */
  | { readonly kind: "sent"; readonly error: CallError };

function serviceConstructor(service: UnaryRpc<unknown, unknown>["service"]): typeof grpc.Client {
  const protos = raftkvProtos().grpcObject;
  switch (service) {
    case "kv": return protos.raftkv.kv.v1.KV;
    case "cluster": return protos.raftkv.cluster.v1.Cluster;
    case "health": return protos.grpc.health.v1.Health;
  }
}

/**
 * Resolves once `channel` is READY. Rejects with UNAVAILABLE as soon as the connection
 * attempt fails (refused, unresolvable), and with DEADLINE_EXCEEDED when it is still
 * connecting after `timeoutMs` (a host that drops packets, a stopped process).
 */
function connect(channel: ClientChannel, endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) {
        resolve();
      } else if (state === grpc.connectivityState.TRANSIENT_FAILURE ||
        state === grpc.connectivityState.SHUTDOWN) {
        reject(new CallError(grpc.status.UNAVAILABLE, "cannot connect", endpoint));
      } else {
        channel.watchConnectivityState(state, deadline, (error?: Error) => {
          if (error === undefined) check();
          else reject(new CallError(grpc.status.DEADLINE_EXCEEDED,
            `not connected within the dial timeout (${String(timeoutMs)} ms)`, endpoint));
        });
      }
    };
    check();
  });
}

/** The leader hint raftkv attaches to UNAVAILABLE (src/api/grpc-status.ts). */
const LEADER_ID_KEY = "raftkv-leader-id";
const LEADER_ADDRESS_KEY = "raftkv-leader-address";

function asCallError(error: unknown, endpoint: string): CallError {
  if (error instanceof CallError) return error;
  if (!isServiceError(error)) throw error; // A bug here, not an answer from the server.
  const leaderId = error.metadata.get(LEADER_ID_KEY)[0];
  const leaderAddress = error.metadata.get(LEADER_ADDRESS_KEY)[0];
  const hint = leaderId === undefined
    ? ""
    : ` (leader hint: ${String(leaderId)}${leaderAddress === undefined ? "" : ` at ${String(leaderAddress)}`})`;
  return new CallError(error.code, `${error.details}${hint}`, endpoint);
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  const candidate = error as Partial<grpc.ServiceError> | undefined;
  return error instanceof Error && typeof candidate?.code === "number" &&
    candidate.metadata instanceof grpc.Metadata;
}

/** A stream's responses, its failure as a CallError (the stream is an object-mode Readable). */
async function* streamResponses<Response>(
  call: grpc.ClientReadableStream<unknown>,
  endpoint: string,
): AsyncGenerator<Response> {
  try {
    for await (const response of call) yield response as Response;
  } catch (error: unknown) {
    throw asCallError(error, endpoint);
  }
}

/** One error for the script: the code of the last failure, every endpoint's message. */
export function joinFailures(failures: readonly CallError[]): CallError {
  const last = failures[failures.length - 1];
  if (last === undefined) throw new Error("a call failed without trying an endpoint");
  if (failures.length === 1) return last;
  return new CallError(last.code, failures.map((failure) => failure.message).join("; "));
}
