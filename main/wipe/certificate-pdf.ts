/**
 * A wipe certificate as a one-page PDF, for the records of whoever asked for the wipe and for
 * auditors, in the words the screen shows (shared/wording/wipe-certificate.ts). It states what the
 * vault keeps (shared/domain/wipe.ts) and the certificate's
 * SHA-256, which the audit trail's `wipe-verified` entry also holds: the PDF can be checked
 * against the tamper-evident trail.
 */
import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { WipeCertificate } from '../../shared/domain/wipe';
import { certificateWording } from '../../shared/wording/wipe-certificate';
import { AUDIT_FONT_FILES, defaultFontsDir } from '../audit/fonts';
import { PartialFile } from '../exports/partial-file';
import { join } from 'node:path';

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
  const wording = certificateWording(certificate);
  tag('P', () => doc.font('bold').fontSize(11).fillColor(certificate.level === 'failed' ? '#d5281b' : '#000000').text(wording.outcome).moveDown(0.5));
  for (const { label, value } of wording.rows) row(label, value);
  doc.moveDown(0.5);
  tag('H2', () => doc.font('bold').fontSize(11).fillColor('#000000').text(wording.filedHeading));
  if (wording.nothingFiled !== null) tag('P', () => doc.font('regular').fontSize(10).text(wording.nothingFiled!));
  for (const line of wording.filed) tag('P', () => doc.font('regular').fontSize(10).text(line));
  if (certificate.overrideReason !== null) {
    const reason = certificate.overrideReason;
    tag('H2', () => doc.moveDown(0.5).font('bold').fontSize(11).text(wording.overrideHeading));
    if (wording.overridden.length > 0) tag('P', () => doc.font('regular').fontSize(10).text('Wardscribe had said, before the wipe:'));
    for (const problem of wording.overridden) tag('P', () => doc.font('regular').fontSize(10).text(`\u2022 ${problem}`));
    if (wording.overridden.length > 0) tag('P', () => doc.font('regular').fontSize(10).text('The clinician\u2019s reason:'));
    tag('P', () => doc.font('regular').fontSize(10).text(reason));
  }
  doc.moveDown();
  tag('P', () =>
    doc.font('regular').fontSize(8).fillColor('#444444').text(
      input.trailSha256 === undefined || input.trailSha256 === input.certificateSha256
        ? `Certificate SHA-256 ${input.certificateSha256}. The audit trail’s entry for this wipe holds the same digest.`
        : `Certificate SHA-256 ${input.certificateSha256}. The audit trail’s entry for this wipe holds ${input.trailSha256}, the SHA-256 of this certificate as auditors see it (file name and NHS numbers withheld).`,
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
