import { Temporal } from 'temporal-polyfill';
import { WardscribeError } from '../errors';

/** The outcome of reading a wall-clock time in a zone. */
export interface ResolvedTime {
  /** Epoch milliseconds, or null when the wall-clock time is in a gap or a repeated hour. */
  readonly epochMs: number | null;
  readonly problem: 'dst-gap' | 'dst-ambiguous' | null;
}

/** Checks that `zone` is an IANA zone this runtime knows; throws `rejected` otherwise. */
export function assertZone(zone: string): string {
  try {
    return Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
  } catch {
    throw new WardscribeError('rejected', `"${zone}" is not a time zone this workstation knows (use an IANA name such as Europe/London).`);
  }
}

/** `YYYY-MM-DDTHH:mm:ss` for wall-clock fields. */
export function formatLocal(year: number, month: number, day: number, hour: number, minute: number, second: number): string {
  const yyyy = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${yyyy}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
}

/** "00" to "99", so formatting a time is lookups and concatenation. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, value) => (value < 10 ? '0' + value : String(value)));

function two(value: number): string {
  return value < 100 && value >= 0 ? TWO_DIGITS[value]! : String(value);
}

/** `HH:mm:` by minute of the day, and `ssZ` by second: a clock is two lookups. */
const HOUR_MINUTES: readonly string[] = Array.from({ length: 1440 }, (_, minute) => two(Math.floor(minute / 60)) + ':' + two(minute % 60) + ':');
const SECONDS_Z: readonly string[] = Array.from({ length: 60 }, (_, second) => two(second) + 'Z');

/** `HH:mm:ss`. */
export function formatClock(hour: number, minute: number, second: number): string {
  return two(hour) + ':' + two(minute) + ':' + two(second);
}

/**
 * formatLocal() and formatInstant() for a stream of times that mostly fall on the same day: the
 * date part (`YYYY-MM-DDT`) is made once per day and reused, the clock part is table lookups.
 * The output is exactly what those functions return.
 */
export class TimeFormatter {
  private localDayKey = -1;
  private localPrefix = '';
  private utcDay = Number.NaN;
  private utcPrefix = '';

  local(year: number, month: number, day: number, hour: number, minute: number, second: number): string {
    const dayKey = (year * 100 + month) * 100 + day;
    if (dayKey !== this.localDayKey) {
      this.localDayKey = dayKey;
      const midnight = formatLocal(year, month, day, 0, 0, 0);
      this.localPrefix = midnight.slice(0, midnight.length - '00:00:00'.length);
    }
    if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
      return this.localPrefix + HOUR_MINUTES[hour * 60 + minute]! + TWO_DIGITS[second]!;
    }
    return this.localPrefix + formatClock(hour, minute, second);
  }

  instant(epochMs: number): string {
    const seconds = Math.floor(epochMs / 1000);
    const utcDay = Math.floor(seconds / 86400);
    if (utcDay !== this.utcDay) {
      this.utcDay = utcDay;
      const midnight = formatInstant(utcDay * 86_400_000);
      this.utcPrefix = midnight.slice(0, midnight.length - '00:00:00Z'.length);
    }
    const inDay = seconds - utcDay * 86400;
    const minuteOfDay = Math.floor(inDay / 60);
    return this.utcPrefix + HOUR_MINUTES[minuteOfDay]! + SECONDS_Z[inDay - minuteOfDay * 60]!;
  }
}

const DAY_MS = 86_400_000;

/** A zone's change of offset: at this instant, from one offset to the other (milliseconds). */
interface DayTransition {
  readonly at: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

/**
 * Converts wall-clock times in one zone to instants, flagging (never resolving) times that fall
 * in a DST gap or a repeated hour.
 *
 * Most days are far from any transition. The clock keeps the span between two of the zone's
 * transitions that it last looked up, in which the offset is constant: a day lying inside it
 * with a day to spare on each side takes that offset with no further Temporal work (an offset
 * change is always under a day, so no wall-clock time of such a day can be skipped or
 * repeated). Only days near a transition take the exact path, which flags gaps and repeats.
 */
export class ZoneClock {
  private readonly dayOffsets = new Map<number, number | null>();
  private readonly dayTransitions = new Map<number, DayTransition | null>();
  /** The last span looked up: instants in [spanStart, spanEnd) are all at spanOffset. */
  private spanStart = Number.POSITIVE_INFINITY;
  private spanEnd = Number.NEGATIVE_INFINITY;
  private spanOffset = 0;

  constructor(readonly zone: string) {
    assertZone(zone);
  }

  resolve(year: number, month: number, day: number, hour: number, minute: number, second: number): ResolvedTime {
    const offset = this.steadyOffsetOn(year, month, day);
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    if (offset !== null) return { epochMs: wall - offset, problem: null };
    const transition = this.transitionOn(year, month, day);
    if (transition === null) return this.exact(year, month, day, hour, minute, second);
    // The wall-clock time names the instant before the transition, the one after it, both (a
    // repeated hour) or neither (a gap).
    const before = wall - transition.offsetBefore;
    const after = wall - transition.offsetAfter;
    const beforeValid = before < transition.at;
    const afterValid = after >= transition.at;
    if (beforeValid && afterValid) return { epochMs: null, problem: 'dst-ambiguous' };
    if (beforeValid) return { epochMs: before, problem: null };
    if (afterValid) return { epochMs: after, problem: null };
    return { epochMs: null, problem: 'dst-gap' };
  }

  /**
   * The one transition that any wall-clock time of this local day could fall either side of,
   * with the offsets before and after it; null when there are several (then each time takes the
   * exact path). Cached per day: a day with a transition holds hundreds of messages.
   */
  private transitionOn(year: number, month: number, day: number): DayTransition | null {
    const dayKey = (year * 100 + month) * 100 + day;
    let transition = this.dayTransitions.get(dayKey);
    if (transition === undefined) {
      // Every instant a wall-clock time of this day can name lies within a zone's widest offsets
      // (-12 h to +14 h) of the day read as UTC.
      const midnight = Date.UTC(year, month - 1, day);
      const windowStart = midnight - 15 * 3_600_000;
      const windowEnd = midnight + DAY_MS + 13 * 3_600_000;
      const first = Temporal.Instant.fromEpochMilliseconds(windowStart).toZonedDateTimeISO(this.zone).getTimeZoneTransition('next');
      const second = first?.getTimeZoneTransition('next');
      if (!first || first.epochMilliseconds > windowEnd || (second && second.epochMilliseconds <= windowEnd)) {
        transition = null;
      } else {
        const justBefore = Temporal.Instant.fromEpochMilliseconds(first.epochMilliseconds - 1).toZonedDateTimeISO(this.zone);
        transition = { at: first.epochMilliseconds, offsetBefore: justBefore.offsetNanoseconds / 1_000_000, offsetAfter: first.offsetNanoseconds / 1_000_000 };
      }
      this.dayTransitions.set(dayKey, transition);
    }
    return transition;
  }

  /**
   * The zone's offset (milliseconds to subtract from the wall clock read as UTC) for a whole
   * local day, or null when the day holds a transition: then every time on it goes through
   * resolve(), which flags gaps and repeats. Cached per day.
   */
  steadyOffsetOn(year: number, month: number, day: number): number | null {
    const dayKey = (year * 100 + month) * 100 + day;
    let offset = this.dayOffsets.get(dayKey);
    if (offset === undefined) {
      offset = this.steadyOffset(year, month, day);
      this.dayOffsets.set(dayKey, offset);
    }
    return offset;
  }

  /**
   * The wall-clock time of an instant in this zone: the instant plus the offset of the span
   * between transitions that holds it (looked up only when the instant leaves the last span).
   */
  localOf(epochMs: number): string {
    if (!(epochMs >= this.spanStart && epochMs < this.spanEnd)) this.lookUpSpan(epochMs);
    const local = formatInstant(epochMs + this.spanOffset);
    return local.slice(0, local.length - 1);
  }

  private steadyOffset(year: number, month: number, day: number): number | null {
    const midnight = Date.UTC(year, month - 1, day);
    if (!this.spanHoldsDay(midnight)) {
      this.lookUpSpan(midnight - this.spanOffset);
      if (!this.spanHoldsDay(midnight)) return this.exactOffset(year, month, day);
    }
    return this.spanOffset;
  }

  /** True when the local day starting at `midnight` (read as UTC), a day either side, lies inside the span. */
  private spanHoldsDay(midnight: number): boolean {
    const first = midnight - this.spanOffset;
    return first - DAY_MS >= this.spanStart && first + 2 * DAY_MS <= this.spanEnd;
  }

  /** The span between the zone's transitions around `epochMs`, and its offset. */
  private lookUpSpan(epochMs: number): void {
    const zoned = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(this.zone);
    // 'previous' finds transitions strictly before the instant it is asked from: asked a
    // millisecond later, it also finds one at `epochMs` itself, where this span would begin.
    const previous = Temporal.Instant.fromEpochMilliseconds(epochMs + 1).toZonedDateTimeISO(this.zone).getTimeZoneTransition('previous');
    this.spanOffset = zoned.offsetNanoseconds / 1_000_000;
    this.spanStart = previous?.epochMilliseconds ?? Number.NEGATIVE_INFINITY;
    this.spanEnd = zoned.getTimeZoneTransition('next')?.epochMilliseconds ?? Number.POSITIVE_INFINITY;
  }

  /** A day near a transition: steady only if its first and last second map to single instants at one offset. */
  private exactOffset(year: number, month: number, day: number): number | null {
    const start = this.exact(year, month, day, 0, 0, 0);
    const end = this.exact(year, month, day, 23, 59, 59);
    if (start.epochMs === null || end.epochMs === null) return null;
    const startOffset = Date.UTC(year, month - 1, day, 0, 0, 0) - start.epochMs;
    const endOffset = Date.UTC(year, month - 1, day, 23, 59, 59) - end.epochMs;
    return startOffset === endOffset ? startOffset : null;
  }

  private exact(year: number, month: number, day: number, hour: number, minute: number, second: number): ResolvedTime {
    const plain = new Temporal.PlainDateTime(year, month, day, hour, minute, second);
    const earlier = plain.toZonedDateTime(this.zone, { disambiguation: 'earlier' });
    const later = plain.toZonedDateTime(this.zone, { disambiguation: 'later' });
    if (earlier.epochMilliseconds === later.epochMilliseconds) return { epochMs: earlier.epochMilliseconds, problem: null };
    // In a gap both candidates land on other wall-clock times; in a repeat both keep this one.
    const repeated = Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), plain) === 0;
    return { epochMs: null, problem: repeated ? 'dst-ambiguous' : 'dst-gap' };
  }
}

/** A real calendar date (rejects 31/02, month 13, …). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  if (month === 2) return day === 29 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** ISO 8601 UTC to the second (`2023-03-26T01:30:00Z`) without building a Date. */
export function formatInstant(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const days = Math.floor(seconds / 86400);
  const inDay = seconds - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const shifted = days + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(inDay / 3600);
  const minute = Math.floor((inDay % 3600) / 60);
  return formatLocal(year, month, day, hour, minute, inDay % 60) + 'Z';
}
