import { createHash } from 'node:crypto';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { PDFDocument as PdfLibDocument } from 'pdf-lib';
import {
  AUDIT_ACTION_WORDS,
  isEmptyFilter,
  type AuditActor,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditFilter,
  type AuditTime,
  type AuditWipeCertificate,
  type ChainHead,
  type ExportSeal,
} from '../../shared/domain/audit';
import { canonicalJson } from './canonical';
import { ATTACHMENT_NAMES, manifestPage, PAGE_MANIFEST_FORMAT, PAGE_SEAL_FORMAT, toJsonLines, type PageManifest, type PageSeal, type PageSealBody } from './export-format';
import { pageContentDigests, readingStructureDigest } from './page-content';
import { PartialFile } from '../exports/partial-file';
import type { SigningKeyCertificate } from './signing-certificates';
import { AUDIT_FONT_FILES, defaultFontsDir } from './fonts';
import { sha256Hex } from './hash';
import { formatFingerprint, loadPublicKey, publicKeyFingerprint } from './signing';
import { reasonInWords } from '../../shared/domain/sign-in-failures';
import { displayTimeSpan } from '../../shared/wording/times';

/** Everything the auditors' PDF shows. Entries are already selected (by the store) and ascending. */
export interface AuditPdfInput {
  readonly entries: readonly AuditEntry[];
  /** Interval checkpoints to embed (those within the exported range). */
  readonly checkpoints: readonly AuditCheckpoint[];
  /** The workstation's root public key (what auditors pin). */
  readonly publicKeyPem: string;
  /** The root's certificates for the keys that signed the checkpoints. */
  readonly certificates?: readonly SigningKeyCertificate[];
  /**
   * Signs the page seal (the digest of what each page shows) with the export checkpoint's key,
   * after the pages are drawn. Without it the export has no page seal and will not verify.
   */
  signPageSeal?(body: Omit<PageSealBody, 'keyFingerprint'>): PageSeal;
  /** The site or ward name printed in the header. */
  readonly site: string;
  /** The filter the entries were selected with; printed, and sealed in the export checkpoint. */
  readonly filter: AuditFilter;
  readonly exportedBy: AuditActor;
  readonly exportedAt: AuditTime;
  /**
   * Signs the export checkpoint at the current chain head, with the seal `build` makes for that
   * head (the page manifest names the head). Called once, synchronously, before anything is
   * written, so the head printed on every page is the head that was signed.
   */
  sealExport(build: (head: ChainHead) => ExportSeal): AuditCheckpoint;
  /** Folder holding the DejaVu TTFs (default: see `defaultFontsDir`). */
  readonly fontsDir?: string;
  /** Pages drawn so far, of the total; called every few pages. */
  readonly onProgress?: (pagesDone: number, pageCount: number) => void;
  /** Stops the export (the partial file is removed and the promise rejects). */
  readonly signal?: AbortSignal;
}

// Pages drawn between yields to the event loop: keeps main responsive during a long export.
const PAGES_PER_SLICE = 8;

export interface AuditPdfResult {
  /** SHA-256 of the PDF file as written. */
  readonly sha256: string;
  readonly pageCount: number;
  readonly exportCheckpoint: AuditCheckpoint;
}

// A4 landscape, in points: wide enough for the seven columns without abbreviating identifiers.
const PAGE = { width: 841.89, height: 595.28, margin: 32 } as const;
const FONT_SIZE = 7.5;
const CELL_PADDING = 2.5;
const FOOTER_HEIGHT = 22;
/**
 * Columns of numbers and identifiers are set in Courier, a standard PDF font: they are ASCII by
 * construction (the schema allows nothing else), read better monospaced, and a standard font
 * needs no shaping, which matters because almost every such string is unique and pdfkit shapes
 * (and caches) each new word it sets in an embedded font. Names are set in embedded DejaVu.
 */
const MONO = { font: 'Courier', size: 7 } as const;
const BASELINE_SHARE = 0.8;
const COLUMNS = [
  { title: 'Seq', width: 40, mono: true },
  { title: 'Time (local)', width: 124, mono: true },
  { title: 'Role: user', width: 140, mono: false },
  { title: 'Action', width: 106, mono: false },
  { title: 'Objects', width: 216, mono: true },
  { title: 'Outcome', width: 76, mono: false },
  { title: 'Entry hash', width: 75.89, mono: true },
] as const;
const TABLE_WIDTH = COLUMNS.reduce((sum, column) => sum + column.width, 0);
const COLUMN_TITLES = COLUMNS.map((column) => column.title);

interface LaidOutRow {
  /** Per cell, its lines. */
  readonly lines: readonly (readonly MeasuredLine[])[];
  readonly height: number;
  readonly lineHeight: number;
}

interface LaidOutPage {
  /** Emptied once the page is drawn, so a long export does not hold every row to the end. */
  rows: readonly LaidOutRow[];
  readonly entries: readonly AuditEntry[];
}

/**
 * Writes the auditors' PDF to `outputPath` (through a temporary name, so a failed export leaves
 * no half file). The table is laid out by hand in two passes, measure then draw, because
 * pdfkit's table() is far too slow with an embedded TrueType font and because knowing the page
 * count first lets every page print "x of y" without holding pages in memory.
 */
export async function writeAuditPdf(input: AuditPdfInput, outputPath: string): Promise<AuditPdfResult> {
  const fontsDir = input.fontsDir ?? defaultFontsDir();
  const publicKey = loadPublicKey(input.publicKeyPem);
  const fingerprint = publicKeyFingerprint(publicKey);
  assertAscending(input.entries);

  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    // Tagged, in English, titled (as the wipe certificate): a screen reader reads the headings,
    // the export's details and each entry as one paragraph, its cells in column order; rules,
    // shading and page furniture are artifacts. The structure is sealed with the pages (page-content.ts).
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: `Wardscribe audit trail — ${input.site}`,
      Author: 'Wardscribe',
      Subject: 'Tamper-evident audit trail export',
      CreationDate: new Date(input.exportedAt.utc),
    },
  });
  doc.registerFont('regular', join(fontsDir, AUDIT_FONT_FILES.regular));
  doc.registerFont('bold', join(fontsDir, AUDIT_FONT_FILES.bold));
  doc.font('regular').fontSize(FONT_SIZE);

  // Pass 1 (synchronous up to the seal): measure, paginate, build the attachments and seal them.
  const headerLines = (headSequence: number, headHash: string): string[] => describeExport(input, fingerprint, headSequence, headHash);
  // The header's height does not depend on the head's digits (fixed-width hex), so measure with a placeholder.
  const headerHeight = measureHeader(doc, headerLines(0, '0'.repeat(64)), input.entries.length === 0);
  const { pages, columnHeader } = paginate(doc, input.entries, headerHeight);
  const entriesJsonl = toJsonLines(input.entries);
  const manifestPages = pages.map((page, index) => manifestPage(index + 1, page.entries));
  let manifestJson = '';
  const buildSeal = (head: ChainHead): ExportSeal => {
    const manifest: PageManifest = { format: PAGE_MANIFEST_FORMAT, head, pages: manifestPages };
    manifestJson = canonicalJson(manifest);
    return {
      entriesSha256: sha256Hex(entriesJsonl),
      manifestSha256: sha256Hex(manifestJson),
      entryCount: input.entries.length,
      firstSequence: input.entries[0]?.sequence ?? 0,
      lastSequence: input.entries.at(-1)?.sequence ?? 0,
      pageCount: pages.length,
      filter: input.filter,
    };
  };
  const exportCheckpoint = input.sealExport(buildSeal);
  const head: ChainHead = { sequence: exportCheckpoint.sequence, hash: exportCheckpoint.entryHash };
  if (exportCheckpoint.export?.manifestSha256 !== sha256Hex(manifestJson)) {
    throw new Error('The export checkpoint does not seal this export.');
  }
  const last = input.entries.at(-1);
  if (last && head.sequence < last.sequence) throw new Error('The export checkpoint is older than the exported entries.');
  if (isEmptyFilter(input.filter) && (head.sequence !== (last?.sequence ?? 0) || (last && head.hash !== last.entryHash))) {
    // An unfiltered export is the whole trail, so it must end at the head it was sealed with.
    throw new Error('The chain moved on between selecting the entries and sealing the export.');
  }

  // Pass 2: draw and stream.
  const partial = PartialFile.create(outputPath);
  let finalBytes: Uint8Array = new Uint8Array();
  const file = partial.stream();
  const written = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
    doc.on('error', reject);
  });
  // Awaited on success; on a cancel the stream is destroyed under pdfkit's last writes, and that
  // rejection is expected, not an unhandled one.
  written.catch(() => undefined);
  doc.pipe(file);
  // Document > H1, P (each detail line), H2, P (the column titles), P (each entry): the reading
  // order is the drawing order. One element per entry, not a Table of TR/TD: a cell element per
  // column made eight PDF objects an entry, and a 10,000-entry export five times the size and
  // four times as slow to write and to verify (every object is parsed and re-saved by pdf-lib).
  const root = doc.struct('Document');
  doc.addStructure(root);
  try {
    for (const [index, page] of pages.entries()) {
      if (index % PAGES_PER_SLICE === 0 && index > 0) {
        input.onProgress?.(index, pages.length);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      input.signal?.throwIfAborted();
      doc.addPage({ size: 'A4', layout: 'landscape', margin: 0 });
      let y: number = PAGE.margin;
      if (index === 0) {
        y = drawHeader(doc, root, headerLines(head.sequence, head.hash), y, input.entries.length === 0);
      }
      // The column titles are read once; repeated on later pages they are page furniture.
      y = drawRow(doc, index === 0 ? root : undefined, columnHeader, y, true);
      const rules: number[] = [];
      for (const row of page.rows) rules.push((y = drawRow(doc, root, row, y, false)));
      // One path for all the rules under the rows: one stroke per page instead of one per row.
      artifact(doc, 'Layout', () => {
        for (const ruleY of rules) doc.moveTo(PAGE.margin, ruleY).lineTo(PAGE.margin + TABLE_WIDTH, ruleY);
        doc.lineWidth(0.3).strokeColor('#aeb7bd').stroke();
      });
      page.rows = [];
      if (page.entries.length === 0) root.add(doc.struct('P', {}, () => doc.font('regular').text('No entries match this selection.', PAGE.margin, y + 6)));
      artifact(doc, 'Pagination', () => drawFooter(doc, page, index + 1, pages.length, head));
    }
    root.end();
    input.onProgress?.(pages.length, pages.length);
    const attached = { creationDate: new Date(input.exportedAt.utc), modifiedDate: new Date(input.exportedAt.utc) };
    doc.file(Buffer.from(entriesJsonl, 'utf8'), {
      ...attached,
      name: ATTACHMENT_NAMES.entries,
      type: 'application/x-ndjson',
      description: 'Audit entries, one canonical JSON object per line',
    });
    doc.file(Buffer.from(toJsonLines([...input.checkpoints, exportCheckpoint]), 'utf8'), {
      ...attached,
      name: ATTACHMENT_NAMES.checkpoints,
      type: 'application/x-ndjson',
      description: 'Signed checkpoints; the last one seals this export',
    });
    doc.file(Buffer.from(manifestJson, 'utf8'), {
      ...attached,
      name: ATTACHMENT_NAMES.manifest,
      type: 'application/json',
      description: 'Which entries each page shows',
    });
    doc.file(Buffer.from(input.publicKeyPem, 'utf8'), {
      ...attached,
      name: ATTACHMENT_NAMES.publicKey,
      type: 'application/x-pem-file',
      description: 'Workstation root Ed25519 public key (pin its fingerprint)',
    });
    doc.file(Buffer.from(toJsonLines(input.certificates ?? []), 'utf8'), {
      ...attached,
      name: ATTACHMENT_NAMES.certificates,
      type: 'application/x-ndjson',
      description: 'Certificates by which the root key vouches for the checkpoint signing keys',
    });
    doc.end();
    await written;
    finalBytes = await addPageSeal(partial.read(), input, exportCheckpoint, attached.creationDate);
    partial.overwrite(finalBytes);
    // Through a rename, so a failed export leaves no half file under the real name.
    partial.commit(outputPath);
  } catch (error) {
    // Wait for the stream to settle: its writes still under way go to the descriptor, which
    // discard() then closes and removes.
    doc.unpipe(file);
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()).destroy());
    partial.discard();
    throw error;
  }
  return { sha256: createHash('sha256').update(finalBytes).digest('hex'), pageCount: pages.length, exportCheckpoint };
}

/**
 * The page seal: once every page is drawn, what each page shows is hashed (page-content.ts) and
 * signed with the export checkpoint's key, bound to that checkpoint, and attached. Done on the
 * finished file because only then are the drawn bytes known; the content streams are copied
 * unchanged, so the verifier recomputes the same digests.
 */
async function addPageSeal(bytes: Uint8Array, input: AuditPdfInput, exportCheckpoint: AuditCheckpoint, when: Date): Promise<Uint8Array> {
  if (!input.signPageSeal) return bytes;
  const pdf = await PdfLibDocument.load(bytes, { updateMetadata: false });
  const structure = readingStructureDigest(pdf);
  const seal = input.signPageSeal({
    format: PAGE_SEAL_FORMAT,
    exportCheckpointSha256: sha256Hex(canonicalJson(exportCheckpoint)),
    pages: pageContentDigests(pdf),
    ...(structure === undefined ? {} : { structure }),
  });
  await pdf.attach(Buffer.from(canonicalJson(seal), 'utf8'), ATTACHMENT_NAMES.pageSeal, {
    mimeType: 'application/json',
    description: 'What each printed page shows, signed after drawing',
    creationDate: when,
    modificationDate: when,
  });
  return pdf.save({ useObjectStreams: false, updateFieldAppearances: false });
}

function assertAscending(entries: readonly AuditEntry[]): void {
  for (let index = 1; index < entries.length; index++) {
    if (entries[index]!.sequence <= entries[index - 1]!.sequence) {
      throw new Error('Audit entries must be given in ascending sequence.');
    }
  }
}

function describeExport(input: AuditPdfInput, fingerprint: string, headSequence: number, headHash: string): string[] {
  const first = input.entries[0]?.sequence;
  const last = input.entries.at(-1)?.sequence;
  return [
    `Site: ${input.site}`,
    `Range: ${describeRange(input.filter)}`,
    `Filters: ${describeFilters(input.filter)}`,
    `Exported by: ${printableName(input.exportedBy.displayName)} (${input.exportedBy.role}, user ${input.exportedBy.userId}) at ${formatLocal(input.exportedAt.local)} ${input.exportedAt.zone} (${input.exportedAt.utc} UTC)`,
    `Entries: ${input.entries.length}${first === undefined ? '' : `, sequence ${first} to ${last}`}`,
    `Chain head at export: entry ${headSequence}, SHA-256 ${headHash}`,
    `Workstation key fingerprint (SHA-256 of the Ed25519 public key): ${formatFingerprint(fingerprint)}`,
    `Attached: ${Object.values(ATTACHMENT_NAMES).join(', ')}. Check with: npx wardscribe verify-trail FILE.pdf --expect-key FINGERPRINT (the fingerprint registered for this workstation, not the one printed here)`,
  ];
}

function describeRange(filter: AuditFilter): string {
  if (filter.fromUtc === undefined && filter.toUtc === undefined) return 'whole trail';
  return `${filter.fromUtc ?? 'start'} to ${filter.toUtc ?? 'now'} (UTC, end exclusive)`;
}

function describeFilters(filter: AuditFilter): string {
  const parts: string[] = [];
  if (filter.userId !== undefined) parts.push(`user ${filter.userId}`);
  if (filter.actions !== undefined) parts.push(`actions ${filter.actions.map((action) => AUDIT_ACTION_WORDS[action] ?? action).join(', ')}`);
  if (filter.nhsNumber !== undefined) parts.push(`NHS number ${formatNhsNumber(filter.nhsNumber)}`);
  if (filter.threadId !== undefined) parts.push(`thread ${filter.threadId}`);
  return parts.length ? parts.join('; ') : 'none';
}

const TITLE = 'Wardscribe audit trail';
/** The table's heading: a screen reader's list of headings reaches the entries from it. */
const ENTRIES_HEADING = 'Entries';

function measureHeader(doc: PDFKit.PDFDocument, lines: readonly string[], empty: boolean): number {
  const width = TABLE_WIDTH;
  let height = doc.font('bold').fontSize(14).heightOfString(TITLE, { width }) + 6;
  doc.font('regular').fontSize(8.5);
  for (const line of lines) height += doc.heightOfString(line, { width }) + 1.5;
  if (!empty) height += 6 + doc.font('bold').fontSize(10).heightOfString(ENTRIES_HEADING, { width }) + 3;
  doc.font('regular').fontSize(FONT_SIZE);
  return height + 8;
}

/** The first page's heading and export details, each in its own structure element under `root`. */
function drawHeader(doc: PDFKit.PDFDocument, root: PDFKit.PDFStructureElement, lines: readonly string[], top: number, empty: boolean): number {
  const width = TABLE_WIDTH;
  let y = top;
  root.add(doc.struct('H1', {}, () => doc.font('bold').fontSize(14).fillColor('#000000').text(TITLE, PAGE.margin, y, { width })));
  y += doc.heightOfString(TITLE, { width }) + 6;
  doc.font('regular').fontSize(8.5);
  for (const line of lines) {
    root.add(doc.struct('P', {}, () => doc.font('regular').fontSize(8.5).text(line, PAGE.margin, y, { width })));
    y += doc.heightOfString(line, { width }) + 1.5;
  }
  if (!empty) {
    y += 6;
    root.add(doc.struct('H2', {}, () => doc.font('bold').fontSize(10).text(ENTRIES_HEADING, PAGE.margin, y, { width })));
    y += doc.heightOfString(ENTRIES_HEADING, { width }) + 3;
  }
  doc.font('regular').fontSize(FONT_SIZE);
  return y + 8;
}

/** Draws what a screen reader must skip (rules, shading, the repeated column titles, the footer) as an artifact. */
function artifact(doc: PDFKit.PDFDocument, type: 'Layout' | 'Pagination', draw: () => void): void {
  doc.markContent('Artifact', { type });
  draw();
  doc.endMarkedContent();
}

function rowCells(entry: AuditEntry): string[] {
  return [
    String(entry.sequence),
    `${formatLocal(entry.time.local)}`,
    // Role first: a right-to-left name then ends the cell instead of swallowing the role's brackets.
    entry.actor ? `${entry.actor.role}: ${printableName(entry.actor.displayName)}` : 'system',
    // In words, as the audit screen shows it; the code stays in the attached entries (machine-readable).
    AUDIT_ACTION_WORDS[entry.action] ?? entry.action,
    describeObjects(entry),
    entry.outcome.reason ? `${entry.outcome.status}: ${reasonInWords(entry.action, entry.outcome.reason)}` : entry.outcome.status,
    entry.entryHash.slice(0, 12),
  ];
}

/** One line a reader can check against the certificate: what went, what was filed, how well it went. */
function describeWipe(wipe: AuditWipeCertificate): string {
  const span = wipe.firstInstant && wipe.lastInstant ? ` sent ${displayTimeSpan(wipe.firstInstant, wipe.lastInstant)}` : '';
  const filed = wipe.documentIds.length > 0 ? `filed as record references ${wipe.documentIds.join(', ')}` : 'nothing filed';
  const outcome = wipe.level === 'failed' ? 'FAILED: the check after the wipe found traces' : `wiped and checked (${wipe.verification}), vault key ${wipe.keyRotated ? 'changed' : 'not changed'}`;
  return (
    `${counted(wipe.messageCount, 'message')}, ${counted(wipe.attachmentCount, 'attachment')}, ${counted(wipe.draftCount, 'transcription')}${span}; ${filed}; ` +
    `${outcome}; export file: ${SOURCE_FILE_WORDS[wipe.sourceFile] ?? wipe.sourceFile}` +
    (wipe.unfiledMessages ? `; ${counted(wipe.unfiledMessages, 'message')} in no filed note destroyed on the clinician’s reason` : '') +
    (wipe.override && !wipe.unfiledMessages ? '; the clinician recorded that what was not filed held no clinical content' : '') +
    (wipe.unfiledMedia ? `; ${counted(wipe.unfiledMedia, 'attachment')} of the filed messages destroyed unfiled, as the clinician acknowledged` : '')
  );
}

/** The export file's fate, in the certificate's words (shortened for a trail line). */
const SOURCE_FILE_WORDS: Readonly<Record<string, string>> = {
  'not-requested': 'left where it was',
  requested: 'overwrite asked for, not yet done',
  overwriting: 'being overwritten',
  overwritten: 'overwritten and deleted',
  'not-found': 'no longer there',
  changed: 'changed since import, not touched',
  'replaced-by-link': 'replaced by a link, not touched',
  failed: 'overwriting failed',
};

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeObjects(entry: AuditEntry): string {
  const { objects, hashes } = entry;
  const parts: string[] = [];
  if (objects.nhsNumber !== undefined) parts.push(`NHS ${formatNhsNumber(objects.nhsNumber)}`);
  if (objects.threadId !== undefined) parts.push(`thread ${objects.threadId}`);
  if (objects.transcriptionId !== undefined) parts.push(`transcription ${objects.transcriptionId}`);
  if (objects.documentId !== undefined) parts.push(`document ${objects.documentId}`);
  if (objects.importId !== undefined) parts.push(`import ${objects.importId}`);
  if (objects.subjectUserId !== undefined) parts.push(`user ${objects.subjectUserId}`);
  if (objects.setting !== undefined) parts.push(`setting ${objects.setting}`);
  if (hashes.documentSha256 !== undefined) parts.push(`document SHA-256 ${hashes.documentSha256.slice(0, 16)}…`);
  if (hashes.importSha256 !== undefined) parts.push(`import SHA-256 ${hashes.importSha256.slice(0, 16)}…`);
  if (objects.attachmentId !== undefined) parts.push(`attachment ${objects.attachmentId}`);
  if (hashes.originalSha256 !== undefined) parts.push(`original SHA-256 ${hashes.originalSha256.slice(0, 16)}…`);
  if (hashes.exportSha256 !== undefined) parts.push(`export SHA-256 ${hashes.exportSha256.slice(0, 16)}…`);
  if (objects.wipeId !== undefined) parts.push(`wipe ${objects.wipeId}`);
  if (hashes.certificateSha256 !== undefined) parts.push(`certificate SHA-256 ${hashes.certificateSha256.slice(0, 16)}…`);
  if (entry.wipe !== undefined) parts.push(describeWipe(entry.wipe));
  return parts.join('; ') || '—';
}

const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

/**
 * pdfkit shapes text word by word and has no bidi algorithm, so a right-to-left name of several
 * words would print its words in the wrong order. Joining them with no-break spaces makes the
 * name one run, which the shaper lays out right to left as a whole.
 */
function printableName(name: string): string {
  return RIGHT_TO_LEFT.test(name) ? name.replace(/ /g, '\u00a0') : name;
}

/** `2024-03-26T14:05:00.123+01:00` → `2024-03-26 14:05:00 +01:00` */
function formatLocal(local: string): string {
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${local.slice(23)}`;
}

function formatNhsNumber(nhsNumber: string): string {
  return `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
}

/**
 * Widths from cached per-character advances, and line breaking on them. Shaping every string
 * with the font (what pdfkit's wrapper does for each word) is the slowest part of a large
 * export; summing cached advances ignores kerning, so lines are filled to a little under the
 * column width to leave room for it.
 */
class LineBreaker {
  private readonly advances = new Map<string, number>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly font: string,
    private readonly size: number,
  ) {}

  width(text: string): number {
    let total = 0;
    for (const character of text) {
      let advance = this.advances.get(character);
      if (advance === undefined) {
        advance = this.doc.font(this.font, this.size).widthOfString(character);
        this.advances.set(character, advance);
      }
      total += advance;
    }
    return total;
  }

  /** Breaks at spaces; a word longer than the line (an identifier) is broken between characters. */
  lines(text: string, width: number): MeasuredLine[] {
    const limit = width * FILL;
    const lines: MeasuredLine[] = [];
    let current = '';
    for (const word of text.split(' ')) {
      const candidate = current ? `${current} ${word}` : word;
      if (this.width(candidate) <= limit) {
        current = candidate;
        continue;
      }
      // Broken at a space: the space is kept at the line's end (invisible), so a screen reader
      // reading the cell's lines together hears two words, not one.
      if (current) lines.push(this.line(current, true));
      current = '';
      let piece = '';
      for (const character of word) {
        if (piece && this.width(piece + character) > limit) {
          lines.push(this.line(piece));
          piece = '';
        }
        piece += character;
      }
      current = piece;
    }
    if (current || lines.length === 0) lines.push(this.line(current));
    return lines;
  }

  private line(text: string, spaceAfter = false): MeasuredLine {
    return { text, width: this.width(text), words: text.trim() ? text.trim().split(/\s+/).length : 0, spaceAfter };
  }
}

interface MeasuredLine {
  readonly text: string;
  /** The line ends where a space was: drawn with that space after it. */
  readonly spaceAfter: boolean;
  readonly width: number;
  readonly words: number;
}

// Lines are filled to this share of the column, leaving room for kerning the estimate ignores.
const FILL = 0.96;

function measureRow(breakers: readonly LineBreaker[], cells: readonly string[], lineHeight: number): LaidOutRow {
  const lines = cells.map((text, column) => breakers[column]!.lines(text, COLUMNS[column]!.width - 2 * CELL_PADDING));
  const height = Math.max(...lines.map((cell) => cell.length)) * lineHeight + 2 * CELL_PADDING;
  return { lines, height, lineHeight };
}

function paginate(
  doc: PDFKit.PDFDocument,
  entries: readonly AuditEntry[],
  headerHeight: number,
): { pages: LaidOutPage[]; columnHeader: LaidOutRow } {
  const bold = new LineBreaker(doc, 'bold', FONT_SIZE);
  const regular = new LineBreaker(doc, 'regular', FONT_SIZE);
  const mono = new LineBreaker(doc, MONO.font, MONO.size);
  // DejaVu's line is the taller of the two fonts': every line of every cell uses it.
  const lineHeight = doc.font('regular', FONT_SIZE).currentLineHeight(true);
  const columnHeader = measureRow(COLUMNS.map(() => bold), COLUMN_TITLES, lineHeight);
  const columnHeaderHeight = columnHeader.height;
  const breakers = COLUMNS.map((column) => (column.mono ? mono : regular));
  const bottom = PAGE.height - PAGE.margin - FOOTER_HEIGHT;
  const pages: LaidOutPage[] = [];
  let rows: LaidOutRow[] = [];
  let pageEntries: AuditEntry[] = [];
  let y = PAGE.margin + headerHeight + columnHeaderHeight;
  for (const entry of entries) {
    const cells = rowCells(entry);
    const row = measureRow(breakers, cells, lineHeight);
    if (y + row.height > bottom && rows.length > 0) {
      pages.push({ rows, entries: pageEntries });
      rows = [];
      pageEntries = [];
      y = PAGE.margin + columnHeaderHeight;
    }
    rows.push(row);
    pageEntries.push(entry);
    y += row.height;
  }
  pages.push({ rows, entries: pageEntries });
  return { pages, columnHeader };
}

/**
 * Draws one row. Under `parent` it is one paragraph, its cells in column order (each cell ends
 * with a space, drawn, so the cells read apart); without a parent (the column titles repeated on
 * a later page) the row is a pagination artifact.
 */
function drawRow(doc: PDFKit.PDFDocument, parent: PDFKit.PDFStructureElement | undefined, row: LaidOutRow, top: number, isHeading: boolean): number {
  const height = row.height;
  if (isHeading) artifact(doc, 'Layout', () => doc.rect(PAGE.margin, top, TABLE_WIDTH, height).fill('#e8edee'));
  doc.fillColor('#000000');
  const draw = () => {
    let x = PAGE.margin;
    row.lines.forEach((lines, column) => {
      if (isHeading) doc.font('bold', FONT_SIZE);
      else if (COLUMNS[column]!.mono) doc.font(MONO.font, MONO.size);
      else doc.font('regular', FONT_SIZE);
      lines.forEach((line, index) => {
        // Lines are broken already; passing the measured width spares pdfkit measuring them again.
        // Both fonts sit on one baseline (DejaVu's ascent is about 0.8 of its line), not on their own tops.
        const options = { lineBreak: false, textWidth: line.width, wordCount: line.words, baseline: 'alphabetic' } as PDFKit.Mixins.TextOptions;
        const baseline = top + CELL_PADDING + (index + BASELINE_SHARE) * row.lineHeight;
        const spaced = line.spaceAfter || index === lines.length - 1;
        if (!line.text) return;
        if (!spaced) doc.text(line.text, x + CELL_PADDING, baseline, options);
        else if (!RIGHT_TO_LEFT.test(line.text)) doc.text(`${line.text} `, x + CELL_PADDING, baseline, options);
        else {
          // Shaped right to left, a trailing space would be set before the name: it is drawn after it on its own.
          doc.text(line.text, x + CELL_PADDING, baseline, options);
          doc.text(' ', x + CELL_PADDING + line.width, baseline, { ...options, textWidth: 0, wordCount: 0 } as PDFKit.Mixins.TextOptions);
        }
      });
      x += COLUMNS[column]!.width;
    });
  };
  if (parent) parent.add(doc.struct('P', {}, draw));
  else artifact(doc, 'Pagination', draw);
  return top + height;
}

function drawFooter(
  doc: PDFKit.PDFDocument,
  page: LaidOutPage,
  pageNumber: number,
  pageCount: number,
  head: ChainHead,
): void {
  const first = page.entries[0]?.sequence;
  const last = page.entries.at(-1)?.sequence;
  const range = first === undefined ? 'No entries on this page' : `Entries ${first}–${last} on this page`;
  const y = PAGE.height - PAGE.margin - FOOTER_HEIGHT + 8;
  doc.font('regular').fontSize(7).fillColor('#000000');
  doc.text(range, PAGE.margin, y, { width: 200, lineBreak: false });
  doc.text(`Chain head: entry ${head.sequence}, SHA-256 ${head.hash}`, PAGE.margin + 200, y, { width: 470, lineBreak: false });
  doc.text(`Page ${pageNumber} of ${pageCount}`, PAGE.margin + 670, y, { width: TABLE_WIDTH - 670, align: 'right', lineBreak: false });
}
