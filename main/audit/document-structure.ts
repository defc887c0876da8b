/**
 * What the page seal cannot see: the document around the pages. The seal (page-content.ts) hashes
 * what each page draws, but a viewer also obeys the document catalog — an OpenAction or
 * document-level JavaScript run at open can draw annotations over a sealed page, an XFA form
 * (AcroForm /XFA with NeedsRendering) is shown *instead of* the pages, an extra embedded file can
 * pose as evidence — and an incremental update appended after the sealed revision makes a viewer
 * show objects the sealed revision never had. None of that changes a page digest.
 *
 * So the verifier allow-lists exactly the structure Wardscribe's own exports have (pdfkit's
 * document re-saved once by pdf-lib to attach the page seal) and names anything else it finds.
 * An allow-list, not a block-list: PDF gains new ways to act at open; anything unknown fails.
 *
 * Those checks read the document as pdf-lib parsed it, and a PDF can be parsed two ways. pdf-lib
 * reads the file front to back and keeps the *last* definition of each object number; a viewer
 * (poppler, pdf.js, PDFium, Acrobat) follows the cross-reference offsets. A forged page content
 * stream or catalog defined earlier under the same number, with the xref pointing at it, is what
 * every viewer shows and printer prints, while the checks above saw the clean copy (#14 F1/F2).
 * Chasing each way to disagree (duplicate numbers, an offset that lands on another object, objects
 * no xref entry reaches, escaped names such as `/P#72ev` that a byte search misses) is a block-list
 * again. So the file must be exactly the bytes pdf-lib writes for what it parsed: an export is the
 * output of one pdf-lib save, and a pdf-lib save of a pdf-lib save is byte-identical (asserted in
 * tests). When the bytes are that fixed point, each object number is written once, in order, the
 * one xref's offsets are the ones pdf-lib computed for the objects it parsed, and there is one
 * trailer — so the viewer and the verifier see the same objects. The cost: a file re-saved by any
 * other tool fails even if it shows the same thing, and a pdf-lib release that changes how it
 * writes would fail earlier exports (pdf-lib is pinned in package-lock; the tests catch a change).
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFString, type PDFDocument } from 'pdf-lib';

// The catalog keys an export has: pdfkit's Type/Pages/Names, its tagged-PDF entries (Lang, MarkInfo,
// StructTreeRoot, ViewerPreferences: sealed with the pages, page-content.ts readingStructureDigest),
// and pdf-lib's associated files (AF) for the attachments. Everything else (OpenAction, AA,
// AcroForm, NeedsRendering, Outlines, PageLabels, URI, OCProperties, Collection, …) is refused.
const CATALOG_KEYS = new Set(['Type', 'Pages', 'Names', 'AF', 'Lang', 'MarkInfo', 'StructTreeRoot', 'ViewerPreferences']);
// The name trees an export has: pdfkit's (empty) named destinations and the attachments.
const NAMES_KEYS = new Set(['Dests', 'EmbeddedFiles']);
// A page-tree node (not a page: a page's own dictionary is digested by the page seal, inherited
// attributes included) carries only the tree itself.
const PAGE_TREE_KEYS = new Set(['Type', 'Kids', 'Count', 'Parent']);
// The keys of one attachment's file specification as pdf-lib writes them.
const FILE_SPEC_KEYS = new Set(['Type', 'F', 'UF', 'EF', 'Desc', 'AFRelationship']);
// A forged file could nest the page tree without end; an export's is one level deep.
const MAX_TREE_DEPTH = 32;

/** One way the document differs from what Wardscribe writes. Names PDF keys, never content. */
export interface StructureFinding {
  readonly kind: 'document-feature-not-allowed' | 'incremental-update' | 'not-as-written';
  readonly message: string;
}

/**
 * Refuses a file that is not byte for byte what pdf-lib writes for the document it parsed (see the
 * header: the only form in which viewer and verifier are sure to read the same objects). Call
 * before anything else reads `pdf`; a save of a loaded document adds nothing to it.
 */
export async function checkWrittenAsParsed(bytes: Uint8Array, pdf: PDFDocument): Promise<StructureFinding[]> {
  let written: Uint8Array;
  try {
    written = await pdf.save({ useObjectStreams: false, updateFieldAppearances: false });
  } catch {
    written = new Uint8Array();
  }
  if (written.byteLength === bytes.byteLength && Buffer.from(written).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) return [];
  return [
    {
      kind: 'not-as-written',
      message:
        'The PDF is not laid out the way a Wardscribe export is written (an object defined twice, a cross-reference that points elsewhere, objects the index does not reach, or another program’s layout): a viewer may show something other than what was sealed.',
    },
  ];
}

/**
 * Checks the raw bytes (one revision, nothing appended) and the parsed document (catalog, name
 * trees, page tree and attachments allow-listed). `allowedAttachments` are the names the export
 * format embeds; any other embedded file is a finding.
 */
export function checkDocumentStructure(bytes: Uint8Array, pdf: PDFDocument, allowedAttachments: readonly string[]): StructureFinding[] {
  const findings: StructureFinding[] = [...checkSingleRevision(bytes)];
  const refuse = (message: string) => findings.push({ kind: 'document-feature-not-allowed', message });

  if (pdf.context.trailerInfo.Encrypt !== undefined) refuse('The PDF is encrypted; Wardscribe exports never are.');

  const catalog = pdf.catalog;
  for (const key of unexpectedKeys(catalog, CATALOG_KEYS)) {
    refuse(`The document catalog has ${describeKey(key)}, which Wardscribe exports never carry: a viewer may act on it when the file is opened, outside what the page seal covers.`);
  }

  const names = catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  if (names) {
    for (const key of unexpectedKeys(names, NAMES_KEYS)) {
      refuse(`The document's name dictionary has a /${key} tree, which Wardscribe exports never carry.`);
    }
    const dests = names.lookupMaybe(PDFName.of('Dests'), PDFDict);
    const destNames = dests?.lookupMaybe(PDFName.of('Names'), PDFArray);
    if (dests && (unexpectedKeys(dests, new Set(['Names'])).length > 0 || (destNames && destNames.size() > 0))) {
      refuse('The document has named destinations, which Wardscribe exports never carry.');
    }
  }

  const embedded = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const specs = embedded ? listFileSpecs(embedded, refuse) : [];
  const allowed = new Set(allowedAttachments);
  for (const { name, spec } of specs) {
    if (!allowed.has(name)) refuse(`The PDF embeds a file named ${JSON.stringify(printable(name))}, which is not part of a Wardscribe export.`);
    for (const key of unexpectedKeys(spec, FILE_SPEC_KEYS)) refuse(`The attachment ${JSON.stringify(printable(name))} has ${describeKey(key)} in its file specification.`);
  }
  const listed = new Set(specs.map(({ spec }) => spec));
  const associated = catalog.lookupMaybe(PDFName.of('AF'), PDFArray);
  for (let index = 0; associated && index < associated.size(); index++) {
    const spec = associated.lookup(index);
    if (!(spec instanceof PDFDict) || !listed.has(spec)) refuse('The catalog associates a file with the document that is not one of its listed attachments.');
  }

  checkPageTree(catalog.lookupMaybe(PDFName.of('Pages'), PDFDict), refuse);
  return findings;
}

/**
 * An export is written whole, once: one cross-reference section, one `startxref`, one `%%EOF` at
 * the end. A second of any of them, a /Prev link, or bytes after `%%EOF` is an update appended after
 * the sealed revision (what "Save" in many editors and every signature tool does). Streams in an
 * export are Flate-compressed, so these keywords appearing inside one by chance is not a concern.
 */
function checkSingleRevision(bytes: Uint8Array): StructureFinding[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const count = (pattern: RegExp) => (text.match(pattern) ?? []).length;
  const startxrefs = count(/startxref/g);
  const eofs = count(/%%EOF/g);
  const sections = count(/(?:^|[\r\n])xref[\r\n ]/g) + count(/\/Type\s*\/XRef\b/g);
  const previous = count(/\/Prev\s+\d/g);
  const trailing = /%%EOF\s*$/.test(text);
  if (startxrefs === 1 && eofs === 1 && sections <= 1 && previous === 0 && trailing) return [];
  return [
    {
      kind: 'incremental-update',
      message: `The PDF has been changed after it was sealed: it holds ${Math.max(startxrefs, eofs, sections)} revisions${trailing ? '' : ' or data after its end'}, but a Wardscribe export is written once. A viewer shows the latest revision, which the seal does not cover.`,
    },
  ];
}

function checkPageTree(root: PDFDict | undefined, refuse: (message: string) => void): void {
  if (!root) {
    refuse('The document has no page tree.');
    return;
  }
  const seen = new Set<PDFDict>();
  const walk = (node: PDFDict, depth: number) => {
    if (depth > MAX_TREE_DEPTH || seen.has(node)) {
      refuse('The page tree is nested too deeply or loops.');
      return;
    }
    seen.add(node);
    for (const key of unexpectedKeys(node, PAGE_TREE_KEYS)) refuse(`The page tree has ${describeKey(key)}, which Wardscribe exports never carry.`);
    const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
    for (let index = 0; kids && index < kids.size(); index++) {
      const kid = kids.lookup(index);
      if (kid instanceof PDFDict && kid.lookupMaybe(PDFName.of('Type'), PDFName)?.decodeText() === 'Pages') walk(kid, depth + 1);
    }
  };
  walk(root, 0);
}

function listFileSpecs(tree: PDFDict, refuse: (message: string) => void): { name: string; spec: PDFDict }[] {
  const found: { name: string; spec: PDFDict }[] = [];
  const walk = (node: PDFDict, depth: number) => {
    if (depth > MAX_TREE_DEPTH) return;
    const leaves = node.lookupMaybe(PDFName.of('Names'), PDFArray);
    for (let index = 0; leaves && index + 1 < leaves.size(); index += 2) {
      const key = leaves.lookup(index);
      const spec = leaves.lookup(index + 1);
      const name = key instanceof PDFString || key instanceof PDFHexString ? key.decodeText() : undefined;
      if (name === undefined || !(spec instanceof PDFDict)) refuse('The attachment list has an entry that is not a named file.');
      else found.push({ name, spec });
    }
    const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
    for (let index = 0; kids && index < kids.size(); index++) {
      const kid = kids.lookup(index);
      if (kid instanceof PDFDict) walk(kid, depth + 1);
    }
  };
  walk(tree, 0);
  return found;
}

function unexpectedKeys(dict: PDFDict, allowed: ReadonlySet<string>): string[] {
  return dict
    .keys()
    .map((key) => key.decodeText())
    .filter((key) => !allowed.has(key));
}

// Plain words for the keys an attack uses, so the message says what was found, not only its code.
const KNOWN_KEYS: Readonly<Record<string, string>> = {
  OpenAction: 'an action run when the file is opened',
  AA: 'actions run on viewer events',
  AcroForm: 'an interactive form',
  NeedsRendering: 'a flag telling the viewer to draw an XFA form instead of the pages',
  JavaScript: 'JavaScript',
  Outlines: 'bookmarks',
  PageLabels: 'page labels that renumber the printed pages',
  URI: 'a web address base',
  OCProperties: 'optional content that hides or shows drawing',
  Collection: 'a portfolio view that replaces the pages',
  Resources: 'inherited page resources',
  MediaBox: 'an inherited page size',
};

function describeKey(key: string): string {
  const known = KNOWN_KEYS[key];
  return known ? `/${key} (${known})` : `/${printable(key)}`;
}

// Key and file names come from the file under check: keep them short and printable in a message.
function printable(text: string): string {
  const flat = text.replace(/[^\x20-\x7e]/g, '?');
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

