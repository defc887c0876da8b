import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PDFRef } from 'pdf-lib';
import { PDFArray, PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrailPdf } from '../../../main/audit/verify-trail';
import { tempDir } from '../../support/temp';
import { exportFixture } from './support/export';
import { makeTrail, type TrailFixture } from './support/fixtures';

/**
 * #14 F1/F2: pdf-lib (the verifier's parser) keeps the last definition of an object number; viewers
 * follow the cross-reference offsets. Each forgery here puts a second definition where the xref
 * points, leaves the sealed one later in the file, and is checked with poppler to show that a
 * viewer really sees the forgery — so a pass from verify-trail would be a false "intact".
 */
describe('verify-trail refuses a PDF that viewers and the verifier would read differently', () => {
  const folder = tempDir('wardscribe-pdf-identity-');
  let trail: TrailFixture;
  let pdf: Uint8Array;
  const pin = () => ({ expectedKeyFingerprint: trail.key.fingerprint });
  const poppler = (tool: 'pdftotext' | 'pdfinfo', bytes: Uint8Array, args: string[]) => {
    const path = join(folder.path, `${tool}-${Math.random().toString(36).slice(2)}.pdf`);
    writeFileSync(path, bytes);
    return execFileSync(tool, [...args, path, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  };

  /** Defines object `objectNumber` again right after the header and points the xref at it. */
  const shadow = (objectNumber: number, body: string): Uint8Array => {
    let text = Buffer.from(pdf).toString('latin1');
    const header = /^%PDF-[^\n]*\n(?:%[^\n]*\n)*/.exec(text)![0];
    const inserted = `${objectNumber} 0 obj\n${body}\nendobj\n`;
    text = header + inserted + text.slice(header.length);
    const xrefAt = text.lastIndexOf('\nxref\n') + 1;
    const trailerAt = text.indexOf('trailer', xrefAt);
    let index = -1;
    const table = text.slice(xrefAt, trailerAt).replace(/(\d{10}) (\d{5}) ([nf])/g, (entry, offset: string, generation: string, kind: string) => {
      index += 1;
      if (kind !== 'n') return entry;
      const moved = index === objectNumber ? header.length : Number(offset) + inserted.length;
      return `${String(moved).padStart(10, '0')} ${generation} n`;
    });
    const tail = text.slice(trailerAt).replace(/startxref\s+\d+/, `startxref\n${xrefAt}`);
    return Buffer.from(text.slice(0, xrefAt) + table + tail, 'latin1');
  };

  beforeAll(async () => {
    trail = makeTrail(30);
    pdf = (await exportFixture(trail, folder.path)).bytes;
  });
  afterAll(() => folder.remove());

  it('passes an export, which is exactly what pdf-lib writes for it (the fixed point the check relies on)', async () => {
    const again = await (await PDFDocument.load(pdf, { updateMetadata: false })).save({ useObjectStreams: false, updateFieldAppearances: false });
    expect(Buffer.from(again).equals(Buffer.from(pdf))).toBe(true);
    expect((await verifyTrailPdf(pdf, pin())).problems).toEqual([]);
  });

  it('fails a forged page 1 content stream defined twice: poppler prints the forgery, verify-trail says so', async () => {
    const document = await PDFDocument.load(pdf, { updateMetadata: false });
    const page = document.getPage(0).node;
    let contents = page.get(PDFName.of('Contents'));
    if (contents instanceof PDFArray) contents = contents.get(0);
    const fonts = page.Resources()!.lookup(PDFName.of('Font'), PDFDict);
    const courier = fonts.keys().find((name) => fonts.lookup(name, PDFDict).lookup(PDFName.of('BaseFont'))?.toString() === '/Courier');
    expect(courier).toBeDefined();
    const drawing = `q 1 1 1 rg 0 0 2000 2000 re f Q BT ${courier!.toString()} 14 Tf 60 500 Td (Entry 3 recorded by DrForged) Tj ET`;
    const forged = shadow((contents as PDFRef).objectNumber, `<< /Length ${drawing.length} >>\nstream\n${drawing}\nendstream`);

    const shown = poppler('pdftotext', forged, ['-f', '1', '-l', '1']);
    expect(shown).toContain('DrForged');
    expect(poppler('pdftotext', pdf, ['-f', '1', '-l', '1'])).not.toContain('DrForged');

    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('not-as-written');
    expect(report.problems.map((problem) => problem.message).join('\n')).toContain('an object defined twice');
  });

  it('fails a forged catalog defined twice (JavaScript run at open, page labels): poppler sees it, verify-trail says so', async () => {
    const text = Buffer.from(pdf).toString('latin1');
    const root = Number(/\/Root (\d+) 0 R/.exec(text)![1]);
    const clean = new RegExp(`(?:^|\\n)${root} 0 obj\\n?([\\s\\S]*?)\\nendobj`).exec(text)![1]!.trim();
    const script = "app.alert\\('Entry 3 was made by DrForged'\\);";
    const evil = clean
      .replace(/^<</, `<<\n/OpenAction << /S /JavaScript /JS (${script}) >>\n/PageLabels << /Nums [0 << /S /D /St 7 >>] >>\n`)
      .replace(/\/Names\s+\d+ 0 R/, `/Names << /JavaScript << /Names [(x) << /S /JavaScript /JS (${script}) >>] >> >>`);
    const forged = shadow(root, evil);

    expect(poppler('pdfinfo', forged, ['-js'])).toContain('DrForged');
    expect(poppler('pdfinfo', pdf, ['-js'])).not.toContain('DrForged');

    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('not-as-written');
  });

  it('fails an appended revision whose keywords are spelt with escaped names (/P#72ev, /X#52ef) and whose first end marker is blanked', async () => {
    const text = Buffer.from(pdf).toString('latin1');
    const root = Number(/\/Root (\d+) 0 R/.exec(text)![1]);
    const size = Number(/\/Size (\d+)/.exec(text)![1]);
    const oldXref = Number(/startxref\s+(\d+)/.exec(text)![1]);
    const clean = new RegExp(`(?:^|\\n)${root} 0 obj\\n?([\\s\\S]*?)\\nendobj`).exec(text)![1]!.trim();
    const evil = clean.replace(/\/Names\s+\d+ 0 R/, "/Names << /JavaScript << /Names [(x) << /S /JavaScript /JS (app.alert\\('DrForged'\\);) >>] >> >>");
    // The sealed revision's own `startxref … %%EOF` overwritten with spaces, so only one of each remains.
    const end = /startxref\s+\d+\s+%%EOF\s*$/.exec(text)!;
    let body = text.slice(0, end.index) + ' '.repeat(end[0].length) + '\n';
    const catalogAt = body.length;
    body += `${root} 0 obj\n${evil}\nendobj\n`;
    const xrefNumber = size;
    const xrefAt = body.length;
    const row = (offset: number) => String.fromCharCode(1) + Buffer.from([offset >>> 24, (offset >>> 16) & 255, (offset >>> 8) & 255, offset & 255]).toString('latin1') + '\0\0';
    const rows = row(catalogAt) + row(xrefAt);
    body +=
      `${xrefNumber} 0 obj\n<< /Type /X#52ef /Size ${size + 1} /Index [${root} 1 ${xrefNumber} 1] /W [1 4 2] /Root ${root} 0 R /P#72ev ${oldXref} /Length ${rows.length} >>\nstream\n` +
      `${rows}\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`;
    const forged = Buffer.from(body, 'latin1');
    // Neither keyword nor end marker appears twice in the bytes, yet a viewer reads two revisions.
    expect(body.match(/startxref/g)).toHaveLength(1);
    expect(body.match(/%%EOF/g)).toHaveLength(1);
    expect(body).not.toMatch(/\/Prev\b|\/XRef\b/);
    expect(poppler('pdfinfo', forged, ['-js'])).toContain('DrForged');

    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('not-as-written');
  });

  it('fails an object the cross-reference table does not reach, even when nothing else changed', async () => {
    const text = Buffer.from(pdf).toString('latin1');
    const size = Number(/\/Size (\d+)/.exec(text)![1]);
    const header = /^%PDF-[^\n]*\n(?:%[^\n]*\n)*/.exec(text)![0];
    const stray = `${size} 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n`;
    // Put in the body, before the xref: every xref offset moves, so they are rewritten to match.
    let moved = header + stray + text.slice(header.length);
    const xrefAt = moved.lastIndexOf('\nxref\n') + 1;
    const trailerAt = moved.indexOf('trailer', xrefAt);
    const table = moved.slice(xrefAt, trailerAt).replace(/(\d{10}) (\d{5}) n/g, (_entry, offset: string, generation: string) => `${String(Number(offset) + stray.length).padStart(10, '0')} ${generation} n`);
    moved = moved.slice(0, xrefAt) + table + moved.slice(trailerAt).replace(/startxref\s+\d+/, `startxref\n${xrefAt}`);
    const report = await verifyTrailPdf(Buffer.from(moved, 'latin1'), pin());
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('not-as-written');
  });
});
