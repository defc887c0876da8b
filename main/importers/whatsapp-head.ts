/**
 * The head of a WhatsApp-style line: the date, the time and what ends them, up to the sender.
 *
 * One grammar, described by the tables below, covers the layouts real phones write rather than
 * a regex per locale:
 *
 *   head       = marks ["["] marks (date dateSep time | time timeSep date) marks end
 *   date       = number sep number sep number ["."]   (sep: "/", "." or "-", each optionally
 *                followed by a space, the same throughout; or 年 月 日 / 년 월 일)
 *   dateSep    = ["," | "،"] space {space} [connector space]      (connector: "à", "klo", …)
 *   time       = [dayPeriod space] hour (":" | ".") minute [(":" | ".") second] ["."] [space dayPeriod]
 *   end        = "] " (bracketed) | space {space} ("-" | "–") space | ": " | " " (bare)
 *
 * Numbers are decimal digits of any script (ASCII, Arabic-Indic, Persian, Devanagari, Thai,
 * full-width…); marks are U+200E, U+200F and U+061C, which phones put around the fields of
 * right-to-left layouts. Day periods are the 12-hour words of many languages, before or after
 * the time ("PM", "p. m.", "in the morning", "오후", "下午", "午後", "م", "ب.ظ.", …).
 *
 * A head's *signature* is one number that is equal for two heads exactly when they are written
 * in the same layout: the parser starts messages only at heads of the file's own layout.
 *
 * One thing the line alone cannot tell: in a head that ends in one space (or in ": ") a word
 * after the time may be the clock's day period or the first word of the sender's name
 * (`09:07:00 PM Patel: …`, `09:07:00 SA Nguyen: …`). Only the file's layout decides it, so the
 * caller says whether its layout writes a day period there, and the reading says when the other
 * one was possible (`alternativeLength`).
 */

/** How a 12-hour clock's hour is turned into the hour of the day. */
export type DayPeriod = 'a' | 'p' | 'night' | 'noon';

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
  /** The day period of a 12-hour clock, or null for a 24-hour one. */
  readonly meridiem: DayPeriod | null;
  readonly bracketed: boolean;
  /** A number that is equal for two heads exactly when they are written in the same form. */
  readonly signature: number;
  /**
   * When a word after the time could be either the day period or the start of the sender's name,
   * the length the head has in the reading not taken (the word in the head, or left to the
   * sender); 0 when the line has one reading only (or, for a word straight before ": ", when the
   * day period was read).
   */
  readonly alternativeLength: number;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LRM = 0x200e;
const RLM = 0x200f;
const ALM = 0x061c;
const DOT = 0x2e;
const COMMA = 0x2c;
const ARABIC_COMMA = 0x060c;
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

/** True for the directional marks phones write around the fields of a right-to-left head. */
export function isDirectionalMark(code: number): boolean {
  return code === LRM || code === RLM || code === ALM;
}

/**
 * The first code point of each block of ten decimal digits outside ASCII that a phone may write
 * a date in: Arabic-Indic, Persian, N'Ko, Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil,
 * Telugu, Kannada, Malayalam, Sinhala, Thai, Lao, Tibetan, Myanmar (two), Khmer, Mongolian and
 * full-width.
 */
const DIGIT_ZEROS: readonly number[] = [
  0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040,
  0x1090, 0x17e0, 0x1810, 0xff10,
];

/** The value 0–9 of a decimal digit of any script we read, or -1. */
export function digitValue(code: number): number {
  if (code >= DIGIT_0 && code <= DIGIT_9) return code - DIGIT_0;
  if (code < 0x0660 || code !== code) return -1;
  for (const zero of DIGIT_ZEROS) if (code >= zero && code <= zero + 9) return code - zero;
  return -1;
}

/**
 * Words that may stand between a date and its time: French "à", Finnish "klo", German "um",
 * Portuguese "às", Italian "alle", Danish/Norwegian "kl.", Vietnamese "lúc", Russian "в", …
 * Matched exactly and followed by a space.
 */
const CONNECTORS: readonly string[] = ['klo', 'à', 'às', 'as', 'um', 'alle', 'kl.', 'kl', 'lúc', 'в', 'o', 'om', 'ob', 'u', 'at', 'a las', 'a les', 'di'];

/**
 * Day periods of 12-hour clocks, by language: the text as phones write it and what it means.
 * Latin "AM"/"PM" in all their spellings ("a.m.", "a. m.", "pm") are read by
 * readLatinMeridiem(); these are the rest. Longer entries first, so a prefix never wins.
 */
const DAY_PERIODS: readonly (readonly [text: string, period: DayPeriod])[] = (
  [
    ['in the morning', 'a'],
    ['in the afternoon', 'p'],
    ['in the evening', 'p'],
    ['at night', 'night'],
    ['at noon', 'noon'],
    ['noon', 'noon'],
    ['midnight', 'a'],
    ['de la mañana', 'a'],
    ['de la tarde', 'p'],
    ['de la noche', 'night'],
    ['de la madrugada', 'a'],
    ['da madrugada', 'a'],
    ['da manhã', 'a'],
    ['da tarde', 'p'],
    ['da noite', 'night'],
    ['오전', 'a'],
    ['오후', 'p'],
    ['上午', 'a'],
    ['下午', 'p'],
    ['中午', 'noon'],
    ['凌晨', 'a'],
    ['早上', 'a'],
    ['晚上', 'p'],
    ['傍晚', 'p'],
    ['午前', 'a'],
    ['午後', 'p'],
    ['ق.ظ.', 'a'],
    ['ب.ظ.', 'p'],
    ['ق.ظ', 'a'],
    ['ب.ظ', 'p'],
    ['ص', 'a'],
    ['م', 'p'],
    ['π.μ.', 'a'],
    ['μ.μ.', 'p'],
    ['πμ', 'a'],
    ['μμ', 'p'],
    ['SA', 'a'],
    ['CH', 'p'],
    ['ก่อนเที่ยง', 'a'],
    ['หลังเที่ยง', 'p'],
    ['vorm.', 'a'],
    ['nachm.', 'p'],
    ['पूर्वाह्न', 'a'],
    ['अपराह्न', 'p'],
    ['পূর্বাহ্ণ', 'a'],
    ['অপরাহ্ণ', 'p'],
    ['முற்பகல்', 'a'],
    ['பிற்பகல்', 'p'],
    ['לפנה״צ', 'a'],
    ['אחה״צ', 'p'],
    ['ÖÖ', 'a'],
    ['ÖS', 'p'],
    ['e paradites', 'a'],
    ['e pasdites', 'p'],
    ['PG', 'a'],
    ['PTG', 'p'],
    ['vm.', 'a'],
    ['nm.', 'p'],
    ['fm', 'a'],
    ['em', 'p'],
  ] as const
)
  .slice()
  .sort((a, b) => b[0].length - a[0].length);

/** First UTF-16 units of the day-period words, so most positions are ruled out with one lookup. */
const DAY_PERIOD_STARTS: ReadonlySet<number> = new Set(DAY_PERIODS.map(([text]) => text.charCodeAt(0)));

/** The hour of the day for a 12-hour clock's hour (hour 0 is what the phone meant by 12), or -1. */
export function hourOfDay(hour: number, period: DayPeriod): number {
  const twelve = hour === 0 ? 12 : hour;
  if (twelve < 1 || twelve > 12) return -1;
  switch (period) {
    case 'a':
      return twelve % 12;
    case 'p':
      return (twelve % 12) + 12;
    case 'night':
      // ICU's "night" runs from 21:00 to 06:00: 9–11 are evening hours, 12 is midnight.
      return twelve >= 6 && twelve <= 11 ? twelve + 12 : twelve % 12;
    case 'noon':
      // "Noon" covers about 11:00 to 13:00: 11 is before it, 12 and 1 after.
      return twelve === 11 ? 11 : (twelve % 12) + 12;
  }
}

/**
 * Reads a head at the start of `line`, or returns null. `trailingDayPeriod`: whether the file's
 * layout writes a day period after the time, so that a word there which could also start the
 * sender's name is read as the day period (false: it is left to the name).
 */
export function readHead(line: string, trailingDayPeriod = true): HeadFields | null {
  return readHeadIn(line, 0, line.length, trailingDayPeriod);
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
export function readHeadIn(text: string, start: number, end: number, trailingDayPeriod = true): HeadFields | null {
  const head = new HeadReading();
  if (!readHeadInto(text, start, end, head, trailingDayPeriod)) return null;
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
    alternativeLength: head.alternativeLength,
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
  meridiem: DayPeriod | null = null;
  bracketed = false;
  signature = 0;
  alternativeLength = 0;
}

/** How the date's fields are separated. */
const enum DateSeparator {
  Slash = 0,
  Dot = 1,
  Dash = 2,
  /** 年 月 日 or 년 월 일. */
  Units = 3,
}

/** What ends a head. */
const enum HeadEnd {
  /** "] " after a bracketed head, or " - " after a bare one. */
  Usual = 0,
  /** ": " straight after the time (old iOS, dotted layouts). */
  Colon = 1,
  /** A single space. */
  Space = 2,
}

/**
 * One scan of a head: the position moves as tokens are read. A class, not closures, so the
 * parser's hot loop allocates nothing per line (one Scanner serves every line).
 */
class Scanner {
  text = '';
  at = 0;
  end = 0;
  /** Digits read by the last number(). */
  digits = 0;
  value = 0;

  reset(text: string, at: number, end: number): void {
    this.text = text;
    this.at = at;
    this.end = end;
  }

  peek(): number {
    return this.at < this.end ? this.text.charCodeAt(this.at) : Number.NaN;
  }

  skipMarks(): void {
    while (this.at < this.end && isDirectionalMark(this.text.charCodeAt(this.at))) this.at++;
  }

  /** Reads 1 to `max` digits of one script into `value`; false when there is none. */
  number(max: number): boolean {
    let value = 0;
    let digits = 0;
    while (digits < max && this.at < this.end) {
      const digit = digitValue(this.text.charCodeAt(this.at));
      if (digit < 0) break;
      value = value * 10 + digit;
      digits++;
      this.at++;
    }
    this.value = value;
    this.digits = digits;
    return digits > 0;
  }

  /** Skips spaces; returns how many. */
  spaces(): number {
    const from = this.at;
    while (this.at < this.end && isSpace(this.text.charCodeAt(this.at))) this.at++;
    return this.at - from;
  }

  /** Consumes `word` when it stands here. */
  word(word: string): boolean {
    if (this.at + word.length <= this.end && this.text.startsWith(word, this.at)) {
      this.at += word.length;
      return true;
    }
    return false;
  }
}

/** "AM", "pm", "a.m.", "a. m.", "P.M." at `at`: the period and where it ends, or -1. */
function readLatinMeridiem(text: string, at: number, end: number): number {
  const code = charAt(text, at, end) | 0x20;
  if (code !== 0x61 && code !== 0x70) return -1;
  let probe = at + 1;
  if (charAt(text, probe, end) === DOT) probe++;
  if (isSpace(charAt(text, probe, end))) probe++;
  if ((charAt(text, probe, end) | 0x20) !== 0x6d) return -1;
  probe++;
  if (charAt(text, probe, end) === DOT) probe++;
  // "am" must be a word of its own: "amła" is not a meridiem.
  return isLetter(charAt(text, probe, end)) ? -1 : probe;
}

/** The day period written at the scanner's position, consumed; null when there is none. */
function readDayPeriod(scan: Scanner): DayPeriod | null {
  const { text, at, end } = scan;
  const code = charAt(text, at, end);
  if (code !== code) return null;
  if ((code | 0x20) === 0x61 || (code | 0x20) === 0x70) {
    const after = readLatinMeridiem(text, at, end);
    if (after >= 0) {
      scan.at = after;
      return (code | 0x20) === 0x61 ? 'a' : 'p';
    }
  }
  if (!DAY_PERIOD_STARTS.has(code)) return null;
  for (const [word, period] of DAY_PERIODS) {
    if (scan.word(word)) {
      // A word of its own: "SA" is Vietnamese for morning, "SARAH" is a sender.
      if (!isLetter(scan.peek())) return period;
      scan.at = at;
    }
  }
  return null;
}

const LETTER = /[\p{L}\p{M}]/u;

/** True for a letter or combining mark of any script (NaN, past the end, is neither). */
function isLetter(code: number): boolean {
  return code === code && LETTER.test(String.fromCharCode(code));
}

/** The connector word at the position (consumed with the space after it), or false. */
function readConnector(scan: Scanner): boolean {
  const code = scan.peek();
  if (code !== code || digitValue(code) >= 0) return false;
  for (const connector of CONNECTORS) {
    const from = scan.at;
    if (scan.word(connector) && scan.spaces() > 0) return true;
    scan.at = from;
  }
  return false;
}

/** The date fields read by readDate(). */
class DateFields {
  first = 0;
  second = 0;
  third = 0;
  firstDigits = 0;
  thirdDigits = 0;
  separator = DateSeparator.Slash;
  spaced = false;
}

const YEAR_UNITS = [0x5e74, 0xb144]; // 年 년
const MONTH_UNITS = [0x6708, 0xc6d4]; // 月 월
const DAY_UNITS = [0x65e5, 0xc77c]; // 日 일

/** Reads a date at the scanner's position into `out`; false when there is none. */
function readDate(scan: Scanner, out: DateFields): boolean {
  if (!scan.number(4)) return false;
  out.first = scan.value;
  out.firstDigits = scan.digits;
  scan.skipMarks();
  const code = scan.peek();
  let separator: DateSeparator;
  if (code === SLASH) separator = DateSeparator.Slash;
  else if (code === DOT) separator = DateSeparator.Dot;
  else if (code === HYPHEN) separator = DateSeparator.Dash;
  else if (YEAR_UNITS.includes(code) && out.firstDigits === 4) separator = DateSeparator.Units;
  else return false;
  scan.at++;
  const spaced = scan.spaces() > 0;
  if (spaced && separator !== DateSeparator.Dot && separator !== DateSeparator.Units) return false;
  scan.skipMarks();
  if (!scan.number(2)) return false;
  out.second = scan.value;
  scan.skipMarks();
  const again = scan.peek();
  if (separator === DateSeparator.Units ? !MONTH_UNITS.includes(again) : again !== code) return false;
  scan.at++;
  if ((scan.spaces() > 0) !== spaced && separator !== DateSeparator.Units) return false;
  scan.skipMarks();
  // A year-first date ends in the day (1–2 digits); otherwise the year ends it (2 or 4 digits).
  if (!scan.number(out.firstDigits === 4 ? 2 : 4)) return false;
  out.third = scan.value;
  out.thirdDigits = scan.digits;
  if (out.firstDigits !== 4 && out.thirdDigits !== 2 && out.thirdDigits !== 4) return false;
  if (out.firstDigits !== 4 && out.firstDigits > 2) return false;
  scan.skipMarks();
  if (separator === DateSeparator.Units) {
    if (!DAY_UNITS.includes(scan.peek())) return false;
    scan.at++;
  } else if (separator === DateSeparator.Dot && scan.peek() === DOT) {
    scan.at++;
  }
  // Thai iOS writes the Buddhist Era after the year: `3/18/2565 BE, 14:56:01`.
  if (out.thirdDigits === 4 && scan.peek() === 0x20 && scan.text.startsWith(' BE', scan.at) && !isLetter(charAt(scan.text, scan.at + 3, scan.end))) scan.at += 3;
  out.separator = separator;
  out.spaced = spaced;
  return true;
}

/** The time fields read by readTime(). */
class TimeFields {
  hour = 0;
  minute = 0;
  second = 0;
  hasSeconds = false;
  period: DayPeriod | null = null;
  periodFirst = false;
  /** Where a day period after the time starts (spaces before it included). */
  periodAt = 0;
}

/** Reads a time (with its day period, before or after) into `out`; false when there is none. */
function readTime(scan: Scanner, out: TimeFields): boolean {
  out.period = null;
  out.periodFirst = false;
  const before = readDayPeriod(scan);
  if (before !== null) {
    if (scan.spaces() === 0 && digitValue(scan.peek()) < 0) return false;
    out.period = before;
    out.periodFirst = true;
  }
  if (!scan.number(2)) return false;
  out.hour = scan.value;
  const separator = scan.peek();
  if (separator !== COLON && separator !== DOT) return false;
  scan.at++;
  if (!scan.number(2) || scan.digits !== 2) return false;
  out.minute = scan.value;
  out.second = 0;
  out.hasSeconds = false;
  const next = scan.peek();
  if (next === COLON || next === DOT) {
    const from = scan.at;
    scan.at++;
    if (scan.number(2) && scan.digits === 2) {
      out.second = scan.value;
      out.hasSeconds = true;
    } else scan.at = from;
  }
  // "13:34." before the end (seen on Android): the dot belongs to the time.
  if (scan.peek() === DOT && isSpace(charAt(scan.text, scan.at + 1, scan.end))) scan.at++;
  if (out.period === null) {
    const from = scan.at;
    out.periodAt = from;
    scan.spaces();
    const after = readDayPeriod(scan);
    if (after !== null) out.period = after;
    else scan.at = from;
  }
  return true;
}

/** Reads what ends a head (consumed, except a bare space's sender); -1 when nothing does. */
function readEnd(scan: Scanner, bracketed: boolean): HeadEnd | -1 {
  const { text, end } = scan;
  let code = scan.peek();
  if (bracketed) {
    if (code !== CLOSE_BRACKET || !isSpace(charAt(text, scan.at + 1, end))) return -1;
    scan.at += 2;
    return HeadEnd.Usual;
  }
  if (code === COLON && isSpace(charAt(text, scan.at + 1, end))) {
    scan.at += 2;
    return HeadEnd.Colon;
  }
  if (!isSpace(code)) return -1;
  const spaces = scan.spaces();
  code = scan.peek();
  if ((code === HYPHEN || code === EN_DASH) && isSpace(charAt(text, scan.at + 1, end))) {
    scan.at += 2;
    return HeadEnd.Usual;
  }
  // One space and then the sender (seen as `13. 6. 2018. 21:25:15 Name: text`).
  return spaces === 1 && code === code ? HeadEnd.Space : -1;
}

/** Scratch for the general scanner: one of each serves every line of a parse. */
const scanner = new Scanner();
const dateFields = new DateFields();
const timeFields = new TimeFields();

/**
 * readHeadIn() writing into `out`: true and `out` filled when the line starts with a head,
 * false (and `out` in an unspecified state) otherwise.
 */
export function readHeadInto(text: string, start: number, end: number, out: HeadReading, trailingDayPeriod = true): boolean {
  const scan = scanner;
  const date = dateFields;
  const time = timeFields;
  scan.reset(text, start, end);
  scan.skipMarks();
  const bracketed = scan.peek() === OPEN_BRACKET;
  if (bracketed) {
    scan.at++;
    scan.skipMarks();
  }
  let timeFirst = false;
  let connector = false;
  // Time first ("[14:56:01, 3/18/22]") is told by the colon after the first number.
  const from = scan.at;
  if (scan.number(2) && scan.peek() === COLON) {
    scan.at = from;
    timeFirst = true;
    if (!readTime(scan, time)) return false;
    if (scan.peek() === COMMA || scan.peek() === ARABIC_COMMA) scan.at++;
    if (scan.spaces() === 0) return false;
    scan.skipMarks();
    if (!readDate(scan, date)) return false;
  } else {
    scan.at = from;
    if (!readDate(scan, date)) return false;
    scan.skipMarks();
    const comma = scan.peek() === COMMA || scan.peek() === ARABIC_COMMA;
    if (comma) scan.at++;
    if (scan.spaces() === 0) return false;
    scan.skipMarks();
    connector = readConnector(scan);
    scan.skipMarks();
    if (!readTime(scan, time)) return false;
  }
  scan.skipMarks();
  let headEnd = readEnd(scan, bracketed);
  let alternativeLength = 0;
  // `09:07:00 PM Patel: …`: one ordinary space, then a day-period word that could as well be the
  // first word of the sender's name after a bare-space head. A phone may bind its own day period
  // to the time with that space or another (iOS writes U+202F), but a sender's name follows a
  // head after an ordinary space only. `09:07:00 PM: …` (the word the whole name) is read as a
  // name only when asked: the layouts that end in ": " (old iOS) write a day period before it.
  const nameMayFollow = headEnd === HeadEnd.Space || (headEnd === HeadEnd.Colon && !trailingDayPeriod);
  if (nameMayFollow && time.period !== null && !time.periodFirst && charAt(text, time.periodAt, end) === 0x20) {
    const periodEnd = scan.at;
    scan.at = time.periodAt;
    if (readEnd(scan, false) === HeadEnd.Space) {
      if (hourOfDay(time.hour, time.period) < 0) {
        // "21:07:00 PM Patel": no 12-hour clock writes hour 21, so "PM" is the sender's.
        time.period = null;
        headEnd = HeadEnd.Space;
      } else if (trailingDayPeriod) {
        alternativeLength = scan.at - start;
        scan.at = periodEnd;
      } else {
        alternativeLength = periodEnd - start;
        time.period = null;
        headEnd = HeadEnd.Space;
      }
    } else scan.at = periodEnd;
  }
  if (headEnd < 0 && time.period !== null && !time.periodFirst) {
    // "21:25:15 Amy: …" in a layout that ends in a space: the "period" was the sender's name.
    scan.at = time.periodAt;
    time.period = null;
    headEnd = readEnd(scan, bracketed);
  }
  if (headEnd < 0) return false;
  const yearFirst = date.firstDigits === 4;
  out.length = scan.at - start;
  out.first = date.first;
  out.second = date.second;
  out.third = date.third;
  out.yearFirst = yearFirst;
  out.hour = time.hour;
  out.minute = time.minute;
  out.second_ = time.second;
  out.meridiem = time.period;
  out.bracketed = bracketed;
  out.alternativeLength = alternativeLength;
  out.signature =
    headSignature(bracketed, date.separator, time.hasSeconds, time.period !== null, yearFirst, connector, date.thirdDigits === 4) |
    (timeFirst ? 256 : 0) |
    (headEnd << 9) |
    (time.periodFirst ? 2048 : 0) |
    (date.spaced ? 4096 : 0);
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
  out.alternativeLength = 0;
  // iOS's form has seconds, Android's not; both a four-digit year, no meridiem, no connector.
  out.signature = headSignature(bracketed, separator === SLASH ? DateSeparator.Slash : separator === DOT ? DateSeparator.Dot : DateSeparator.Dash, bracketed, false, false, false, true);
  return true;
}

/** The form of a head's date and time as one number (the general scanner adds its rarer parts). */
function headSignature(bracketed: boolean, separator: DateSeparator, hasSeconds: boolean, meridiem: boolean, yearFirst: boolean, connector: boolean, fourDigitThird: boolean): number {
  return (
    (bracketed ? 1 : 0) |
    (separator << 1) |
    (hasSeconds ? 8 : 0) |
    (meridiem ? 16 : 0) |
    (yearFirst ? 32 : 0) |
    (connector ? 64 : 0) |
    (fourDigitThird ? 128 : 0)
  );
}

function twoDigits(text: string, at: number, end: number): number {
  const tens = charAt(text, at, end) - DIGIT_0;
  const units = charAt(text, at + 1, end) - DIGIT_0;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** True when a line may start with a head: its first character is a digit, "[" or a directional mark. */
export function mayStartHead(code: number): boolean {
  return (code >= DIGIT_0 && code <= DIGIT_9) || code === OPEN_BRACKET || isDirectionalMark(code) || (code >= 0x0660 && digitValue(code) >= 0);
}
