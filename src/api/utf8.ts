/**
 * UTF-8 validation that says where it fails. Proto `string` fields must hold UTF-8, but
 * protobufjs decodes them leniently, replacing an ill-formed sequence with U+FFFD, so a key
 * sent as bytes C3 28 would be stored as "\uFFFD(". The request guard checks the raw bytes
 * with this first and rejects what is not UTF-8 instead.
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode
 * Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or undefined when
 * all of `bytes` is well-formed. For C3 28 that is 0: C3 needs a continuation byte.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isWellFormed(bytes)) return undefined; // The common case, checked natively.
  for (let offset = 0; offset < bytes.length;) {
    const length = sequenceLength(bytes, offset);
    if (length === 0) return offset;
    offset += length;
  }
  throw new Error("TextDecoder rejected bytes that every sequence check accepted");
}

function isWellFormed(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The allowed range of a sequence's second byte, by lead byte; later bytes are 80..BF. */
function secondByteRange(lead: number): readonly [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf]; // Not overlong.
  if (lead === 0xed) return [3, 0x80, 0x9f]; // Not a surrogate.
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf]; // Not overlong.
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f]; // Not above U+10FFFF.
  return undefined;
}

/** The length of the well-formed sequence at `offset`, or 0 when it is ill-formed. */
function sequenceLength(bytes: Uint8Array, offset: number): number {
  const lead = bytes[offset]!;
  if (lead <= 0x7f) return 1;
  const range = secondByteRange(lead);
  if (range === undefined) return 0;
  const [length, secondMin, secondMax] = range;
  if (offset + length > bytes.length) return 0;
  const second = bytes[offset + 1]!;
  if (second < secondMin || second > secondMax) return 0;
  for (let i = 2; i < length; i++) {
    const next = bytes[offset + i]!;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}
