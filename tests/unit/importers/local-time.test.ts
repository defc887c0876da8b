import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import { formatInstant, formatLocal, isCalendarDate, TimeFormatter, ZoneClock } from '../../../main/importers/local-time';

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

  it('formats a stream of times exactly as formatLocal and formatInstant do, day after day', () => {
    const times = new TimeFormatter();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2090, 0, 1) / 1000 }), { minLength: 1, maxLength: 50 }), (seconds) => {
        for (const second of seconds.sort((a, b) => a - b)) {
          const at = new Date(second * 1000);
          const fields = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()] as const;
          expect(times.local(...fields)).toBe(formatLocal(...fields));
          expect(times.instant(second * 1000)).toBe(formatInstant(second * 1000));
        }
      }),
      { numRuns: 300 },
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

  it('walking day by day through zones with awkward rules, takes a steady offset only for days with no transition near', () => {
    // Midnight changes (Havana, Santiago), a 2-hour shift (Troll), a skipped day (Apia, 2011),
    // Ramadan suspensions (Casablanca), half-hour DST (Lord Howe).
    const zones = ['Europe/London', 'America/Havana', 'America/Santiago', 'Antarctica/Troll', 'Pacific/Apia', 'Africa/Casablanca', 'Australia/Lord_Howe'];
    for (const zone of zones) {
      const clock = new ZoneClock(zone);
      for (let midnight = Date.UTC(2009, 0, 1); midnight < Date.UTC(2026, 0, 1); midnight += 86_400_000) {
        const date = new Date(midnight);
        const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
        const offset = clock.steadyOffsetOn(year, month, day);
        const expected = steadyOffsetByTemporal(zone, year, month, day);
        if (offset !== expected) throw new Error(`${zone} ${year}-${month}-${day}: ${String(offset)} but Temporal says ${String(expected)}`);
        if (offset !== null) continue;
        // A day with a transition: every quarter hour must agree with Temporal's 'reject'.
        for (let minute = 0; minute < 1440; minute += 15) {
          const fields = [year, month, day, Math.floor(minute / 60), minute % 60, 0] as const;
          let instant: number | null;
          try {
            instant = new Temporal.PlainDateTime(...fields).toZonedDateTime(zone, { disambiguation: 'reject' }).epochMilliseconds;
          } catch {
            instant = null;
          }
          expect(clock.resolve(...fields).epochMs).toBe(instant);
        }
      }
    }
  });
});


describe('wall-clock time of an instant', () => {
  it('agrees with Temporal for instants in order and at random, across transitions and historic offsets', () => {
    const zones = ['Europe/London', 'America/Havana', 'Antarctica/Troll', 'Pacific/Apia', 'Australia/Lord_Howe', 'Europe/Amsterdam', 'Asia/Kolkata'];
    const byTemporal = (zone: string, epochMs: number) => {
      const zoned = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);
      return zoned.toPlainDateTime().toString({ smallestUnit: 'second' }).padStart(19, '0');
    };
    for (const zone of zones) {
      // In order, every 20 minutes through 2011 (messages arrive in order) …
      const clock = new ZoneClock(zone);
      for (let epochMs = Date.UTC(2011, 0, 1); epochMs < Date.UTC(2012, 0, 1); epochMs += 20 * 60_000 + 7_000) {
        if (clock.localOf(epochMs) !== byTemporal(zone, epochMs)) throw new Error(`${zone} ${new Date(epochMs).toISOString()}: ${clock.localOf(epochMs)}`);
      }
    }
    // … and jumping about, including before 1937 (Amsterdam's offset then had seconds in it).
    const clocks = new Map(zones.map((zone) => [zone, new ZoneClock(zone)]));
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2060, 0, 1) }), (zone, epochMs) => {
        expect(clocks.get(zone)!.localOf(epochMs)).toBe(byTemporal(zone, epochMs));
      }),
      { numRuns: 3000 },
    );
  });
});

/** A whole local day's offset when it holds no transition, else null: worked out by Temporal alone. */
function steadyOffsetByTemporal(zone: string, year: number, month: number, day: number): number | null {
  let start: Temporal.ZonedDateTime;
  let end: Temporal.ZonedDateTime;
  try {
    start = new Temporal.PlainDateTime(year, month, day, 0, 0, 0).toZonedDateTime(zone, { disambiguation: 'reject' });
    end = new Temporal.PlainDateTime(year, month, day, 23, 59, 59).toZonedDateTime(zone, { disambiguation: 'reject' });
  } catch {
    return null;
  }
  const next = start.getTimeZoneTransition('next');
  if (next !== null && next.epochMilliseconds <= end.epochMilliseconds) return null;
  return start.offsetNanoseconds / 1_000_000;
}
