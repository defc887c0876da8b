import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFString,
  type PDFDocument,
} from 'pdf-lib';

/** One file embedded in a PDF, as the document's EmbeddedFiles name tree lists it. */
export interface PdfAttachment {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Reads every embedded file of a loaded PDF: walks the EmbeddedFiles name tree (leaves and
 * kids) and decodes each file stream (Flate and the other standard filters).
 */
export function readPdfAttachments(pdf: PDFDocument): PdfAttachment[] {
  const names = pdf.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const tree = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  if (!tree) return [];
  const found: PdfAttachment[] = [];
  walkNameTree(tree, found, 0);
  return found;
}

// A forged PDF could nest kids in a loop; real name trees are a few levels deep.
const MAX_TREE_DEPTH = 32;

function walkNameTree(node: PDFDict, found: PdfAttachment[], depth: number): void {
  if (depth > MAX_TREE_DEPTH) throw new Error('The PDF attachment list is nested too deeply.');
  const leaves = node.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (leaves) {
    for (let index = 0; index + 1 < leaves.size(); index += 2) {
      const key = leaves.lookup(index);
      const spec = leaves.lookup(index + 1);
      if (!(spec instanceof PDFDict)) continue;
      const name = key instanceof PDFString || key instanceof PDFHexString ? key.decodeText() : undefined;
      const bytes = fileSpecBytes(spec);
      if (name !== undefined && bytes) found.push({ name, bytes });
    }
  }
  const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
  for (let index = 0; kids && index < kids.size(); index++) {
    const kid = kids.lookup(index);
    if (kid instanceof PDFDict) walkNameTree(kid, found, depth + 1);
  }
}

function fileSpecBytes(spec: PDFDict): Uint8Array | undefined {
  const embedded = spec.lookupMaybe(PDFName.of('EF'), PDFDict);
  const stream = embedded?.lookup(PDFName.of('F'));
  if (!(stream instanceof PDFRawStream)) return undefined;
  return decodePDFRawStream(stream).decode();
}
