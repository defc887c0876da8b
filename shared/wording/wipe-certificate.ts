/**
 * What a wipe certificate says, in the words its readers use: written once, so the certificate on
 * the screen, its printout and its PDF say the same thing (a clinician comparing a PDF with the
 * screen must never find two stories). Pure: the renderer and main/wipe/certificate-pdf.ts both
 * draw these rows.
 */
import { formatNhsNumber, parseNhsNumber } from '../domain/nhs-number';
import type { WipeCertificate } from '../domain/wipe';
import { SOURCE_NAMES } from './sources';
import { displayTime, displayTimeSpan } from './times';

export interface CertificateRow {
  readonly label: string;
  readonly value: string;
  /** For tests and for the screen's layout: a stable name per row. */
  readonly key: string;
}

export interface CertificateWording {
  /** The outcome in one sentence, printed first. */
  readonly outcome: string;
  readonly rows: readonly CertificateRow[];
  readonly filedHeading: string;
  /** One line per note in the record, or a sentence that there was none. */
  readonly filed: readonly string[];
  readonly nothingFiled: string | null;
  readonly overrideHeading: string;
  /** What the gate said before the clinician's reason let the wipe go ahead (shown above the reason). */
  readonly overridden: readonly string[];
}

const OUTCOME: Readonly<Record<NonNullable<WipeCertificate['level']>, string>> = {
  purge: 'Wiped and checked: deleted, the vault’s key changed so that copies left on the disk no longer open, and a search of the whole vault found nothing left.',
  clear: 'Wiped and checked, but the vault’s key was not changed: deleted, and a search of the whole vault found nothing left.',
  failed: 'Failed: the check after the wipe found traces of the wiped chat. Tell IT; see “Check after the wipe” below.',
};

const SOURCE_FILE: Readonly<Record<WipeCertificate['sourceFile'], string>> = {
  'not-requested': 'Not asked for: the export file was left where it was.',
  requested: 'Asked for, not yet done.',
  overwriting: 'Being overwritten.',
  overwritten: 'Overwritten, saved to the disk, emptied and deleted. On SSDs and some file systems the disk may still keep older copies of its blocks.',
  'not-found': 'Asked for, but the file was no longer there.',
  changed: 'Asked for, but the file had changed since it was imported, so it was not touched.',
  'replaced-by-link': 'Asked for, but the file or a folder on its path had been replaced by a link, so nothing was touched: the export may still be on disk. Find and delete it by hand.',
  failed: 'Asked for, but overwriting failed: the file may remain. Delete it by hand.',
};

/**
 * What a purge rests on (issue #14, cold attack): the old vault key survives in stale key files,
 * sealed by the workstation's keystore, which no wipe rotates. So the erase holds against copies
 * taken away from this computer account, not against it; every certificate that claims a key
 * change says so.
 */
export const ERASE_LIMIT =
  'The wiped chat cannot be read from this vault any more. Copies of the vault made before the wipe (in backups, or old files left on this disk) are protected only by this computer’s own protected key store, which a wipe does not change. ' +
  'Without it they open nothing. A program running as this computer account, an administrator who can read its key store, or, where Wardscribe runs in a browser window and keeps its key file beside the data folder, ' +
  'anyone with a copy of the whole disk, could open such a copy and read the wiped chat.';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** 3-3-4 for a whole NHS number; an auditor's masked form ("••• ••• 5919") as it is. */
function nhsWords(value: string): string {
  const parsed = parseNhsNumber(value);
  return parsed.ok ? formatNhsNumber(parsed.value) : value;
}

function verificationWords(verification: NonNullable<WipeCertificate['verification']>): string {
  const found = [...verification.hits, ...verification.problems];
  const sought = verification.textSampled
    ? `${plural(verification.needles, 'sample')} of the wiped text and media and a check word Wardscribe had hidden in the chat when it was imported`
    : 'the check word Wardscribe had hidden in the chat when it was imported (the wipe finished after a restart, when no samples of the text are kept)';
  return (
    `${verification.status === 'passed' ? 'Passed' : 'FAILED'}: Wardscribe read the whole vault (${plural(verification.pagesDecrypted, 'page')}) and ` +
    `${plural(verification.filesScanned.length, 'file')} on the disk as they are, looking for ${sought}; ` +
    (found.length === 0 ? 'nothing found.' : `found: ${found.join(', ')}.`)
  );
}

/** Every row of the certificate, in reading order. */
export function certificateWording(certificate: WipeCertificate): CertificateWording {
  const rows: CertificateRow[] = [];
  const row = (key: string, label: string, value: string) => rows.push({ key, label, value });
  row('wipe', 'Wipe reference', certificate.wipeId);
  row('chat-export', 'Chat export', `${certificate.sourceFileName} (${SOURCE_NAMES[certificate.source]} export)`);
  row(
    'counts',
    'Removed',
    // Drafts and notes alike: the notes filed are listed below, and stay in the record (a cold
    // trial read "2 transcriptions" against "1 note filed" as two notes).
    `${plural(certificate.messageCount, 'message')}, ${plural(certificate.attachmentCount, 'attachment')}, ${plural(certificate.draftCount, 'transcription')} made from it, whether still a draft or filed (what was filed stays in the record)`,
  );
  if (certificate.unfiledMessagesDestroyed !== undefined) {
    row(
      'unfiled-messages',
      'Messages in no note',
      certificate.unfiledMessagesDestroyed === 0
        ? 'Every message of the chat was in a note filed in the record.'
        : `${plural(certificate.unfiledMessagesDestroyed, 'message')} in no note filed in the record ${certificate.unfiledMessagesDestroyed === 1 ? 'was' : 'were'} destroyed, on the reason the clinician gave below.`,
    );
  }
  if (certificate.imageCount !== undefined) {
    row('images', 'Images', `${plural(certificate.imageCount, 'image')} among the attachments; ${plural(certificate.imagesFiled ?? 0, 'image')} filed with the verified notes (location and device details removed)`);
  }
  if (certificate.unfiledMediaDestroyed !== undefined) {
    row(
      'unfiled-media',
      'Attachments not filed',
      certificate.unfiledMediaDestroyed === 0
        ? 'Every attachment of the filed messages was in the record: none was destroyed without being filed.'
        : `${plural(certificate.unfiledMediaDestroyed, 'attachment')} of the filed messages destroyed without being filed in the record, as the clinician acknowledged before the wipe.`,
    );
  }
  if (certificate.fingerprintsKept !== undefined) {
    row(
      'fingerprints',
      'Kept of them',
      `Only a one-way code for each of the ${plural(certificate.fingerprintsKept, 'message')}, which cannot be turned back into its text, sender or time, so that a later export of this chat never brings them back.`,
    );
  }
  row('sent', 'Messages sent', displayTimeSpan(certificate.firstInstant, certificate.lastInstant));
  row('requested-by', 'Requested by', certificate.requestedBy ? `${certificate.requestedBy.displayName} (${certificate.requestedBy.role})` : 'The retention policy (automatic)');
  row('started', 'Started', displayTime(certificate.startedAt, { seconds: true }));
  row('finished', 'Finished', certificate.finishedAt ? displayTime(certificate.finishedAt, { seconds: true }) : 'not finished');
  row('key', 'Vault key changed', certificate.keyRotated ? 'Yes: copies of the vault left on the disk no longer open with the current key file (see the limit below).' : 'No.');
  if (certificate.keyRotated) row('erase-limit', 'What the wipe cannot reach', ERASE_LIMIT);
  row('source-file', 'Export file', SOURCE_FILE[certificate.sourceFile]);
  row('verification', 'Check after the wipe', certificate.verification ? verificationWords(certificate.verification) : 'Not run yet.');

  const filed = certificate.filed.map(
    (note) =>
      `NHS number ${nhsWords(note.nhsNumber)}: record reference ${note.documentReferenceId ?? 'not returned by the EPR'}${
        note.withdrawal === 'not-marked' ? '. Withdrawn by a clinician, but the record would not mark it entered in error, so it is still current there' : ''
      }`,
  );
  return {
    outcome: certificate.level ? OUTCOME[certificate.level] : 'Not finished: the wipe is completed at the next sign-in.',
    rows,
    filedHeading: 'Filed in the patient record and verified before the wipe',
    filed,
    nothingFiled: filed.length === 0 ? 'Nothing was filed from this chat.' : null,
    overrideHeading: 'Clinician’s reason for wiping it anyway',
    overridden: certificate.overriddenProblems ?? [],
  };
}
