/**
 * A wipe certificate as a one-page PDF, for the records of whoever asked for the wipe and for
 * auditors. It states what the vault keeps (shared/domain/wipe.ts) and the certificate's
 * SHA-256, which the audit trail's `wipe-verified` entry also holds: the PDF can be checked
 * against the tamper-evident trail.
 */
import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { WipeCertificate } from '../../shared/domain/wipe';
import { AUDIT_FONT_FILES, defaultFontsDir } from '../audit/fonts';
import { PartialFile } from '../exports/partial-file';
import { join } from 'node:path';

const LEVEL_TEXT: Readonly<Record<NonNullable<WipeCertificate['level']>, string>> = {
  purge: 'Purge: deleted, vault key rotated (cryptographic erase, NIST SP 800-88), verified',
  clear: 'Clear: deleted and verified; the vault key was NOT rotated',
  failed: 'FAILED: verification found remnants; see the findings below',
};

const SOURCE_FILE_TEXT: Readonly<Record<WipeCertificate['sourceFile'], string>> = {
  'not-requested': 'Not requested: the export file was left where it was',
  requested: 'Requested, not yet done',
  overwriting: 'Being overwritten',
  overwritten: 'Overwritten with zeros, flushed, truncated and deleted (best effort on SSDs and journaling file systems)',
  'not-found': 'Requested, but the file was no longer there',
  changed: 'Requested, but the file had changed since import, so it was not touched',
  'replaced-by-link': 'Requested, but the file or a folder on its path had been replaced by a link, so nothing was followed or touched: the export may still be on disk',
  failed: 'Requested, but overwriting failed; the file may remain',
};

/**
 * What a purge rests on, printed on every certificate whose key was rotated (issue #14, cold
 * attack): the old vault key survives in stale key files (a rename leaves them, backups keep them),
 * sealed by the workstation keystore, and no wipe rotates that keystore — Electron's safeStorage
 * offers no key of ours to rotate, and the signing key and EPR secrets depend on it too. So the
 * erase holds against copies taken away from this OS account, not against it; the certificate says so.
 */
export const ERASE_LIMIT_TEXT =
  'The vault key was replaced, but stale copies of the vault and of its key file (left on this disk or kept in backups) are protected only by this workstation’s keystore, which a wipe does not rotate: ' +
  'the OS account’s keystore in the desktop app, a key file beside the data folder on the browser-hosted version. Without that keystore a stale copy opens nothing; code running as this OS account, ' +
  'an administrator who can read its keystore, or (browser-hosted) a copy of the whole disk could open one and read the wiped thread.';

export interface CertificatePdfInput {
  readonly certificate: WipeCertificate;
  readonly certificateSha256: string;
  /** The digest the trail's wipe-verified entry keeps (of the auditor's view: wipe-service.ts trailCertificateSha256), when it differs. */
  readonly trailSha256?: string;
  /** Where this workstation is (printed in the header). */
  readonly site: string;
  readonly fontsDir?: string;
}

/** Writes the PDF through a temporary name; resolves with its SHA-256. */
export async function writeCertificatePdf(input: CertificatePdfInput, outputPath: string): Promise<string> {
  const fontsDir = input.fontsDir ?? defaultFontsDir();
  const { certificate } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    // Tagged, in English, titled: screen readers and reflowing viewers read it in order (PDF/UA's basics).
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    info: { Title: 'Wardscribe wipe certificate', Author: 'Wardscribe', Subject: `Wipe ${certificate.wipeId}`, CreationDate: new Date(certificate.finishedAt ?? certificate.startedAt) },
  });
  doc.registerFont('regular', join(fontsDir, AUDIT_FONT_FILES.regular));
  doc.registerFont('bold', join(fontsDir, AUDIT_FONT_FILES.bold));

  const temporary = PartialFile.create(outputPath);
  const done = new Promise<void>((resolve, reject) => {
    const stream = temporary.stream();
    stream.on('finish', resolve).on('error', reject);
    doc.pipe(stream);
  });

  // Every line drawn inside a structure element of one Document, in reading order.
  const root = doc.struct('Document');
  doc.addStructure(root);
  const tag = (type: 'H1' | 'H2' | 'P', draw: () => void) => root.add(doc.struct(type, {}, draw));
  tag('H1', () => doc.font('bold').fontSize(16).text('Wardscribe wipe certificate'));
  tag('P', () => doc.font('regular').fontSize(9).fillColor('#444444').text(input.site).moveDown());
  const row = (label: string, value: string) => {
    tag('P', () => doc.font('bold').fontSize(10).fillColor('#000000').text(label, { continued: true }).font('regular').text(`  ${value}`));
  };
  row('Wipe', certificate.wipeId);
  row('Thread', certificate.threadId);
  row('Export', `${certificate.sourceFileName} (SHA-256 ${certificate.sourceSha256})`);
  row('Contents removed', `${certificate.messageCount} messages, ${certificate.attachmentCount} attachments, ${certificate.draftCount} drafts`);
  if (certificate.imageCount !== undefined) row('Images', `${certificate.imageCount} among the attachments; ${certificate.imagesFiled ?? 0} filed with the verified notes (location and device details removed)`);
  if (certificate.unfiledMediaDestroyed !== undefined) {
    row(
      'Not filed',
      certificate.unfiledMediaDestroyed === 0
        ? 'every attachment of the filed messages was in the record: none destroyed without being filed'
        : `${certificate.unfiledMediaDestroyed} ${certificate.unfiledMediaDestroyed === 1 ? 'attachment' : 'attachments'} of the filed messages destroyed without being filed in the record, as the clinician acknowledged before the wipe`,
    );
  }
  if (certificate.fingerprintsKept !== undefined) row('Kept of them', `a keyed fingerprint of each of ${certificate.fingerprintsKept} messages (no text, sender or time), so a later export never brings them back`);
  row('Messages from', `${certificate.firstInstant ?? 'unknown'} to ${certificate.lastInstant ?? 'unknown'} (UTC)`);
  row('Requested by', certificate.requestedBy ? `${certificate.requestedBy.displayName} (${certificate.requestedBy.role})` : 'The retention policy (automatic)');
  row('Started', certificate.startedAt);
  row('Finished', certificate.finishedAt ?? 'not finished');
  doc.moveDown(0.5);
  tag('H2', () => doc.font('bold').text('Filed in the patient record and verified before the wipe'));
  if (certificate.filed.length === 0) tag('P', () => doc.font('regular').text('Nothing was filed from this thread.'));
  for (const filed of certificate.filed) {
    tag('P', () => doc.font('regular').text(`NHS ${filed.nhsNumber.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3')}: DocumentReference ${filed.documentReferenceId ?? 'unknown'} (${filed.identifier})`));
  }
  if (certificate.overrideReason !== null) {
    const reason = certificate.overrideReason;
    tag('H2', () => doc.moveDown(0.5).font('bold').text('Clinician’s reason for wiping content that was not filed'));
    tag('P', () => doc.font('regular').text(reason));
  }
  doc.moveDown(0.5);
  row('Vault key rotated', certificate.keyRotated ? 'yes: old pages left on the disk no longer open with the current key file (see the limit below)' : 'no');
  row('Export file', SOURCE_FILE_TEXT[certificate.sourceFile]);
  const verification = certificate.verification;
  row(
    'Verification',
    verification
      ? `${verification.status}: ${verification.pagesDecrypted} pages decrypted and ${verification.filesScanned.length} files read raw, searched for ${verification.needles} ` +
          `${verification.textSampled ? 'samples of the wiped text and media and the thread’s canary' : 'canary (finished after a restart, when no text samples are kept)'}; ` +
          `${verification.hits.length + verification.problems.length === 0 ? 'nothing found' : `found: ${[...verification.hits, ...verification.problems].join(', ')}`}`
      : 'not run',
  );
  row('Level achieved', certificate.level ? LEVEL_TEXT[certificate.level] : 'not finished');
  if (certificate.keyRotated) row('Limit of the erase', ERASE_LIMIT_TEXT);
  doc.moveDown();
  tag('P', () =>
    doc.font('regular').fontSize(8).fillColor('#444444').text(
      input.trailSha256 === undefined || input.trailSha256 === input.certificateSha256
        ? `Certificate SHA-256 ${input.certificateSha256}. The audit trail's wipe-verified entry for this wipe holds the same digest.`
        : `Certificate SHA-256 ${input.certificateSha256}. The audit trail's wipe-verified entry holds ${input.trailSha256}, the SHA-256 of this certificate as auditors see it (file name and NHS numbers withheld).`,
    ),
  );
  root.end();
  doc.end();
  let bytes: Buffer;
  try {
    await done;
    bytes = temporary.read();
    temporary.commit(outputPath);
  } catch (error) {
    temporary.discard();
    throw error;
  }
  return createHash('sha256').update(bytes).digest('hex');
}
