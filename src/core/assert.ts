/**
 * Always-on assertions. A failed assertion means a broken invariant (a programmer error), so
 * it throws and the process is expected to crash and restart from durable state. Expected
 * operating conditions (not leader, dropped proposal, ...) are results, never assertions.
 */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Exhaustiveness check for discriminated unions: the compiler proves this is unreachable. */
export function assertNever(value: never, what: string): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

export function unreachable(message: string): never {
  throw new AssertionError(`unreachable: ${message}`);
}
