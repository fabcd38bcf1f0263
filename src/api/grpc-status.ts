import { Metadata, status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import { NO_NODE } from "../core/ids.js";
import {
  ChangeInProgressError, DeadlineExceededError, FailedPreconditionError, InvalidRequestError,
  LeadershipLostError,
  NodeStoppedError, NotLeaderError, ProposalDroppedError, QueueFullError,
} from "../node/errors.js";
import { RevisionUnavailableError } from "../state-machine/kv-read-at.js";
import { InvalidArgumentError, PreconditionError } from "./errors.js";

/** Trailing metadata keys a client can use to find the leader after UNAVAILABLE. */
export const LEADER_ID_KEY = "raftkv-leader-id";
export const LEADER_ADDRESS_KEY = "raftkv-leader-address";
/**
 * Trailing metadata on an UNAVAILABLE that was refused before anything reached the log
 * (value "1"): the request, a write too, may be sent again as it is.
 */
export const NOT_PROPOSED_KEY = "raftkv-not-proposed";

export interface GrpcStatus {
  readonly code: GrpcCode;
  readonly details: string;
  readonly metadata: Metadata;
}

/**
 * Every status a client can observe is chosen here, so the API's failure modes fit on one
 * screen. Unknown errors become INTERNAL without details (internals never reach clients);
 * the caller logs them with their stack. `leaderAddress` resolves a leader id to the client
 * address to put in trailing metadata.
 */
export function toGrpcStatus(
  error: unknown,
  leaderAddress: (id: number) => string | undefined,
): GrpcStatus {
  const metadata = new Metadata();
  const status = (code: GrpcCode, details: string): GrpcStatus => ({ code, details, metadata });
  if (isServiceError(error)) {
    // Already a gRPC status (e.g. from a forwarded call): pass it through unchanged.
    return { code: error.code, details: error.details, metadata: error.metadata };
  }
  if (error instanceof InvalidArgumentError || error instanceof InvalidRequestError) {
    return status(GrpcCode.INVALID_ARGUMENT, error.message);
  }
  if (error instanceof PreconditionError || error instanceof FailedPreconditionError) {
    return status(GrpcCode.FAILED_PRECONDITION, error.message);
  }
  if (error instanceof NotLeaderError) {
    if (error.leaderHint !== NO_NODE) {
      metadata.set(LEADER_ID_KEY, String(error.leaderHint));
      const address = leaderAddress(error.leaderHint);
      if (address !== undefined) metadata.set(LEADER_ADDRESS_KEY, address);
    }
    if (error.notProposed) metadata.set(NOT_PROPOSED_KEY, "1");
    return status(GrpcCode.UNAVAILABLE, error.message);
  }
  if (error instanceof LeadershipLostError || error instanceof ProposalDroppedError ||
      error instanceof NodeStoppedError) {
    return status(GrpcCode.UNAVAILABLE, error.message);
  }
  if (error instanceof DeadlineExceededError) {
    return status(GrpcCode.DEADLINE_EXCEEDED, error.message);
  }
  if (error instanceof QueueFullError) return status(GrpcCode.RESOURCE_EXHAUSTED, error.message);
  // A concurrency conflict, not a state the caller must fix: gRPC's ABORTED, retry.
  if (error instanceof ChangeInProgressError) return status(GrpcCode.ABORTED, error.message);
  if (error instanceof RevisionUnavailableError) {
    return status(GrpcCode.OUT_OF_RANGE, error.message);
  }
  return status(GrpcCode.INTERNAL, "internal error");
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error && typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** Whether an error is one toGrpcStatus() knows; unknown ones are logged with their stack. */
export function isExpectedError(error: unknown): boolean {
  return toGrpcStatus(error, () => undefined).code !== GrpcCode.INTERNAL || isServiceError(error);
}
