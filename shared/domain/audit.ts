import { z } from 'zod';
import { isValidNhsNumber } from './nhs-number';
import { ROLES } from './roles';

/**
 * The audit trail's data model. An entry records who did what to which object, when, and how it
 * ended: identifiers, outcome codes and content hashes only. There is deliberately no field that
 * can hold message text or any other free prose: the trail is read by auditors who must never
 * see message content, and it is exported to PDF.
 */

/** Everything the trail records. Add new actions at the end; the names are stored for ever. */
export const AUDIT_ACTIONS = [
  'sign-in',
  'sign-in-failed',
  'sign-out',
  'lock',
  'unlock',
  'user-created',
  'user-changed',
  'user-disabled',
  'password-changed',
  'setting-changed',
  'workstation-key-created',
  'import',
  'thread-opened',
  'transcription-drafted',
  'transcription-changed',
  'attested',
  'filed',
  'verified',
  'filing-failed',
  'wipe',
  'wipe-verified',
  'trail-viewed',
  'export',
  'provenance-kept-locally',
  /** A page of a thread's messages after the first was read (the first is `thread-opened`). */
  'messages-read',
  /** Messages were searched; the query is kept only as a keyed hash (`hashes.queryHmac`). */
  'search',
  /** An exported PDF was overwritten and removed from the disk (`hashes.exportSha256` says which). */
  'export-removed',
  /**
   * A clinician checked the EPR for a note the EPR cannot be searched for (by identifier) and
   * confirmed it is not there, so it is sent once more (main/epr/outbox-runner.ts sendAfterCheck).
   */
  'record-checked',
  /** The background check of the vault file's pages after sign-in found damage (outcome `failure`); an intact check is not recorded. */
  'vault-checked',
  /** The list of threads was read (titles, participants, counts): one entry per request. */
  'threads-listed',
  /** A thread's attachments were listed (names and sizes, not their bytes). */
  'attachments-listed',
  /** One attachment's bytes were read from the vault. */
  'attachment-read',
  /** The list of transcription drafts was read: one entry per request. */
  'drafts-listed',
  /** One transcription draft was opened (`objects.transcriptionId`); its text and patient are not recorded. */
  'draft-read',
  /**
   * A patient was looked up by NHS number in the EPR (and PDS where configured) to confirm who a
   * note is about (`objects.nhsNumber`; outcome reason: why it cannot be confirmed). No demographics are recorded.
   */
  'patient-looked-up',
  /** A filed note was read back from the EPR to be shown (or printed) from the outbox (`objects.documentId`); its text is not recorded. */
  'filed-document-read',
  /**
   * An image was attested to be filed with a note (`objects.attachmentId`, `objects.documentId`):
   * `hashes.originalSha256` is the bytes as imported, `hashes.documentSha256` as filed (metadata
   * removed); the outcome reason is the consent recorded (`consent-given`, `consent-not-given`, `consent-not-applicable`).
   */
  'image-attested',
  /**
   * A wipe destroyed an attachment sent with advice filed in the record but not in the record
   * itself (a PDF, a photo not chosen), on the clinician's acknowledgement (`objects.wipeId`,
   * `objects.attachmentId`; `hashes.originalSha256` its bytes as imported): one entry each, in the
   * wipe's transaction. Never its name.
   */
  'wipe-unfiled-media',
  /**
   * Failed sign-ins made while the vault was closed, counted in the key file and recorded when it
   * next opens: the reason code carries the true number and the first and last times
   * (shared/domain/sign-in-failures.ts), however many there were. The newest 100 are also
   * recorded one by one as `sign-in-failed`. `objects.subjectUserId` names the account when an
   * administrator's reset or disabling records them.
   */
  'sign-in-failures-counted',
  /** A thread was given a new name (`objects.threadId`); neither name is recorded (a chat's name can name a patient). */
  'thread-renamed',
  /**
   * A verified correction's EPR was asked to mark the note it replaces entered in error
   * (`objects.documentId` that note, `objects.transcriptionId` the correction): outcome success
   * (marked, or already gone from the record, reason `gone`) or failure (reason `refused`,
   * `unreachable` or `not-kept`). For a withdrawn note, the note itself, the reasons prefixed
   * `withdrawn`.
   */
  'marked-entered-in-error',
  /** A draft never attested was discarded by a clerk or clinician (`objects.transcriptionId`, `objects.threadId`); nothing of it is kept. */
  'draft-discarded',
  /**
   * A clinician withdrew a verified note from the record (`objects.transcriptionId`,
   * `objects.documentId`): it is then marked entered in error there (`marked-entered-in-error`,
   * reasons `withdrawn`, `withdrawn-gone`, `withdrawn-refused`, …). Their written reason stays in the vault.
   */
  'withdrawal-asked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Each action in words, for people reading the trail: on the audit screen and in the exported
 * PDF's table. The stored code stays the filter's value and is in the PDF's attached entries.
 * Typed over every action, so a new one cannot be added without its words.
 */
export const AUDIT_ACTION_WORDS: Readonly<Record<AuditAction, string>> = {
  'sign-in': 'Signed in',
  'sign-in-failed': 'Sign-in failed',
  'sign-out': 'Signed out',
  lock: 'Locked',
  unlock: 'Unlocked',
  'user-created': 'User created',
  'user-changed': 'User changed',
  'user-disabled': 'User disabled',
  'password-changed': 'Passphrase changed',
  'setting-changed': 'Setting changed',
  'workstation-key-created': 'Workstation key created',
  import: 'Chat imported',
  'thread-opened': 'Thread opened',
  'transcription-drafted': 'Transcription drafted',
  'transcription-changed': 'Transcription changed',
  attested: 'Attested',
  filed: 'Filed in the EPR',
  verified: 'Verified in the EPR',
  'filing-failed': 'Filing failed',
  wipe: 'Thread wiped',
  'wipe-verified': 'Wipe verified',
  'trail-viewed': 'Audit trail viewed',
  export: 'File exported',
  'provenance-kept-locally': 'Provenance kept locally',
  'messages-read': 'Messages read',
  search: 'Messages searched',
  'export-removed': 'Exported file removed',
  'record-checked': 'EPR checked by a clinician',
  'vault-checked': 'Vault checked',
  'threads-listed': 'Threads listed',
  'attachments-listed': 'Attachments listed',
  'attachment-read': 'Attachment opened',
  'drafts-listed': 'Drafts listed',
  'draft-read': 'Draft opened',
  'patient-looked-up': 'Patient looked up',
  'filed-document-read': 'Filed note read from the EPR',
  'image-attested': 'Image attested',
  'wipe-unfiled-media': 'Unfiled attachment wiped',
  'sign-in-failures-counted': 'Failed sign-ins counted',
  'thread-renamed': 'Thread renamed',
  'marked-entered-in-error': 'Note marked entered in error',
  'draft-discarded': 'Draft discarded',
  'withdrawal-asked': 'Filed note withdrawn',
};

/** success: it happened; failure: it was tried and went wrong; refused: it was not allowed. */
export const AUDIT_OUTCOMES = ['success', 'failure', 'refused'] as const;
export type AuditOutcomeStatus = (typeof AUDIT_OUTCOMES)[number];

/** A SHA-256 digest as 64 lower-case hex digits. */
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lower-case hex');

/**
 * An opaque identifier (uuid, `urn:uuid:…`, EPR id). No spaces, so a sentence cannot pass as an id.
 */
export const AuditIdentifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/, 'must be an identifier: letters, digits and . _ : / - only, at most 100');

/** A short machine reason such as `wrong-password` or `epr-timeout`: never prose. */
export const ReasonCodeSchema = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a reason code: lower-case words joined by -')
  .max(48);

/** Stored compact (10 digits, no spaces) so that filters match exactly; printed 3-3-4. */
export const NhsNumberSchema = z
  .string()
  .regex(/^\d{10}$/, 'must be 10 digits with no spaces')
  .refine(isValidNhsNumber, 'must be a valid NHS number (check digit)');

/** The objects an action concerns, by identifier only. */
export const AuditObjectsSchema = z.strictObject({
  threadId: AuditIdentifierSchema.optional(),
  transcriptionId: AuditIdentifierSchema.optional(),
  /** The EPR's DocumentReference id (or our masterIdentifier before the EPR answers). */
  documentId: AuditIdentifierSchema.optional(),
  importId: AuditIdentifierSchema.optional(),
  /** The user an administration action was done to (not the actor). */
  subjectUserId: AuditIdentifierSchema.optional(),
  /** The setting's key for `setting-changed`; values are not recorded. */
  setting: AuditIdentifierSchema.optional(),
  /** The patient, where the action concerns one. */
  nhsNumber: NhsNumberSchema.optional(),
  /** A secure wipe (main/wipe/). */
  wipeId: AuditIdentifierSchema.optional(),
  /** A chat's attached file in the vault (its id, never its name). */
  attachmentId: AuditIdentifierSchema.optional(),
});
export type AuditObjects = z.infer<typeof AuditObjectsSchema>;

/** Digests of content that matters, so that what was filed, imported or exported can be matched later. */
export const AuditHashesSchema = z.strictObject({
  /** SHA-256 of the document bytes filed in the EPR. */
  documentSha256: Sha256HexSchema.optional(),
  /** SHA-256 of the imported export file. */
  importSha256: Sha256HexSchema.optional(),
  /** SHA-256 of an image's bytes as imported, before its metadata was removed for filing (or of an attachment a wipe destroyed unfiled). */
  originalSha256: Sha256HexSchema.optional(),
  /** SHA-256 of the exported PDF. */
  exportSha256: Sha256HexSchema.optional(),
  /** SHA-256 of the canonical form of a wipe certificate. */
  certificateSha256: Sha256HexSchema.optional(),
  /**
   * HMAC-SHA256 of a search query under a key sealed by the workstation keystore
   * (main/security/search-query-key.ts): the same query gives the same value (an investigator on
   * the workstation can test a suspected query), but no vault user can hash candidate queries, NHS
   * numbers included, to recover the words from the trail or its PDF.
   */
  queryHmac: Sha256HexSchema.optional(),
});
export type AuditHashes = z.infer<typeof AuditHashesSchema>;

export const AuditOutcomeSchema = z.strictObject({
  status: z.enum(AUDIT_OUTCOMES),
  reason: ReasonCodeSchema.optional(),
});
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

/** The signed-in user who acted; `null` in an entry means the system acted. */
export const AuditActorSchema = z.strictObject({
  userId: AuditIdentifierSchema,
  /** The name shown in the trail: any script, no control characters. */
  displayName: z
    .string()
    .min(1)
    .max(120)
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, 'must not contain control or formatting characters'),
  role: z.enum(ROLES),
});
export type AuditActor = z.infer<typeof AuditActorSchema>;

/** When it happened: the instant in UTC and the workstation's wall clock with its zone. */
export const AuditTimeSchema = z.strictObject({
  /** e.g. `2024-03-26T13:05:00.123Z` */
  utc: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be an ISO UTC time with milliseconds'),
  /** e.g. `2024-03-26T14:05:00.123+01:00` */
  local: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/, 'must be an ISO local time with offset'),
  /** IANA zone, e.g. `Europe/London`. */
  zone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone'),
});
export type AuditTime = z.infer<typeof AuditTimeSchema>;

const UtcInstantSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'must be an ISO UTC time');

/**
 * A wipe certificate as the trail keeps it: counts, times, identifiers and outcome codes, so the
 * certificate is chained and exported with everything else. (A clinician's written reason for
 * wiping unfiled content stays in the vault's certificate; the trail records only that there was one.)
 */
export const AuditWipeCertificateSchema = z.strictObject({
  messageCount: z.number().int().min(0),
  attachmentCount: z.number().int().min(0),
  draftCount: z.number().int().min(0),
  firstInstant: UtcInstantSchema.nullable(),
  lastInstant: UtcInstantSchema.nullable(),
  /** The EPR's DocumentReference ids of what was filed from the thread. */
  documentIds: z.array(AuditIdentifierSchema).max(500),
  /** `purge`: erased, key rotated and verified; `clear`: erased and verified, key not rotated; `failed`. */
  level: z.enum(['purge', 'clear', 'failed']),
  verification: z.enum(['passed', 'failed']),
  sourceFile: ReasonCodeSchema,
  override: z.boolean(),
  keyRotated: z.boolean(),
  /** Attachments of the filed messages destroyed without being filed, on acknowledgement. Absent on entries made before they were counted. */
  unfiledMedia: z.number().int().min(0).optional(),
  /** Messages in no filed note destroyed on the clinician's reason. Absent on entries made before they were counted. */
  unfiledMessages: z.number().int().min(0).optional(),
});
export type AuditWipeCertificate = z.infer<typeof AuditWipeCertificateSchema>;

/** The content of an entry, before it is chained. */
export const AuditEntryBodySchema = z.strictObject({
  /** 1 for the first entry, then +1 each time, never reused. */
  sequence: z.number().int().min(1),
  time: AuditTimeSchema,
  actor: AuditActorSchema.nullable(),
  action: z.enum(AUDIT_ACTIONS),
  objects: AuditObjectsSchema,
  outcome: AuditOutcomeSchema,
  hashes: AuditHashesSchema,
  /** Only on `wipe-verified`: the certificate issued. */
  wipe: AuditWipeCertificateSchema.optional(),
  /** The `entryHash` of the entry before; the genesis value for entry 1. */
  previousHash: Sha256HexSchema,
});
export type AuditEntryBody = z.infer<typeof AuditEntryBodySchema>;

/** One link of the chain. `entryHash` is SHA-256 of the canonical form of everything else. */
export const AuditEntrySchema = AuditEntryBodySchema.extend({ entryHash: Sha256HexSchema }).strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** The newest entry: what an outside witness (the EPR filing) records to pin the chain. */
export const ChainHeadSchema = z.strictObject({ sequence: z.number().int().min(0), hash: Sha256HexSchema });
export type ChainHead = z.infer<typeof ChainHeadSchema>;

/** Which entries an auditor asked for. Every field narrows; an empty filter selects all. */
export const AuditFilterSchema = z.strictObject({
  /** Inclusive, UTC ISO. */
  fromUtc: AuditTimeSchema.shape.utc.optional(),
  /** Exclusive, UTC ISO. */
  toUtc: AuditTimeSchema.shape.utc.optional(),
  userId: AuditIdentifierSchema.optional(),
  actions: z.array(z.enum(AUDIT_ACTIONS)).min(1).optional(),
  nhsNumber: NhsNumberSchema.optional(),
  threadId: AuditIdentifierSchema.optional(),
});
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

/** True when no field narrows the selection (the export is then a contiguous run of the chain). */
export function isEmptyFilter(filter: AuditFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}

/**
 * The filter's meaning, once, so that every store and the verifier agree. UTC ISO strings of
 * this fixed shape compare correctly as strings.
 */
export function entryMatchesFilter(entry: AuditEntryBody, filter: AuditFilter): boolean {
  if (filter.fromUtc !== undefined && entry.time.utc < filter.fromUtc) return false;
  if (filter.toUtc !== undefined && entry.time.utc >= filter.toUtc) return false;
  if (filter.userId !== undefined && entry.actor?.userId !== filter.userId) return false;
  if (filter.actions !== undefined && !filter.actions.includes(entry.action)) return false;
  if (filter.nhsNumber !== undefined && entry.objects.nhsNumber !== filter.nhsNumber) return false;
  if (filter.threadId !== undefined && entry.objects.threadId !== filter.threadId) return false;
  return true;
}

/** What a checkpoint signed at export time says about the export it belongs to. */
export const ExportSealSchema = z.strictObject({
  /** SHA-256 of the embedded entries file (JSON Lines) exactly as attached. */
  entriesSha256: Sha256HexSchema,
  /** SHA-256 of the embedded page manifest exactly as attached. */
  manifestSha256: Sha256HexSchema,
  entryCount: z.number().int().min(0),
  firstSequence: z.number().int().min(0),
  lastSequence: z.number().int().min(0),
  pageCount: z.number().int().min(1),
  filter: AuditFilterSchema,
});
export type ExportSeal = z.infer<typeof ExportSealSchema>;

/**
 * A signed statement that the chain had this head at this time. Interval checkpoints are made
 * every N entries; an export checkpoint also seals one exported file.
 */
export const AuditCheckpointBodySchema = z.strictObject({
  kind: z.enum(['interval', 'export']),
  /** The head the checkpoint vouches for. */
  sequence: z.number().int().min(0),
  entryHash: Sha256HexSchema,
  createdUtc: AuditTimeSchema.shape.utc,
  /** SHA-256 of the signing key's SPKI DER, hex. */
  keyFingerprint: Sha256HexSchema,
  export: ExportSealSchema.optional(),
});
export type AuditCheckpointBody = z.infer<typeof AuditCheckpointBodySchema>;

export const AuditCheckpointSchema = AuditCheckpointBodySchema.extend({
  /** Ed25519 signature over the canonical form of the body, base64. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature'),
}).strict();
export type AuditCheckpoint = z.infer<typeof AuditCheckpointSchema>;
