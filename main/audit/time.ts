import type { AuditTime } from '../../shared/domain/audit';

/**
 * The instant in UTC and the workstation's wall clock with its offset and zone, as the trail
 * records them: the UTC form orders and filters; the local form is what a ward reads.
 */
export function auditTime(instant: Date, timeZone: string): AuditTime {
  if (Number.isNaN(instant.getTime())) throw new RangeError('The clock returned an invalid date.');
  const parts = wallClockParts(instant, timeZone);
  const wallAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const milliseconds = String(instant.getUTCMilliseconds()).padStart(3, '0');
  const local =
    `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}` +
    `.${milliseconds}${formatOffset(offsetMinutes)}`;
  return { utc: instant.toISOString(), local, zone: timeZone };
}

/** The zone the workstation runs in, e.g. `Europe/London`. */
export function workstationTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClockParts(instant: Date, timeZone: string) {
  let format = formats.get(timeZone);
  if (!format) {
    // Throws a RangeError for an unknown zone, which is what a misconfigured workstation deserves.
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
