import { describe, expect, it } from 'vitest';
import { digitValue, HeadReading, isDirectionalMark, mayStartHead, readFixedHeadInto, readHead, readHeadInto } from '../../../main/importers/whatsapp-head';

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
