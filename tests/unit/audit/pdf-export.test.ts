import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { ATTACHMENT_NAMES, PageManifestSchema } from '../../../main/audit/export-format';
import { sha256Hex } from '../../../main/audit/hash';
import { readPdfAttachments } from '../../../main/audit/pdf-attachments';
import { writeAuditPdf } from '../../../main/audit/pdf-export';
import { formatFingerprint } from '../../../main/audit/signing';
import { verifyTrailPdf } from '../../../main/audit/verify-trail';
import { tempDir } from '../../support/temp';
import { makeTrail, USERS, type TrailFixture } from './support/fixtures';
import { exportFixture } from './support/export';
import { AUDIT_ACTION_WORDS } from '../../../shared/domain/audit';
import { compactTime, failureCountReason } from '../../../shared/domain/sign-in-failures';

/** The PDF's text as poppler lays it out, one string per page. */
function pdfTextPages(path: string): string[] {
  return execFileSync('/usr/bin/pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).split('\f').slice(0, -1);
}

describe('audit PDF export', () => {
  const folder = tempDir('wardscribe-audit-pdf-');
  let trail: TrailFixture;
  let exported: Awaited<ReturnType<typeof exportFixture>>;
  let pages: string[];

  beforeAll(async () => {
    trail = makeTrail(150);
    exported = await exportFixture(trail, folder.path);
    pages = pdfTextPages(exported.path);
  });
  afterAll(() => folder.remove());

  it('prints every entry: sequence, action in words (as the audit screen says it) and user names in any script', () => {
    const text = pages.join('\n');
    for (const entry of trail.store.storedEntries.slice(0, 150)) {
      const row = new RegExp(`^\\s*${entry.sequence}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}`, 'm');
      expect(text, `entry ${entry.sequence}`).toMatch(row);
    }
    // Without -layout a wrapped cell's words stay in reading order.
    const flowing = execFileSync('/usr/bin/pdftotext', [exported.path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const action of new Set(trail.store.storedEntries.map((entry) => entry.action))) expect(flowing, action).toContain(AUDIT_ACTION_WORDS[action]);
    expect(flowing).not.toContain('transcription-drafted');
    expect(text).toContain('clinician: Ελένη Παπαδοπούλου');
    expect(text).toContain('clerk: Sam Carter');
    // Arabic is laid out right to left, so check its words rather than their visual order.
    expect(text).toContain('مريم');
    expect(text).toContain('حداد');
    expect(text).toContain(`Exported by: ${USERS[3]!.displayName}`);
  });

  it('prints the key fingerprint, and on every page its entry range, the head and "x of y"', async () => {
    const manifestBytes = readPdfAttachments(await PDFDocument.load(exported.bytes)).find(
      (attachment) => attachment.name === ATTACHMENT_NAMES.manifest,
    )!.bytes;
    const manifest = PageManifestSchema.parse(JSON.parse(new TextDecoder().decode(manifestBytes)));
    expect(exported.pageCount).toBeGreaterThan(2);
    expect(pages).toHaveLength(exported.pageCount);
    expect(manifest.pages).toHaveLength(exported.pageCount);
    expect(pages[0]).toContain(formatFingerprint(trail.key.fingerprint));
    pages.forEach((page, index) => {
      const listed = manifest.pages[index]!;
      expect(page).toContain(`Entries ${listed.firstSequence}–${listed.lastSequence} on this page`);
      expect(page).toContain(`Chain head: entry ${manifest.head.sequence}, SHA-256 ${manifest.head.hash}`);
      expect(page).toContain(`Page ${index + 1} of ${exported.pageCount}`);
      // The printed rows are exactly the manifest's range: first and last sequence start rows.
      expect(page).toMatch(new RegExp(`^\\s*${listed.firstSequence}\\s+\\d{4}-`, 'm'));
      expect(page).toMatch(new RegExp(`^\\s*${listed.lastSequence}\\s+\\d{4}-`, 'm'));
    });
    expect(manifest.pages.at(-1)!.lastSequence).toBe(150);
  });

  it('embeds the entries, checkpoints and public key as attachments, byte for byte', async () => {
    const attachments = readPdfAttachments(await PDFDocument.load(exported.bytes));
    const byName = new Map(attachments.map((attachment) => [attachment.name, new TextDecoder().decode(attachment.bytes)]));
    const lines = byName.get(ATTACHMENT_NAMES.entries)!.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { entryHash: string }).entryHash)).toEqual(
      trail.store.storedEntries.slice(0, 150).map((entry) => entry.entryHash),
    );
    expect(byName.get(ATTACHMENT_NAMES.publicKey)).toBe(trail.key.publicKeyPem);
    const checkpoints = byName.get(ATTACHMENT_NAMES.checkpoints)!.trimEnd().split('\n');
    expect(checkpoints).toHaveLength(150 / 25 + 1); // interval checkpoints, then the export seal
  });

  it('records the export itself, with the PDF file hash, after the sealed head', () => {
    const last = trail.store.storedEntries.at(-1)!;
    expect(last.action).toBe('export');
    expect(last.hashes.exportSha256).toBe(sha256Hex(exported.bytes));
    expect(trail.store.storedCheckpoints.at(-1)!.kind).toBe('export');
  });

  it('verifies a fresh export, and a filtered one', async () => {
    const report = await verifyTrailPdf(exported.bytes, { expectedKeyFingerprint: trail.key.fingerprint });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entryCount: 150, firstSequence: 1, lastSequence: 150, pageCount: exported.pageCount });

    const filtered = await exportFixture(trail, folder.path, 'greek.pdf', { userId: USERS[1]!.userId });
    const filteredReport = await verifyTrailPdf(filtered.bytes, { expectedKeyFingerprint: trail.key.fingerprint });
    expect(filteredReport.problems).toEqual([]);
    expect(filteredReport.filtered).toBe(true);
    expect(filteredReport.entryCount).toBe(trail.store.storedEntries.filter((entry) => entry.actor?.userId === USERS[1]!.userId).length);
    expect(pdfTextPages(filtered.path).join('\n')).not.toContain('clerk: Sam Carter');
  });

  it('stops when cancelled, reporting progress and leaving no file', async () => {
    const big = makeTrail(600);
    const controller = new AbortController();
    const seen: number[] = [];
    const path = join(folder.path, 'cancelled.pdf');
    const exporting = writeAuditPdf(
      {
        entries: big.store.storedEntries,
        checkpoints: [],
        publicKeyPem: big.key.publicKeyPem,
        site: 'Ward 7',
        filter: {},
        exportedBy: USERS[3]!,
        exportedAt: big.log.currentTime(),
        sealExport: (build) => big.log.sealExport(build),
        onProgress: (done) => {
          seen.push(done);
          controller.abort();
        },
        signal: controller.signal,
      },
      path,
    );
    await expect(exporting).rejects.toThrow();
    expect(seen.length).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(folder.path).filter((name) => name.startsWith('cancelled.pdf'))).toEqual([]);
  });

  it('leaves no partial file behind', () => {
    expect(readdirSync(folder.path).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(existsSync(exported.path)).toBe(true);
  });
});

describe('reason codes in the audit PDF', () => {
  const folder = tempDir('wardscribe-audit-pdf-reasons-');
  afterAll(() => folder.remove());

  it('prints the failed sign-ins counted while the trail was closed, and each one kept, in words an auditor reads, not as codes', async () => {
    const trail = makeTrail(3);
    const actor = USERS[0]!;
    trail.log.record({ action: 'sign-in-failures-counted', actor, objects: {}, outcome: { status: 'failure', reason: failureCountReason(153, '2026-11-24T10:00:00.000Z', '2026-11-24T11:05:09.000Z') } });
    trail.log.record({ action: 'sign-in-failed', actor, objects: {}, outcome: { status: 'failure', reason: `wrong-passphrase-at-${compactTime('2026-11-24T11:05:09.000Z')}` } });
    const exported = await exportFixture(trail, folder.path);
    // pdftotext without -layout keeps a wrapped cell's words in reading order.
    const text = execFileSync('/usr/bin/pdftotext', [exported.path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('153 failed sign-ins between 2026-11-24 10:00:00 UTC and 2026-11-24 11:05:09 UTC');
    expect(text).toContain('wrong passphrase at 2026-11-24 11:05:09 UTC');
    expect(text).not.toMatch(/153-from-|wrong-passphrase-at-/);
    // A code with no numbers in it stays as it is (the fixture's own failures).
    expect(text).toContain('failure: epr-timeout');
  });
});

