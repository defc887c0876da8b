import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, PDFHexString } from 'pdf-lib';

/** Rewrites one embedded file of a PDF in place (as an editor with pdf-lib would) and saves it. */
export async function replaceAttachment(bytes: Uint8Array, name: string, edit: (text: string) => string): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(bytes);
  const tree = pdf.catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict);
  const leaves = tree.lookup(PDFName.of('Names'), PDFArray);
  for (let index = 0; index < leaves.size(); index += 2) {
    const key = leaves.lookup(index);
    if (!(key instanceof PDFString || key instanceof PDFHexString) || key.decodeText() !== name) continue;
    const embedded = leaves.lookup(index + 1, PDFDict).lookup(PDFName.of('EF'), PDFDict);
    const ref = embedded.get(PDFName.of('F'));
    if (!(ref instanceof PDFRef)) throw new Error('embedded file is not an indirect stream');
    const { readPdfAttachments } = await import('../../../../main/audit/pdf-attachments');
    const current = readPdfAttachments(pdf).find((attachment) => attachment.name === name)!;
    const edited = Buffer.from(edit(new TextDecoder().decode(current.bytes)), 'utf8');
    pdf.context.assign(ref, pdf.context.flateStream(edited, { Type: 'EmbeddedFile' }));
    // Written in the layout an export has, so only the edit itself is what verification can find.
    return pdf.save({ useObjectStreams: false, updateFieldAppearances: false });
  }
  throw new Error(`no attachment ${name}`);
}

/** Edits the JSON Lines file: `edit` gets the parsed objects and returns the new list. */
export function editJsonLines(edit: (items: Record<string, unknown>[]) => Record<string, unknown>[]): (text: string) => string {
  return (text) =>
    edit(text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>))
      .map((item) => JSON.stringify(item) + '\n')
      .join('');
}
