import { z } from 'zod';
import { ChainHeadSchema, type AuditEntry } from '../../shared/domain/audit';
import { canonicalJson } from './canonical';
import { sha256Hex } from './hash';

/**
 * What an exported audit PDF carries besides its printed pages, shared by the exporter and the
 * verifier. The attachments are the evidence; the pages are the human-readable view of it.
 */
export const ATTACHMENT_NAMES = {
  /** One canonical JSON entry per line, ascending sequence. */
  entries: 'audit-entries.jsonl',
  /** One canonical JSON checkpoint per line; the export checkpoint is last. */
  checkpoints: 'audit-checkpoints.jsonl',
  /** Which entries each printed page shows (PageManifest as canonical JSON). */
  manifest: 'page-manifest.json',
  /** The workstation's root Ed25519 public key, SPKI PEM: the key auditors pin. */
  publicKey: 'workstation-public-key.pem',
  /** Certificates by which the root vouches for the keys that signed the checkpoints, JSON Lines. */
  certificates: 'signing-key-certificates.jsonl',
  /** What each printed page shows (page-content.ts), signed after the pages were drawn. */
  pageSeal: 'page-seal.json',
} as const;

/** The attachments every export made since trust anchors (issue #14) carries. */
export const REQUIRED_ATTACHMENTS = ['entries', 'checkpoints', 'manifest', 'publicKey', 'certificates', 'pageSeal'] as const;

export const PAGE_SEAL_FORMAT = 'wardscribe-audit-page-seal/1';

export const PageSealBodySchema = z.strictObject({
  format: z.literal(PAGE_SEAL_FORMAT),
  /** SHA-256 of the export checkpoint's canonical form: the seal belongs to that export. */
  exportCheckpointSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The key that signed it (the export checkpoint's key). */
  keyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** pageContentDigests() of the PDF as drawn, one per page. */
  pages: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1),
  /**
   * readingStructureDigest() of the PDF: what a screen reader reads (language, tags, structure
   * tree). Absent on exports made before the trail PDF was tagged, which have no structure.
   */
  structure: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type PageSealBody = z.infer<typeof PageSealBodySchema>;
export const PageSealSchema = PageSealBodySchema.extend({ signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/) });
export type PageSeal = z.infer<typeof PageSealSchema>;

/** The bytes a page seal's signature covers. */
export function pageSealSigningBytes(body: PageSealBody): Buffer {
  const { signature: _ignored, ...rest } = body as PageSeal;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

export const PAGE_MANIFEST_FORMAT = 'wardscribe-audit-page-manifest/1';

export const ManifestPageSchema = z.strictObject({
  page: z.number().int().min(1),
  /** null on a page that shows no entries (an empty export). */
  firstSequence: z.number().int().min(1).nullable(),
  lastSequence: z.number().int().min(1).nullable(),
  entryCount: z.number().int().min(0),
  /** See `pageEntriesDigest`. */
  entriesDigest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestPage = z.infer<typeof ManifestPageSchema>;

/** For each printed page, the entries it shows; sealed by the export checkpoint. */
export const PageManifestSchema = z.strictObject({
  format: z.literal(PAGE_MANIFEST_FORMAT),
  /** The chain head printed on every page. */
  head: ChainHeadSchema,
  pages: z.array(ManifestPageSchema).min(1),
});
export type PageManifest = z.infer<typeof PageManifestSchema>;

/** SHA-256 over the page's entry hashes, one per line: binds a page to exactly those entries. */
export function pageEntriesDigest(entries: readonly Pick<AuditEntry, 'entryHash'>[]): string {
  return sha256Hex(entries.map((entry) => entry.entryHash).join('\n'));
}

/** The manifest row for a page showing `entries`. */
export function manifestPage(page: number, entries: readonly AuditEntry[]): ManifestPage {
  return {
    page,
    firstSequence: entries[0]?.sequence ?? null,
    lastSequence: entries.at(-1)?.sequence ?? null,
    entryCount: entries.length,
    entriesDigest: pageEntriesDigest(entries),
  };
}

/** JSON Lines in canonical form, so the bytes (and their hash) are reproducible. */
export function toJsonLines(items: readonly object[]): string {
  return items.map((item) => canonicalJson(item) + '\n').join('');
}
