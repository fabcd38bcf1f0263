/**
 * The words of one line of `txn` input, quoted the way etcdctl's Argify quotes them: a bare
 * word runs to the next white space; a double-quoted word is a Go string literal with
 * backslash escapes (`"a b"`, `"tab\there"`, `"\xff"`); a single-quoted word is taken as
 * written, with no escapes. A word is bytes, not text: `\x` and octal escapes can spell
 * bytes that are not UTF-8, which a value may hold (a key may not; the parser checks).
 */

/** One word, and where the line continues after it. */
export interface Word {
  readonly bytes: Uint8Array;
  /** Written in quotes: never a flag, even when it starts with `-`. */
  readonly quoted: boolean;
  /** The index in the line just after the word (after its closing quote). */
  readonly end: number;
}

/** A line that cannot be split into words; the message says where and why. */
export class WordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WordError";
  }
}

const utf8 = new TextEncoder();

/** The single-character escapes of a Go string literal, as bytes. */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, "\\": 0x5c, "\"": 0x22,
};

const CODE_POINT_MAX = 0x10ffff;
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/** Every word of `line`, in order; white space separates them. */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  for (let i = skipSpace(line, 0); i < line.length; i = skipSpace(line, i)) {
    const word = readWord(line, i, "");
    if (word.quoted && word.end < line.length && !/\s/.test(line[word.end]!)) {
      throw new WordError(`column ${word.end + 1}: expected a space after the closing quote`);
    }
    words.push(word);
    i = word.end;
  }
  return words;
}

/**
 * The word that starts at `start`. A bare word also stops before any character of
 * `stopChars` (the compare parser reads `value(key)` with ")" there).
 */
export function readWord(line: string, start: number, stopChars: string): Word {
  const first = line[start];
  if (first === "\"") return readDoubleQuoted(line, start);
  if (first === "'") {
    const close = line.indexOf("'", start + 1);
    if (close < 0) throw new WordError(`column ${start + 1}: the quote ' is never closed`);
    return { bytes: utf8.encode(line.slice(start + 1, close)), quoted: true, end: close + 1 };
  }
  let end = start;
  while (end < line.length && !/\s/.test(line[end]!) && !stopChars.includes(line[end]!)) end++;
  if (end === start) throw new WordError(`column ${start + 1}: expected a word`);
  return { bytes: utf8.encode(line.slice(start, end)), quoted: false, end };
}

/** The index of the first character at or after `start` that is not white space. */
export function skipSpace(line: string, start: number): number {
  let i = start;
  while (i < line.length && /\s/.test(line[i]!)) i++;
  return i;
}

/** A Go interpreted string literal (strconv.Unquote) starting at the `"` at `start`. */
function readDoubleQuoted(line: string, start: number): Word {
  const bytes: number[] = [];
  let i = start + 1;
  while (i < line.length && line[i] !== "\"") {
    if (line[i] === "\\") {
      i = readEscape(line, i, bytes);
    } else {
      const codePoint = line.codePointAt(i)!;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...utf8.encode(char));
      i += char.length;
    }
  }
  if (i >= line.length) throw new WordError(`column ${start + 1}: the quote " is never closed`);
  return { bytes: new Uint8Array(bytes), quoted: true, end: i + 1 };
}

/** Appends the bytes of the escape at `at` (a backslash) and returns the index after it. */
function readEscape(line: string, at: number, bytes: number[]): number {
  const kind = line[at + 1];
  const where = `column ${at + 1}`;
  if (kind === undefined) throw new WordError(`${where}: a backslash ends the line`);
  const simple = SIMPLE_ESCAPES[kind];
  if (simple !== undefined) {
    bytes.push(simple);
    return at + 2;
  }
  if (kind === "x" || kind === "u" || kind === "U") {
    const digits = kind === "x" ? 2 : kind === "u" ? 4 : 8;
    const hex = line.slice(at + 2, at + 2 + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) {
      throw new WordError(`${where}: \\${kind} needs ${digits} hex digits`);
    }
    const value = Number.parseInt(hex, 16);
    if (kind === "x") {
      bytes.push(value);
    } else if (value > CODE_POINT_MAX || (value >= SURROGATE_FIRST && value <= SURROGATE_LAST)) {
      throw new WordError(`${where}: \\${kind}${hex} is not a Unicode character`);
    } else {
      bytes.push(...utf8.encode(String.fromCodePoint(value)));
    }
    return at + 2 + digits;
  }
  const octal = line.slice(at + 1, at + 4);
  if (/^[0-7]{3}$/.test(octal) && Number.parseInt(octal, 8) <= 0xff) {
    bytes.push(Number.parseInt(octal, 8));
    return at + 4;
  }
  throw new WordError(`${where}: unknown escape \\${kind} (Go escapes: \\n \\t \\" \\\\ \\xff ` +
    "\\377 \\u00e9 ...)");
}
