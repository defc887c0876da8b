/**
 * One way of writing a moment for people, used by every screen and every PDF Wardscribe makes:
 * the workstation's own clock with its zone named ("13 Apr 2024, 21:14 BST"). A ward reads wall
 * clocks, so UTC is never shown bare; the zone is always printed, so a reader in another zone (an
 * auditor, a printout sent on) cannot mistake it. The exact instant stays in the stored record.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string | undefined, seconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${seconds}`;
  let found = formats.get(key);
  if (!found) {
    const options: Intl.DateTimeFormatOptions = {
      ...(timeZone ? { timeZone } : {}),
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    };
    try {
      found = new Intl.DateTimeFormat('en-GB', options);
    } catch {
      // A zone this runtime does not know (an old or altered record): the workstation's own, still named.
      found = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: undefined });
    }
    formats.set(key, found);
  }
  return found;
}

export interface DisplayTimeOptions {
  /** An IANA zone; the workstation's own when left out. */
  readonly timeZone?: string;
  /** Seconds as well, where they tell things apart (a trail, a certificate's start and finish). */
  readonly seconds?: boolean;
}

/** "13 Apr 2024, 21:14 BST"; "unknown" for a missing or unreadable instant. */
export function displayTime(instant: string | null | undefined, options: DisplayTimeOptions = {}): string {
  if (!instant) return 'unknown';
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return 'unknown';
  return format(options.timeZone, options.seconds ?? false).format(date);
}

/** "13 Apr 2024, 21:14 BST to 14 Apr 2024, 08:02 BST", or "unknown" when neither end is known. */
export function displayTimeSpan(first: string | null | undefined, last: string | null | undefined, options: DisplayTimeOptions = {}): string {
  if (!first && !last) return 'unknown';
  return `${displayTime(first ?? last, options)} to ${displayTime(last ?? first, options)}`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;
const wallFormats = new Map<boolean, Intl.DateTimeFormat>();

/**
 * A time as the chat showed it (a wall clock with no zone, "2024-04-13T20:41:19") written the way
 * every other time is: "13 Apr 2024, 20:41". Never shifted: it is the phone's own clock reading.
 * Anything unreadable is shown as it is.
 */
export function displayWallClock(localTime: string, options: { readonly seconds?: boolean } = {}): string {
  const parts = WALL_CLOCK.exec(localTime);
  if (!parts) return localTime;
  const [, year, month, day, hour, minute, second] = parts.map((part) => Number(part ?? 0)) as [number, number, number, number, number, number, number];
  const seconds = options.seconds ?? false;
  let format = wallFormats.get(seconds);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' });
    wallFormats.set(seconds, format);
  }
  return format.format(new Date(Date.UTC(year, month - 1, day, hour, minute, second)));
}
