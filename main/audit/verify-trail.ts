import type { KeyObject } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import {
  AuditCheckpointSchema,
  AuditEntrySchema,
  entryMatchesFilter,
  isEmptyFilter,
  type AuditCheckpoint,
  type AuditEntry,
  type ChainHead,
} from '../../shared/domain/audit';
import { GENESIS_HEAD, verifyChain, type ChainBreakKind } from './chain';
import { verify } from 'node:crypto';
import { canonicalJson } from './canonical';
import { checkDocumentStructure, checkWrittenAsParsed } from './document-structure';
import { ATTACHMENT_NAMES, pageEntriesDigest, PageManifestSchema, pageSealSigningBytes, PageSealSchema, type PageManifest } from './export-format';
import { sha256Hex } from './hash';
import { pageContentDigests, readingStructureDigest } from './page-content';
import { readPdfAttachments, type PdfAttachment } from './pdf-attachments';
import { SigningKeyCertificateSchema, trustedCheckpointKeys, type SigningKeyCertificate } from './signing-certificates';
import { loadPublicKey, publicKeyFingerprint, verifyCheckpointSignature } from './signing';

/** Every way an exported trail can fail verification. */
export type TrailProblemKind =
  | ChainBreakKind
  | 'unreadable-pdf'
  | 'attachment-missing'
  | 'attachment-duplicated'
  | 'malformed-entry'
  | 'malformed-checkpoint'
  | 'malformed-manifest'
  | 'public-key-invalid'
  | 'key-not-expected'
  | 'key-not-pinned'
  | 'certificate-invalid'
  | 'malformed-certificate'
  | 'page-seal-invalid'
  | 'page-content-mismatch'
  | 'checkpoint-signature-invalid'
  | 'export-seal-missing'
  | 'entries-file-altered'
  | 'manifest-altered'
  | 'seal-mismatch'
  | 'page-count-mismatch'
  | 'page-manifest-mismatch'
  | 'filter-mismatch'
  | 'witness-mismatch'
  | 'witness-beyond-export'
  | 'document-feature-not-allowed'
  | 'incremental-update'
  | 'not-as-written';

/** One thing wrong with an export. Carries numbers, names and hashes, never entry content. */
export interface TrailProblem {
  readonly kind: TrailProblemKind;
  /** The entry at fault, when one is. */
  readonly sequence?: number;
  /** The printed page at fault, when one is. */
  readonly page?: number;
  /** The line of an embedded JSON Lines file at fault, 1-based, when one is. */
  readonly line?: number;
  readonly message: string;
}

/** The verdict on one exported PDF. */
export interface TrailReport {
  readonly ok: boolean;
  readonly problems: readonly TrailProblem[];
  readonly entryCount: number;
  readonly firstSequence?: number;
  readonly lastSequence?: number;
  readonly pageCount: number;
  /** The head the export was sealed at. */
  readonly head?: ChainHead;
  /** Fingerprint of the root public key embedded in the PDF. */
  readonly keyFingerprint?: string;
  /**
   * What the verdict trusts: `pinned`, the embedded root matched the fingerprint given;
   * `embedded-key-trusted`, the caller chose to trust whatever key the PDF carries (a PDF forged
   * from scratch with a new key passes that); `not-pinned`, neither (the report fails).
   */
  readonly trust: 'pinned' | 'embedded-key-trusted' | 'not-pinned';
  /** Where the export checkpoint's signing key was kept, as its certificate states (absent: the root signed). */
  readonly signingKeyProtection?: SigningKeyCertificate['protection'];
  /** True when every printed page is the page that was sealed. */
  readonly pagesVerified: boolean;
  /** Checkpoints whose signatures verified (interval and export). */
  readonly checkpointsVerified: number;
  /** True when the export is a filtered selection (then links are checked only between neighbours). */
  readonly filtered: boolean;
  /** What came of comparing an outside witness's head, when one was given. */
  readonly witness: 'matched' | 'mismatch' | 'beyond-export' | 'not-in-export' | 'not-checked';
}

export interface VerifyTrailOptions {
  /**
   * The workstation key fingerprint the auditor trusts (registered for the ward). Without it the
   * verifier can only say the PDF is consistent with the key it carries itself.
   */
  readonly expectedKeyFingerprint?: string;
  /**
   * Trust the root key embedded in the PDF instead of a pinned fingerprint. Only proves the file
   * is consistent with itself: anyone can make a consistent PDF with a key of their own.
   */
  readonly trustEmbeddedKey?: boolean;
  /** A head recorded elsewhere (an EPR filing's {sequence, hash}) to compare with the export. */
  readonly witness?: ChainHead;
}

// Enough to show the extent of a tampering without flooding a terminal.
const MAX_PROBLEMS = 200;

/**
 * Verifies an exported audit PDF from its bytes alone: recomputes the chain from the embedded
 * entries, checks every checkpoint signature with the embedded public key, checks that the
 * export checkpoint seals exactly these attachments, and that the page manifest (the per-page
 * ranges and head printed on the pages) agrees with the entries and with the PDF's page count.
 */
export async function verifyTrailPdf(bytes: Uint8Array, options: VerifyTrailOptions = {}): Promise<TrailReport> {
  const problems: TrailProblem[] = [];
  const report = (problem: TrailProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const trust: TrailReport['trust'] = options.expectedKeyFingerprint !== undefined ? 'pinned' : options.trustEmbeddedKey ? 'embedded-key-trusted' : 'not-pinned';
  const empty = { entryCount: 0, pageCount: 0, checkpointsVerified: 0, filtered: false, witness: 'not-checked' as const, trust, pagesVerified: false };
  if (trust === 'not-pinned') {
    report({
      kind: 'key-not-pinned',
      message: 'No workstation key fingerprint was given to check the PDF against: give the fingerprint registered for this workstation (or, knowingly, trust the key the PDF carries).',
    });
  }

  let pdf: PDFDocument;
  let attachments: PdfAttachment[];
  let layout: Awaited<ReturnType<typeof checkWrittenAsParsed>>;
  try {
    pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    // First: that a viewer and this verifier read the same objects (document-structure.ts).
    layout = await checkWrittenAsParsed(bytes, pdf);
    attachments = readPdfAttachments(pdf);
  } catch {
    report({ kind: 'unreadable-pdf', message: 'The file is not a readable PDF, or its attachments cannot be decoded.' });
    return { ok: false, problems, ...empty };
  }
  // Then what the page seal cannot cover (the catalog, appended revisions).
  const structure: { kind: TrailProblemKind; message: string }[] = [];
  try {
    structure.push(...checkDocumentStructure(bytes, pdf, Object.values(ATTACHMENT_NAMES)));
  } catch {
    // pdf-lib throws when an entry has the wrong type (a catalog /Names that is not a dictionary).
    structure.push({ kind: 'document-feature-not-allowed', message: 'The document catalog or page tree is not built the way a Wardscribe export is.' });
  }
  // An appended revision is also not pdf-lib's layout; say the plainer of the two only.
  const appended = structure.some((finding) => finding.kind === 'incremental-update');
  for (const finding of [...(appended ? [] : layout), ...structure]) report(finding);
  let pageCount: number;
  try {
    pageCount = pdf.getPageCount();
  } catch {
    // A page tree overwritten by an object that is not one (pdf-lib throws a TypeError).
    report({ kind: 'unreadable-pdf', message: 'The PDF’s page tree cannot be read.' });
    return { ok: false, problems, ...empty };
  }
  const files = collectAttachments(attachments, report);
  if (!files) return { ok: false, problems, ...empty, pageCount };

  let publicKey: KeyObject | undefined;
  let keyFingerprint: string | undefined;
  try {
    publicKey = loadPublicKey(files.publicKey);
    keyFingerprint = publicKeyFingerprint(publicKey);
  } catch {
    report({ kind: 'public-key-invalid', message: `${ATTACHMENT_NAMES.publicKey} is not an Ed25519 public key.` });
  }
  if (keyFingerprint && options.expectedKeyFingerprint !== undefined) {
    const expected = options.expectedKeyFingerprint.replace(/[\s:]/g, '').toLowerCase();
    if (expected !== keyFingerprint) {
      report({ kind: 'key-not-expected', message: `The PDF carries workstation key ${keyFingerprint}, not the registered ${expected}.` });
    }
  }

  // The keys whose checkpoint signatures count: the root, and each key the root certified.
  const certificates = parseLines(files.certificates, (value) => SigningKeyCertificateSchema.safeParse(value), 'malformed-certificate', ATTACHMENT_NAMES.certificates, report).map(({ item }) => item);
  const trusted = publicKey ? trustedCheckpointKeys(publicKey, certificates) : { keys: new Map<string, KeyObject>(), rejected: [] };
  for (const certificate of trusted.rejected) {
    report({ kind: 'certificate-invalid', message: `The certificate for signing key ${certificate.keyFingerprint} is not signed by the workstation key in this PDF.` });
  }

  const checkpoints = parseLines(files.checkpoints, (value) => AuditCheckpointSchema.safeParse(value), 'malformed-checkpoint', ATTACHMENT_NAMES.checkpoints, report);
  const verified: AuditCheckpoint[] = [];
  for (const { item: checkpoint, line } of checkpoints) {
    const key = trusted.keys.get(checkpoint.keyFingerprint);
    if (key && verifyCheckpointSignature(checkpoint, key)) verified.push(checkpoint);
    else {
      report({
        kind: 'checkpoint-signature-invalid',
        sequence: checkpoint.sequence,
        line,
        message: `The ${checkpoint.kind} checkpoint at entry ${checkpoint.sequence} (line ${line}) is not validly signed by the workstation key or a key it certified.`,
      });
    }
  }
  const sealing = checkpoints.at(-1)?.item;
  const exportCheckpoint = sealing && sealing.kind === 'export' && verified.includes(sealing) ? sealing : undefined;
  const seal = exportCheckpoint?.export;
  if (!sealing || sealing.kind !== 'export' || !sealing.export) {
    report({ kind: 'export-seal-missing', message: 'The last checkpoint is not an export checkpoint: nothing seals this export.' });
  }
  if (checkpoints.slice(0, -1).some(({ item }) => item.kind === 'export')) {
    report({ kind: 'export-seal-missing', message: 'More than one export checkpoint is embedded: only the last may seal an export.' });
  }

  const entries = parseLines(files.entries, (value) => AuditEntrySchema.safeParse(value), 'malformed-entry', ATTACHMENT_NAMES.entries, report).map(({ item }) => item);
  const filtered = seal ? !isEmptyFilter(seal.filter) : false;
  const head: ChainHead | undefined = exportCheckpoint ? { sequence: exportCheckpoint.sequence, hash: exportCheckpoint.entryHash } : undefined;

  if (seal && exportCheckpoint && head) {
    if (sha256Hex(files.entries) !== seal.entriesSha256) {
      report({ kind: 'entries-file-altered', message: `${ATTACHMENT_NAMES.entries} is not the file the export checkpoint sealed.` });
    }
    if (sha256Hex(files.manifest) !== seal.manifestSha256) {
      report({ kind: 'manifest-altered', message: `${ATTACHMENT_NAMES.manifest} is not the file the export checkpoint sealed.` });
    }
    checkSealCounts(seal, entries, report);
    if (seal.pageCount !== pageCount) {
      report({ kind: 'page-count-mismatch', message: `The PDF has ${pageCount} pages, but ${seal.pageCount} were sealed.` });
    }
    for (const entry of entries) {
      if (!entryMatchesFilter(entry, seal.filter)) {
        report({ kind: 'filter-mismatch', sequence: entry.sequence, message: `Entry ${entry.sequence} does not match the filter this export was sealed with.` });
      }
    }
  }

  // The chain itself: whole from genesis to the sealed head for an unfiltered export; for a
  // filtered one, every entry's own hash, links between neighbours, and the signed checkpoints.
  const vouched = [...verified.map(({ sequence, entryHash }) => ({ sequence, entryHash }))];
  const chain = verifyChain(entries, {
    contiguous: !filtered,
    ...(filtered ? {} : { anchor: GENESIS_HEAD }),
    ...(head && !filtered ? { expectedHead: head } : {}),
    checkpoints: vouched,
  });
  for (const broken of chain.breaks) {
    report({ kind: broken.kind, ...(broken.index >= 0 ? { sequence: broken.sequence } : {}), message: broken.detail });
  }
  if (head && filtered) {
    const beyond = entries.find((entry) => entry.sequence > head.sequence);
    if (beyond) report({ kind: 'head-mismatch', sequence: beyond.sequence, message: `Entry ${beyond.sequence} is later than the sealed head ${head.sequence}.` });
  }

  checkManifest(files.manifest, entries, head, pageCount, report);
  const pagesVerified = exportCheckpoint ? checkPageSeal(pdf, files.pageSeal, exportCheckpoint, trusted.keys, report) : false;
  const signingCertificate = exportCheckpoint ? certificates.find((certificate) => certificate.keyFingerprint === exportCheckpoint.keyFingerprint) : undefined;

  const witness = checkWitness(options.witness, entries, head, report);
  return {
    ok: problems.length === 0,
    problems,
    entryCount: entries.length,
    ...(entries[0] ? { firstSequence: entries[0].sequence } : {}),
    ...(entries.at(-1) ? { lastSequence: entries.at(-1)!.sequence } : {}),
    pageCount,
    ...(head ? { head } : {}),
    ...(keyFingerprint ? { keyFingerprint } : {}),
    checkpointsVerified: verified.length,
    filtered,
    witness,
    trust,
    ...(signingCertificate ? { signingKeyProtection: signingCertificate.protection } : {}),
    pagesVerified,
  };
}

/** Each page must show exactly what was sealed after drawing: page-content.ts. */
function checkPageSeal(
  pdf: PDFDocument,
  bytes: Uint8Array,
  exportCheckpoint: AuditCheckpoint,
  keys: ReadonlyMap<string, KeyObject>,
  report: (problem: TrailProblem) => void,
): boolean {
  let seal;
  try {
    const parsed = PageSealSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!parsed.success) throw new Error('format');
    seal = parsed.data;
  } catch {
    report({ kind: 'page-seal-invalid', message: `${ATTACHMENT_NAMES.pageSeal} does not have the page seal format.` });
    return false;
  }
  const key = keys.get(seal.keyFingerprint);
  if (seal.keyFingerprint !== exportCheckpoint.keyFingerprint || !key || !verify(null, pageSealSigningBytes(seal), key, Buffer.from(seal.signature, 'base64'))) {
    report({ kind: 'page-seal-invalid', message: 'The page seal is not signed by the key that sealed this export.' });
    return false;
  }
  if (seal.exportCheckpointSha256 !== sha256Hex(canonicalJson(exportCheckpoint))) {
    report({ kind: 'page-seal-invalid', message: 'The page seal belongs to a different export.' });
    return false;
  }
  let drawn: string[];
  try {
    drawn = pageContentDigests(pdf);
  } catch {
    report({ kind: 'page-content-mismatch', message: 'The printed pages cannot be read to compare with the page seal.' });
    return false;
  }
  if (drawn.length !== seal.pages.length) {
    report({ kind: 'page-content-mismatch', message: `The PDF has ${drawn.length} pages; ${seal.pages.length} were sealed.` });
    return false;
  }
  let intact = true;
  drawn.forEach((digest, index) => {
    if (digest === seal.pages[index]) return;
    intact = false;
    report({ kind: 'page-content-mismatch', page: index + 1, message: `Page ${index + 1} does not show what was sealed: it was reprinted, overprinted or annotated after export.` });
  });
  // What a screen reader reads instead of, or in another order than, the drawn text (page-content.ts).
  let structure: string | undefined;
  try {
    structure = readingStructureDigest(pdf);
  } catch {
    structure = 'unreadable';
  }
  if (structure !== seal.structure) {
    intact = false;
    report({
      kind: 'page-content-mismatch',
      message:
        seal.structure === undefined
          ? 'The PDF has tags or a structure tree (what screen readers read) that this export was not sealed with.'
          : 'What screen readers read (the document’s tags and structure tree) is not what was sealed: it was changed, removed or replaced after export.',
    });
  }
  return intact;
}

interface TrailFiles {
  readonly entries: Uint8Array;
  readonly checkpoints: Uint8Array;
  readonly manifest: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly certificates: Uint8Array;
  readonly pageSeal: Uint8Array;
}

function collectAttachments(attachments: readonly PdfAttachment[], report: (problem: TrailProblem) => void): TrailFiles | undefined {
  const byName = new Map<string, Uint8Array>();
  for (const attachment of attachments) {
    if (!(Object.values(ATTACHMENT_NAMES) as string[]).includes(attachment.name)) continue;
    if (byName.has(attachment.name)) {
      report({ kind: 'attachment-duplicated', message: `${attachment.name} is attached more than once.` });
    }
    byName.set(attachment.name, attachment.bytes);
  }
  const get = (name: string) => {
    const bytes = byName.get(name);
    if (!bytes) report({ kind: 'attachment-missing', message: `The PDF has no ${name} attachment.` });
    return bytes;
  };
  const files = {
    entries: get(ATTACHMENT_NAMES.entries),
    checkpoints: get(ATTACHMENT_NAMES.checkpoints),
    manifest: get(ATTACHMENT_NAMES.manifest),
    publicKey: get(ATTACHMENT_NAMES.publicKey),
    certificates: get(ATTACHMENT_NAMES.certificates),
    pageSeal: get(ATTACHMENT_NAMES.pageSeal),
  };
  if (!files.entries || !files.checkpoints || !files.manifest || !files.publicKey || !files.certificates || !files.pageSeal) return undefined;
  return files as TrailFiles;
}

type SafeParse<T> = { success: true; data: T } | { success: false };

function parseLines<T>(
  bytes: Uint8Array,
  parse: (value: unknown) => SafeParse<T>,
  kind: 'malformed-entry' | 'malformed-checkpoint' | 'malformed-certificate',
  fileName: string,
  report: (problem: TrailProblem) => void,
): { item: T; line: number }[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const items: { item: T; line: number }[] = [];
  if (text.length === 0) return items;
  lines.forEach((source, index) => {
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      report({ kind, line, message: `Line ${line} of ${fileName} is not valid JSON.` });
      return;
    }
    const parsed = parse(value);
    if (parsed.success) items.push({ item: parsed.data, line });
    else {
      const claimed = typeof value === 'object' && value !== null ? (value as { sequence?: unknown }).sequence : undefined;
      const sequence = typeof claimed === 'number' ? claimed : undefined;
      report({
        kind,
        line,
        ...(sequence !== undefined ? { sequence } : {}),
        message: `Line ${line} of ${fileName}${sequence !== undefined ? ` (entry ${sequence})` : ''} does not have the audit format.`,
      });
    }
  });
  return items;
}

function checkSealCounts(
  seal: NonNullable<AuditCheckpoint['export']>,
  entries: readonly AuditEntry[],
  report: (problem: TrailProblem) => void,
): void {
  const first = entries[0]?.sequence ?? 0;
  const last = entries.at(-1)?.sequence ?? 0;
  if (seal.entryCount !== entries.length || seal.firstSequence !== first || seal.lastSequence !== last) {
    report({
      kind: 'seal-mismatch',
      message: `The export was sealed with ${seal.entryCount} entries (${seal.firstSequence}–${seal.lastSequence}); the PDF holds ${entries.length} (${first}–${last}).`,
    });
  }
}

function checkManifest(
  bytes: Uint8Array,
  entries: readonly AuditEntry[],
  head: ChainHead | undefined,
  pageCount: number,
  report: (problem: TrailProblem) => void,
): void {
  let manifest: PageManifest;
  try {
    const parsed = PageManifestSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!parsed.success) throw new Error('format');
    manifest = parsed.data;
  } catch {
    report({ kind: 'malformed-manifest', message: `${ATTACHMENT_NAMES.manifest} does not have the page manifest format.` });
    return;
  }
  if (head && (manifest.head.sequence !== head.sequence || manifest.head.hash !== head.hash)) {
    report({ kind: 'page-manifest-mismatch', message: `The pages print head ${manifest.head.sequence}, but the export was sealed at ${head.sequence}.` });
  }
  if (manifest.pages.length !== pageCount) {
    report({ kind: 'page-count-mismatch', message: `The manifest lists ${manifest.pages.length} pages; the PDF has ${pageCount}.` });
  }
  let offset = 0;
  manifest.pages.forEach((page, index) => {
    const pageNumber = index + 1;
    const shown = entries.slice(offset, offset + page.entryCount);
    offset += page.entryCount;
    const first = shown[0]?.sequence ?? null;
    const last = shown.at(-1)?.sequence ?? null;
    if (page.page !== pageNumber || shown.length !== page.entryCount || first !== page.firstSequence || last !== page.lastSequence) {
      report({
        kind: 'page-manifest-mismatch',
        page: pageNumber,
        message: `Page ${pageNumber} prints entries ${page.firstSequence ?? '-'}–${page.lastSequence ?? '-'}, but the entries put ${first ?? '-'}–${last ?? '-'} there.`,
      });
    } else if (pageEntriesDigest(shown) !== page.entriesDigest) {
      report({ kind: 'page-manifest-mismatch', page: pageNumber, message: `Page ${pageNumber} was printed from different entries than those embedded.` });
    }
  });
  if (offset !== entries.length) {
    report({ kind: 'page-manifest-mismatch', message: `The pages show ${offset} entries; ${entries.length} are embedded.` });
  }
}

function checkWitness(
  witness: ChainHead | undefined,
  entries: readonly AuditEntry[],
  head: ChainHead | undefined,
  report: (problem: TrailProblem) => void,
): TrailReport['witness'] {
  if (!witness) return 'not-checked';
  // A witness later than the sealed head: the trail ends before an entry known to exist. Either
  // it was cut short (entries removed, the chain rebuilt up to there) or this export is older than
  // the witness; only a newer export can tell, so it fails rather than passing unchecked.
  if (head && witness.sequence > head.sequence) {
    report({
      kind: 'witness-beyond-export',
      sequence: witness.sequence,
      message: `The witness records entry ${witness.sequence}, but this export was sealed at entry ${head.sequence}, before it: entries may have been removed from the trail. Verify an export made after the witness was recorded.`,
    });
    return 'beyond-export';
  }
  const known = head?.sequence === witness.sequence ? head.hash : entries.find((entry) => entry.sequence === witness.sequence)?.entryHash;
  // Within the sealed range but not among the entries: a filtered export, which cannot say.
  if (known === undefined) return 'not-in-export';
  if (known === witness.hash) return 'matched';
  report({ kind: 'witness-mismatch', sequence: witness.sequence, message: `The witness records ${witness.hash} for entry ${witness.sequence}; the export has ${known}.` });
  return 'mismatch';
}
