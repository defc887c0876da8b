/**
 * The head of a WhatsApp-style line: date, time and the bracket or dash that ends them. One
 * regex covers every form we import: `[dd/mm/yyyy, hh:mm:ss] ` (iOS), `dd/mm/yyyy, hh:mm - `
 * (Android), 12-hour clocks (`1:55 PM`, `1:55 p. m.`, `p.m.`, with U+202F or U+00A0), dotted and
 * dashed dates, year-first dates and the Finnish `klo`. A leading U+200E is allowed.
 */
const HEAD =
  /^\u200E?(\[)?(\d{1,4})([./-])(\d{1,2})\3(\d{2,4})\.?,?\s(klo\s)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s?([AaPp])\.?\s?[Mm]\.?)?(?:(\])\s|\s[-–]\s)/;

/** The numbers of a head, in the order the file writes them. */
export interface HeadFields {
  /** Length of the head in UTF-16 units, separator included. */
  readonly length: number;
  readonly first: number;
  readonly second: number;
  readonly third: number;
  /** True when the first field has four digits (a year-first date). */
  readonly yearFirst: boolean;
  readonly hour: number;
  readonly minute: number;
  readonly second_: number;
  /** 'a' or 'p' for 12-hour clocks. */
  readonly meridiem: 'a' | 'p' | null;
  readonly bracketed: boolean;
  /** A number that is equal for two heads exactly when they are written in the same form. */
  readonly signature: number;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LRM = 0x200e;
const DOT = 0x2e;
const COMMA = 0x2c;
const COLON = 0x3a;
const SLASH = 0x2f;
const HYPHEN = 0x2d;
const EN_DASH = 0x2013;

/** The characters JavaScript's `\s` matches (spaces WhatsApp writes include U+00A0 and U+202F). */
function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Reads a head at the start of `line`, or returns null. A hand-written scanner with exactly the
 * grammar of `HEAD` above (which documents it and is the reference the tests compare against):
 * it runs on every line of a 70 MB export, where a regex with twelve groups costs twice as much.
 */
export function readHead(line: string): HeadFields | null {
  let at = 0;
  let code = line.charCodeAt(0);
  if (code === LRM) code = line.charCodeAt(++at);
  const bracketed = code === OPEN_BRACKET;
  if (bracketed) at++;
  // Date: 1-4 digits, separator, 1-2 digits, the same separator, 2-4 digits.
  let start = at;
  let first = 0;
  while (at - start < 4 && (code = line.charCodeAt(at)) >= DIGIT_0 && code <= DIGIT_9) {
    first = first * 10 + code - DIGIT_0;
    at++;
  }
  const firstDigits = at - start;
  if (firstDigits === 0) return null;
  const separator = line.charCodeAt(at);
  if (separator !== SLASH && separator !== DOT && separator !== HYPHEN) return null;
  start = ++at;
  let second = 0;
  while (at - start < 2 && (code = line.charCodeAt(at)) >= DIGIT_0 && code <= DIGIT_9) {
    second = second * 10 + code - DIGIT_0;
    at++;
  }
  if (at === start || line.charCodeAt(at) !== separator) return null;
  start = ++at;
  let third = 0;
  while (at - start < 4 && (code = line.charCodeAt(at)) >= DIGIT_0 && code <= DIGIT_9) {
    third = third * 10 + code - DIGIT_0;
    at++;
  }
  const thirdDigits = at - start;
  if (thirdDigits < 2) return null;
  if (line.charCodeAt(at) === DOT) at++;
  if (line.charCodeAt(at) === COMMA) at++;
  if (!isSpace(line.charCodeAt(at))) return null;
  at++;
  let klo = false;
  if (line.startsWith('klo', at) && isSpace(line.charCodeAt(at + 3))) {
    klo = true;
    at += 4;
  }
  // Time: 1-2 digits, ":" or ".", 2 digits, optionally ":" or "." and 2 more.
  start = at;
  let hour = 0;
  while (at - start < 2 && (code = line.charCodeAt(at)) >= DIGIT_0 && code <= DIGIT_9) {
    hour = hour * 10 + code - DIGIT_0;
    at++;
  }
  if (at === start) return null;
  code = line.charCodeAt(at);
  if (code !== COLON && code !== DOT) return null;
  const minute = twoDigits(line, at + 1);
  if (minute < 0) return null;
  at += 3;
  let seconds = 0;
  let hasSeconds = false;
  code = line.charCodeAt(at);
  if (code === COLON || code === DOT) {
    const value = twoDigits(line, at + 1);
    if (value >= 0) {
      seconds = value;
      hasSeconds = true;
      at += 3;
    }
  }
  // Optional meridiem: \s? [AaPp] \.? \s? [Mm] \.?
  let meridiem: 'a' | 'p' | null = null;
  let probe = at;
  if (isSpace(line.charCodeAt(probe))) probe++;
  code = line.charCodeAt(probe) | 0x20;
  if (code === 0x61 || code === 0x70) {
    const letter = code === 0x61 ? 'a' : 'p';
    probe++;
    if (line.charCodeAt(probe) === DOT) probe++;
    if (isSpace(line.charCodeAt(probe))) probe++;
    if ((line.charCodeAt(probe) | 0x20) === 0x6d) {
      probe++;
      if (line.charCodeAt(probe) === DOT) probe++;
      meridiem = letter;
      at = probe;
    }
  }
  // End: "] " or " - " (or an en dash).
  let closed = false;
  code = line.charCodeAt(at);
  if (code === CLOSE_BRACKET && isSpace(line.charCodeAt(at + 1))) {
    closed = true;
    at += 2;
  } else if (isSpace(code) && ((code = line.charCodeAt(at + 1)) === HYPHEN || code === EN_DASH) && isSpace(line.charCodeAt(at + 2))) {
    at += 3;
  } else return null;
  if (bracketed !== closed) return null;
  const yearFirst = firstDigits === 4;
  const signature =
    (bracketed ? 1 : 0) |
    (separator === SLASH ? 0 : separator === DOT ? 2 : 4) |
    (hasSeconds ? 8 : 0) |
    (meridiem ? 16 : 0) |
    (yearFirst ? 32 : 0) |
    (klo ? 64 : 0) |
    (thirdDigits === 4 ? 128 : 0);
  return { length: at, first, second, third, yearFirst, hour, minute, second_: seconds, meridiem, bracketed, signature };
}

function twoDigits(line: string, at: number): number {
  const tens = line.charCodeAt(at) - DIGIT_0;
  const units = line.charCodeAt(at + 1) - DIGIT_0;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** The reference grammar as a regex, exported so tests can compare the scanner with it. */
export const HEAD_PATTERN = HEAD;
