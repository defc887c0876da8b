/**
 * How failed sign-ins made while the vault was closed reach the audit trail. The trail is
 * inside the vault, so each failure waits in the key file until the next sign-in opens it. The
 * key file keeps the times of the newest 100 only (each is audited as `sign-in-failed`,
 * `wrong-passphrase-at-<time>`), but counts every one: the count is audited as one
 * `sign-in-failures-counted` entry whose reason code carries the true number and the first and
 * last times ("153 failed sign-ins between T1 and T2"), so a brute-force run stays visible
 * however long it went on.
 *
 * Reason codes are short machine words (audit.ts ReasonCodeSchema: at most 48 characters), so
 * the times are compact: `20261124t100000z`, or to the minute (`20261124t1000z`, the first
 * rounded down and the last up, so the range still holds them all) when the count is too long
 * for both to the second.
 */

const MAX_REASON_LENGTH = 48;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;

/** `2026-11-24T10:00:00.000Z` as `20261124t100000z`: a time inside a reason code. */
export function compactTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').toLowerCase();
}

function toMinute(iso: string, roundUp: boolean): string {
  const minutes = Date.parse(iso) / 60_000;
  const at = new Date((roundUp ? Math.ceil(minutes) : Math.floor(minutes)) * 60_000);
  return `${compactTime(at.toISOString()).slice(0, 13)}z`;
}

/**
 * The reason code of a `sign-in-failures-counted` entry: `<count>-from-<first>-to-<last>`.
 * Times that are not instants (a key file written by hand) are left out: the count never is.
 */
export function failureCountReason(count: number, firstAt: string, lastAt: string): string {
  if (!ISO_INSTANT.test(firstAt) || !ISO_INSTANT.test(lastAt)) return `${count}-failures`;
  const toSecond = `${count}-from-${compactTime(firstAt)}-to-${compactTime(lastAt)}`;
  if (toSecond.length <= MAX_REASON_LENGTH) return toSecond;
  return `${count}-from-${toMinute(firstAt, false)}-to-${toMinute(lastAt, true)}`;
}

const COUNT_REASON = /^(\d+)-(?:failures|from-(\d{8}t\d{4}(?:\d{2})?z)-to-(\d{8}t\d{4}(?:\d{2})?z))$/;

/** `20261124t100000z` (or `20261124t1000z`) as `2026-11-24 10:00:00 UTC` (or `10:00 UTC`). */
function readableTime(compact: string): string {
  const date = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
  const clock = compact.slice(9, -1);
  const time = clock.length === 6 ? `${clock.slice(0, 2)}:${clock.slice(2, 4)}:${clock.slice(4, 6)}` : `${clock.slice(0, 2)}:${clock.slice(2, 4)}`;
  return `${date} ${time} UTC`;
}

/**
 * A `sign-in-failures-counted` reason in words for an auditor ("153 failed sign-ins between
 * 2026-11-24 10:00:00 UTC and 2026-11-24 11:00:00 UTC"); null for any other code.
 */
export function describeFailureCount(reason: string): string | null {
  const match = COUNT_REASON.exec(reason);
  if (!match) return null;
  const count = Number(match[1]);
  const what = `${count} failed sign-in${count === 1 ? '' : 's'}`;
  if (match[2] === undefined) return `${what} (their times were not recorded)`;
  if (match[2] === match[3]) return `${what} at ${readableTime(match[2])}`;
  return `${what} between ${readableTime(match[2])} and ${readableTime(match[3]!)}`;
}

const FAILURE_AT_REASON = /^wrong-passphrase-at-(\d{8}t\d{4}(?:\d{2})?z)$/;

/**
 * An entry's reason code as an auditor reads it, on screen and in the exported PDF: the codes
 * that carry a count or a time in words, any other code as it is.
 */
export function reasonInWords(action: string, reason: string): string {
  if (action === 'sign-in-failures-counted') return describeFailureCount(reason) ?? reason;
  const failedAt = action === 'sign-in-failed' ? FAILURE_AT_REASON.exec(reason) : null;
  return failedAt ? `wrong passphrase at ${readableTime(failedAt[1]!)}` : reason;
}
