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
  /**
   * 'draft' until attested; then the outbox state, except that a verified note a clinician withdrew
   * and the record has marked entered in error (or no longer holds) is `withdrawn`: it files nothing.
   */
  readonly state: 'draft' | 'queued' | 'sending' | 'filed' | 'verified' | 'withdrawn' | 'failed' | 'needs-attention';
  readonly nhsNumber: string;
  readonly documentReferenceId: string | null;
  /**
   * The read-back found the record differs from what was filed (another patient, entered in
   * error, a changed type or text): the originals are the evidence, so no reason unlocks the wipe.
   */
  readonly readBackMismatch?: boolean;
  /**
   * A correction of an earlier note (issue #15): `drafted` while it is a draft, `filing` until it is verified, `marking` while the
   * note it replaces is being marked entered in error, `not-marked` when the EPR would not mark it,
   * `done` once it has. (The note it replaces, once it is verified, is no longer weighed at all.)
   */
  readonly correction?: 'drafted' | 'filing' | 'marking' | 'not-marked' | 'done';
  /**
   * A verified note a clinician withdrew, while the record is still being asked to mark it entered
   * in error (`withdrawing`), or after it would not (`not-marked`). Once marked, its state is `withdrawn`.
   */
  readonly withdrawal?: 'withdrawing' | 'not-marked';
  /**
   * A withdrawn note every message of which is in a verified note again (filed afresh, for the
   * right patient): nothing it carried is lost with the chat, so it is no longer a problem.
   */
  readonly refiled?: boolean;
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
 * EPR and every message of it is in one of those notes. Anything still on its way is a refusal.
 * A draft never attested, a filing that failed, messages in no verified note (`untranscribed`,
 * see untranscribedMessages), or a thread from which nothing at all was filed may be wiped only
 * on a clinician's recorded reason: one filed note says nothing of the other patients' advice a
 * ward chat carries.
 */
export function decideWipe(transcriptions: readonly GateTranscription[], untranscribed: number): GateDecision {
  const inFlight = transcriptions.filter((transcription) => IN_FLIGHT.has(transcription.state));
  if (inFlight.length > 0) {
    return {
      kind: 'refused',
      problems: [
        `${plural(inFlight.length, 'transcription is', 'transcriptions are')} still being filed in the record. Wait until ${inFlight.length === 1 ? 'it is' : 'they are'} verified, then wipe.`,
      ],
    };
  }
  // A correction not yet verified, or still marking the note it replaces: the record may hold the
  // wrong note and not yet the right one, and only the chat holds what was said. No reason unlocks it.
  const correcting = transcriptions.filter((transcription) => transcription.correction === 'filing' || transcription.correction === 'marking');
  if (correcting.length > 0) {
    return {
      kind: 'refused',
      problems: [`${plural(correcting.length, 'correction of a filed note is', 'corrections of filed notes are')} not yet verified in the record. Wait until ${correcting.length === 1 ? 'it is' : 'they are'} (see the outbox), then wipe.`],
    };
  }
  // A withdrawal the record has not yet settled: whether the note stays in the record is not yet known.
  const withdrawing = transcriptions.filter((transcription) => transcription.withdrawal === 'withdrawing');
  if (withdrawing.length > 0) {
    return {
      kind: 'refused',
      problems: [`${plural(withdrawing.length, 'withdrawn note is', 'withdrawn notes are')} still being marked entered in error in the record. Wait until the outbox says how that ended, then wipe.`],
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
  // A correction started and not attested says the note in the record is wrong: said as such, not as any draft.
  const corrections = transcriptions.filter((transcription) => transcription.correction === 'drafted');
  const drafts = transcriptions.filter((transcription) => transcription.state === 'draft' && transcription.correction !== 'drafted');
  if (corrections.length > 0) {
    problems.push(`${plural(corrections.length, 'correction of a filed note was', 'corrections of filed notes were')} started and not attested: the note in the record may be wrong, and this chat may be the only record of what was said.`);
  }
  if (drafts.length > 0) problems.push(`${plural(drafts.length, 'draft has', 'drafts have')} not been attested and filed.`);
  const failed = transcriptions.filter((transcription) => transcription.state === 'failed' || transcription.state === 'needs-attention');
  if (failed.length > 0) problems.push(`${plural(failed.length, 'transcription', 'transcriptions')} could not be filed (see the outbox).`);
  const unmarked = transcriptions.filter((transcription) => transcription.correction === 'not-marked');
  if (unmarked.length > 0) {
    problems.push(`The record was not made to mark ${plural(unmarked.length, 'corrected note', 'corrected notes')} entered in error, so ${unmarked.length === 1 ? 'it is' : 'they are'} still current there beside the correction (see the outbox).`);
  }
  const notWithdrawn = transcriptions.filter((transcription) => transcription.withdrawal === 'not-marked');
  if (notWithdrawn.length > 0) {
    problems.push(`The record was not made to mark ${plural(notWithdrawn.length, 'withdrawn note', 'withdrawn notes')} entered in error, so ${notWithdrawn.length === 1 ? 'it is' : 'they are'} still current there (see the outbox).`);
  }
  const withdrawn = transcriptions.filter((transcription) => transcription.state === 'withdrawn' && transcription.refiled !== true);
  if (withdrawn.length > 0) {
    problems.push(
      `${plural(withdrawn.length, 'note filed from this chat was', 'notes filed from this chat were')} withdrawn from the record, and what ${withdrawn.length === 1 ? 'it' : 'they'} carried is in no note there now. If the advice belongs in another patient\u2019s record, file it for them from this chat first.`,
    );
  }
  if (!transcriptions.some((transcription) => transcription.state === 'verified')) problems.push('Nothing from this chat has been filed in the record.');
  else if (untranscribed > 0) problems.push(`${plural(untranscribed, 'message in this chat is', 'messages in this chat are')} in no note filed in the record.`);
  return problems.length === 0 ? { kind: 'allowed' } : { kind: 'needs-override', problems };
}

/**
 * An attachment of the thread as the media rule sees it: what the confirmation screen lists (no
 * patient data goes to any log from here) and what the audit trail keeps (its id and hash).
 */
export interface WipeMedium {
  readonly attachmentId: string;
  /** The vault id of the message it came with (a decimal string); null for a file no message names. */
  readonly messageId: string | null;
  /** The name the sender's phone gave it. */
  readonly fileName: string;
  /** What its bytes are, in words (`PDF document`), never what its name claims. */
  readonly typeLabel: string;
  readonly byteLength: number;
  /** SHA-256 of its bytes as imported (hex): what the audit trail records of it. */
  readonly sha256: string;
  /** Who sent it, as the chat named them; null for a system line. */
  readonly sender: string | null;
  /** When its message was sent (UTC); null where the chat's wall-clock time has no single instant. */
  readonly sentAt: string | null;
  /** The time as the chat showed it (no zone). */
  readonly localTime: string;
}

/** A transcription as the media rule sees it: the messages it carries and the attachments filed with it as images. */
export interface MediaTranscription {
  readonly state: GateTranscription['state'];
  readonly messageIds: readonly string[];
  readonly filedAttachmentIds: readonly string[];
}

/**
 * What a wipe would destroy that came with advice now in the record but is not in it: each
 * attachment of a message transcribed in a verified note that no verified note carries as an
 * image (a PDF ECG, which cannot be filed; a photo the clinician did not choose). The gate lets
 * such a thread through, so without this the clinician would believe the record holds all that
 * mattered. Attachments of messages in no verified note are the gate's business (its override).
 * Generic so that main can pick them out before reading what each one is.
 */
export function unfiledMedia<T extends Pick<WipeMedium, 'attachmentId' | 'messageId'>>(transcriptions: readonly MediaTranscription[], attachments: readonly T[]): T[] {
  const verified = transcriptions.filter((transcription) => transcription.state === 'verified');
  // A file no message names (null) is never of a filed message.
  const filedMessages = new Set<string | null>(verified.flatMap((transcription) => transcription.messageIds));
  const inRecord = new Set(verified.flatMap((transcription) => transcription.filedAttachmentIds));
  return attachments.filter((attachment) => filedMessages.has(attachment.messageId) && !inRecord.has(attachment.attachmentId));
}

/**
 * The gate's transcriptions with each withdrawn note that no longer matters marked `refiled`:
 * every message it carried is in a verified note again. `carried` is what each transcription
 * carries, in the same order.
 */
export function markRefiled(transcriptions: readonly GateTranscription[], carried: readonly MediaTranscription[]): GateTranscription[] {
  const filed = new Set(carried.filter((transcription) => transcription.state === 'verified').flatMap((transcription) => transcription.messageIds));
  return transcriptions.map((transcription, index) => {
    const messageIds = carried[index]?.messageIds;
    if (transcription.state !== 'withdrawn' || !messageIds || messageIds.length === 0 || !messageIds.every((messageId) => filed.has(messageId))) return transcription;
    return { ...transcription, refiled: true };
  });
}

/** A message of the thread as the gate counts it. */
export interface GateMessage {
  /** Its vault id (a decimal string). */
  readonly messageId: string;
  readonly kind: 'message' | 'system';
}

/**
 * The thread's messages that no verified note carries: what a wipe would destroy without its
 * ever reaching the record. System lines ("X added Y", "Messages are end-to-end encrypted") are
 * nobody's advice and cannot be selected for a note, so they are never counted. Generic so that
 * main can pick them out before reading what each one says.
 */
export function untranscribedMessages<T extends GateMessage>(transcriptions: readonly MediaTranscription[], messages: readonly T[]): T[] {
  const filed = new Set(transcriptions.filter((transcription) => transcription.state === 'verified').flatMap((transcription) => transcription.messageIds));
  return messages.filter((message) => message.kind !== 'system' && !filed.has(message.messageId));
}

/** Whether a wipe may destroy the unfiled media: a clinician's acknowledgement of each, by id. */
export type MediaDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'refused'; readonly reason: 'unfiled-media-clinician-only' | 'unfiled-media-not-acknowledged' | 'unfiled-media-changed'; readonly problem: string };

/** The sentence the confirmation screen and a refusal both start with. */
export function describeUnfiledMedia(count: number): string {
  return count === 1
    ? '1 attachment sent with the advice filed in the record is not in the record itself: only pictures chosen for a note are filed with it. The wipe destroys it for good.'
    : `${count} attachments sent with the advice filed in the record are not in the record themselves: only pictures chosen for a note are filed with it. The wipe destroys them for good.`;
}

/**
 * The rule for the unfiled media (unfiledMedia): none, nothing to acknowledge; otherwise only a
 * clinician (never a clerk, never the retention policy) may wipe them, and only by acknowledging
 * each by its id. An acknowledgement that misses one (the thread changed since the screen was
 * shown) is refused too: the clinician must see the list as it is now. Ids acknowledged that are
 * no longer unfiled do no harm: fewer are destroyed than were acknowledged.
 */
export function decideUnfiledMedia(unfiled: readonly Pick<WipeMedium, 'attachmentId'>[], by: Role | 'retention', acknowledged: readonly string[] | undefined): MediaDecision {
  if (unfiled.length === 0) return { kind: 'none' };
  const summary = describeUnfiledMedia(unfiled.length);
  if (by !== 'clinician') {
    return {
      kind: 'refused',
      reason: 'unfiled-media-clinician-only',
      problem:
        by === 'retention'
          ? `${summary} The automatic wipe never destroys what is not in the record: a clinician must wipe this thread.`
          : `${summary} Only a clinician can wipe ${unfiled.length === 1 ? 'it' : 'them'} without filing: file what matters first, or ask a clinician.`,
    };
  }
  if (acknowledged === undefined || acknowledged.length === 0) {
    return { kind: 'refused', reason: 'unfiled-media-not-acknowledged', problem: `${summary} Confirm that ${unfiled.length === 1 ? 'it is' : 'they are'} to be destroyed without being filed, then wipe.` };
  }
  const seen = new Set(acknowledged);
  if (unfiled.some((medium) => !seen.has(medium.attachmentId))) {
    return {
      kind: 'refused',
      reason: 'unfiled-media-changed',
      problem: `${summary} The attachments not in the record have changed since you confirmed: look at the list again, then confirm and wipe.`,
    };
  }
  return { kind: 'acknowledged' };
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
  /**
   * Attachments sent with the filed advice but not in the record (unfiledMedia), destroyed on the
   * clinician's acknowledgement of each. Absent on certificates issued before they were counted.
   */
  unfiledMediaDestroyed: z.number().int().min(0).optional(),
  /**
   * Messages in no verified note (untranscribedMessages) destroyed by the wipe, on the clinician's
   * reason (or none where every message was filed). Absent on certificates issued before they were counted.
   */
  unfiledMessagesDestroyed: z.number().int().min(0).optional(),
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
  /**
   * What the gate said before the clinician's reason let the wipe go ahead (its problems, in words).
   * Absent where the gate needed no reason, and on certificates issued before these were kept.
   */
  overriddenProblems: z.array(z.string()).optional(),
  /**
   * Everything filed from the thread and verified in the EPR. `withdrawal: 'not-marked'`: a clinician
   * withdrew it but the record would not mark it entered in error, so it is still current there.
   */
  filed: z.array(z.object({ identifier: z.string(), documentReferenceId: z.string().nullable(), nhsNumber: z.string(), withdrawal: z.literal('not-marked').optional() })),
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
