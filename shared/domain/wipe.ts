import { z } from 'zod';
import { CHAT_SOURCES } from './chat';
import { ROLES, type Role } from './roles';

/**
 * Secure wipe of a thread's originals: when it is allowed (the gate) and what is certified
 * afterwards. Pure, so the confirmation screen shows exactly the rule main enforces.
 */

/** How a transcription drafted from the thread stands, as the gate sees it. */
export interface GateTranscription {
  readonly draftId: string;
  /** The outbox identifier once attested, else null. */
  readonly identifier: string | null;
  /** 'draft' until attested; then the outbox state. */
  readonly state: 'draft' | 'queued' | 'sending' | 'filed' | 'verified' | 'failed' | 'needs-attention';
  readonly nhsNumber: string;
  readonly documentReferenceId: string | null;
  /**
   * The read-back found the record differs from what was filed (another patient, entered in
   * error, a changed type or text): the originals are the evidence, so no reason unlocks the wipe.
   */
  readonly readBackMismatch?: boolean;
}

/** Still with the EPR: wiping now could lose advice whose filing is not yet proven. Never overridable. */
const IN_FLIGHT = new Set<GateTranscription['state']>(['queued', 'sending', 'filed']);

export type GateDecision =
  | { readonly kind: 'allowed' }
  /** Allowed only if a clinician records, with a reason, that what is unfiled holds no clinical content. */
  | { readonly kind: 'needs-override'; readonly problems: readonly string[] }
  | { readonly kind: 'refused'; readonly problems: readonly string[] };

/** Shortest reason a clinician may give for wiping what was not filed. */
export const MIN_OVERRIDE_REASON = 20;

/**
 * The gate: a thread may be wiped when every transcription drafted from it is verified in the
 * EPR. Anything still on its way is a refusal. A draft never attested, a filing that failed, or a
 * thread from which nothing at all was filed may be wiped only on a clinician's recorded reason.
 */
export function decideWipe(transcriptions: readonly GateTranscription[]): GateDecision {
  const inFlight = transcriptions.filter((transcription) => IN_FLIGHT.has(transcription.state));
  if (inFlight.length > 0) {
    return {
      kind: 'refused',
      problems: [
        `${plural(inFlight.length, 'transcription is', 'transcriptions are')} still being filed in the record. Wait until ${inFlight.length === 1 ? 'it is' : 'they are'} verified, then wipe.`,
      ],
    };
  }
  const mismatched = transcriptions.filter((transcription) => transcription.readBackMismatch === true);
  if (mismatched.length > 0) {
    return {
      kind: 'refused',
      problems: [
        `The record differs from what was filed for ${plural(mismatched.length, 'transcription', 'transcriptions')} (see the outbox). Keep the chat until the record is corrected and verified.`,
      ],
    };
  }
  const problems: string[] = [];
  const drafts = transcriptions.filter((transcription) => transcription.state === 'draft');
  if (drafts.length > 0) problems.push(`${plural(drafts.length, 'draft has', 'drafts have')} not been attested and filed.`);
  const failed = transcriptions.filter((transcription) => transcription.state === 'failed' || transcription.state === 'needs-attention');
  if (failed.length > 0) problems.push(`${plural(failed.length, 'transcription', 'transcriptions')} could not be filed (see the outbox).`);
  if (!transcriptions.some((transcription) => transcription.state === 'verified')) problems.push('Nothing from this chat has been filed in the record.');
  return problems.length === 0 ? { kind: 'allowed' } : { kind: 'needs-override', problems };
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What became of the export file the thread was imported from. */
export const SOURCE_FILE_OUTCOMES = ['not-requested', 'requested', 'overwriting', 'overwritten', 'not-found', 'changed', 'replaced-by-link', 'failed'] as const;
export type SourceFileOutcome = (typeof SOURCE_FILE_OUTCOMES)[number];

const UtcInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

export const WipeVerificationSchema = z.object({
  status: z.enum(['passed', 'failed']),
  /** Pages of the vault and its journal decrypted with the current key and searched (HMAC-checked). */
  pagesDecrypted: z.number().int().min(0),
  /** Files whose raw bytes were searched. */
  filesScanned: z.array(z.object({ name: z.string(), bytes: z.number().int().min(0) })),
  /** How many distinct strings were searched for (the canary plus samples of the wiped text). */
  needles: z.number().int().min(0),
  /** False after a restart mid-wipe: samples of the text are never stored, so only the canary is searched. */
  textSampled: z.boolean(),
  /** Where something was found, as `file:how` codes; empty when it passed. */
  hits: z.array(z.string()),
  /** Other checks that failed, as short codes (e.g. `fts-integrity`). */
  problems: z.array(z.string()),
});
export type WipeVerification = z.infer<typeof WipeVerificationSchema>;

export const WipeCertificateSchema = z.object({
  format: z.literal('wardscribe-wipe-certificate/1'),
  wipeId: z.string(),
  threadId: z.string(),
  source: z.enum(CHAT_SOURCES),
  sourceFileName: z.string(),
  sourceSha256: z.string(),
  messageCount: z.number().int().min(0),
  attachmentCount: z.number().int().min(0),
  /** Of the attachments, how many were pictures (by their bytes). Absent on certificates issued before images were counted. */
  imageCount: z.number().int().min(0).optional(),
  /** Images filed with the verified notes (in the EPR now, metadata removed). Absent as above. */
  imagesFiled: z.number().int().min(0).optional(),
  draftCount: z.number().int().min(0),
  firstInstant: UtcInstant.nullable(),
  lastInstant: UtcInstant.nullable(),
  trigger: z.enum(['user', 'retention']),
  /** Who asked; null when the retention policy did. */
  requestedBy: z.object({ userId: z.string(), displayName: z.string(), role: z.enum(ROLES) }).nullable(),
  /** The clinician's reason for wiping what was not filed, if the gate needed one. */
  overrideReason: z.string().nullable(),
  /**
   * Messages of which only a keyed fingerprint is kept (no text, sender or time), so that a later
   * export of the chat never brings them back. Absent on certificates issued before this was kept.
   */
  fingerprintsKept: z.number().int().min(0).optional(),
  /** Everything filed from the thread and verified in the EPR. */
  filed: z.array(z.object({ identifier: z.string(), documentReferenceId: z.string().nullable(), nhsNumber: z.string() })),
  startedAt: UtcInstant,
  finishedAt: UtcInstant.nullable(),
  keyRotated: z.boolean(),
  sourceFile: z.enum(SOURCE_FILE_OUTCOMES),
  verification: WipeVerificationSchema.nullable(),
  /**
   * `purge`: deleted, the vault key rotated (cryptographic erase, NIST SP 800-88) and verified;
   * `clear`: deleted and verified but the key not rotated; `failed`: verification found something.
   * Null until the wipe finishes.
   */
  level: z.enum(['purge', 'clear', 'failed']).nullable(),
});
export type WipeCertificate = z.infer<typeof WipeCertificateSchema>;

/** What a view of a certificate leaves out for the reader's role. */
export const WITHHELD = 'withheld from this role';

/**
 * A certificate as a role may see it. Auditors check that wipes happened and what they covered,
 * by identifiers and counts: the export's file name (often a patient's or colleague's name), the
 * clinician's free-text reason and the patients' NHS numbers are withheld (the last four digits
 * stay, to match a record someone already holds). The certificate's digest is always that of the
 * full certificate in the vault, so the trail still pins it.
 */
export function certificateForRole(certificate: WipeCertificate, role: Role): WipeCertificate {
  if (role !== 'auditor') return certificate;
  return {
    ...certificate,
    sourceFileName: WITHHELD,
    overrideReason: certificate.overrideReason === null ? null : WITHHELD,
    filed: certificate.filed.map((filing) => ({ ...filing, nhsNumber: `••• ••• ${filing.nhsNumber.replace(/\D/g, '').slice(-4)}` })),
  };
}

/** The level a finished wipe achieved. */
export function wipeLevel(keyRotated: boolean, verification: WipeVerification): 'purge' | 'clear' | 'failed' {
  if (verification.status !== 'passed') return 'failed';
  return keyRotated ? 'purge' : 'clear';
}
