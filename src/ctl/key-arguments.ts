import { UsageError } from "./errors.js";
import { booleanFlag, type FlagValues } from "./flags.js";
import {
  BadBytesError, keyFromArgument, NO_RANGE_END, prefixEnd, SMALLEST_KEY, valueFromArgument,
} from "./key-bytes.js";

/** A key range in the proto's terms: `rangeEnd` "" is `key` alone, "\0" is every key >= key. */
export interface KeyRange {
  readonly key: string;
  readonly rangeEnd: string;
}

/**
 * The KEY argument with --prefix / --from-key as a range, etcd's way: `--prefix` is
 * [KEY, prefixEnd(KEY)), `--from-key` is [KEY, no end), and an empty KEY with either means
 * every key. An empty KEY alone names nothing the store can hold (it refuses empty keys),
 * so it is a usage error.
 */
export function keyRangeFromArguments(
  keyText: string,
  flags: FlagValues,
  usage: string,
): KeyRange {
  const key = keyArgument(keyText, flags, usage, { emptyAllowed: true });
  const selection = {
    prefix: booleanFlag(flags, "prefix"), fromKey: booleanFlag(flags, "from-key"),
  };
  return asUsageError(() => keyRange(key, selection), usage);
}

/**
 * The range `key` names with --prefix or --from-key (or neither), as described above.
 * Throws a BadBytesError for the two combinations that name nothing.
 */
export function keyRange(
  key: string,
  selection: { readonly prefix: boolean; readonly fromKey: boolean },
): KeyRange {
  const { prefix, fromKey } = selection;
  if (prefix && fromKey) throw new BadBytesError("--prefix and --from-key exclude each other");
  if (key === "") {
    if (!prefix && !fromKey) {
      throw new BadBytesError("KEY is empty; with --prefix or --from-key, \"\" means every key");
    }
    return { key: SMALLEST_KEY, rangeEnd: NO_RANGE_END };
  }
  if (prefix) return { key, rangeEnd: prefixEnd(key) };
  if (fromKey) return { key, rangeEnd: NO_RANGE_END };
  return { key, rangeEnd: "" };
}

/** The KEY argument as the string to send (decoded from hex with --hex). */
export function keyArgument(
  text: string,
  flags: FlagValues,
  usage: string,
  options: { readonly emptyAllowed: boolean } = { emptyAllowed: false },
): string {
  const key = asUsageError(() => keyFromArgument(text, booleanFlag(flags, "hex")), usage);
  if (key === "" && !options.emptyAllowed) {
    throw new UsageError("KEY is empty; the store has no empty key", usage);
  }
  return key;
}

/** The VALUE argument as bytes (decoded from hex with --hex). */
export function valueArgument(text: string, flags: FlagValues, usage: string): Uint8Array {
  return asUsageError(() => valueFromArgument(text, booleanFlag(flags, "hex")), usage);
}

function asUsageError<T>(body: () => T, usage: string): T {
  try {
    return body();
  } catch (error: unknown) {
    if (error instanceof BadBytesError) throw new UsageError(error.message, usage);
    throw error;
  }
}
