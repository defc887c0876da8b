import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import { formatInstant, isCalendarDate, ZoneClock } from '../../../main/importers/local-time';

describe('local time', () => {
  it('formats instants exactly as Date does, to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        const whole = Math.floor(ms / 1000) * 1000;
        expect(formatInstant(whole)).toBe(new Date(whole).toISOString().slice(0, 19) + 'Z');
      }),
      { numRuns: 2000 },
    );
  });

  it('knows real calendar dates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (year, month, day) => {
        const real = month >= 1 && month <= 12 && day >= 1 && new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
        expect(isCalendarDate(year, month, day)).toBe(real);
      }),
    );
  });

  it('agrees with Temporal on every wall-clock time, flagging gaps and repeats instead of choosing', () => {
    const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2030, 0, 1) }), (zone, ms) => {
        const at = new Date(Math.floor(ms / 60_000) * 60_000);
        const fields = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), 0] as const;
        const clock = new ZoneClock(zone);
        const resolved = clock.resolve(...fields);
        const plain = new Temporal.PlainDateTime(...fields);
        let expected: number | null;
        try {
          expected = plain.toZonedDateTime(zone, { disambiguation: 'reject' }).epochMilliseconds;
        } catch {
          expected = null;
        }
        expect(resolved.epochMs).toBe(expected);
        expect(resolved.problem === null).toBe(expected !== null);
      }),
      { numRuns: 3000 },
    );
  });

  it('flags the half-hour Lord Howe gap, which an hourly cache would miss', () => {
    const clock = new ZoneClock('Australia/Lord_Howe');
    expect(clock.resolve(2023, 10, 1, 2, 15, 0).problem).toBe('dst-gap');
    expect(clock.resolve(2023, 10, 1, 2, 45, 0).problem).toBeNull();
  });
});
