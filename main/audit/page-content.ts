/**
 * What a printed page shows, as one digest: everything a viewer draws from the page — its content
 * streams decoded, its fonts (the glyph programs and the character maps), images, annotations,
 * boxes and rotation — hashed as a tree of PDF objects. The exporter signs these digests after
 * drawing (the page seal); the verifier recomputes them from the file. A page reprinted, overprinted
 * (a second content stream, a white box and new text), given an annotation, or drawn with a font
 * whose glyphs were swapped no longer has its sealed digest.
 */
import { createHash } from 'node:crypto';
import {
  decodePDFRawStream,
  PDFArray,
  PDFBool,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFDocument,
  type PDFObject,
} from 'pdf-lib';

// Attributes a page inherits from the page tree when it does not set them itself.
const INHERITABLE = ['Resources', 'MediaBox', 'CropBox', 'Rotate'] as const;
// Stream dictionary entries that describe the encoding, not the content (decoded bytes are hashed).
const ENCODING_KEYS = new Set(['Length', 'Filter', 'DecodeParms', 'DL']);
// A forged file could nest objects without end; real page trees are shallow.
const MAX_DEPTH = 64;

/** One digest per page, in page order. */
export function pageContentDigests(pdf: PDFDocument): string[] {
  const memo = new Map<string, string>();
  return pdf.getPages().map((page) => {
    const node = page.node;
    const inherited: [string, string][] = INHERITABLE.filter((name) => !node.has(PDFName.of(name))).map((name) => {
      const value = node.getInheritableAttribute(PDFName.of(name));
      return [name, value ? digestObject(pdf, value, memo, 0) : 'absent'];
    });
    const own = digestDict(pdf, node, memo, 0, new Set(['Parent']));
    return sha256(JSON.stringify(['wardscribe-page-content/1', own, inherited]));
  });
}

function digestObject(pdf: PDFDocument, object: PDFObject, memo: Map<string, string>, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('The PDF nests objects too deeply.');
  if (object instanceof PDFRef) {
    const key = object.tag;
    const known = memo.get(key);
    if (known !== undefined) return known;
    // Marks the object while it is being hashed: a cycle hashes to a fixed token, not forever.
    memo.set(key, 'cycle');
    const target = pdf.context.lookup(object);
    const digest = target === undefined ? 'missing' : digestObject(pdf, target, memo, depth + 1);
    memo.set(key, digest);
    return digest;
  }
  if (object instanceof PDFRawStream) {
    const dict = digestDict(pdf, object.dict, memo, depth + 1, ENCODING_KEYS);
    let content: string;
    try {
      content = sha256(decodePDFRawStream(object).decode());
    } catch {
      content = 'undecodable:' + sha256(object.getContents());
    }
    return sha256(JSON.stringify(['stream', dict, content]));
  }
  if (object instanceof PDFStream) return sha256(JSON.stringify(['stream', digestDict(pdf, object.dict, memo, depth + 1, ENCODING_KEYS), sha256(object.getContents())]));
  if (object instanceof PDFDict) return digestDict(pdf, object, memo, depth + 1, new Set());
  if (object instanceof PDFArray) return sha256(JSON.stringify(['array', object.asArray().map((item) => digestObject(pdf, item, memo, depth + 1))]));
  if (object instanceof PDFName) return sha256(JSON.stringify(['name', object.decodeText()]));
  if (object instanceof PDFString || object instanceof PDFHexString) return sha256(JSON.stringify(['string', Buffer.from(object.asBytes()).toString('hex')]));
  if (object instanceof PDFNumber) return sha256(JSON.stringify(['number', object.asNumber()]));
  if (object instanceof PDFBool) return sha256(JSON.stringify(['bool', object.asBoolean()]));
  if (object === PDFNull) return sha256('null');
  return sha256(JSON.stringify(['other', object.toString()]));
}

function digestDict(pdf: PDFDocument, dict: PDFDict, memo: Map<string, string>, depth: number, skip: ReadonlySet<string>): string {
  const entries = dict
    .entries()
    .map(([key, value]) => [key.decodeText(), value] as const)
    .filter(([key]) => !skip.has(key))
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([key, value]) => [key, digestObject(pdf, value, memo, depth + 1)]);
  return sha256(JSON.stringify(['dict', entries]));
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The catalog entries a screen reader obeys and the page seal above does not see: the document's
 * language, the tagged-PDF flag, "show the title" and the structure tree. A reader takes the
 * reading order, headings and table cells from the tree, and an /ActualText or /Alt placed on an
 * element is read *instead of* the sealed text, so the tree is sealed too (PageSealBody.structure).
 */
const READING_KEYS = ['Lang', 'MarkInfo', 'StructTreeRoot', 'ViewerPreferences'] as const;
// A forged tree could be made enormous; a real export has a few structure elements per entry.
const MAX_STRUCTURE_OBJECTS = 20_000_000;

/**
 * One digest of everything reachable from those catalog entries, or undefined when the document
 * has none of them (an export made before the trail PDF was tagged). Written as a graph, not a
 * tree: each indirect object is numbered in the order first reached and hashed once with its
 * references as those numbers, so parent links (/P), shared elements and cycles are all bound
 * exactly. A reference to a page is hashed as the page's number (the page itself is sealed above).
 */
export function readingStructureDigest(pdf: PDFDocument): string | undefined {
  const catalog = pdf.catalog;
  if (READING_KEYS.every((key) => !catalog.has(PDFName.of(key)))) return undefined;
  const pageNumbers = new Map(pdf.getPages().map((page, index) => [page.ref.tag, index + 1]));
  const numbers = new Map<string, number>();
  const queue: PDFRef[] = [];
  const encode = (object: PDFObject, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new Error('The PDF nests objects too deeply.');
    if (object instanceof PDFRef) {
      const page = pageNumbers.get(object.tag);
      if (page !== undefined) return ['page', page];
      let number = numbers.get(object.tag);
      if (number === undefined) {
        if (numbers.size >= MAX_STRUCTURE_OBJECTS) throw new Error('The PDF structure tree is too large.');
        number = numbers.size;
        numbers.set(object.tag, number);
        queue.push(object);
      }
      return ['ref', number];
    }
    if (object instanceof PDFRawStream || object instanceof PDFStream) {
      const dict = encodeDict(object.dict, depth, ENCODING_KEYS);
      let content: string;
      try {
        content = object instanceof PDFRawStream ? sha256(decodePDFRawStream(object).decode()) : sha256(object.getContents());
      } catch {
        content = 'undecodable';
      }
      return ['stream', dict, content];
    }
    if (object instanceof PDFDict) return encodeDict(object, depth, new Set());
    if (object instanceof PDFArray) return ['array', object.asArray().map((item) => encode(item, depth + 1))];
    if (object instanceof PDFName) return ['name', object.decodeText()];
    if (object instanceof PDFString || object instanceof PDFHexString) return ['string', Buffer.from(object.asBytes()).toString('hex')];
    if (object instanceof PDFNumber) return ['number', object.asNumber()];
    if (object instanceof PDFBool) return ['bool', object.asBoolean()];
    if (object === PDFNull) return ['null'];
    return ['other', object.toString()];
  };
  const encodeDict = (dict: PDFDict, depth: number, skip: ReadonlySet<string>): unknown => [
    'dict',
    dict
      .entries()
      .map(([key, value]) => [key.decodeText(), value] as const)
      .filter(([key]) => !skip.has(key))
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([key, value]) => [key, encode(value, depth + 1)]),
  ];
  const hash = createHash('sha256').update('wardscribe-reading-structure/1\n');
  hash.update(JSON.stringify(READING_KEYS.map((key) => [key, catalog.has(PDFName.of(key)) ? encode(catalog.get(PDFName.of(key))!, 0) : 'absent'])) + '\n');
  for (let index = 0; index < queue.length; index++) {
    const target = pdf.context.lookup(queue[index]!);
    hash.update(JSON.stringify(target === undefined ? ['missing'] : encode(target, 0)) + '\n');
  }
  return hash.digest('hex');
}
