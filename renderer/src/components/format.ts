import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import type { GateTranscription } from '../../../shared/domain/wipe';
export { SOURCE_NAMES } from '../../../shared/wording/sources';
export { displayTime, displayTimeSpan, displayWallClock } from '../../../shared/wording/times';

/** 3-3-4 for a valid NHS number ("943 476 5919"); anything else as stored. */
export function displayNhsNumber(value: string): string {
  const parsed = parseNhsNumber(value);
  return parsed.ok ? formatNhsNumber(parsed.value) : value;
}


/** "13 Apr 2024": the day of an instant or a local time (read from its date part, not shifted). */
export function displayDay(value: string): string {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day) return value;
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** "1 message", "4 messages". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Where a transcription drafted from a thread stands, in the words the outbox uses. */
export const TRANSCRIPTION_STATE_LABELS: Readonly<Record<GateTranscription['state'], string>> = {
  draft: 'Draft, not attested',
  queued: 'Queued',
  sending: 'Sending',
  filed: 'Filed, checking',
  verified: 'Verified in the record',
  failed: 'Failed',
  'needs-attention': 'Needs attention',
  withdrawn: 'Withdrawn from the record',
};

/** A message's sender as shown: "System" for the app's own lines, and a plain note for a contact saved without a name. */
export function senderLabel(sender: string | null): string {
  if (sender === null) return 'System';
  return sender === '' ? '(no name in the export)' : sender;
}

