import { z } from 'zod';
import { MAX_PASSPHRASE_LENGTH } from '../domain/passphrase';
import { AuditEntrySchema, AuditFilterSchema } from '../domain/audit';
import { CHAT_SOURCES, DATE_ORDERS, MESSAGE_FLAGS } from '../domain/chat';
import { SensitivitySchema } from '../domain/sensitivity';
import { ClinicianIdentitySchema, DocumentTypeSchema, DraftAdviserSchema, EncounterLinkSchema, PracticeSettingSchema } from '../domain/transcription';
import { ImageConsentSchema, MAX_IMAGES } from '../domain/clinical-image';
import { PatientConfirmationSchema, PatientLookupSchema } from '../domain/patient-record';
import { PATIENT_HINT_KINDS } from '../domain/patient-hints';
import { WipeCertificateSchema } from '../domain/wipe';
import { saysEnough, writtenReason } from '../domain/written-reason';
import { ROLES } from '../domain/roles';
import { DisplayNameSchema, StaffProfileSchema, UserRowSchema, UserSummarySchema, UsernameSchema } from '../domain/users';
import { channel, JobIdSchema, type ContractShape } from './channel';
import { PersonRefSchema, SEARCH_ORDERS, ThreadQueueRequestSchema, ThreadQueueRowSchema, VaultIntegritySchema } from './work-queue';

/**
 * The one IPC contract between the renderer and main. The preload, the Chromium test host and
 * main's registry are all derived from this object: a channel added here is typed everywhere
 * and exists nowhere else.
 */

export const HOST_KINDS = ['electron', 'chromium'] as const;
export type HostKind = (typeof HOST_KINDS)[number];

export const AppStatusSchema = z.object({
  product: z.literal('Wardscribe'),
  version: z.string(),
  /** Which shell the renderer is running in. */
  host: z.enum(HOST_KINDS),
  /** Version of the shell's browser engine (Electron's Chromium, or system Chromium). */
  engine: z.string(),
  node: z.string(),
  platform: z.string(),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

const NoRequest = z.object({}).strict();

/** Where to save an export: a folder on this workstation chosen by the person; absent for the app's exports folder. */
const ExportFolderSchema = z.string().max(4096).optional();

export const ExportedFileSchema = z.object({
  id: z.string(),
  kind: z.enum(['audit-trail', 'wipe-certificate']),
  path: z.string(),
  fileName: z.string(),
  createdAt: z.string(),
});
export type ExportedFileView = z.infer<typeof ExportedFileSchema>;
const Done = z.object({ done: z.literal(true) });
/** Passphrase rules are checked in main with a helpful message; here only the bounds. */
const Passphrase = z.string().min(1, 'Enter a passphrase.').max(MAX_PASSPHRASE_LENGTH * 4);

export const SessionStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('first-run') }),
  z.object({ kind: z.literal('signed-out') }),
  z.object({ kind: z.literal('locked'), reason: z.enum(['idle', 'manual', 'os-lock', 'suspend', 'window-gone', 'sign-out']), username: z.string() }),
  z.object({ kind: z.literal('signed-in'), user: UserSummarySchema, idleLockMinutes: z.number() }),
]);
export type SessionStateView = z.infer<typeof SessionStateSchema>;

/** Idle lock: from six seconds (for testing a configuration) to two hours. */
export const IdleLockMinutesSchema = z.number().min(0.1).max(120);

/** Who imports and reads threads: the people who transcribe, not auditors or administrators. */
const TRANSCRIBERS = ['clerk', 'clinician'] as const;

/** Shortest reason a clinician may give for withdrawing a filed note. */
export const WITHDRAWAL_REASON_MIN = 10;

const ImportSourceRequest = {
  /** Absolute path of the export file on this workstation. */
  path: z.string().min(1).max(4096),
  /** IANA zone the export's wall-clock times are read in. */
  zone: z.string().min(1).max(64),
  /** Only for password-protected exports (Threema). */
  password: z.string().max(1024).optional(),
};

export const ThreadSummarySchema = z.object({
  id: z.string(),
  source: z.enum(CHAT_SOURCES),
  title: z.string(),
  messageCount: z.number(),
  firstInstant: z.string().nullable(),
  lastInstant: z.string().nullable(),
  zone: z.string(),
  importedAt: z.string(),
});
export type ThreadSummary = z.infer<typeof ThreadSummarySchema>;

/** Where a message's advice was already filed (or is being filed): shown beside it, and filing it again asks why. */
export const FiledMarkSchema = z.object({
  draftId: z.string(),
  identifier: z.string(),
  state: z.string(),
  documentReferenceId: z.string().nullable(),
  /** The thread the filed message is in (another thread when it is the same message of a separate import). */
  threadId: z.string(),
});
export type FiledMarkView = z.infer<typeof FiledMarkSchema>;

/** What an export holds against the vault (issue #18): the chat it is another export of, and what importing it adds. */
export const ExportComparisonSchema = z.object({
  knownThread: z.object({ id: z.string(), title: z.string(), importedAt: z.string(), mergedAt: z.array(z.string()) }).nullable(),
  exportTitle: z.string().nullable(),
  exportMessages: z.number().nullable(),
  newMessages: z.number(),
  alreadyHere: z.number(),
  wiped: z.number(),
  wipedOn: z.array(z.string()),
  placedBetween: z.number(),
  identicalFile: z.boolean(),
  /** Of the new messages (absent when the file was not read again): senders, date range and flag counts, shown before anything is written. */
  newSenders: z.array(z.string()).optional(),
  newFirstInstant: z.string().nullable().optional(),
  newLastInstant: z.string().nullable().optional(),
  newFlagCounts: z.record(z.string(), z.number()).optional(),
});
export type ExportComparisonView = z.infer<typeof ExportComparisonSchema>;

/** `merge` (the default): an export of a chat already here adds only its new messages to that thread; `separate`: a thread of its own. */
const ImportPlacementSchema = z.enum(['merge', 'separate']);

export const MessageViewSchema = z.object({
  id: z.string(),
  ordinal: z.number(),
  sender: z.string().nullable(),
  kind: z.enum(['message', 'system']),
  text: z.string(),
  localTime: z.string(),
  zone: z.string(),
  instant: z.string().nullable(),
  flags: z.array(z.enum(MESSAGE_FLAGS)),
  attachment: z.string().nullable(),
  line: z.number(),
  filed: z.array(FiledMarkSchema),
});
export type MessageView = z.infer<typeof MessageViewSchema>;

/** Bytes as base64 (standard alphabet, padded), as they travel over IPC. */
const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text');
/** A 256 KiB thumbnail as base64. */
const MAX_THUMBNAIL_BASE64 = Math.ceil((256 * 1024) / 3) * 4;

export const MediaItemSchema = z.object({
  id: z.string(),
  messageId: z.string().nullable(),
  name: z.string(),
  byteLength: z.number(),
  /** What the bytes are, from their magic number (not the name). */
  mediaType: z.string(),
  kind: z.enum(['image', 'audio', 'video', 'pdf', 'other']),
  label: z.string(),
  /** What the file's name claims, when the bytes are something else. */
  claimedLabel: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  display: z.enum(['image', 'player', 'listed']),
  /** Why it is only listed, in words. */
  problem: z.string().nullable(),
  thumbnail: z.object({ width: z.number(), height: z.number() }).nullable(),
});
export type MediaItemView = z.infer<typeof MediaItemSchema>;

/** Who each sender in the chat is, as the transcriber identified them (remembered per thread). */
const AdvisersSchema = z.record(z.string().max(200), ClinicianIdentitySchema);
/** A draft's advisers: possibly incomplete (the draft's problems say what is missing). */
const DraftAdvisersSchema = z.record(z.string().max(200), DraftAdviserSchema);

const DraftPatientSchema = z.object({
  nhsNumber: z.string().max(20),
  name: z.string().max(200),
  /** YYYY-MM-DD */
  birthDate: z.string().max(10),
  /** The user checked name and date of birth against the patient's record. */
  confirmed: z.boolean(),
});

/** An image of a selected message to file with the note, and the consent recorded for it (absent until recorded). */
const DraftImageSchema = z.object({ attachmentId: z.string().uuid(), consent: ImageConsentSchema.optional() }).strict();

export const DraftViewSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  messageIds: z.array(z.string()),
  advisers: DraftAdvisersSchema,
  summary: z.string(),
  patient: DraftPatientSchema,
  images: z.array(DraftImageSchema),
  /** Of messageIds, those marked as the question asked or a reply, not advice. */
  contextMessageIds: z.array(z.string()),
  /** The document type chosen (a SNOMED CT code); the administrator's default until chosen. */
  documentType: z.string(),
  /** Marked sensitive, and why; null: not sensitive. */
  sensitivity: SensitivitySchema.nullable(),
  /** The filed note this draft corrects (its outbox identifier, and when it was attested); null: not a correction. */
  corrects: z.object({ identifier: z.string(), attestedAt: z.string() }).nullable(),
  /** The patient's EPR encounter the note is linked to; null: none. */
  encounter: EncounterLinkSchema.nullable(),
  status: z.enum(['draft', 'attested']),
  /** What still stops attestation, in words a ward user can act on. */
  problems: z.array(z.string()),
  updatedAt: z.string(),
  /** The thread's title (null: untitled, or wiped since). */
  threadTitle: z.string().nullable(),
  createdAt: z.string(),
  /** Who started the draft and who saved it last (a clerk prepares, a clinician attests); null for a user since removed. */
  createdBy: PersonRefSchema.nullable(),
  updatedBy: PersonRefSchema.nullable(),
});
export type DraftView = z.infer<typeof DraftViewSchema>;

export const OUTBOX_STATES = ['queued', 'sending', 'filed', 'verified', 'failed', 'needs-attention'] as const;

export const OutboxViewSchema = z.object({
  identifier: z.string(),
  draftId: z.string(),
  threadTitle: z.string(),
  nhsNumber: z.string(),
  state: z.enum(OUTBOX_STATES),
  /** Why it failed or needs attention, as a code. */
  reason: z.string().nullable(),
  /** What is happening or what to do, in words for the ward (the server's reason where it gave one). */
  detail: z.string(),
  /** The EPR's DocumentReference id once filed. */
  resourceId: z.string().nullable(),
  /** The EPR this item is bound to (it is filed there or nowhere). */
  epr: z.string(),
  /** When the next automatic attempt is due (ISO UTC). */
  nextAttemptAt: z.string().nullable(),
  /** Whether Retry would do something now. */
  canRetry: z.boolean(),
  updatedAt: z.string(),
  /** The patient's name as attested (NHS number above). */
  patientName: z.string(),
  /** The clinician who attested it, and when (ISO UTC). */
  attestedBy: z.object({ name: z.string(), role: z.string() }),
  attestedAt: z.string(),
  /** When it entered the outbox (ISO UTC). */
  queuedAt: z.string(),
  /** The EPR's HTTP status when it refused or failed, else null. */
  httpStatus: z.number().nullable(),
  /** A correction: when the note it replaces was attested (ISO UTC); null otherwise. */
  correctsAttestedAt: z.string().nullable(),
  /** A correction: the EPR's id of the note it replaces. */
  correctsDocumentId: z.string().nullable(),
  /** Where the correction of this note stands, if it has one (`drafted`: started, not attested). */
  correctedBy: z.enum([...OUTBOX_STATES, 'drafted']).nullable(),
  correctionOutcome: z.enum(['replaced', 'still-current', 'correction-withdrawn']).nullable(),
  /** Whether a correction can be started from it now. */
  canCorrect: z.boolean(),
  /** A withdrawn note: where marking it entered in error stands, why and when it was withdrawn; null otherwise. */
  withdrawal: z.object({ state: z.enum(['withdrawing', 'withdrawn', 'not-withdrawn']), reason: z.string(), askedAt: z.string(), by: z.string().nullable() }).nullable(),
  /** Whether a clinician can withdraw it now. */
  canWithdraw: z.boolean(),
});
export type OutboxView = z.infer<typeof OutboxViewSchema>;

/** A filed note as the EPR returns it (main/epr/filed-document.ts). */
export const FiledDocumentSchema = z.object({
  documentReferenceId: z.string(),
  versionId: z.string().nullable(),
  lastUpdated: z.string().nullable(),
  status: z.string().nullable(),
  docStatus: z.string().nullable(),
  type: z.string().nullable(),
  date: z.string().nullable(),
  subject: z.string().nullable(),
  authors: z.array(z.string()),
  custodian: z.string().nullable(),
  /** How restricted the record keeps it, in words; null: not restricted. */
  restriction: z.string().nullable(),
  contentType: z.string().nullable(),
  text: z.string().nullable(),
  textProblem: z.string().nullable(),
  truncated: z.boolean(),
});
export type FiledDocumentView = z.infer<typeof FiledDocumentSchema>;

/** A filed note's images as the EPR holds them now (main/media/filed-images.ts), to show beside the note. */
export const FiledImagesSchema = z.object({
  documentReferenceId: z.string(),
  versionId: z.string().nullable(),
  images: z.array(
    z.object({
      /** Its place among the document's content attachments (1 is the text). */
      position: z.number().int(),
      contentType: z.string().nullable(),
      title: z.string().nullable(),
      creation: z.string().nullable(),
      size: z.number().nullable(),
      /** Whether its bytes match the record's SHA-1; null without bytes or a hash. */
      hashMatches: z.boolean().nullable(),
      /** The bytes (base64) to show from a blob: URL; null with `problem` saying why. */
      data: Base64Schema.nullable(),
      problem: z.string().nullable(),
    }),
  ),
});
export type FiledImagesView = z.infer<typeof FiledImagesSchema>;

const SIGNING_ALGORITHMS = ['RS384', 'ES384', 'RS512'] as const;

/** An administrator's corrections to what an EPR's CapabilityStatement says (main/epr/epr-profile.ts). */
export const EprProfileOverridesSchema = z
  .object({
    write: z.enum(['transaction', 'individual']),
    conditionalCreate: z.boolean(),
    provenance: z.enum(['create', 'keep-locally']),
    identifierSearch: z.boolean(),
    identifier: z.enum(['kept', 'master-only', 'identifier-only', 'dropped']),
    fhirVersionParameter: z.boolean(),
    transactionPath: z.enum(['base', 'base-slash']),
    updateCreate: z.boolean(),
    resendSettleMs: z.number().int().min(0).max(3_600_000),
    documentTypeLoinc: z.boolean(),
    practitionerSearch: z.boolean(),
  })
  .partial()
  .strict();

export const EprSettingsSchema = z.object({
  mode: z.enum(['training', 'live']),
  baseUrl: z.string(),
  authKind: z.enum(['none', 'bearer', 'smart-backend']),
  tokenUrl: z.string(),
  clientId: z.string(),
  keyId: z.string(),
  algorithm: z.enum(SIGNING_ALGORITHMS),
  scope: z.string(),
  hasSecret: z.boolean(),
  odsCode: z.string(),
  /** The document type new transcriptions start with (a SNOMED CT code from shared/domain/document-types.ts). */
  documentType: z.string(),
  /** The care setting notes are filed from; null: none. */
  practiceSetting: PracticeSettingSchema.nullable(),
  profile: EprProfileOverridesSchema,
  /** The Trust's identifier system for staff with no SDS user ID or registration (they are identified by username); '' when none. */
  staffIdentifierSystem: z.string(),
});
export type EprSettingsView = z.infer<typeof EprSettingsSchema>;

const GateTranscriptionSchema = z.object({
  draftId: z.string(),
  identifier: z.string().nullable(),
  /** The outbox state, or `withdrawn`: a verified note a clinician withdrew, marked entered in error in the record. */
  state: z.enum(['draft', ...OUTBOX_STATES, 'withdrawn']),
  nhsNumber: z.string(),
  documentReferenceId: z.string().nullable(),
  /** A withdrawn note the record has not yet marked (`withdrawing`) or would not (`not-marked`). */
  withdrawal: z.enum(['withdrawing', 'not-marked']).optional(),
  /** A withdrawn note whose every message is in a verified note again (filed afresh, for the right patient). */
  refiled: z.boolean().optional(),
  /** The read-back found the record differs from what was filed: the wipe is refused outright. */
  readBackMismatch: z.boolean().optional(),
  /** A correction of an earlier note, and where it stands (shared/domain/wipe.ts). */
  correction: z.enum(['drafted', 'filing', 'marking', 'not-marked', 'done']).optional(),
});

export const WipePlanSchema = z.object({
  threadId: z.string(),
  title: z.string().nullable(),
  source: z.enum(CHAT_SOURCES),
  messageCount: z.number(),
  attachmentCount: z.number(),
  draftCount: z.number(),
  firstInstant: z.string().nullable(),
  lastInstant: z.string().nullable(),
  transcriptions: z.array(GateTranscriptionSchema),
  decision: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('allowed') }),
    z.object({ kind: z.literal('needs-override'), problems: z.array(z.string()) }),
    z.object({ kind: z.literal('refused'), problems: z.array(z.string()) }),
  ]),
  /**
   * Attachments sent with advice filed in the record but not in the record themselves (a PDF ECG,
   * a photo not chosen): the wipe destroys them, so a clinician must acknowledge each by its id.
   */
  unfiledMedia: z.array(
    z.object({
      attachmentId: z.string(),
      fileName: z.string(),
      /** What its bytes are, in words. */
      typeLabel: z.string(),
      byteLength: z.number(),
      sender: z.string().nullable(),
      /** UTC; null where the chat's wall-clock time has no single instant. */
      sentAt: z.string().nullable(),
      /** As the chat showed it. */
      localTime: z.string(),
    }),
  ),
  /**
   * Messages in no note verified in the record (system lines aside): the wipe destroys advice
   * that never reached it, so the gate asks a clinician's reason. `shown` are the first of them.
   */
  untranscribed: z.object({
    count: z.number(),
    /** How many deserve a second look (from an adviser of a filed note, naming its patient, or giving another patient's NHS number): shown first, each with why. */
    marked: z.number(),
    shown: z.array(
      z.object({
        messageId: z.string(),
        sender: z.string().nullable(),
        localTime: z.string(),
        text: z.string(),
        attachment: z.string().nullable(),
        lookAgain: z.array(z.enum(['adviser', 'patient', 'other-patient'])),
      }),
    ),
  }),
  /** The export file: whether it is still exactly what was imported (`unknown`: its path was not recorded). */
  sourceFile: z.object({ name: z.string(), status: z.enum(['matches', 'not-found', 'changed', 'unknown']) }),
});
export type WipePlanView = z.infer<typeof WipePlanSchema>;

const RetentionHoursSchema = z.number().int().min(1, 'At least 1 hour.').max(8760, 'At most 8760 hours (a year).').nullable();

export const WorkstationSettingsSchema = z.object({ idleLockMinutes: IdleLockMinutesSchema });

export const contract = {
  app: {
    /** Version and host, shown on the status screen. Needs no sign-in and reveals no data. */
    status: channel({ request: NoRequest, response: AppStatusSchema, access: 'public' }),
  },
  session: {
    /** Which screen to show: first run, sign-in, lock, or the signed-in user. */
    state: channel({ request: NoRequest, response: SessionStateSchema, access: 'public' }),
    /** First run only: creates the vault and its first administrator, and signs them in. */
    createFirstAdmin: channel({
      request: z.object({ username: UsernameSchema, displayName: DisplayNameSchema, passphrase: Passphrase }).strict(),
      response: SessionStateSchema,
      access: 'public',
    }),
    signIn: channel({
      request: z.object({ username: z.string().trim().toLowerCase().min(1).max(64), passphrase: Passphrase }).strict(),
      response: SessionStateSchema,
      access: 'public',
    }),
    signOut: channel({ request: NoRequest, response: Done, access: 'signed-in' }),
    lock: channel({ request: NoRequest, response: Done, access: 'signed-in' }),
    /** The user is at the keyboard: restarts the idle-lock timer. */
    activity: channel({ request: NoRequest, response: Done, access: 'signed-in' }),
    changePassphrase: channel({
      request: z.object({ current: Passphrase, next: Passphrase }).strict(),
      response: SessionStateSchema,
      access: 'signed-in',
    }),
  },
  users: {
    list: channel({ request: NoRequest, response: z.array(UserRowSchema), access: ['admin'] }),
    create: channel({
      request: z
        .object({ username: UsernameSchema, displayName: DisplayNameSchema, role: z.enum(ROLES), passphrase: Passphrase })
        .strict(),
      response: UserSummarySchema,
      access: ['admin'],
    }),
    setDisabled: channel({
      request: z.object({ userId: z.string().uuid(), disabled: z.boolean() }).strict(),
      response: UserSummarySchema,
      access: ['admin'],
    }),
    resetPassphrase: channel({
      request: z.object({ userId: z.string().uuid(), passphrase: Passphrase }).strict(),
      response: UserSummarySchema,
      access: ['admin'],
    }),
    /** A person's job title, registration and SDS user ID, which the notes they transcribe or attest carry. */
    setProfile: channel({
      request: z.object({ userId: z.string().uuid(), profile: StaffProfileSchema }).strict(),
      response: StaffProfileSchema,
      access: ['admin'],
    }),
  },
  settings: {
    get: channel({ request: NoRequest, response: WorkstationSettingsSchema, access: 'signed-in' }),
    update: channel({
      request: z.object({ idleLockMinutes: IdleLockMinutesSchema }).strict(),
      response: WorkstationSettingsSchema,
      access: ['admin'],
    }),
  },
  imports: {
    /** Reads enough of an export to confirm its source, title and day/month order before importing. */
    inspect: channel({
      request: z.object(ImportSourceRequest).strict(),
      response: z.object({
        /** `whatsapp` when the platform (iOS or Android) is not yet clear from the part read. */
        source: z.enum([...CHAT_SOURCES, 'whatsapp']),
        title: z.string(),
        /** The order the file proves, or null. */
        dateOrder: z.enum(DATE_ORDERS).nullable(),
        /** True when the file has day/month dates and does not prove their order: the user must choose. */
        needsDateOrder: z.boolean(),
        /** The order a chat of the same name in the vault was read with: offered for the user to confirm. */
        rememberedOrder: z.object({ order: z.enum(DATE_ORDERS), threadTitle: z.string() }).nullable(),
      }),
      access: TRANSCRIBERS,
    }),
    /** Reads the whole export and says which chat in the vault it is another export of, and what importing it would add. Writes nothing. */
    compare: channel({
      request: z.object({ jobId: JobIdSchema, ...ImportSourceRequest, dateOrder: z.enum(DATE_ORDERS).optional(), placement: ImportPlacementSchema.optional() }).strict(),
      response: ExportComparisonSchema,
      access: TRANSCRIBERS,
      job: true,
    }),
    /**
     * Imports an export into the vault; the thread (or the merge into a known one) appears whole
     * or not at all. Messages wiped before are never imported again; an export with nothing
     * else is refused (`conflict`) saying how many were wiped and when.
     */
    run: channel({
      request: z.object({ jobId: JobIdSchema, ...ImportSourceRequest, dateOrder: z.enum(DATE_ORDERS).optional(), placement: ImportPlacementSchema.optional() }).strict(),
      response: z.object({ threadId: z.string(), title: z.string(), messageCount: z.number(), duplicate: z.boolean(), comparison: ExportComparisonSchema }),
      access: TRANSCRIBERS,
      job: true,
    }),
  },
  threads: {
    list: channel({ request: NoRequest, response: z.array(ThreadSummarySchema), access: TRANSCRIBERS }),
    /**
     * The work queue: every thread with its status (work-queue.ts), date range, importer and last
     * activity, newest activity first, wiped threads included unless asked not to. One query.
     */
    queue: channel({ request: ThreadQueueRequestSchema, response: z.array(ThreadQueueRowSchema), access: TRANSCRIBERS }),
    messages: channel({
      request: z.object({ threadId: z.string().min(1).max(100), offset: z.number().int().min(0), limit: z.number().int().min(1).max(2000) }).strict(),
      response: z.object({ messages: z.array(MessageViewSchema), total: z.number() }),
      access: TRANSCRIBERS,
    }),
    /** Renames a thread (a chat its export left untitled); audited by thread, never by name. */
    rename: channel({
      request: z.object({ threadId: z.string().min(1).max(100), title: z.string().max(1000) }).strict(),
      response: z.object({ title: z.string() }),
      access: TRANSCRIBERS,
    }),
    /** Where the message numbered `ordinal` is shown in the thread (a merged thread shows messages by time); null when it is not there. */
    placeOf: channel({
      request: z.object({ threadId: z.string().min(1).max(100), ordinal: z.number().int().min(0) }).strict(),
      response: z.object({ index: z.number().int() }).nullable(),
      access: TRANSCRIBERS,
    }),
    /** Jump to a date: the first message sent on or after `day` (the thread's wall clock), by its place in the thread; null when none is. */
    firstMessageFrom: channel({
      request: z.object({ threadId: z.string().min(1).max(100), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as day, month and year.') }).strict(),
      response: z.object({ index: z.number().int(), ordinal: z.number().int() }).nullable(),
      access: TRANSCRIBERS,
    }),
    /**
     * Full-text search across the vault, for finding advice and answering FOI and subject access
     * requests. Query syntax: words (all of them, anywhere in a message, in any order); "quoted
     * words" (that phrase, those words in that order); a trailing * (words starting so: `hep*`).
     * Anything else is searched for as text, never obeyed. A query with nothing to search for is
     * `rejected` with a sentence saying why. A search still waiting when a newer one arrives is
     * answered `cancelled` (the newer one is what the user wants).
     */
    search: channel({
      request: z
        .object({
          query: z.string().trim().min(1, 'Enter words to search for.').max(200),
          limit: z.number().int().min(1).max(500).default(100),
          order: z.enum(SEARCH_ORDERS).default('relevance'),
        })
        .strict(),
      response: z.array(
        z.object({
          threadId: z.string(),
          threadTitle: z.string(),
          messageId: z.string(),
          ordinal: z.number(),
          sender: z.string().nullable(),
          localTime: z.string(),
          /** UTC instant of the message, when known. */
          instant: z.string().nullable(),
          snippet: z.string(),
          /** The snippet cut into runs, `match` on the words that matched (for highlighting; no markup). */
          snippetRuns: z.array(z.object({ text: z.string(), match: z.boolean() })),
          filed: z.array(FiledMarkSchema),
        }),
      ),
      access: TRANSCRIBERS,
    }),
  },
  transcriptions: {
    /** Filings (other than `draftId`) that already carry any of these messages: filing them again needs a reason. */
    filedAlready: channel({
      request: z.object({ messageIds: z.array(z.string().max(100)).max(500), draftId: z.string().max(100).optional() }).strict(),
      response: z.array(FiledMarkSchema),
      access: TRANSCRIBERS,
    }),
    /** Identities already given to this thread's senders, to reuse. */
    knownAdvisers: channel({ request: z.object({ threadId: z.string().min(1).max(100) }).strict(), response: AdvisersSchema, access: TRANSCRIBERS }),
    /** Creates or updates a draft; drafts live in the vault and survive restart and lock. */
    saveDraft: channel({
      request: z
        .object({
          id: z.string().max(100).optional(),
          threadId: z.string().min(1).max(100),
          messageIds: z.array(z.string().max(100)).min(1, 'Select at least one message.').max(500),
          advisers: DraftAdvisersSchema,
          summary: z.string().max(20_000),
          patient: DraftPatientSchema,
          /** Images of the selected messages to file with the note (#19); omitted: none. */
          images: z.array(DraftImageSchema).max(MAX_IMAGES, `A note can carry at most ${MAX_IMAGES} images.`).optional(),
          /** Selected messages that are the question asked or a reply, filed as context, not advice; omitted: none. */
          contextMessageIds: z.array(z.string().max(100)).max(500).optional(),
          /** The document type (a SNOMED CT code the picker offers); omitted: the administrator's default. */
          documentType: DocumentTypeSchema.optional(),
          /** Why the advice is sensitive; null or omitted: not sensitive. */
          sensitivity: SensitivitySchema.nullable().optional(),
          /** The patient's current EPR encounter to link the note to; null: none; omitted: as it was. */
          encounter: EncounterLinkSchema.nullable().optional(),
          /** Required when a selected message is already filed elsewhere: why it is filed again (a correction, more context). */
          refileReason: z.string().trim().max(2000).optional(),
        })
        .strict(),
      response: DraftViewSchema,
      access: TRANSCRIBERS,
    }),
    list: channel({ request: NoRequest, response: z.array(DraftViewSchema), access: TRANSCRIBERS }),
    /** Discards a draft never attested (audited); the chat is untouched. */
    discard: channel({ request: z.object({ id: z.string().min(1).max(100) }).strict(), response: z.object({ outcome: z.literal('discarded') }), access: TRANSCRIBERS }),
    /** Starts correcting a note verified in the record: a draft of it, filed (once attested) replacing it. */
    startCorrection: channel({ request: z.object({ identifier: z.string().min(1).max(100) }).strict(), response: DraftViewSchema, access: TRANSCRIBERS }),
    get: channel({ request: z.object({ id: z.string().min(1).max(100) }).strict(), response: DraftViewSchema, access: TRANSCRIBERS }),
    /** Exactly the text and FHIR resources that attesting would file. */
    preview: channel({
      /** `patient`: the record confirmed so far, so the preview names `Patient/{id}` as attesting will (attesting checks it again). */
      request: z.object({ id: z.string().min(1).max(100), patient: PatientConfirmationSchema.optional() }).strict(),
      response: z.object({ text: z.string(), documentReference: z.unknown(), provenance: z.unknown(), problems: z.array(z.string()) }),
      access: TRANSCRIBERS,
    }),
    /**
     * A clinician attests the draft; it is queued for filing in the same transaction. `patient` is
     * the record they confirmed (its id and version), which main checks against the record again;
     * without it main refuses (the schema leaves it optional so that refusal is in words).
     */
    attest: channel({ request: z.object({ id: z.string().min(1).max(100), patient: PatientConfirmationSchema.optional() }).strict(), response: OutboxViewSchema, access: ['clinician'] }),
  },
  /**
   * A thread's media for the thread view (issue #19). Bytes travel as base64 inside the answer,
   * only from the vault: never a path, never a file. What a file is comes from its bytes (main).
   */
  media: {
    /** The thread's attachments, each with what its bytes are and whether it is shown, played or listed (and why). Audited. */
    list: channel({ request: z.object({ threadId: z.string().min(1).max(100) }).strict(), response: z.array(MediaItemSchema), access: TRANSCRIBERS }),
    /** One file's bytes, to show or play from a blob: URL; refused, saying why, for a file that is only listed. Audited as a read. */
    content: channel({
      request: z.object({ attachmentId: z.string().uuid() }).strict(),
      response: z.object({ mediaType: z.string(), data: Base64Schema }),
      access: TRANSCRIBERS,
    }),
    /** An image's thumbnail kept in the vault (`not-found` until one is made). Audited as a read. */
    thumbnail: channel({
      request: z.object({ attachmentId: z.string().uuid() }).strict(),
      response: z.object({ mediaType: z.enum(['image/jpeg', 'image/png']), width: z.number().int(), height: z.number().int(), data: Base64Schema }),
      access: TRANSCRIBERS,
    }),
    /** Keeps a thumbnail the renderer drew from the image: main checks its type, size and shape; the first one kept stays. */
    saveThumbnail: channel({
      request: z.object({ attachmentId: z.string().uuid(), data: Base64Schema.max(MAX_THUMBNAIL_BASE64, 'A thumbnail may be at most 256 KB.') }).strict(),
      response: z.object({ stored: z.boolean(), width: z.number().int(), height: z.number().int() }),
      access: TRANSCRIBERS,
      limits: { stringLength: MAX_THUMBNAIL_BASE64 + 1, totalStringLength: MAX_THUMBNAIL_BASE64 + 1000 },
    }),
  },
  patients: {
    /** Finds the patient by NHS number in the EPR (and PDS where configured), compared with the name and date of birth typed; audited. */
    lookUp: channel({
      request: z
        .object({
          nhsNumber: z.string().max(20),
          name: z.string().max(200),
          /** YYYY-MM-DD */
          birthDate: z.string().max(10),
          threadId: z.string().min(1).max(100).optional(),
        })
        .strict(),
      response: PatientLookupSchema,
      access: TRANSCRIBERS,
    }),
    /** How many patient-identifiable details (NHS numbers, dates of birth, ages, hospital numbers, beds, postcodes) a thread's messages hold: counts only. */
    /** The confirmed patient's current encounters in the EPR (its Patient id), to link a note to one. */
    encounters: channel({
      request: z.object({ patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/) }).strict(),
      response: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('found'), encounters: z.array(z.object({ id: z.string(), description: z.string(), start: z.string().nullable() })) }),
        z.object({ kind: z.literal('unavailable'), message: z.string() }),
      ]),
      access: TRANSCRIBERS,
    }),
    inThread: channel({
      request: z.object({ threadId: z.string().min(1).max(100) }).strict(),
      response: z.object({ counts: z.record(z.enum(PATIENT_HINT_KINDS), z.number()), total: z.number() }),
      access: TRANSCRIBERS,
    }),
  },
  files: {
    /** The system dialog for choosing an export, where the host has one (Electron); `supported: false` in the Chromium shell. */
    choose: channel({ request: NoRequest, response: z.object({ supported: z.boolean(), path: z.string().nullable() }), access: TRANSCRIBERS }),
    /** The folders and export files (.zip, .txt, .json) in a folder under the home folder, for choosing an export in the Chromium shell. */
    browse: channel({
      request: z.object({ folder: z.string().max(4096).optional() }).strict(),
      response: z.object({
        folder: z.string(),
        /** Null at the home folder: browsing does not go above it. */
        parent: z.string().nullable(),
        entries: z.array(z.object({ name: z.string(), path: z.string(), kind: z.enum(['folder', 'file']), bytes: z.number().nullable() })),
        /** More entries than are listed: the folder is very large. */
        more: z.boolean(),
      }),
      access: TRANSCRIBERS,
    }),
  },
  outbox: {
    list: channel({ request: NoRequest, response: z.array(OutboxViewSchema), access: TRANSCRIBERS }),
    /** A filed note as its EPR returns it now, to read or print (audited; nothing of it is kept). */
    document: channel({ request: z.object({ identifier: z.string().min(1).max(100) }).strict(), response: FiledDocumentSchema, access: TRANSCRIBERS }),
    /** The images of a filed note as its EPR holds them now, bytes as base64 (audited like the note; nothing kept). */
    documentImages: channel({ request: z.object({ identifier: z.string().min(1).max(100) }).strict(), response: FiledImagesSchema, access: TRANSCRIBERS }),
    retry: channel({ request: z.object({ identifier: z.string().min(1).max(100) }).strict(), response: OutboxViewSchema, access: ['clinician'] }),
    /**
     * For a filing stopped because the EPR cannot be searched by identifier: the clinician
     * confirms they checked the EPR and the note is not there (audited), and it is sent once more.
     */
    sendAfterCheck: channel({
      request: z.object({ identifier: z.string().min(1).max(100), recordChecked: z.literal(true, { message: 'Confirm that you checked the record first.' }) }).strict(),
      response: OutboxViewSchema,
      access: ['clinician'],
    }),
    /**
     * Withdraws a verified note that should not be in the record at all (the wrong patient, advice
     * not meant for it): it is marked entered in error in its EPR and read back. The reason is kept
     * in the vault with the note; the trail records who withdrew it and when.
     */
    withdraw: channel({
      request: z
        .object({
          identifier: z.string().min(1).max(100),
          reason: z
            .string()
            .max(2000, { message: 'Keep the reason to 500 characters.' })
            .transform(writtenReason)
            .pipe(
              z
                .string()
                .max(500, { message: 'Keep the reason to 500 characters.' })
                .refine((reason) => saysEnough(reason, WITHDRAWAL_REASON_MIN), {
                  message: `Say in words why the note is withdrawn, in at least ${WITHDRAWAL_REASON_MIN} characters (for example, "filed against the wrong patient").`,
                }),
            ),
        })
        .strict(),
      response: OutboxViewSchema,
      access: ['clinician'],
    }),
  },
  epr: {
    /** Whether filing goes to the training EPR (the screens show a TRAINING banner) or a live one. */
    /** What every signed-in user may know of the EPR: training or live, and the document type new notes start with. */
    mode: channel({ request: NoRequest, response: z.object({ mode: z.enum(['training', 'live']), documentType: z.string() }), access: 'signed-in' }),
    get: channel({ request: NoRequest, response: EprSettingsSchema, access: ['admin'] }),
    update: channel({
      request: z
        .object({
          mode: z.enum(['training', 'live']),
          baseUrl: z.string().max(2000).optional(),
          authKind: z.enum(['none', 'bearer', 'smart-backend']).optional(),
          tokenUrl: z.string().max(2000).optional(),
          clientId: z.string().max(200).optional(),
          keyId: z.string().max(200).optional(),
          algorithm: z.enum(SIGNING_ALGORITHMS).optional(),
          scope: z.string().max(1000).optional(),
          /** A new bearer token or PEM private key; empty keeps the stored one. */
          secret: z.string().max(20_000).optional(),
          odsCode: z.string().trim().toUpperCase().max(10),
          documentType: DocumentTypeSchema,
          /** null clears it; absent leaves it. */
          practiceSetting: z.object({ code: z.string().trim().max(20), display: z.string().trim().max(200) }).strict().nullable().optional(),
          profile: EprProfileOverridesSchema.optional(),
          /** '' for none. */
          staffIdentifierSystem: z.string().trim().max(2000).optional(),
        })
        .strict(),
      response: EprSettingsSchema,
      access: ['admin'],
    }),
    /** Reads the EPR's CapabilityStatement with the saved settings. */
    test: channel({ request: NoRequest, response: z.object({ ok: z.boolean(), message: z.string() }), access: ['admin'] }),
  },
  audit: {
    /**
     * Who can appear in the trail as an actor, so the audit screen filters by username (the trail
     * itself holds only the user id and the name shown). Staff names only, never patient data.
     */
    people: channel({
      request: NoRequest,
      response: z.array(z.object({ userId: z.string(), username: z.string(), displayName: z.string() })),
      access: ['auditor', 'admin'],
    }),
    /** The newest matching entries (at most `limit`), newest first. Auditors never see message content: entries hold none. */
    query: channel({
      request: z.object({ filter: AuditFilterSchema, limit: z.number().int().min(1).max(5000).default(1000) }).strict(),
      response: z.object({
        entries: z.array(AuditEntrySchema),
        head: z.object({ sequence: z.number(), hash: z.string() }),
        /**
         * SHA-256 of the workstation's root key: what `wardscribe verify-trail --expect-key` pins an
         * export to. Null until an administrator has signed in on a vault made before root keys.
         */
        keyFingerprint: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
      }),
      access: ['auditor', 'admin'],
    }),
    /** Exports the matching entries as the signed PDF trail into the workstation's exports folder. */
    export: channel({
      request: z.object({ jobId: JobIdSchema, filter: AuditFilterSchema, folder: ExportFolderSchema }).strict(),
      response: z.object({ fileName: z.string(), path: z.string(), pageCount: z.number(), sha256: z.string() }),
      access: ['auditor', 'admin'],
      job: true,
    }),
    /** Checks an exported trail in the exports folder, as `wardscribe verify-trail` would. */
    verify: channel({
      request: z
        .object({
          fileName: z.string().regex(/^[A-Za-z0-9._-]+\.pdf$/, 'a PDF file name from the exports folder'),
          /** The fingerprint registered for this workstation (from the ward's key register, not from this screen). */
          expectedKeyFingerprint: z
            .string()
            .transform((value) => value.replace(/[\s:]/g, '').toLowerCase())
            .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'a 64-digit hex fingerprint'))
            .optional(),
          /** Trust the key the PDF carries instead: the answer then says so. */
          trustEmbeddedKey: z.boolean().optional(),
        })
        .strict(),
      response: z.object({
        ok: z.boolean(),
        entryCount: z.number(),
        problems: z.array(z.string()),
        trust: z.enum(['pinned', 'embedded-key-trusted', 'not-pinned']),
        keyFingerprint: z.string().nullable(),
      }),
      access: ['auditor', 'admin'],
    }),
  },
  wipes: {
    /** What a wipe of the thread would remove, what was filed from it, and whether the gate allows it. */
    plan: channel({ request: z.object({ threadId: z.string().min(1).max(100) }).strict(), response: WipePlanSchema, access: TRANSCRIBERS }),
    /**
     * Wipes the thread's originals and answers with the certificate. Refused (`rejected`) with
     * what is still unfiled when the gate does not allow it; a clinician may wipe unfiled content
     * by recording why it holds no clinical content. Refused too while the plan lists unfiled media
     * and `acknowledgedUnfiledMedia` does not name every one of them (a clinician's only), and
     * when a reason is given for a thread that no longer counts what `planned` says.
     */
    run: channel({
      request: z
        .object({
          jobId: JobIdSchema,
          threadId: z.string().min(1).max(100),
          overwriteSourceFile: z.boolean(),
          overrideReason: z.string().trim().max(2000).optional(),
          /** The ids of the plan's unfiled media: the clinician acknowledges the wipe destroys them unfiled. */
          acknowledgedUnfiledMedia: z.array(z.string().min(1).max(100)).max(2000).optional(),
          /**
           * What the plan the person read counted: a reason for wiping unfiled content is given
           * for that thread, and is refused if the thread has changed since (a later export merged in).
           */
          planned: z.object({ messageCount: z.number().int().min(0), attachmentCount: z.number().int().min(0) }).strict().optional(),
        })
        .strict(),
      response: WipeCertificateSchema,
      access: TRANSCRIBERS,
      job: true,
    }),
    /** Every wipe certificate, newest first. Certificates hold no message text. */
    certificates: channel({ request: NoRequest, response: z.array(WipeCertificateSchema), access: 'signed-in' }),
    /** Writes a certificate as a PDF into the workstation's exports folder. */
    exportCertificate: channel({
      request: z.object({ wipeId: z.string().uuid(), folder: ExportFolderSchema }).strict(),
      response: z.object({ fileName: z.string(), path: z.string(), sha256: z.string() }),
      access: 'signed-in',
    }),
    /** Hours after a thread's last verified filing at which it is wiped automatically; null: never. */
    retention: channel({ request: NoRequest, response: z.object({ hours: RetentionHoursSchema }), access: 'signed-in' }),
    setRetention: channel({ request: z.object({ hours: RetentionHoursSchema }).strict(), response: z.object({ hours: RetentionHoursSchema }), access: ['admin'] }),
  },
  /** PDFs Wardscribe wrote outside the vault: listed for the roles that make them, and removable. */
  exports: {
    list: channel({ request: NoRequest, response: z.array(ExportedFileSchema), access: 'signed-in' }),
    remove: channel({ request: z.object({ id: z.string().uuid() }).strict(), response: z.object({ outcome: z.literal('removed') }), access: 'signed-in' }),
  },
  vault: {
    /** Where the background integrity check of the vault's pages stands (`vault.integrity` events say when it ends). */
    integrity: channel({ request: NoRequest, response: VaultIntegritySchema, access: 'signed-in' }),
  },
  jobs: {
    /** Asks a running job to stop. Answers whether a job with that id was running. */
    cancel: channel({
      request: z.object({ jobId: JobIdSchema }).strict(),
      response: z.object({ cancelled: z.boolean() }),
      access: 'public',
    }),
  },
} as const satisfies ContractShape;

export type Contract = typeof contract;
