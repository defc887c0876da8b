import { describe, expect, it } from 'vitest';
import { digitValue, HeadReading, hourOfDay, isDirectionalMark, mayStartHead, readFixedHeadInto, readHead, readHeadIn, readHeadInto } from '../../../main/importers/whatsapp-head';

/**
 * H-008 / H-009: the head grammar, stated where mutation testing found it unstated — every digit
 * script, every day-period word, each head end, and the fixed-width fast path agreeing with the
 * general scanner field by field.
 */
describe('digits and marks', () => {
  it('reads 0 and 9 of every digit block a phone writes, and nothing just outside them', () => {
    const zeros = [0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0xff10];
    for (const zero of zeros) {
      expect(digitValue(zero), zero.toString(16)).toBe(0);
      expect(digitValue(zero + 5), zero.toString(16)).toBe(5);
      expect(digitValue(zero + 9), zero.toString(16)).toBe(9);
      expect(digitValue(zero + 10), (zero + 10).toString(16)).toBe(-1);
    }
    expect(digitValue(0x065f)).toBe(-1);
    expect(digitValue(0x2f)).toBe(-1);
    expect(digitValue(0x3a)).toBe(-1);
    expect(digitValue(Number.NaN)).toBe(-1);
    expect(digitValue(0x30)).toBe(0);
    expect(digitValue(0x39)).toBe(9);
  });

  it('the directional marks are LRM, RLM and ALM only', () => {
    expect([0x200e, 0x200f, 0x061c].map(isDirectionalMark)).toEqual([true, true, true]);
    expect([0x200d, 0x2010, 0x061b, 0x20].map(isDirectionalMark)).toEqual([false, false, false, false]);
  });

  it('a head may start with a digit of any script, "[" or a mark; nothing else', () => {
    for (const code of [0x30, 0x39, 0x5b, 0x200e, 0x200f, 0x061c, 0x0660, 0x0669, 0x06f5, 0xff10]) expect(mayStartHead(code), code.toString(16)).toBe(true);
    for (const code of [0x2f, 0x3a, 0x5a, 0x5c, 0x20, 0x065f, 0x066a, 0x41]) expect(mayStartHead(code), code.toString(16)).toBe(false);
  });
});

describe('day periods, before and after the time', () => {
  const cases: [string, string, number][] = [
    ['in the morning', 'a', 9], ['in the afternoon', 'p', 9], ['in the evening', 'p', 9], ['at night', 'night', 9], ['at noon', 'noon', 12], ['noon', 'noon', 12],
    ['midnight', 'a', 12], ['de la mañana', 'a', 9], ['de la tarde', 'p', 9], ['de la noche', 'night', 9], ['da manhã', 'a', 9], ['da tarde', 'p', 9], ['da noite', 'night', 9],
    ['π.μ.', 'a', 9], ['μ.μ.', 'p', 9], ['πμ', 'a', 9], ['μμ', 'p', 9], ['SA', 'a', 9], ['CH', 'p', 9], ['vorm.', 'a', 9], ['nachm.', 'p', 9],
    ['ÖÖ', 'a', 9], ['ÖS', 'p', 9], ['e paradites', 'a', 9], ['e pasdites', 'p', 9], ['PG', 'a', 9], ['PTG', 'p', 9], ['vm.', 'a', 9], ['nm.', 'p', 9], ['fm', 'a', 9], ['em', 'p', 9],
    ['ق.ظ.', 'a', 9], ['ب.ظ.', 'p', 9], ['ق.ظ', 'a', 9], ['ب.ظ', 'p', 9], ['ص', 'a', 9], ['م', 'p', 9], ['ก่อนเที่ยง', 'a', 9], ['หลังเที่ยง', 'p', 9],
    ['पूर्वाह्न', 'a', 9], ['अपराह्न', 'p', 9], ['পূর্বাহ্ণ', 'a', 9], ['অপরাহ্ণ', 'p', 9], ['முற்பகல்', 'a', 9], ['பிற்பகல்', 'p', 9], ['לפנה״צ', 'a', 9], ['אחה״צ', 'p', 9],
  ];
  it.each(cases)('after the time: %s', (word, period, hour) => {
    expect(readHead(`18/03/2023, ${hour}:15 ${word} - Ada: x`), word).toMatchObject({ meridiem: period, hour, minute: 15 });
  });

  const before: [string, string][] = [['오전', 'a'], ['오후', 'p'], ['上午', 'a'], ['下午', 'p'], ['中午', 'noon'], ['凌晨', 'a'], ['早上', 'a'], ['晚上', 'p'], ['傍晚', 'p'], ['午前', 'a'], ['午後', 'p']];
  it.each(before)('before the time: %s', (word, period) => {
    expect(readHead(`2023. 1. 5. ${word} 3:06 - Ada: x`), word).toMatchObject({ meridiem: period, hour: 3, minute: 6 });
    expect(readHead(`2023/1/5 ${word}3:06 - Ada: x`), word).toMatchObject({ meridiem: period, hour: 3 });
  });

  it('Latin AM/PM in their spellings, as words of their own', () => {
    for (const [text, period] of [['AM', 'a'], ['am', 'a'], ['a.m.', 'a'], ['a. m.', 'a'], ['PM', 'p'], ['p.m.', 'p'], ['P. M.', 'p'], ['pm', 'p'], ['a.m', 'a']] as const) {
      expect(readHead(`3/13/23, 2:05 ${text} - Ada: x`), text).toMatchObject({ meridiem: period, hour: 2 });
    }
    // Not a day period: the head ends at the one space, and the rest is the sender's.
    expect(readHead('3/13/23, 2:05 amy - Ada: x')).toMatchObject({ meridiem: null, length: 14 });
    expect(readHead('3/13/23, 2:05 ax - Ada: x')).toMatchObject({ meridiem: null, length: 14 });
    expect(readHead('3/13/23, 2:05 Amy: x')).toMatchObject({ meridiem: null, length: 14 });
  });
});

describe('a word after the time that may be the day period or the start of the sender\'s name', () => {
  // H-008, H-009: `13. 3. 2023. 09:07:00 PM Patel: …` is a 12-hour head from Patel or a 24-hour
  // one from "PM Patel"; the caller's layout decides, and the reading says the other was possible.
  const bare = '13. 3. 2023. 09:07:00 ';

  it('read as the day period by default, the name reading reported', () => {
    expect(readHead(`${bare}PM Patel: hi`)).toMatchObject({ hour: 9, meridiem: 'p', length: bare.length + 3, alternativeLength: bare.length });
    expect(readHead(`${bare}PM Patel: hi`, true)).toMatchObject({ meridiem: 'p', length: bare.length + 3, alternativeLength: bare.length });
  });

  it('left to the name when the layout writes no day period: a 24-hour head of the plain layout', () => {
    const plain = readHead(`${bare}Ann: ok`)!;
    expect(plain).toMatchObject({ meridiem: null, length: bare.length, alternativeLength: 0 });
    const named = readHead(`${bare}PM Patel: hi`, false)!;
    expect(named).toMatchObject({ hour: 9, meridiem: null, length: bare.length, alternativeLength: bare.length + 3 });
    expect(named.signature).toBe(plain.signature);
    expect(readHead(`${bare}PM Patel: hi`)!.signature).not.toBe(plain.signature);
  });

  it.each(['AM', 'am', 'a.m.', 'a. m.', 'pm', 'P.M.', 'SA', 'CH', 'ÖÖ', 'vm.', 'nm.', 'fm', 'em', 'PG', 'μ.μ.', 'in the morning', 'de la tarde', 'e pasdites', 'ب.ظ'])('"%s" as a name\'s first word', (word) => {
    const line = `${bare}${word} Patel: hi`;
    expect(readHead(line, false), word).toMatchObject({ meridiem: null, length: bare.length, alternativeLength: bare.length + word.length + 1 });
    expect(readHead(line), word).toMatchObject({ length: bare.length + word.length + 1, alternativeLength: bare.length });
    expect(readHead(line)!.meridiem, word).not.toBeNull();
  });

  it('a word that is the whole name, before ": ", is the name only when asked', () => {
    expect(readHead(`${bare}SA: hi`)).toMatchObject({ meridiem: 'a', length: bare.length + 4, alternativeLength: 0 });
    expect(readHead(`${bare}SA: hi`, false)).toMatchObject({ meridiem: null, length: bare.length, alternativeLength: bare.length + 4 });
    expect(readHead(`${bare}SA: hi`, false)!.signature).toBe(readHead(`${bare}Ann: ok`)!.signature);
  });

  it('after hour 12 the word is the name\'s whatever the layout: no 12-hour clock writes it', () => {
    const late = '13. 3. 2023. 21:07:00 ';
    for (const trailing of [true, false]) {
      expect(readHead(`${late}PM Patel: hi`, trailing)).toMatchObject({ hour: 21, meridiem: null, length: late.length, alternativeLength: 0 });
      expect(readHead(`${late}PM: hi`, false)).toMatchObject({ hour: 21, meridiem: null, length: late.length, alternativeLength: 0 });
    }
    expect(readHead(`${late}PM: hi`)).toMatchObject({ meridiem: 'p', length: late.length + 4 });
    expect(readHead(`${late}PM: hi`, false)!.signature).toBe(readHead(`${late}Ann: ok`)!.signature);
    // Hour 12 (and 0, as some phones write 12) fits a 12-hour clock: still two readings.
    expect(readHead('13. 3. 2023. 12:07:00 PM Patel: hi')).toMatchObject({ meridiem: 'p', alternativeLength: 22 });
    expect(readHead('13. 3. 2023. 12:07:00 AM Patel: hi')).toMatchObject({ meridiem: 'a', alternativeLength: 22 });
    expect(readHead('13. 3. 2023. 0:07:00 PM Patel: hi')).toMatchObject({ meridiem: 'p', alternativeLength: 21 });
  });

  it('a day period bound by U+202F, U+00A0 or two spaces is the phone\'s: one reading', () => {
    for (const space of ['\u202F', '\u00A0', '  ']) {
      const line = `13. 3. 2023. 09:07:00${space}PM Patel: hi`;
      for (const trailing of [true, false]) expect(readHead(line, trailing), JSON.stringify(space)).toMatchObject({ meridiem: 'p', length: 21 + space.length + 3, alternativeLength: 0 });
    }
  });

  it('heads that end in "] " or " - ", or have the day period first, have one reading', () => {
    for (const trailing of [true, false]) {
      expect(readHead('[13/03/2023, 9:07:00 PM] PM Patel: hi', trailing)).toMatchObject({ meridiem: 'p', length: 25, alternativeLength: 0 });
      expect(readHead('13/03/2023, 9:07 PM - PM Patel: hi', trailing)).toMatchObject({ meridiem: 'p', length: 22, alternativeLength: 0 });
      expect(readHead('2023. 3. 13. 오후 9:07 PM Patel: hi', trailing)).toMatchObject({ meridiem: 'p', length: 21, alternativeLength: 0 });
    }
  });

  it('readHeadIn and readHeadInto take the layout too, and a reused reading is reset', () => {
    const line = `xx${bare}PM Patel: hi`;
    expect(readHeadIn(line, 2, line.length, false)).toMatchObject({ meridiem: null, length: bare.length, alternativeLength: bare.length + 3 });
    expect(readHeadIn(line, 2, line.length)).toMatchObject({ meridiem: 'p', alternativeLength: bare.length });
    const out = new HeadReading();
    expect(readHeadInto(line, 2, line.length, out, false)).toBe(true);
    expect(out.alternativeLength).toBe(bare.length + 3);
    expect(readHeadInto('13/03/2023, 14:05 - Ada: x', 0, 26, out)).toBe(true);
    expect(out.alternativeLength).toBe(0);
    expect(readHeadInto(line, 2, line.length, out)).toBe(true);
    expect(out).toMatchObject({ meridiem: 'p', length: bare.length + 3, alternativeLength: bare.length });
    expect(readFixedHeadInto('13/03/2023, 14:05 - Ada: x', 0, 26, out)).toBe(true);
    expect(out.alternativeLength).toBe(0);
  });
});

describe('dates, times and ends', () => {
  it('each connector between date and time', () => {
    for (const connector of ['klo', 'à', 'às', 'as', 'um', 'alle', 'kl.', 'kl', 'lúc', 'в', 'o', 'om', 'ob', 'u', 'at', 'a las', 'a les', 'di']) {
      expect(readHead(`13.03.2023 ${connector} 14:05 - Ada: x`), connector).toMatchObject({ hour: 14, minute: 5, length: 20 + connector.length });
    }
    expect(readHead('13.03.2023 xyz 14:05 - Ada: x')).toBeNull();
    expect(readHead('13.03.2023 klo14:05 - Ada: x')).toBeNull();
  });

  it('year-month-day with units (Chinese and Korean)', () => {
    expect(readHead('2023年1月5日 14:05 - Ada: x')).toMatchObject({ first: 2023, second: 1, third: 5, yearFirst: true, hour: 14 });
    expect(readHead('2023년 1월 5일 14:05 - Ada: x')).toMatchObject({ first: 2023, second: 1, third: 5, hour: 14 });
    expect(readHead('23年1月5日 14:05 - Ada: x')).toBeNull();
    expect(readHead('2023年1/5日 14:05 - Ada: x')).toBeNull();
    expect(readHead('2023年1月5 14:05 - Ada: x')).toBeNull();
  });

  it('date shapes that are no head', () => {
    for (const line of [
      '13/03-2023, 14:05 - Ada: x', // mixed separators
      '13/ 03/ 2023, 14:05 - Ada: x', // spaced slashes
      '13. 03.2023, 14:05 - Ada: x', // spaced only once
      '13/03/202, 14:05 - Ada: x', // three-digit year
      '113/03/2023, 14:05 - Ada: x', // three-digit first field
      '13/03/2023 14:05 - Ada: x'.replace(' ', ''), // no space before the time
      '13/03/2023, 14:5 - Ada: x', // one-digit minute
      '13/03/2023, 14-05 - Ada: x',
      '[13/03/2023, 14:05:09]Ada: x',
      '13/03/2023,',
      '',
    ]) {
      expect(readHead(line), line).toBeNull();
    }
  });

  it('the ends: bracket, dash, en dash, colon and one space', () => {
    expect(readHead('[13/03/2023, 14:05:09] Ada: x')).toMatchObject({ bracketed: true, length: 23 });
    expect(readHead('13/03/2023, 14:05 - Ada: x')).toMatchObject({ bracketed: false, length: 20 });
    expect(readHead('13/03/2023, 14:05 – Ada: x')).toMatchObject({ length: 20 });
    expect(readHead('13/03/2023, 14:05: Ada: x')).toMatchObject({ length: 19 });
    expect(readHead('13/03/2023, 14:05 Ada: x')).toMatchObject({ length: 18 });
    expect(readHead('13/03/2023, 14:05  Ada: x')).toBeNull();
    expect(readHead('13/03/2023, 14:05 ')).toBeNull();
    // Seconds read only when two digits follow.
    expect(readHead('13/03/2023, 14:05:9 - Ada: x')).toBeNull();
    expect(readHead('13/03/2023, 14:05:09 - Ada: x')).toMatchObject({ second_: 9 });
    expect(readHead('13.03.2023, 14.05.09 - Ada: x')).toMatchObject({ minute: 5, second_: 9 });
  });

  it('the Buddhist Era suffix after a four-digit year only', () => {
    expect(readHead('3/18/2565 BE, 14:56 - Ada: x')).toMatchObject({ third: 2565, hour: 14, length: 22 });
    expect(readHead('3/18/65 BE, 14:56 - Ada: x')).toBeNull();
    expect(readHead('3/18/2565 BEN, 14:56 - Ada: x')).toBeNull();
  });

  it('different layouts have different signatures; the same layout the same', () => {
    const layouts = [
      '[13/03/2023, 14:05:09] A: x', '13/03/2023, 14:05 - A: x', '13.03.2023, 14:05 - A: x', '13-03-2023, 14:05 - A: x', '13/03/23, 14:05 - A: x',
      '13/03/2023, 2:05 PM - A: x', '2023-03-13, 14:05 - A: x', '13.03.2023 klo 14.05 - A: x', '[14:05:09, 13/03/2023] A: x', '13/03/2023, 14:05: A: x',
      '13/03/2023, 14:05 A: x', '2023. 3. 13. 오후 2:05 - A: x', '13. 3. 2023. 14:05 - A: x', '[13/03/2023, 14:05] A: x',
    ];
    const signatures = layouts.map((line) => readHead(line)?.signature);
    expect(signatures.every((signature) => typeof signature === 'number'), JSON.stringify(signatures)).toBe(true);
    expect(new Set(signatures).size).toBe(layouts.length);
    expect(readHead('[01/12/2024, 09:00:00] B: y')!.signature).toBe(readHead(layouts[0]!)!.signature);
  });
});

describe('the fixed-width fast path', () => {
  const general = (line: string) => {
    const out = new HeadReading();
    return readHeadInto(line, 0, line.length, out) ? { ...out } : null;
  };
  const fixed = (line: string, start = 0, end = line.length) => {
    const out = new HeadReading();
    return readFixedHeadInto(line, start, end, out) ? { ...out } : null;
  };

  it.each(['[13/03/2023, 14:05:09] Ada: x', '13/03/2023, 14:05 - Ada: x', '13.03.2023, 14:05 - Ada: x', '13-03-2023, 14:05 - Ada: x', '[01.12.1999, 00:00:59] Ada: x'])(
    'reads %s field for field as the general scanner does',
    (line) => {
      expect(fixed(line)).toEqual(general(line));
      expect(fixed(line)).not.toBeNull();
    },
  );

  it('reads in place within a longer text, never past the end', () => {
    const text = 'xx13/03/2023, 14:05 - Ada: x';
    expect(fixed(text, 2)).toMatchObject({ first: 13, second: 3, third: 2023, hour: 14, minute: 5, length: 20 });
    expect(fixed('13/03/2023, 14:05 - ', 0, 19)).toBeNull();
    expect(fixed('[13/03/2023, 14:05:09] ', 0, 22)).toBeNull();
  });

  it.each([
    '13/03-2023, 14:05 - Ada: x', '13:03:2023, 14:05 - Ada: x', '13/03/2023; 14:05 - Ada: x', '13/03/2023,14:05  - Ada: x', '13/03/2023, 14.05 - Ada: x',
    '1x/03/2023, 14:05 - Ada: x', '13/0x/2023, 14:05 - Ada: x', '13/03/x023, 14:05 - Ada: x', '13/03/20x3, 14:05 - Ada: x', '13/03/2023, x4:05 - Ada: x', '13/03/2023, 14:0x - Ada: x',
    '[13/03/2023, 14:05.09] Ada: x', '[13/03/2023, 14:05:09) Ada: x', '[13/03/2023, 14:05:09]-Ada: x', '[13/03/2023, 14:05:x9] Ada: x', '[13/03/2023, 14:05:0x] Ada: x',
    '13/03/2023, 14:05-- Ada: x', '13/03/2023, 14:05 -- Ada: x', '13/03/2023, 14:05 -xAda: x',
  ])('leaves %s to the general scanner', (line) => {
    expect(fixed(line)).toBeNull();
  });
});

describe('every space JavaScript counts as one, and nothing else', () => {
  const spaces = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
  it.each(spaces.map((code) => [code.toString(16), code] as const))('U+%s between the date and the time', (_, code) => {
    expect(/\s/.test(String.fromCharCode(code))).toBe(true);
    expect(readHead(`13/03/2023,${String.fromCharCode(code)}14:05 - Ada: x`)).toMatchObject({ hour: 14, minute: 5, length: 20 });
  });
  it.each([0x00, 0x08, 0x0e, 0x1f, 0x167f, 0x1681, 0x1fff, 0x200b, 0x2027, 0x202a, 0x205e, 0x2060, 0x2fff, 0x3001, 0xfefe].map((code) => [code.toString(16), code] as const))(
    'U+%s is none',
    (_, code) => {
      expect(/\s/.test(String.fromCharCode(code))).toBe(false);
      expect(readHead(`13/03/2023,${String.fromCharCode(code)}14:05 - Ada: x`)).toBeNull();
    },
  );
});

describe('the rest of the grammar, stated where a wrong change went unnoticed', () => {
  it('nothing below the digit "0" is a digit', () => {
    for (const code of [0x00, 0x20, 0x2e, 0x2f]) expect(digitValue(code), code.toString(16)).toBe(-1);
  });

  it('a 12-hour hour outside 0–12 has no hour of the day', () => {
    expect(hourOfDay(-1, 'a')).toBe(-1);
    expect(hourOfDay(-1, 'p')).toBe(-1);
    expect(hourOfDay(-1, 'noon')).toBe(-1);
    expect(hourOfDay(13, 'p')).toBe(-1);
    expect(hourOfDay(0, 'a')).toBe(0);
    expect(hourOfDay(12, 'p')).toBe(12);
  });

  it('a fresh HeadReading holds nothing', () => {
    expect({ ...new HeadReading() }).toEqual({
      length: 0, first: 0, second: 0, third: 0, yearFirst: false, hour: 0, minute: 0, second_: 0, meridiem: null, bracketed: false, signature: 0, alternativeLength: 0,
    });
  });

  it('a date with a field missing or a separator wrong is no date, whatever follows it', () => {
    for (const line of [
      '[, 14:05:09] Ada: x', // no first field
      '/03/2023, 14:05 - Ada: x', // an empty first field
      '13, 14:05 - Ada: x', // no separator
      '13/ , 14:05 - Ada: x', // a spaced slash
      '13. , 14:05 - Ada: x', // no second field
      '13/03, 14:05 - Ada: x', // no second separator
      '13. 03., 14:05 - Ada: x', // spaced once
      '13/03/, 14:05 - Ada: x', // no third field
      '2023/01/123 14:05 - Ada: x', // a three-digit day after the year
      '13/03/2023., 14:05 - Ada: x', // a final dot after a slash date
      '2023x1月5日 14:05 - Ada: x', // not 年
      '23年1月05日 14:05 - Ada: x', // 年 after a two-digit year
      '2023年1月5, 14:05 - Ada: x', // no 日
    ]) {
      expect(readHead(line), line).toBeNull();
    }
  });

  it('a dotted date may end in a dot; a date with units need not space its fields alike', () => {
    expect(readHead('13.03.2023., 14:05 - Ada: x')).toMatchObject({ third: 2023, hour: 14 });
    expect(readHead('2023年 1月5日 14:05 - Ada: x')).toMatchObject({ first: 2023, second: 1, third: 5, hour: 14 });
  });

  it('a time with its hour or minute missing, or a wrong separator, is no time', () => {
    for (const line of ['13/03/2023, : Ada: x', '13/03/2023, 14 - Ada: x', '13/03/2023, 123:05 - Ada: x', '[13/03/2023, 14:05x09] Ada: x', '2023/1/5 오전: Ada: x']) {
      expect(readHead(line), line).toBeNull();
    }
  });

  it('a day period before the time may touch it, even before a 0', () => {
    expect(readHead('2023/1/5 오전03:06 - Ada: x')).toMatchObject({ meridiem: 'a', hour: 3, minute: 6 });
  });

  it('one day period per time: one before it is not replaced by a word after it', () => {
    expect(readHead('2023. 1. 5. 오전 3:06 오후 - Ada: x')).toMatchObject({ meridiem: 'a', length: 20 });
  });

  it('a day period before the time and after it are different layouts; so are heads with and without a connector', () => {
    expect(readHead('2023. 1. 5. 오전 3:06 - Ada: x')!.signature).not.toBe(readHead('2023. 1. 5. 3:06 오전 - Ada: x')!.signature);
    expect(readHead('13.03.2023 klo 14.05 - Ada: x')!.signature).not.toBe(readHead('13.03.2023 14.05 - Ada: x')!.signature);
  });

  it('a day-period word that cannot end the head was the start of the sender\'s name', () => {
    expect(readHead('13. 6. 2018. 21:25:15 fm, hi')).toMatchObject({ meridiem: null, hour: 21, length: 22 });
  });

  it('each end exactly: "]" then a space, a dash only after a space, one space then a name', () => {
    expect(readHead('[13/03/2023, 14:05:09) Ada: x')).toBeNull();
    expect(readHead('13/03/2023, 14:05- Ada: x')).toBeNull();
    expect(readHead('13/03/2023, 14:05 x Ada: x')).toMatchObject({ length: 18 });
  });

  it('between the date and the time: spaces, marks, and at most one connector word; a second run of spaces is no connector', () => {
    // Read as a connector, the spaces would make a head of a line no phone writes, and start a new message there.
    expect(readHead('12/03/2024, \u200e 14:00 - Amir: hi')).toBeNull();
    expect(readHead('12/03/2024, \u200e14:00 - Amir: hi')).toMatchObject({ hour: 14 });
  });

  it('a connector before a day period that comes first is its own layout too', () => {
    expect(readHead('2023. 1. 5. klo 오전 3:06 - Ada: x')!.signature).not.toBe(readHead('2023. 1. 5. 오전 3:06 - Ada: x')!.signature);
  });

  it('time first and date first are different layouts, whatever else they share', () => {
    expect(readHead('[14:56:01, 3/18/22] Ada: x')!.signature).not.toBe(readHead('[3/18/22, 14:56:01] Ada: x')!.signature);
  });

  it('time first: the time, an optional comma (Latin or Arabic), a space, then a date', () => {
    expect(readHead('[14:56:01, 3/18/22] Ada: x')).toMatchObject({ hour: 14, first: 3, second: 18, third: 22 });
    expect(readHead('[14:56:01 3/18/22] Ada: x')).toMatchObject({ hour: 14, first: 3 });
    expect(readHead('[14:56:01، 3/18/22] Ada: x')).toMatchObject({ hour: 14, first: 3 });
    for (const line of ['[14:5, 3/18/22] Ada: x', '[14:56:01,3/18/22] Ada: x', '[14:56:01, x] Ada: x', '[14:56:01; 3/18/22] Ada: x']) expect(readHead(line), line).toBeNull();
    // A time and date inside a message's text, with no head's end after the date: never read back from after the time (H-009).
    expect(readHead('14:56 3/18/22 Ada: x')).toMatchObject({ hour: 14, length: 14 });
    expect(readHead('14:56 3/18/22. BP 90/60')).toBeNull();
  });
});

describe('read in place: only the line from start to end', () => {
  const lines = [
    '[13/03/2023, 14:05:09] Ada: x', '13/03/2023, 14:05 - Ada: x', '3/13/23, 2:05 PM - Ada: x', '3/13/23, 2:05 ax - Ada: x', '2023. 1. 5. 오전 3:06 - Ada: x',
    '13.03.2023 klo 14.05 - Ada: x', '[14:56:01, 3/18/22] Ada: x', '13. 6. 2018. 21:25:15 Ada: x', '3/18/2565 BE, 14:56 - Ada: x', '2023年1月5日 14:05 - Ada: x',
    '\u200F13/03/2023, 14:05 - Ada: x', '13/03/2023, 14:05: Ada: x',
  ];
  // What may stand around a line in a decoded chunk: the previous line's end, the next line.
  const prefixes = ['', 'X - ', '1 - ', '] ', '\n'];
  const suffixes = ['', '\n', ' ', ' - x', '\u200E: x'];

  it('gives what readHead gives for the line alone, wherever it lies in the text', () => {
    for (const line of lines) {
      const alone = readHead(line);
      expect(alone, line).not.toBeNull();
      for (const prefix of prefixes) {
        for (const suffix of suffixes) {
          expect(readHeadIn(prefix + line + suffix, prefix.length, prefix.length + line.length), JSON.stringify(prefix + line + suffix)).toEqual(alone);
        }
      }
    }
  });

  it('a line cut anywhere reads as the cut line would, whatever follows the cut', () => {
    for (const line of lines) {
      for (let cut = 0; cut <= line.length; cut++) {
        const expected = readHead(line.slice(0, cut));
        for (const prefix of prefixes) expect(readHeadIn(prefix + line, prefix.length, prefix.length + cut), `${JSON.stringify(line)} cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it('a word like "amx" before the time is no day period, and the reading never moves before the line', () => {
    // Position 1 of this text holds a time and an end: a reading sent there would make a head of the previous line.
    const text = 'x12:30 - Bo: hi\n13/03/2023, amx 14:05 - Ada: x';
    expect(readHeadIn(text, 16, text.length)).toBeNull();
    expect(readHead('13/03/2023, amx 14:05 - Ada: x')).toBeNull();
  });

  it('a head whose end the line cuts off is not completed by the next line', () => {
    // Cut before the space after the dash: the dash is what follows the one-space end, not a " - " end.
    expect(readHeadIn('13/03/2023, 14:05 -\nAda: x', 0, 19)).toMatchObject({ length: 18 });
    expect(readHeadIn('13. 6. 2018. 21:25:15 \nAda: x', 0, 22)).toBeNull();
  });
});

describe('the fixed-width fast path, at its edges', () => {
  const fixed = (line: string, start = 0, end = line.length) => {
    const out = new HeadReading();
    return readFixedHeadInto(line, start, end, out) ? { ...out } : null;
  };

  it('reads a head that fills the line exactly, and not one the end cuts, wherever the line starts', () => {
    expect(fixed('13/03/2023, 14:05 - ')).toMatchObject({ length: 20, hour: 14 });
    expect(fixed('[13/03/2023, 14:05:09] ')).toMatchObject({ length: 23, second_: 9 });
    expect(fixed('xxxxx13/03/2023, 14:05 - Ada', 5, 24)).toBeNull();
  });

  it('reads zeros as zeros', () => {
    expect(fixed('00/00/0000, 00:00 - Ada: x')).toMatchObject({ first: 0, second: 0, third: 0, hour: 0, minute: 0 });
    expect(fixed('[13/03/2023, 14:05:00] Ada: x')).toMatchObject({ second_: 0 });
  });

  it('the space after the comma and the dash are required', () => {
    expect(fixed('13/03/2023,x14:05 - Ada: x')).toBeNull();
    expect(fixed('13/03/2023, 14:05 x Ada: x')).toBeNull();
  });

  it('a character below "0" is no digit of a field', () => {
    expect(fixed('1//03/2023, 14:05 - Ada: x')).toBeNull();
    expect(fixed('13/03/2023, 1/:05 - Ada: x')).toBeNull();
  });
});
