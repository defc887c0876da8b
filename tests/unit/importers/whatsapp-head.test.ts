import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digitValue, hourOfDay, readHead } from '../../../main/importers/whatsapp-head';
import { HEAD_FORMS, headLike, type WrittenTime } from './head-forms';

const time = fc.record({
  year: fc.integer({ min: 2009, max: 2040 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
});

describe('head scanner', () => {
  it('reads every layout family the same way whatever the time: one signature per layout', () => {
    for (const form of HEAD_FORMS) {
      const signatures = new Set<number>();
      fc.assert(
        fc.property(time, (written: WrittenTime) => {
          const line = `${form.head(written)}Dr Ada Shah: Bloods fine`;
          const head = readHead(line);
          expect(head, `${form.name}: ${line}`).not.toBeNull();
          expect(line.slice(head!.length)).toBe('Dr Ada Shah: Bloods fine');
          signatures.add(head!.signature);
        }),
        { numRuns: 200, seed: 7 },
      );
      expect(signatures.size, form.name).toBe(1);
    }
  });

  it('never throws on lines that nearly look like heads, and never reads past the line', () => {
    fc.assert(
      fc.property(headLike, (line) => {
        const head = readHead(line);
        if (head) expect(head.length).toBeLessThanOrEqual(line.length);
      }),
      { numRuns: 20_000, seed: 42 },
    );
  });

  it('reads the documented forms', () => {
    expect(readHead('[13/03/2023, 14:05:09] Ada: x')).toMatchObject({ first: 13, second: 3, third: 2023, hour: 14, minute: 5, second_: 9, bracketed: true, length: 23 });
    expect(readHead('13.3.2023 klo 14.05 - Ada: x')).toMatchObject({ hour: 14, minute: 5, length: 22 });
    expect(readHead('3/13/23, 2:05\u202Fp. m. - Ada: x')).toMatchObject({ meridiem: 'p', hour: 2 });
    expect(readHead('2016-06-27, 8:04:08 AM: Ada: x')).toMatchObject({ first: 2016, second: 6, third: 27, hour: 8, meridiem: 'a', yearFirst: true });
    expect(readHead('12/07/2017 à 22:35 - Ada: x')).toMatchObject({ first: 12, second: 7, third: 2017, hour: 22, minute: 35 });
    expect(readHead('\u200F١٢\u200F/٧\u200F/٢٠١٧، ١٠:٣٥ م - Ada: x')).toMatchObject({ first: 12, second: 7, third: 2017, hour: 10, minute: 35, meridiem: 'p' });
    expect(readHead('2023. 1. 5. 오후 3:06 - Ada: x')).toMatchObject({ first: 2023, second: 1, third: 5, hour: 3, meridiem: 'p' });
    expect(readHead('[2023/1/5 03:04:10 下午] Ada: x')).toMatchObject({ hour: 3, second_: 10, meridiem: 'p', bracketed: true });
    expect(readHead('[2026/7/9 02:28:09] Ada: x')).toMatchObject({ first: 2026, second: 7, third: 9, hour: 2 });
    expect(readHead('[14:56:01, 3/18/22] Ada: x')).toMatchObject({ first: 3, second: 18, third: 22, hour: 14, minute: 56, second_: 1 });
    expect(readHead('18/03/2023, 9:15 in the morning - Ada: x')).toMatchObject({ hour: 9, meridiem: 'a' });
    expect(readHead('13.06.18 21.25.15: Ada: x')).toMatchObject({ first: 13, second: 6, third: 18, hour: 21, minute: 25, second_: 15 });
    expect(readHead('2022/12/14, 13:34. - Ada: x')).toMatchObject({ hour: 13, minute: 34, length: 21 });
    expect(readHead('13. 6. 2018. 21:25:15 Ada: x')).toMatchObject({ first: 13, second: 6, third: 2018, hour: 21, length: 22 });
    expect(readHead('13/03/2023, 14:05  - Ada: x')).toMatchObject({ hour: 14, length: 21 });
    expect(readHead('not a head')).toBeNull();
    expect(readHead('[13/03/2023, 14:05:09 - Ada: x')).toBeNull();
    // A period word must stand alone: "SARAH" is a sender, not the Vietnamese "SA".
    expect(readHead('13. 6. 2018. 21:25:15 SARAH: x')).toMatchObject({ meridiem: null, length: 22 });
  });
});

describe('the 12-hour clock', () => {
  it('reads hour 0 as the phone meant it, and every day period', () => {
    const cases: [number, Parameters<typeof hourOfDay>[1], number][] = [
      [12, 'a', 0],
      [0, 'a', 0],
      [1, 'a', 1],
      [11, 'a', 11],
      [12, 'p', 12],
      [0, 'p', 12],
      [1, 'p', 13],
      [11, 'p', 23],
      [9, 'night', 21],
      [11, 'night', 23],
      [12, 'night', 0],
      [0, 'night', 0],
      [3, 'night', 3],
      [5, 'night', 5],
      [6, 'night', 18],
      [11, 'noon', 11],
      [12, 'noon', 12],
      [1, 'noon', 13],
      [13, 'p', -1],
      [24, 'a', -1],
    ];
    for (const [hour, period, expected] of cases) expect(hourOfDay(hour, period), `${hour} ${period}`).toBe(expected);
  });

  it('reads the digits of any script a phone writes', () => {
    expect(['0', '9', '٠', '٩', '۰', '۹', '०', '९', '๐', '๙', '０', '９'].map((digit) => digitValue(digit.charCodeAt(0)))).toEqual([0, 9, 0, 9, 0, 9, 0, 9, 0, 9, 0, 9]);
    expect(['a', '/', ':', '\u200F', '\u066B'].map((digit) => digitValue(digit.charCodeAt(0)))).toEqual([-1, -1, -1, -1, -1]);
  });
});
