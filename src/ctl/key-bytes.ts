/**
 * How raftkvctl turns command-line text into keys and values and back. Keys are proto
 * `string` fields, so they must be well-formed UTF-8 on the wire; values are `bytes`. With
 * `--hex` both are written as plain hex (`666f6f`, case-insensitive on input, lower case on
 * output), so what `get --hex` prints can be passed back to `put --hex` unchanged.
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** Every key the store can hold is >= this one: the empty key is refused by the server. */
export const SMALLEST_KEY = "\0";

/** As a range end, "\0" means "no end": every key >= the range's start (etcd semantics). */
export const NO_RANGE_END = "\0";

/** The largest Unicode code point; there is no key character after it. */
const CODE_POINT_MAX = 0x10ffff;
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/** Why a piece of command-line text cannot be used; the caller turns it into a UsageError. */
export class BadBytesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadBytesError";
  }
}

/** Decodes plain hex (an even number of 0-9a-fA-F digits) into bytes. */
export function hexToBytes(text: string, what: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new BadBytesError(`${what} is not hex (an even number of 0-9, a-f digits): ${text}`);
  }
  const bytes = Buffer.from(text, "hex");
  if (bytes.length * 2 !== text.length) throw new Error("hex decoding lost digits");
  return new Uint8Array(bytes);
}

/** Lower-case plain hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * The key named on the command line, as the string to send. With `hex` the text is decoded
 * first, and bytes that are not well-formed UTF-8 are refused: a proto `string` cannot
 * carry them, and the server would refuse the call anyway.
 */
export function keyFromArgument(text: string, hex: boolean): string {
  if (!hex) return text;
  const bytes = hexToBytes(text, "key");
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BadBytesError(`key ${text} is not valid UTF-8; keys are UTF-8 strings`);
  }
}

/** The value named on the command line, as the bytes to send. */
export function valueFromArgument(text: string, hex: boolean): Uint8Array {
  return hex ? hexToBytes(text, "value") : utf8.encode(text);
}

/** The bytes of a key as the server compares them (UTF-8). */
export function keyBytes(key: string): Uint8Array {
  return utf8.encode(key);
}

/**
 * The smallest key greater than every key that starts with `prefix`, for a Range over a
 * prefix; NO_RANGE_END when no such key exists (the prefix is all U+10FFFF).
 *
 * etcd increments the last byte, which can leave invalid UTF-8 (`a\x7f` would become
 * `a\x80`). UTF-8 byte order is code point order, so incrementing the last code point
 * (skipping the surrogates, which UTF-8 cannot encode) gives the same range with a valid
 * string: a key K starts with P exactly when P <= K < prefixEnd(P).
 */
export function prefixEnd(prefix: string): string {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < CODE_POINT_MAX) {
      const next = last + 1 === SURROGATE_FIRST ? SURROGATE_LAST + 1 : last + 1;
      return String.fromCodePoint(...codePoints, next);
    }
  }
  return NO_RANGE_END;
}
