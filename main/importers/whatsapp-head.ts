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
  return readHeadIn(line, 0, line.length);
}

/** The character at `at`, or NaN past `end` (as charCodeAt past the end of a line). */
function charAt(text: string, at: number, end: number): number {
  return at < end ? text.charCodeAt(at) : Number.NaN;
}

/**
 * readHead() of the line `text.slice(start, end)`, read in place: the parser scans many lines
 * of one decoded chunk without cutting each out. Nothing at or after `end` is read, so the
 * result is exactly readHead()'s of that slice (its `length` counted from `start`).
 */
export function readHeadIn(text: string, start: number, end: number): HeadFields | null {
  const head = new HeadReading();
  if (!readHeadInto(text, start, end, head)) return null;
  return {
    length: head.length,
    first: head.first,
    second: head.second,
    third: head.third,
    yearFirst: head.yearFirst,
    hour: head.hour,
    minute: head.minute,
    second_: head.second_,
    meridiem: head.meridiem,
    bracketed: head.bracketed,
    signature: head.signature,
  };
}

/** HeadFields that one scan after another writes into, so the parser allocates none per line. */
export class HeadReading implements HeadFields {
  length = 0;
  first = 0;
  second = 0;
  third = 0;
  yearFirst = false;
  hour = 0;
  minute = 0;
  second_ = 0;
  meridiem: 'a' | 'p' | null = null;
  bracketed = false;
  signature = 0;
}

/**
 * readHeadIn() writing into `out`: true and `out` filled when the line starts with a head,
 * false (and `out` in an unspecified state) otherwise.
 */
export function readHeadInto(text: string, start: number, end: number, out: HeadReading): boolean {
  let at = start;
  let code = charAt(text, at, end);
  if (code === LRM) code = charAt(text, ++at, end);
  const bracketed = code === OPEN_BRACKET;
  if (bracketed) at++;
  // Date: 1-4 digits, separator, 1-2 digits, the same separator, 2-4 digits.
  let from = at;
  let first = 0;
  while (at - from < 4 && (code = charAt(text, at, end)) >= DIGIT_0 && code <= DIGIT_9) {
    first = first * 10 + code - DIGIT_0;
    at++;
  }
  const firstDigits = at - from;
  if (firstDigits === 0) return false;
  const separator = charAt(text, at, end);
  if (separator !== SLASH && separator !== DOT && separator !== HYPHEN) return false;
  from = ++at;
  let second = 0;
  while (at - from < 2 && (code = charAt(text, at, end)) >= DIGIT_0 && code <= DIGIT_9) {
    second = second * 10 + code - DIGIT_0;
    at++;
  }
  if (at === from || charAt(text, at, end) !== separator) return false;
  from = ++at;
  let third = 0;
  while (at - from < 4 && (code = charAt(text, at, end)) >= DIGIT_0 && code <= DIGIT_9) {
    third = third * 10 + code - DIGIT_0;
    at++;
  }
  const thirdDigits = at - from;
  if (thirdDigits < 2) return false;
  if (charAt(text, at, end) === DOT) at++;
  if (charAt(text, at, end) === COMMA) at++;
  if (!isSpace(charAt(text, at, end))) return false;
  at++;
  let klo = false;
  if (at + 3 < end && text.startsWith('klo', at) && isSpace(text.charCodeAt(at + 3))) {
    klo = true;
    at += 4;
  }
  // Time: 1-2 digits, ":" or ".", 2 digits, optionally ":" or "." and 2 more.
  from = at;
  let hour = 0;
  while (at - from < 2 && (code = charAt(text, at, end)) >= DIGIT_0 && code <= DIGIT_9) {
    hour = hour * 10 + code - DIGIT_0;
    at++;
  }
  if (at === from) return false;
  code = charAt(text, at, end);
  if (code !== COLON && code !== DOT) return false;
  const minute = twoDigits(text, at + 1, end);
  if (minute < 0) return false;
  at += 3;
  let seconds = 0;
  let hasSeconds = false;
  code = charAt(text, at, end);
  if (code === COLON || code === DOT) {
    const value = twoDigits(text, at + 1, end);
    if (value >= 0) {
      seconds = value;
      hasSeconds = true;
      at += 3;
    }
  }
  // Optional meridiem: \s? [AaPp] \.? \s? [Mm] \.?
  let meridiem: 'a' | 'p' | null = null;
  let probe = at;
  if (isSpace(charAt(text, probe, end))) probe++;
  code = charAt(text, probe, end) | 0x20;
  if (code === 0x61 || code === 0x70) {
    const letter = code === 0x61 ? 'a' : 'p';
    probe++;
    if (charAt(text, probe, end) === DOT) probe++;
    if (isSpace(charAt(text, probe, end))) probe++;
    if ((charAt(text, probe, end) | 0x20) === 0x6d) {
      probe++;
      if (charAt(text, probe, end) === DOT) probe++;
      meridiem = letter;
      at = probe;
    }
  }
  // End: "] " or " - " (or an en dash).
  let closed = false;
  code = charAt(text, at, end);
  if (code === CLOSE_BRACKET && isSpace(charAt(text, at + 1, end))) {
    closed = true;
    at += 2;
  } else if (isSpace(code) && ((code = charAt(text, at + 1, end)) === HYPHEN || code === EN_DASH) && isSpace(charAt(text, at + 2, end))) {
    at += 3;
  } else return false;
  if (bracketed !== closed) return false;
  const yearFirst = firstDigits === 4;
  const signature = headSignature(bracketed, separator, hasSeconds, meridiem !== null, yearFirst, klo, thirdDigits === 4);
  out.length = at - start;
  out.first = first;
  out.second = second;
  out.third = third;
  out.yearFirst = yearFirst;
  out.hour = hour;
  out.minute = minute;
  out.second_ = seconds;
  out.meridiem = meridiem;
  out.bracketed = bracketed;
  out.signature = signature;
  return true;
}

/**
 * readHeadInto() for the two fixed-width forms most exports are written in throughout, checked
 * position by position: Android's `dd/mm/yyyy, hh:mm - ` and iOS's `[dd/mm/yyyy, hh:mm:ss] `
 * (with `/`, `.` or `-` between the date's fields). True with `out` filled exactly as
 * readHeadInto() would fill it; false when the line is not in either form (it may still be a
 * head: the caller then asks readHeadInto()).
 */
export function readFixedHeadInto(text: string, start: number, end: number, out: HeadReading): boolean {
  const bracketed = text.charCodeAt(start) === OPEN_BRACKET;
  const at = bracketed ? start + 1 : start;
  // Both forms: dd?mm?yyyy, hh:mm at the same offsets from `at`; iOS adds :ss] and a space, Android " - ".
  const length = bracketed ? 23 : 20;
  if (end - start < length) return false;
  const separator = text.charCodeAt(at + 2);
  if (separator !== SLASH && separator !== DOT && separator !== HYPHEN) return false;
  if (text.charCodeAt(at + 5) !== separator || text.charCodeAt(at + 10) !== COMMA || text.charCodeAt(at + 11) !== 0x20 || text.charCodeAt(at + 14) !== COLON) return false;
  const day = twoDigits(text, at, end);
  const month = twoDigits(text, at + 3, end);
  const century = twoDigits(text, at + 6, end);
  const year = twoDigits(text, at + 8, end);
  const hour = twoDigits(text, at + 12, end);
  const minute = twoDigits(text, at + 15, end);
  if ((day | month | century | year | hour | minute) < 0) return false;
  let seconds = 0;
  if (bracketed) {
    if (text.charCodeAt(at + 17) !== COLON || text.charCodeAt(at + 20) !== CLOSE_BRACKET || text.charCodeAt(at + 21) !== 0x20) return false;
    seconds = twoDigits(text, at + 18, end);
    if (seconds < 0) return false;
  } else if (text.charCodeAt(at + 17) !== 0x20 || text.charCodeAt(at + 18) !== HYPHEN || text.charCodeAt(at + 19) !== 0x20) {
    return false;
  }
  out.length = length;
  out.first = day;
  out.second = month;
  out.third = century * 100 + year;
  out.yearFirst = false;
  out.hour = hour;
  out.minute = minute;
  out.second_ = seconds;
  out.meridiem = null;
  out.bracketed = bracketed;
  // iOS's form has seconds, Android's not; both a four-digit year, no meridiem, no klo.
  out.signature = headSignature(bracketed, separator, bracketed, false, false, false, true);
  return true;
}

/** The form of a head as one number: equal for two heads exactly when they are written alike. */
function headSignature(bracketed: boolean, separator: number, hasSeconds: boolean, meridiem: boolean, yearFirst: boolean, klo: boolean, fourDigitThird: boolean): number {
  return (
    (bracketed ? 1 : 0) |
    (separator === SLASH ? 0 : separator === DOT ? 2 : 4) |
    (hasSeconds ? 8 : 0) |
    (meridiem ? 16 : 0) |
    (yearFirst ? 32 : 0) |
    (klo ? 64 : 0) |
    (fourDigitThird ? 128 : 0)
  );
}

function twoDigits(text: string, at: number, end: number): number {
  const tens = charAt(text, at, end) - DIGIT_0;
  const units = charAt(text, at + 1, end) - DIGIT_0;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** The reference grammar as a regex, exported so tests can compare the scanner with it. */
export const HEAD_PATTERN = HEAD;
