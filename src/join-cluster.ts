import * as grpc from "@grpc/grpc-js";
import type { ClusterClient } from "./gen/raftkv/cluster/v1/Cluster.js";
import type { MemberAddResponse__Output } from "./gen/raftkv/cluster/v1/MemberAddResponse.js";
import type { StatusResponse__Output } from "./gen/raftkv/cluster/v1/StatusResponse.js";
import { StartupError } from "./startup-error.js";
import { raftkvProtos } from "./transport/proto-loading.js";

/** How long one call to a member named by --join may take. */
const CALL_DEADLINE_MS = 5000;
/** Pause between rounds over the --join addresses. */
const RETRY_PAUSE_MS = 500;

export interface JoinRequest {
  readonly id: number;
  readonly peerAddress: string;
  readonly clientAddress: string;
}

/**
 * How a joining member calls the client ports --join names: with the client port's TLS
 * files when it has them (member.ts: it presents its --client-cert, and verifies the members
 * with --client-ca), else plaintext.
 */
export type JoinCredentials = grpc.ChannelCredentials;

/**
 * `raftkv --join`: a member with an empty data directory asks a running member (any; the
 * call is routed to the leader) to add it as a learner that is promoted once caught up. The
 * leader then replicates to it, by snapshot and log, like to any lagging follower. A retried
 * join of the same id at the same addresses succeeds (MemberAdd is idempotent); an id that
 * belongs to another member, or any other refusal, stops the member with one line naming
 * --join. Members that cannot be reached are tried again until `timeoutMs` has passed.
 */
export async function requestMembership(
  joinAddresses: readonly string[], request: JoinRequest, timeoutMs: number,
  credentials: JoinCredentials,
): Promise<MemberAddResponse__Output> {
  const wire = {
    id: String(request.id), peer_address: request.peerAddress,
    client_address: request.clientAddress, as_voter: false, auto_promote: true,
  };
  return untilAnswered({ joinAddresses, timeoutMs, credentials }, (client, deadline, done) =>
    client.MemberAdd(wire, { deadline }, done));
}

/**
 * The cluster id the members named by --join belong to (for a member that has none yet).
 * Plaintext unless `credentials` are given.
 */
export async function clusterIdOfJoinTarget(
  joinAddresses: readonly string[], timeoutMs: number,
  credentials: JoinCredentials = grpc.credentials.createInsecure(),
): Promise<number> {
  const status = await untilAnswered<StatusResponse__Output>(
    { joinAddresses, timeoutMs, credentials },
    (client, deadline, done) => client.Status({}, { deadline }, done));
  return Number(status.cluster_id);
}

interface Outcome<Response> {
  readonly error: grpc.ServiceError | null;
  readonly response: Response | undefined;
}

type Call<Response> = (
  client: ClusterClient, deadline: number,
  done: (error: grpc.ServiceError | null, response?: Response) => void,
) => void;

/** Retries transient failures (unreachable, no leader, a change in progress) until timeout. */
async function untilAnswered<Response>(target: {
  joinAddresses: readonly string[]; timeoutMs: number; credentials: JoinCredentials;
}, call: Call<Response>): Promise<Response> {
  const { joinAddresses, timeoutMs } = target;
  const subject = `--join ${joinAddresses.join(",")}`;
  const Cluster = raftkvProtos().grpcObject.raftkv.cluster.v1.Cluster;
  const clients = joinAddresses.map((address) =>
    new Cluster(address, target.credentials));
  const giveUpAt = Date.now() + timeoutMs;
  let lastError = "no member answered";
  try {
    for (;;) {
      for (const [i, client] of clients.entries()) {
        const outcome = await new Promise<Outcome<Response>>(
          (resolve) => call(client, Date.now() + CALL_DEADLINE_MS,
            (error, response) => resolve({ error, response })));
        if (outcome.error === null && outcome.response !== undefined) return outcome.response;
        const error = outcome.error;
        if (error !== null && isPermanent(error.code)) {
          throw new StartupError(subject, error.details);
        }
        lastError = `${joinAddresses[i]!}: ${error?.details ?? "no answer"}`;
      }
      if (Date.now() >= giveUpAt) {
        throw new StartupError(subject, `could not join within ${String(timeoutMs)} ms (${lastError})`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  } finally {
    for (const client of clients) client.close();
  }
}

function isPermanent(code: grpc.status): boolean {
  return code === grpc.status.FAILED_PRECONDITION || code === grpc.status.INVALID_ARGUMENT ||
    code === grpc.status.PERMISSION_DENIED || code === grpc.status.UNIMPLEMENTED;
}
