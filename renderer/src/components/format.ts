import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import type { GateTranscription } from '../../../shared/domain/wipe';

/** 3-3-4 for a valid NHS number ("943 476 5919"); anything else as stored. */
export function displayNhsNumber(value: string): string {
  const parsed = parseNhsNumber(value);
  return parsed.ok ? formatNhsNumber(parsed.value) : value;
}

/** A UTC instant as "2024-04-13 20:14:02 UTC": the form the certificate records it in. */
export function displayUtc(instant: string | null): string {
  if (!instant) return 'unknown';
  return `${instant.slice(0, 19).replace('T', ' ')} UTC`;
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
};

/** A message's sender as shown: "System" for the app's own lines, and a plain note for a contact saved without a name. */
export function senderLabel(sender: string | null): string {
  if (sender === null) return 'System';
  return sender === '' ? '(no name in the export)' : sender;
}
