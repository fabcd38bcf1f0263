// Goal: firstInvalidUtf8Offset() agrees with the WHATWG decoder in fatal mode on which byte
// strings are UTF-8, and the offset it names is where the first ill-formed sequence starts.
// Method: hand-picked sequences from Unicode Table 3-7 (overlongs, surrogates, values above
// U+10FFFF, truncation), then random byte strings checked against TextDecoder as the oracle:
// the prefix before the offset decodes, and the prefix through the offset's sequence does not.

import fc from "fast-check";
import { firstInvalidUtf8Offset } from "./utf8.js";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodes(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe("firstInvalidUtf8Offset", () => {
  test.each([
    ["ASCII", [0x61, 0x62], undefined],
    ["two, three and four byte characters", [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], undefined],
    ["the empty string", [], undefined],
    ["C3 28: a lead byte without its continuation", [0xc3, 0x28], 0],
    ["a lone continuation byte", [0x61, 0x80], 1],
    ["an overlong '/' (C0 AF)", [0xc0, 0xaf], 0],
    ["an overlong three-byte form (E0 80 AF)", [0xe0, 0x80, 0xaf], 0],
    ["a surrogate (ED A0 80)", [0x61, 0x62, 0xed, 0xa0, 0x80], 2],
    ["above U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], 0],
    ["a truncated four-byte character", [0x61, 0xf0, 0x9f, 0x98], 1],
    ["FF", [0xff], 0],
  ])("%s", (_name, bytes, offset) => {
    expect(firstInvalidUtf8Offset(Uint8Array.from(bytes))).toBe(offset);
  });

  test("agrees with TextDecoder's fatal mode on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
      const offset = firstInvalidUtf8Offset(bytes);
      expect(offset === undefined).toBe(decodes(bytes));
      if (offset !== undefined) {
        expect(decodes(bytes.subarray(0, offset))).toBe(true);
        // No well-formed sequence of 1 to 4 bytes starts at the offset.
        for (let length = 1; length <= 4 && offset + length <= bytes.length; length++) {
          expect(decodes(bytes.subarray(offset, offset + length))).toBe(false);
        }
      }
    }), { numRuns: 2000, seed: 10 });
  });

  test("random well-formed text is accepted", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => {
      expect(firstInvalidUtf8Offset(new TextEncoder().encode(text))).toBeUndefined();
    }), { numRuns: 500, seed: 10 });
  });
});
