/** Client input that violates a documented limit or shape; always INVALID_ARGUMENT. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
}

/** A compare in a transaction failed, or the request is not possible in the current state. */
export class PreconditionError extends Error {
  override readonly name = "PreconditionError";
}
