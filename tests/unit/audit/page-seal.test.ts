import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, PDFName, rgb, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrailPdf, type TrailReport } from '../../../main/audit/verify-trail';
import { tempDir } from '../../support/temp';
import { exportFixture } from './support/export';
import { makeTrail, type TrailFixture } from './support/fixtures';

const kinds = (report: TrailReport) => report.problems.map((problem) => problem.kind);

/** What poppler reads on one page: proves each forgery below really changes what is printed. */
function pdftotext(folder: string, bytes: Uint8Array, page: number): string {
  const path = join(folder, `read-${page}-${Math.random().toString(16).slice(2)}.pdf`);
  writeFileSync(path, bytes);
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', path, '-'], { encoding: 'utf8' });
}

describe('the page seal: the text drawn on each page is bound into the seal', () => {
  const folder = tempDir('wardscribe-page-seal-');
  let trail: TrailFixture;
  let pdf: Uint8Array;
  const pin = () => ({ expectedKeyFingerprint: trail.key.fingerprint });

  beforeAll(async () => {
    trail = makeTrail(120, { checkpointEvery: 40 });
    pdf = (await exportFixture(trail, folder.path)).bytes;
  });
  afterAll(() => folder.remove());

  it('a fresh export verifies its pages', async () => {
    const report = await verifyTrailPdf(pdf, pin());
    expect(report.problems).toEqual([]);
    expect(report.pageCount).toBeGreaterThan(2);
    expect(report.pagesVerified).toBe(true);
  });

  it('fails page 1 overprinted (a white box and new text), whatever the attachments say', async () => {
    const document = await PDFDocument.load(pdf);
    const page = document.getPage(0);
    const font = await document.embedFont(StandardFonts.Helvetica);
    page.drawRectangle({ x: 30, y: 300, width: 700, height: 120, color: rgb(1, 1, 1) });
    page.drawText('entry 3 reviewed and approved by Dr Forged', { x: 40, y: 360, size: 9, font });
    const forged = await document.save({ useObjectStreams: false });
    expect(pdftotext(folder.path, forged, 1)).toContain('by Dr Forged');
    expect(pdftotext(folder.path, pdf, 1)).not.toContain('Dr Forged');

    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'page-content-mismatch', page: 1 })]);
  });

  it('fails a page reprinted from another export, and a page given an annotation', async () => {
    const other = (await exportFixture(makeTrail(120, { checkpointEvery: 40, start: new Date('2024-05-02T08:00:00.000Z') }), folder.path, 'other.pdf')).bytes;
    const document = await PDFDocument.load(pdf);
    const [stranger] = await document.copyPages(await PDFDocument.load(other), [1]);
    document.removePage(1);
    document.insertPage(1, stranger!);
    const reprinted = await document.save({ useObjectStreams: false });
    expect(pdftotext(folder.path, reprinted, 2)).not.toBe(pdftotext(folder.path, pdf, 2));
    expect((await verifyTrailPdf(reprinted, pin())).problems).toContainEqual(expect.objectContaining({ kind: 'page-content-mismatch', page: 2 }));

    const annotated = await PDFDocument.load(pdf);
    const target = annotated.getPage(2);
    const note = annotated.context.obj({ Type: 'Annot', Subtype: 'FreeText', Rect: [40, 300, 400, 330], Contents: 'Entry corrected by Dr Forged', DA: '/Helv 9 Tf 0 g' });
    target.node.set(PDFName.of('Annots'), annotated.context.obj([annotated.context.register(note)]));
    const report = await verifyTrailPdf(await annotated.save({ useObjectStreams: false }), pin());
    expect(kinds(report)).toEqual(['page-content-mismatch']);
    expect(report.problems[0]).toMatchObject({ page: 3 });
  });

  it('fails an export whose page seal was removed or re-signed by another key', async () => {
    const { replaceAttachment } = await import('./support/pdf-tamper');
    const { ATTACHMENT_NAMES } = await import('../../../main/audit/export-format');
    const stripped = await replaceAttachment(pdf, ATTACHMENT_NAMES.pageSeal, (text) => text.replace(/"pages":\["[0-9a-f]{64}"/, `"pages":["${'0'.repeat(64)}"`));
    expect(kinds(await verifyTrailPdf(stripped, pin()))).toEqual(['page-seal-invalid']);
  });
});
