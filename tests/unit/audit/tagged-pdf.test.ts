import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePDFRawStream, PDFArray, PDFBool, PDFDict, PDFDocument, PDFName, PDFString, type PDFRawStream } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_NAMES } from '../../../main/audit/export-format';
import { AUDIT_ACTION_WORDS } from '../../../shared/domain/audit';
import { verifyTrailPdf } from '../../../main/audit/verify-trail';
import { tempDir } from '../../support/temp';
import { exportFixture } from './support/export';
import { makeTrail, USERS, type TrailFixture } from './support/fixtures';
import { replaceAttachment } from './support/pdf-tamper';

/** One node of `pdfinfo -struct-text`: its type, its own text and its children, by indentation. */
interface StructNode {
  readonly type: string;
  readonly text: string[];
  readonly children: StructNode[];
}

/** Reads the structure tree as poppler (the independent reader) sees it. */
function popplerStructure(path: string): StructNode {
  const output = execFileSync('pdfinfo', ['-struct-text', path], { encoding: 'utf8' });
  const root: StructNode = { type: 'root', text: [], children: [] };
  const stack: { indent: number; node: StructNode }[] = [{ indent: -1, node: root }];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const content = line.trim();
    while (stack.length > 1 && stack.at(-1)!.indent >= indent) stack.pop();
    const parent = stack.at(-1)!.node;
    if (content.startsWith('"')) parent.text.push(JSON.parse(content) as string);
    else if (content.startsWith('/')) continue; // an attribute line (/Scope /Column)
    else {
      const node: StructNode = { type: content.replace(/[:\s].*$/, ''), text: [], children: [] };
      parent.children.push(node);
      stack.push({ indent, node });
    }
  }
  return root;
}

const textOf = (node: StructNode): string => [...node.text, ...node.children.map(textOf)].join('');

/**
 * Content stream operators outside any marked-content sequence (BDC/BMC … EMC), and the stroke
 * and fill operators that are not inside an /Artifact: what a screen reader would meet untagged.
 */
function unmarkedOperators(content: string): { untaggedText: number; drawingOutsideArtifacts: number; artifacts: number; tagged: number } {
  const tokens = content.match(/\((?:\\.|[^\\)])*\)|<<|>>|<[0-9A-Fa-f\s]*>|\[|\]|\/[^\s/[\]()<>]+|[^\s/[\]()<>]+/g) ?? [];
  const stack: string[] = [];
  // The tag is the last name outside a property dictionary (/Artifact << /Type /Layout >> BDC).
  let lastName = '';
  let dictionaryDepth = 0;
  const result = { untaggedText: 0, drawingOutsideArtifacts: 0, artifacts: 0, tagged: 0 };
  for (const token of tokens) {
    if (token === '<<') dictionaryDepth++;
    else if (token === '>>') dictionaryDepth--;
    else if (token.startsWith('/') && dictionaryDepth === 0) lastName = token;
    if (token === 'BDC' || token === 'BMC') {
      stack.push(lastName);
      if (lastName === '/Artifact') result.artifacts++;
      else result.tagged++;
    } else if (token === 'EMC') stack.pop();
    else if (token === 'Tj' || token === 'TJ' || token === "'" || token === '"') {
      if (stack.length === 0) result.untaggedText++;
    } else if (token === 'S' || token === 'f' || token === 'B' || token === 're') {
      if (!stack.includes('/Artifact')) result.drawingOutsideArtifacts++;
    }
  }
  return result;
}

describe('the audit trail PDF is tagged (screen readers read it in order)', () => {
  const folder = tempDir('wardscribe-tagged-trail-');
  let trail: TrailFixture;
  let exported: Awaited<ReturnType<typeof exportFixture>>;
  let structure: StructNode;
  const pin = () => ({ expectedKeyFingerprint: trail.key.fingerprint });

  beforeAll(async () => {
    trail = makeTrail(150);
    exported = await exportFixture(trail, folder.path);
    structure = popplerStructure(exported.path);
  });
  afterAll(() => folder.remove());

  it('poppler reads it as tagged, in en-GB, showing its title', async () => {
    const info = execFileSync('pdfinfo', [exported.path], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^Title:\s+Wardscribe audit trail — Ward 7 — St Elsewhere$/m);
    const pdf = await PDFDocument.load(exported.bytes);
    expect(pdf.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('en-GB');
    expect(pdf.catalog.lookup(PDFName.of('ViewerPreferences'), PDFDict).lookup(PDFName.of('DisplayDocTitle'), PDFBool).asBoolean()).toBe(true);
    expect(pdf.catalog.lookup(PDFName.of('MarkInfo'), PDFDict).lookup(PDFName.of('Marked'), PDFBool).asBoolean()).toBe(true);
  });

  it('has a heading, the export details as paragraphs, a second heading, the column titles and the entries, in that order', () => {
    expect(structure.children.map((node) => node.type)).toEqual(['Document']);
    const document = structure.children[0]!;
    const types = document.children.map((node) => node.type);
    expect(types).toEqual(['H1', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'H2', ...Array(1 + 150).fill('P')]);
    expect(textOf(document.children[0]!)).toBe('Wardscribe audit trail');
    expect(textOf(document.children[1]!)).toBe('Site: Ward 7 — St Elsewhere');
    expect(textOf(document.children[4]!)).toContain(`Exported by: ${USERS[3]!.displayName}`);
    expect(textOf(document.children[9]!)).toBe('Entries');
  });

  it('reads the column titles once, then each entry as one paragraph, its cells apart and in column order, in sequence order across every page', () => {
    const [titles, ...rows] = structure.children[0]!.children.slice(10);
    expect(exported.pageCount).toBeGreaterThan(2);
    // The column titles repeated on later pages are page furniture, not read again.
    expect(textOf(titles!).trim()).toBe('Seq Time (local) Role: user Action Objects Outcome Entry hash');
    const entries = trail.store.storedEntries.slice(0, 150);
    expect(rows).toHaveLength(entries.length);
    rows.forEach((row, index) => {
      const entry = entries[index]!;
      const read = textOf(row);
      expect(read.startsWith(`${entry.sequence} ${entry.time.local.slice(0, 10)} ${entry.time.local.slice(11, 19)} `), `entry ${entry.sequence}: ${read}`).toBe(true);
      // The action in words, as on the audit screen.
      expect(read).toContain(` ${AUDIT_ACTION_WORDS[entry.action]} `);
      expect(read.trimEnd().endsWith(` ${entry.entryHash.slice(0, 12)}`)).toBe(true);
    });
    // A cell wrapped over lines reads as words, not run together; an identifier broken mid-word reads whole.
    const read = rows.map(textOf).join('\n');
    expect(read).toContain('transcription urn:uuid:');
    expect(read).not.toMatch(/transcriptionurn|failure:epr/);
    expect(read).toContain('failure: epr-timeout');
    expect(textOf(rows[1]!)).toContain(' clinician: Ελένη Παπαδοπούλου ');
    // A right-to-left name still ends its cell: the next cell's words do not run into it.
    expect(textOf(rows[2]!)).toMatch(/ clinician: \S.* Signed out /);
  });

  it('puts every drawn text in marked content, and the rules, shading and footers in artifacts', async () => {
    const pdf = await PDFDocument.load(exported.bytes);
    const structText = textOf(structure);
    const pages = pdf.getPages();
    for (const [index, page] of pages.entries()) {
      const contents = page.node.lookup(PDFName.of('Contents'));
      const streams = contents instanceof PDFArray ? contents.asArray().map((item) => pdf.context.lookup(item)) : [contents];
      const text = streams.map((stream) => Buffer.from(decodePDFRawStream(stream as PDFRawStream).decode()).toString('latin1')).join('\n');
      const counts = unmarkedOperators(text);
      expect(counts.untaggedText, `page ${index + 1}`).toBe(0);
      expect(counts.drawingOutsideArtifacts, `page ${index + 1}`).toBe(0);
      expect(counts.artifacts).toBeGreaterThan(1);
      // The last page may hold only the last few rows.
      expect(counts.tagged).toBeGreaterThan(index === pages.length - 1 ? 0 : 10);
    }
    // Page furniture is not read out between the rows.
    expect(structText).not.toContain('Page 1 of');
    expect(structText).not.toContain('on this page');
  });

  it('still verifies, with the structure sealed: a screen-reader text or a stripped tree added later fails', async () => {
    expect((await verifyTrailPdf(exported.bytes, pin())).problems).toEqual([]);

    // /ActualText is read instead of what the page draws: the pages are unchanged, the seal is not.
    const relabelled = await PDFDocument.load(exported.bytes);
    const root = relabelled.catalog.lookup(PDFName.of('StructTreeRoot'), PDFDict);
    const document = root.lookup(PDFName.of('K'), PDFArray).lookup(0, PDFDict);
    const firstEntry = document.lookup(PDFName.of('K'), PDFArray).lookup(11, PDFDict);
    firstEntry.set(PDFName.of('ActualText'), PDFString.of('1 sign-in success: reviewed by Dr Forged'));
    // (poppler 22 does not print /ActualText; NVDA, JAWS and Acrobat read it in place of the entry.)
    const forged = await relabelled.save({ useObjectStreams: false, updateFieldAppearances: false });
    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(report.pagesVerified).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'page-content-mismatch', message: expect.stringContaining('screen readers') })]);

    // Rows read in another order than printed: poppler shows entry 2 first.
    const reordered = await PDFDocument.load(exported.bytes);
    const rows = reordered.catalog.lookup(PDFName.of('StructTreeRoot'), PDFDict).lookup(PDFName.of('K'), PDFArray).lookup(0, PDFDict).lookup(PDFName.of('K'), PDFArray);
    const [first, second] = [rows.get(11), rows.get(12)];
    rows.set(11, second);
    rows.set(12, first);
    const reorderedBytes = await reordered.save({ useObjectStreams: false, updateFieldAppearances: false });
    const reorderedPath = join(folder.path, 'reordered.pdf');
    writeFileSync(reorderedPath, reorderedBytes);
    const readRows = popplerStructure(reorderedPath).children[0]!.children.slice(11, 13);
    expect(readRows.map((row) => textOf(row).split(' ')[0])).toEqual(['2', '1']);
    expect((await verifyTrailPdf(reorderedBytes, pin())).problems).toEqual([expect.objectContaining({ kind: 'page-content-mismatch', message: expect.stringContaining('screen readers') })]);

    const stripped = await PDFDocument.load(exported.bytes);
    stripped.catalog.delete(PDFName.of('StructTreeRoot'));
    const strippedReport = await verifyTrailPdf(await stripped.save({ useObjectStreams: false, updateFieldAppearances: false }), pin());
    expect(strippedReport.problems).toEqual([expect.objectContaining({ kind: 'page-content-mismatch', message: expect.stringContaining('screen readers') })]);
  });

  it('an export sealed before the trail PDF was tagged still verifies; a tree its seal does not cover fails', async () => {
    // What an export from before had: no tags in the catalog, a page seal without `structure`.
    const resign = (text: string) => {
      const { format, exportCheckpointSha256, pages } = JSON.parse(text) as { format: 'wardscribe-audit-page-seal/1'; exportCheckpointSha256: string; pages: string[] };
      return JSON.stringify(trail.log.signPageSeal({ format, exportCheckpointSha256, pages }));
    };
    const untagged = await PDFDocument.load(exported.bytes);
    for (const key of ['Lang', 'MarkInfo', 'StructTreeRoot', 'ViewerPreferences']) untagged.catalog.delete(PDFName.of(key));
    const older = await replaceAttachment(await untagged.save({ useObjectStreams: false, updateFieldAppearances: false }), ATTACHMENT_NAMES.pageSeal, resign);
    expect((await verifyTrailPdf(older, pin())).problems).toEqual([]);

    const treeUnsealed = await replaceAttachment(exported.bytes, ATTACHMENT_NAMES.pageSeal, resign);
    expect((await verifyTrailPdf(treeUnsealed, pin())).problems).toEqual([
      expect.objectContaining({ kind: 'page-content-mismatch', message: expect.stringContaining('that this export was not sealed with') }),
    ]);
  });

  it('tags an empty export too: the message that nothing matches is a paragraph', async () => {
    const empty = await exportFixture(trail, folder.path, 'empty.pdf', { userId: 'u-nobody' });
    const document = popplerStructure(empty.path).children[0]!;
    expect(document.children.map((node) => node.type)).toEqual(['H1', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P']);
    expect(textOf(document.children.at(-2)!)).toContain('Seq Time (local)');
    expect(textOf(document.children.at(-1)!)).toBe('No entries match this selection.');
    expect((await verifyTrailPdf(empty.bytes, pin())).problems).toEqual([]);
  });
});
