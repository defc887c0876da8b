/**
 * The wipe certificate in its readers' words (issue #16, cold trial): the PDF a clinician files
 * away must say what the screen said, with none of the words only Wardscribe's developers use
 * ("keyed fingerprint", "canary", "keystore", NIST, "Purge", urn:uuid, bare UTC instants).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateForRole, type WipeCertificate } from '../../../shared/domain/wipe';
import { displayTime, displayTimeSpan, displayWallClock } from '../../../shared/wording/times';
import { certificateWording } from '../../../shared/wording/wipe-certificate';
import { writeCertificatePdf } from '../../../main/wipe/certificate-pdf';
import { tempDir } from '../../support/temp';
import { SAMPLE_CERTIFICATE } from './support/certificate';

const words = (text: string) => text.replace(/\s+/g, ' ').trim();

const certificate: WipeCertificate = {
  ...SAMPLE_CERTIFICATE,
  firstInstant: '2026-07-01T07:30:00Z',
  lastInstant: '2026-07-01T19:05:00Z',
  startedAt: '2026-07-02T09:00:00.000Z',
  finishedAt: '2026-07-02T09:00:04.000Z',
  attachmentCount: 2,
  imageCount: 1,
  imagesFiled: 1,
  unfiledMediaDestroyed: 1,
  unfiledMessagesDestroyed: 3,
  draftCount: 2,
  requestedBy: { userId: 'u-1', displayName: 'Dr Ada Shah', role: 'clinician' },
  overrideReason: 'The three other messages were thanks and a rota swap.',
  filed: [{ identifier: 'urn:uuid:7b0f1c52-2a8e-4f11-9d8e-0c1c2d3e4f50', documentReferenceId: 'doc-81', nhsNumber: '9434765919' }],
  verification: { status: 'passed', pagesDecrypted: 412, filesScanned: [{ name: 'vault.db', bytes: 1_687_552 }], needles: 9, textSampled: true, hits: [], problems: [] },
};

const JARGON = [/keyed/i, /canary/i, /keystore/i, /NIST/, /\bPurge\b/, /urn:uuid/, /DocumentReference/, /\d{4}-\d\d-\d\dT\d\d:/, /journaling/i, /\bdrafts\b/];

describe('what a wipe certificate says', () => {
  const dir = tempDir('wardscribe-certificate-wording-');
  afterAll(() => dir.remove());

  it('counts the messages destroyed without being in a note, and says when there were none', () => {
    const row = (value: WipeCertificate) => certificateWording(value).rows.find((candidate) => candidate.key === 'unfiled-messages')?.value;
    expect(row(certificate)).toBe('3 messages in no note filed in the record were destroyed, on the reason the clinician gave below.');
    expect(row({ ...certificate, unfiledMessagesDestroyed: 1 })).toBe('1 message in no note filed in the record was destroyed, on the reason the clinician gave below.');
    expect(row({ ...certificate, unfiledMessagesDestroyed: 0 })).toBe('Every message of the chat was in a note filed in the record.');
    // Certificates issued before the count existed say nothing rather than "0".
    const { unfiledMessagesDestroyed: _omitted, ...older } = certificate;
    expect(row(older)).toBeUndefined();
  });

  it('writes every time on the workstation clock with its zone, never a bare UTC instant', () => {
    expect(displayTime('2026-07-01T07:30:00Z', { timeZone: 'Europe/London' })).toBe('1 Jul 2026, 08:30 BST');
    expect(displayTime('2026-01-01T07:30:00Z', { timeZone: 'Europe/London' })).toBe('1 Jan 2026, 07:30 GMT');
    expect(displayTime('2026-07-02T09:00:04.000Z', { timeZone: 'Europe/London', seconds: true })).toBe('2 Jul 2026, 10:00:04 BST');
    expect(displayTime(null)).toBe('unknown');
    expect(displayTime('not a time')).toBe('unknown');
    expect(displayTimeSpan('2026-07-01T07:30:00Z', null, { timeZone: 'UTC' })).toBe('1 Jul 2026, 07:30 UTC to 1 Jul 2026, 07:30 UTC');
    expect(displayTimeSpan(null, null)).toBe('unknown');
    // A chat's own clock reading is written the same way, never shifted to another zone.
    expect(displayWallClock('2024-04-13T20:41:19')).toBe('13 Apr 2024, 20:41');
    expect(displayWallClock('2024-04-13T20:41:19', { seconds: true })).toBe('13 Apr 2024, 20:41:19');
    expect(displayWallClock('2024-04-13T20:41', { seconds: true })).toBe('13 Apr 2024, 20:41:00');
    expect(displayWallClock('not a time')).toBe('not a time');
  });

  it('prints in the PDF every row the screen shows, in the same words and order, and no jargon', async () => {
    const pdf = join(dir.path, 'certificate.pdf');
    await writeCertificatePdf({ certificate, certificateSha256: 'c'.repeat(64), site: 'Ward 7, St Elsewhere' }, pdf);
    const text = words(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }));
    const wording = certificateWording(certificate);
    let from = 0;
    for (const line of [wording.outcome, ...wording.rows.flatMap((row) => [row.label, row.value]), wording.filedHeading, ...wording.filed, wording.overrideHeading, certificate.overrideReason!]) {
      const at = text.indexOf(words(line), from);
      expect(at, `"${line}" after position ${from}`).toBeGreaterThanOrEqual(0);
      from = at;
    }
    expect(text).toContain('NHS number 943 476 5919: record reference doc-81');
    expect(text).toContain(`Messages sent ${displayTimeSpan(certificate.firstInstant, certificate.lastInstant)}`);
    // The digest line is for auditors checking the trail; everything above it is for people.
    const forPeople = text.slice(0, text.indexOf('Certificate SHA-256'));
    for (const jargon of JARGON) expect(forPeople).not.toMatch(jargon);
  });

  it('gives an auditor the same rows with the file name, reason and NHS numbers withheld', () => {
    const wording = certificateWording(certificateForRole(certificate, 'auditor'));
    expect(wording.filed).toEqual(['NHS number ••• ••• 5919: record reference doc-81']);
    expect(JSON.stringify(wording)).not.toContain('9434765919');
    expect(JSON.stringify(wording)).not.toContain('Sister Okafor');
  });

  it('says a failed wipe failed first, in words a clerk would act on', () => {
    const failed = certificateWording({ ...certificate, level: 'failed', verification: { ...certificate.verification!, status: 'failed', hits: ['vault.db-wal:plain'] } });
    expect(failed.outcome).toMatch(/^Failed: the check after the wipe found traces of the wiped chat\. Tell IT/);
    expect(failed.rows.find((row) => row.key === 'verification')!.value).toMatch(/^FAILED: .* found: vault\.db-wal:plain\.$/);
  });
});

describe('a time whose zone this runtime does not know', () => {
  it('is still written, on the workstation clock with its zone named, rather than breaking the screen', () => {
    expect(displayTime('2026-07-01T07:30:00Z', { timeZone: 'Mars/Olympus_Mons' })).toBe(displayTime('2026-07-01T07:30:00Z'));
  });
});
