import { PDFBool, PDFDict, PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrailPdf, type TrailReport } from '../../../main/audit/verify-trail';
import { tempDir } from '../../support/temp';
import { exportFixture } from './support/export';
import { makeTrail, type TrailFixture } from './support/fixtures';

const kinds = (report: TrailReport) => [...new Set(report.problems.map((problem) => problem.kind))];
const messages = (report: TrailReport) => report.problems.map((problem) => problem.message).join('\n');

/**
 * The page seal covers what each page draws; these are the attacks on the document around the
 * pages (from a cold attack on #14), each of which verified before the catalog was allow-listed.
 */
describe('verify-trail refuses what the page seal cannot cover', () => {
  const folder = tempDir('wardscribe-document-structure-');
  let trail: TrailFixture;
  let pdf: Uint8Array;
  const pin = () => ({ expectedKeyFingerprint: trail.key.fingerprint });
  // Edited as a PDF editor would (a full re-save, pages and attachments untouched).
  const edit = async (change: (document: PDFDocument) => void | Promise<void>) => {
    const document = await PDFDocument.load(pdf, { updateMetadata: false });
    await change(document);
    return document.save({ useObjectStreams: false });
  };

  beforeAll(async () => {
    trail = makeTrail(30);
    pdf = (await exportFixture(trail, folder.path)).bytes;
  });
  afterAll(() => folder.remove());

  it('passes Wardscribe’s own export, and the same export re-saved without changes', async () => {
    expect((await verifyTrailPdf(pdf, pin())).problems).toEqual([]);
    expect((await verifyTrailPdf(await edit(() => undefined), pin())).problems).toEqual([]);
  });

  it('fails document-level JavaScript run at open (OpenAction and the JavaScript name tree), naming what it found', async () => {
    const js = 'this.addAnnot({page:0,type:"FreeText",rect:[40,600,560,760],contents:"Entry 3: action by Dr X"});';
    const forged = await edit((document) => {
      const action = document.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of(js) });
      document.catalog.set(PDFName.of('OpenAction'), action);
      document.catalog.lookup(PDFName.of('Names'), PDFDict).set(PDFName.of('JavaScript'), document.context.obj({ Names: [PDFString.of('x'), action] }));
    });
    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual(['document-feature-not-allowed']);
    expect(messages(report)).toContain('/OpenAction (an action run when the file is opened)');
    expect(messages(report)).toContain('/JavaScript tree');
  });

  it('fails catalog additional actions, page labels and bookmarks', async () => {
    const forged = await edit((document) => {
      const action = document.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of('app.alert(1)') });
      document.catalog.set(PDFName.of('AA'), document.context.obj({ WC: action }));
      document.catalog.set(PDFName.of('PageLabels'), document.context.obj({ Nums: [0, document.context.obj({ S: 'D', St: 7 })] }));
    });
    const report = await verifyTrailPdf(forged, pin());
    expect(kinds(report)).toEqual(['document-feature-not-allowed']);
    expect(messages(report)).toContain('/AA (actions run on viewer events)');
    expect(messages(report)).toContain('/PageLabels');
  });

  it('fails an XFA form that a viewer draws instead of the sealed pages', async () => {
    const forged = await edit((document) => {
      const xfa = document.context.stream('<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform><draw><value><text>Audit trail: entry 3 by Dr X</text></value></draw></subform></template></xdp:xdp>');
      document.catalog.set(PDFName.of('AcroForm'), document.context.obj({ Fields: [], XFA: document.context.register(xfa) }));
      document.catalog.set(PDFName.of('NeedsRendering'), PDFBool.True);
    });
    const report = await verifyTrailPdf(forged, pin());
    expect(kinds(report)).toEqual(['document-feature-not-allowed']);
    expect(messages(report)).toContain('/AcroForm (an interactive form)');
    expect(messages(report)).toContain('/NeedsRendering');
  });

  it('fails an extra embedded file, which could pose as evidence beside the sealed ones', async () => {
    const forged = await edit((document) => document.attach(Buffer.from('{"note":"entry 3 was approved"}'), 'reviewer-note.json', { mimeType: 'application/json' }));
    const report = await verifyTrailPdf(forged, pin());
    expect(kinds(report)).toEqual(['document-feature-not-allowed']);
    expect(messages(report)).toContain('"reviewer-note.json"');
  });

  it('fails a page-tree node given attributes of its own (inherited resources)', async () => {
    const forged = await edit((document) => {
      document.catalog.lookup(PDFName.of('Pages'), PDFDict).set(PDFName.of('Rotate'), document.context.obj(90));
    });
    const report = await verifyTrailPdf(forged, pin());
    expect(report.ok).toBe(false);
    expect(messages(report)).toContain('The page tree has /Rotate');
  });

  it('fails an incremental update appended after the sealed revision, even one that changes nothing a page shows', async () => {
    const text = Buffer.from(pdf).toString('latin1');
    const previous = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
    const catalog = await PDFDocument.load(pdf, { updateMetadata: false });
    const root = catalog.context.trailerInfo.Root!.toString().replace(/ R$/, '');
    const [objectNumber] = root.split(' ');
    const body = `\n${root} obj\n${catalog.catalog.toString()}\nendobj\n`;
    const objectOffset = pdf.length + 1;
    const xrefOffset = pdf.length + Buffer.byteLength(body, 'latin1');
    const size = catalog.context.largestObjectNumber + 1;
    const update =
      body +
      `xref\n0 1\n0000000000 65535 f \n${objectNumber} 1\n${String(objectOffset).padStart(10, '0')} 00000 n \n` +
      `trailer\n<< /Size ${size} /Root ${root} R /Prev ${previous} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    const appended = Buffer.concat([Buffer.from(pdf), Buffer.from(update, 'latin1')]);
    // The appended revision is well-formed: pdf-lib reads it back with the same catalog.
    expect((await PDFDocument.load(appended)).getPageCount()).toBe(catalog.getPageCount());

    const report = await verifyTrailPdf(appended, pin());
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual(['incremental-update']);
    expect(messages(report)).toContain('changed after it was sealed');
  });

  it('fails bytes appended after the end of the file', async () => {
    const report = await verifyTrailPdf(Buffer.concat([Buffer.from(pdf), Buffer.from('\n1 0 obj\n<< >>\nendobj\n', 'latin1')]), pin());
    expect(kinds(report)).toContain('incremental-update');
  });
});
