import { describe, expect, it } from 'vitest';
import { assertZone, formatClock, formatInstant, formatLocal, isCalendarDate, TimeFormatter, ZoneClock } from '../../../main/importers/local-time';
import { WardscribeError } from '../../../main/errors';

/**
 * H-008 (advice filed with the wrong time): leap days, both transition days of a year in named
 * zones, the days either side of them, and the formatting the record's times are written with.
 */
const HOUR = 3_600_000;

describe('calendar dates', () => {
  it('29 February only in leap years: every fourth, not centuries, but every fourth century', () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2100, 2, 29)).toBe(false);
    expect(isCalendarDate(2400, 2, 29)).toBe(true);
    expect(isCalendarDate(2024, 2, 28)).toBe(true);
    expect(isCalendarDate(2023, 2, 28)).toBe(true);
    expect(isCalendarDate(2024, 2, 30)).toBe(false);
  });

  it('thirty days hath September, April, June and November', () => {
    for (const month of [4, 6, 9, 11]) {
      expect(isCalendarDate(2023, month, 30), `${month}/30`).toBe(true);
      expect(isCalendarDate(2023, month, 31), `${month}/31`).toBe(false);
    }
    for (const month of [1, 3, 5, 7, 8, 10, 12]) {
      expect(isCalendarDate(2023, month, 31), `${month}/31`).toBe(true);
      expect(isCalendarDate(2023, month, 32), `${month}/32`).toBe(false);
    }
  });

  it('months 1 to 12, days from 1', () => {
    expect(isCalendarDate(2023, 0, 10)).toBe(false);
    expect(isCalendarDate(2023, 13, 10)).toBe(false);
    expect(isCalendarDate(2023, 1, 0)).toBe(false);
    expect(isCalendarDate(2023, 1, 1)).toBe(true);
    expect(isCalendarDate(2023, 12, 1)).toBe(true);
    expect(isCalendarDate(2023, 12, 29)).toBe(true);
  });
});

describe('formatting', () => {
  it('writes four-digit years, padding early ones', () => {
    expect(formatLocal(2024, 2, 29, 23, 59, 59)).toBe('2024-02-29T23:59:59');
    expect(formatLocal(999, 1, 2, 3, 4, 5)).toBe('0999-01-02T03:04:05');
    expect(formatLocal(1000, 1, 2, 3, 4, 5)).toBe('1000-01-02T03:04:05');
    expect(formatLocal(10, 10, 10, 10, 10, 10)).toBe('0010-10-10T10:10:10');
  });

  it('writes fields it has no table for as they are', () => {
    expect(formatClock(24, 0, 0)).toBe('24:00:00');
    expect(formatClock(100, 5, -1)).toBe('100:05:-1');
    expect(formatClock(99, 0, 9)).toBe('99:00:09');
  });

  it('formats instants, the leap day included', () => {
    expect(formatInstant(Date.UTC(2024, 1, 29, 12, 0, 0))).toBe('2024-02-29T12:00:00Z');
    expect(formatInstant(Date.UTC(2000, 1, 29, 0, 0, 0))).toBe('2000-02-29T00:00:00Z');
    expect(formatInstant(Date.UTC(2100, 2, 1, 0, 0, 0))).toBe('2100-03-01T00:00:00Z');
    expect(formatInstant(Date.UTC(1969, 11, 31, 23, 59, 59, 999))).toBe('1969-12-31T23:59:59Z');
    expect(formatInstant(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('a TimeFormatter gives the same text as the functions, across days and for odd fields', () => {
    const times = new TimeFormatter();
    expect(times.local(2024, 2, 29, 23, 59, 59)).toBe('2024-02-29T23:59:59');
    expect(times.local(2024, 3, 1, 0, 0, 0)).toBe('2024-03-01T00:00:00');
    expect(times.local(2024, 3, 1, 24, 0, 0)).toBe('2024-03-01T24:00:00');
    expect(times.local(2024, 3, 1, 12, 60, 0)).toBe('2024-03-01T12:60:00');
    expect(times.local(2024, 3, 1, 12, 0, 60)).toBe('2024-03-01T12:00:60');
    expect(times.local(2024, 3, 1, -1, 0, 0)).toBe('2024-03-01T-1:00:00');
    expect(times.local(2024, 3, 1, 0, -1, 0)).toBe('2024-03-01T00:-1:00');
    expect(times.local(2024, 3, 1, 0, 0, -1)).toBe('2024-03-01T00:00:-1');
    expect(times.local(2024, 3, 1, 0, 0, 100)).toBe('2024-03-01T00:00:100');
    expect(times.local(2024, 3, 1, 0, 100, 0)).toBe('2024-03-01T00:100:00');
    expect(times.local(2024, 2, 29, 8, 0, 0)).toBe('2024-02-29T08:00:00');
    expect(times.instant(Date.UTC(2024, 1, 29, 23, 59, 59))).toBe('2024-02-29T23:59:59Z');
    expect(times.instant(Date.UTC(2024, 2, 1, 0, 0, 1))).toBe('2024-03-01T00:00:01Z');
    expect(times.instant(Date.UTC(2024, 1, 29, 0, 0, 0, 500))).toBe('2024-02-29T00:00:00Z');
  });
});

describe('zones', () => {
  it('an unknown zone is refused with its name', () => {
    expect(assertZone('Europe/London')).toBe('Europe/London');
    expect(() => assertZone('Mars/Olympus')).toThrow(WardscribeError);
    expect(() => new ZoneClock('Mars/Olympus')).toThrow('"Mars/Olympus" is not a time zone this workstation knows (use an IANA name such as Europe/London).');
  });

  it('a zone 13 hours or more from UTC, asked cold about its clock-change day: the gap is flagged and the hours before it keep the old offset (Samoa 2019, Tonga 2016)', () => {
    expect(new ZoneClock('Pacific/Apia').resolve(2019, 9, 29, 3, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(new ZoneClock('Pacific/Apia').resolve(2019, 9, 29, 1, 0, 0)).toEqual({ epochMs: 1569672000000, problem: null });
    expect(new ZoneClock('Pacific/Tongatapu').resolve(2016, 11, 6, 2, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
  });

  it('a day\'s transition is looked for on that day, not another month\'s: America/Bahia\'s gap of 31 January 1965 (it also changed on 31 March)', () => {
    const clock = new ZoneClock('America/Bahia');
    expect(clock.resolve(1965, 1, 31, 0, 0, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(1965, 1, 31, 0, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(1965, 1, 31, 1, 0, 0)).toEqual({ epochMs: -155163600000, problem: null });
  });

  it('Europe/London 2023: the spring gap and the autumn repeat, flagged with no instant', () => {
    const clock = new ZoneClock('Europe/London');
    expect(clock.resolve(2023, 3, 26, 0, 59, 59)).toEqual({ epochMs: Date.UTC(2023, 2, 26, 0, 59, 59), problem: null });
    expect(clock.resolve(2023, 3, 26, 1, 0, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 3, 26, 1, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 3, 26, 1, 59, 59)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 3, 26, 2, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 2, 26, 1, 0, 0), problem: null });
    expect(clock.resolve(2023, 10, 29, 0, 59, 59)).toEqual({ epochMs: Date.UTC(2023, 9, 28, 23, 59, 59), problem: null });
    expect(clock.resolve(2023, 10, 29, 1, 0, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 10, 29, 1, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 10, 29, 1, 59, 59)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 10, 29, 2, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 9, 29, 2, 0, 0), problem: null });
    // The days either side take one offset for the whole day.
    expect(clock.steadyOffsetOn(2023, 3, 25)).toBe(0);
    expect(clock.steadyOffsetOn(2023, 3, 26)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 3, 27)).toBe(HOUR);
    expect(clock.steadyOffsetOn(2023, 10, 28)).toBe(HOUR);
    expect(clock.steadyOffsetOn(2023, 10, 29)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 10, 30)).toBe(0);
    expect(clock.resolve(2023, 10, 30, 1, 30, 0)).toEqual({ epochMs: Date.UTC(2023, 9, 30, 1, 30, 0), problem: null });
    expect(clock.resolve(2023, 3, 27, 1, 30, 0)).toEqual({ epochMs: Date.UTC(2023, 2, 27, 0, 30, 0), problem: null });
  });

  it('America/New_York 2024 (a leap year): both transition days at 02:00', () => {
    const clock = new ZoneClock('America/New_York');
    expect(clock.resolve(2024, 2, 29, 12, 0, 0)).toEqual({ epochMs: Date.UTC(2024, 1, 29, 17, 0, 0), problem: null });
    expect(clock.resolve(2024, 3, 10, 1, 59, 0)).toEqual({ epochMs: Date.UTC(2024, 2, 10, 6, 59, 0), problem: null });
    expect(clock.resolve(2024, 3, 10, 2, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2024, 3, 10, 3, 0, 0)).toEqual({ epochMs: Date.UTC(2024, 2, 10, 7, 0, 0), problem: null });
    expect(clock.resolve(2024, 11, 3, 1, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2024, 11, 3, 0, 59, 0)).toEqual({ epochMs: Date.UTC(2024, 10, 3, 4, 59, 0), problem: null });
    expect(clock.resolve(2024, 11, 3, 2, 0, 0)).toEqual({ epochMs: Date.UTC(2024, 10, 3, 7, 0, 0), problem: null });
  });

  it('Australia/Lord_Howe: a half-hour change, southern-hemisphere order', () => {
    const clock = new ZoneClock('Australia/Lord_Howe');
    // 2023-04-02: 02:00 +11 back to 01:30 +10:30, so 01:30–01:59 happen twice.
    expect(clock.resolve(2023, 4, 2, 1, 29, 0).problem).toBeNull();
    expect(clock.resolve(2023, 4, 2, 1, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 4, 2, 1, 59, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 4, 2, 2, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 3, 1, 15, 30, 0), problem: null });
    // 2023-10-01: 02:00 +10:30 forward to 02:30 +11.
    expect(clock.resolve(2023, 10, 1, 1, 59, 0)).toEqual({ epochMs: Date.UTC(2023, 8, 30, 15, 29, 0), problem: null });
    expect(clock.resolve(2023, 10, 1, 2, 0, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 10, 1, 2, 29, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 10, 1, 2, 30, 0)).toEqual({ epochMs: Date.UTC(2023, 8, 30, 15, 30, 0), problem: null });
  });

  it('America/Havana: a transition at midnight, so the day starts at 01:00', () => {
    const clock = new ZoneClock('America/Havana');
    // 2023-03-12 00:00 CST → 01:00 CDT.
    expect(clock.steadyOffsetOn(2023, 3, 12)).toBeNull();
    expect(clock.resolve(2023, 3, 12, 0, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 3, 12, 1, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 2, 12, 5, 0, 0), problem: null });
    expect(clock.resolve(2023, 3, 11, 23, 59, 0)).toEqual({ epochMs: Date.UTC(2023, 2, 12, 4, 59, 0), problem: null });
    // 2023-11-05 01:00 CDT → 00:00 CST: 00:00–00:59 happen twice.
    expect(clock.resolve(2023, 11, 5, 0, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 11, 5, 1, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 10, 5, 6, 0, 0), problem: null });
  });

  it('Pacific/Apia: 30 December 2011 never happened', () => {
    const clock = new ZoneClock('Pacific/Apia');
    expect(clock.resolve(2011, 12, 30, 12, 0, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.steadyOffsetOn(2011, 12, 30)).toBeNull();
    expect(clock.resolve(2011, 12, 29, 23, 59, 0)).toEqual({ epochMs: Date.UTC(2011, 11, 30, 9, 59, 0), problem: null });
    expect(clock.resolve(2011, 12, 31, 0, 0, 0)).toEqual({ epochMs: Date.UTC(2011, 11, 30, 10, 0, 0), problem: null });
  });

  it('a zone without DST: one offset every day, nothing flagged', () => {
    const clock = new ZoneClock('Asia/Kolkata');
    expect(clock.steadyOffsetOn(2024, 2, 29)).toBe(5.5 * HOUR);
    expect(clock.resolve(2024, 2, 29, 1, 30, 0)).toEqual({ epochMs: Date.UTC(2024, 1, 28, 20, 0, 0), problem: null });
    const utc = new ZoneClock('UTC');
    expect(utc.steadyOffsetOn(2024, 2, 29)).toBe(0);
    expect(utc.localOf(Date.UTC(2024, 1, 29, 12, 0, 0))).toBe('2024-02-29T12:00:00');
  });

  it('localOf gives the wall clock either side of a transition', () => {
    const clock = new ZoneClock('Europe/London');
    expect(clock.localOf(Date.UTC(2023, 2, 26, 0, 59, 59))).toBe('2023-03-26T00:59:59');
    expect(clock.localOf(Date.UTC(2023, 2, 26, 1, 0, 0))).toBe('2023-03-26T02:00:00');
    expect(clock.localOf(Date.UTC(2023, 9, 29, 0, 30, 0))).toBe('2023-10-29T01:30:00');
    expect(clock.localOf(Date.UTC(2023, 9, 29, 1, 0, 0))).toBe('2023-10-29T01:00:00');
    expect(clock.localOf(Date.UTC(2023, 9, 29, 0, 59, 59))).toBe('2023-10-29T01:59:59');
    expect(clock.localOf(Date.UTC(2023, 2, 26, 0, 59, 59))).toBe('2023-03-26T00:59:59');
  });

  it('a cached day never answers for another day (each day has its own key)', () => {
    // Days whose year + month and day add up alike: 2023-10-29 and 2022-10-30 are both London's
    // autumn change, 2024-10-28 is the day after 2024's.
    const clock = new ZoneClock('Europe/London');
    expect(clock.resolve(2023, 10, 29, 1, 30, 0).problem).toBe('dst-ambiguous');
    expect(clock.resolve(2022, 10, 30, 1, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2022, 10, 30, 2, 30, 0)).toEqual({ epochMs: Date.UTC(2022, 9, 30, 2, 30, 0), problem: null });
    expect(clock.resolve(2022, 10, 30, 0, 30, 0)).toEqual({ epochMs: Date.UTC(2022, 9, 29, 23, 30, 0), problem: null });
    expect(clock.steadyOffsetOn(2023, 10, 29)).toBeNull();
    expect(clock.steadyOffsetOn(2024, 10, 28)).toBe(0);
    expect(clock.steadyOffsetOn(2023, 2, 1)).toBe(0);
    expect(clock.steadyOffsetOn(2022, 2, 2)).toBe(0);
    expect(clock.steadyOffsetOn(2023, 7, 1)).toBe(HOUR);
  });

  it('Pacific/Auckland (+13 in summer): both 2023 changes, and the days around them', () => {
    const clock = new ZoneClock('Pacific/Auckland');
    // 2023-04-02 03:00 NZDT back to 02:00 NZST; 2023-09-24 02:00 NZST forward to 03:00 NZDT.
    expect(clock.steadyOffsetOn(2023, 4, 1)).toBe(13 * HOUR);
    expect(clock.steadyOffsetOn(2023, 4, 2)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 4, 3)).toBe(12 * HOUR);
    expect(clock.resolve(2023, 4, 2, 2, 30, 0)).toEqual({ epochMs: null, problem: 'dst-ambiguous' });
    expect(clock.resolve(2023, 4, 2, 1, 30, 0)).toEqual({ epochMs: Date.UTC(2023, 3, 1, 12, 30, 0), problem: null });
    expect(clock.steadyOffsetOn(2023, 9, 23)).toBe(12 * HOUR);
    expect(clock.steadyOffsetOn(2023, 9, 24)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 9, 25)).toBe(13 * HOUR);
    expect(clock.resolve(2023, 9, 24, 2, 30, 0)).toEqual({ epochMs: null, problem: 'dst-gap' });
    expect(clock.resolve(2023, 9, 24, 3, 0, 0)).toEqual({ epochMs: Date.UTC(2023, 8, 23, 14, 0, 0), problem: null });
    expect(clock.resolve(2023, 9, 25, 0, 30, 0)).toEqual({ epochMs: Date.UTC(2023, 8, 24, 11, 30, 0), problem: null });
  });

  it('a day two days from a transition is steady; the day next to it is worked out exactly and still steady', () => {
    const clock = new ZoneClock('Europe/London');
    // Look up the span first (a mid-summer day), then ask for days approaching the autumn change.
    expect(clock.steadyOffsetOn(2023, 7, 1)).toBe(HOUR);
    expect(clock.steadyOffsetOn(2023, 10, 27)).toBe(HOUR);
    expect(clock.steadyOffsetOn(2023, 10, 28)).toBe(HOUR);
    expect(clock.resolve(2023, 10, 28, 23, 59, 59)).toEqual({ epochMs: Date.UTC(2023, 9, 28, 22, 59, 59), problem: null });
    expect(clock.steadyOffsetOn(2023, 10, 29)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 10, 31)).toBe(0);
    // Asked again, the cached answers are the same.
    expect(clock.steadyOffsetOn(2023, 10, 29)).toBeNull();
    expect(clock.steadyOffsetOn(2023, 10, 28)).toBe(HOUR);
  });
});
