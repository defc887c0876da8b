/**
 * Transcriptions: drafting (which messages, who gave the advice, the summary, the patient),
 * previewing exactly what would be filed, and attesting, which puts the transcription in the
 * outbox bound to the EPR configured now. Filing itself is the outbox runner's job
 * (main/epr/outbox-runner.ts); this service hands attested items to it.
 *
 * Drafts and remembered advisers live in the vault, so they survive restarts and locks. The
 * audit trail records identifiers, NHS numbers, outcome codes and hashes, never text.
 */
import { randomUUID } from 'node:crypto';
import type { ChatSource } from '../../shared/domain/chat';
import { currentDocumentType, DEFAULT_DOCUMENT_TYPE, documentTypeOption } from '../../shared/domain/document-types';
import type { SensitivityKind } from '../../shared/domain/sensitivity';
import { parseNhsNumber, type NhsNumber } from '../../shared/domain/nhs-number';
import { countPatientHints, PATIENT_HINT_KINDS, type PatientHintKind } from '../../shared/domain/patient-hints';
import { sameVersion, type PatientConfirmation, type PatientLookup, type TypedPatient } from '../../shared/domain/patient-record';
import type { Role } from '../../shared/domain/roles';
import {
  adviserGaps,
  AttestedTranscriptionSchema,
  ClinicianIdentitySchema,
  ConfirmedPatientSchema,
  isAdvice,
  renderTranscriptText,
  type AttestedTranscription,
  type AuditChainHead,
  type ClinicianIdentity,
  type DraftAdviser,
  type EncounterLink,
  type ReplacedNote,
  type StaffIdentity,
  type TranscribedExcerpt,
} from '../../shared/domain/transcription';
import type { AuditObjects } from '../../shared/domain/audit';
import { WardscribeError } from '../errors';
import { EprUnavailableError, singleEprDirectory, TRAINING_EPR_ID, type EprDirectory } from '../epr/epr-directory';
import { trainingPatientsSentence } from '../epr/synthetic-patients';
import type { EprConnection, RequestContext } from '../epr/fhir-client';
import { toDocumentReference, toProvenance, transcriptAttachment } from '../epr/mapping';
import type { OutboxItem } from '../epr/outbox';
import { currentEncounters, encounterProblem, type EncountersFound } from '../epr/encounters';
import { lookUpPatient, type PatientSources } from '../epr/patient-lookup';
import { createPdsClient, type PdsClient } from '../epr/pds-client';
import type { EprAuth } from '../epr/smart-auth';
import { OutboxRunner } from '../epr/outbox-runner';
import type { RecordCheck } from '../epr/filing';
import { createVaultOutboxStore } from '../epr/outbox-store';
import { EprRequestError } from '../epr/epr-errors';
import { readFiledDocument, type FiledDocument } from '../epr/filed-document';
import { readFiledImages, type FiledImages } from '../media/filed-images';
import { outboxView, type CorrectionOf, type OutboxView } from '../epr/outbox-view';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../epr/retry-policy';
import { validateFhirResource } from '../epr/validate';
import type { Logger } from '../log';
import type { ImportService } from '../imports/import-service';
import type { SessionService } from '../session/session-service';
import { getSetting, type StoredPdsConnection } from '../settings/registry';
import { getMessageById, listMessages, type StoredMessage } from '../vault/queries/messages';
import { getOutboxItem, insertOutboxItem, listCorrectionsOf, listOutboxItems } from '../vault/queries/outbox';
import { listThreadAdvisers, upsertThreadAdviser } from '../vault/queries/thread-advisers';
import { correctionDrafts, deleteDraft, getDraft, insertDraft, listDrafts, markDraftAttested, updateDraft, type DraftImage, type DraftPatient, type StoredDraft } from '../vault/queries/transcription-drafts';
import { buildFiledImages, draftImageProblems, normaliseDraftImages } from './draft-images';
import { getCompleteThread, type StoredThread } from '../vault/queries/threads';
import { getStaffProfile, getUserById } from '../vault/queries/users';
import { NO_STAFF_PROFILE } from '../../shared/domain/users';
import type { Db } from '../vault/sqlcipher';

export type { OutboxView } from '../epr/outbox-view';

/** Most messages one transcription may carry (the schema's limit). */
const MAX_MESSAGES = 500;

export interface DraftInput {
  /** Omit to start a new draft; give an existing draft's id to change it. */
  readonly id?: string;
  readonly threadId: string;
  /** Vault message ids (decimal strings) from the thread. */
  readonly messageIds: readonly string[];
  /** Sender name as the chat showed it → who they are, as far as known yet. */
  readonly advisers: Readonly<Record<string, DraftAdviser>>;
  readonly summary: string;
  readonly patient: DraftPatient;
  /** Images of the selected messages to file with the note, each with its consent once recorded. */
  readonly images?: readonly DraftImage[];
  /** Of `messageIds`, those that are the question asked or a reply, not advice. */
  readonly contextMessageIds?: readonly string[];
  /** The document type chosen (a SNOMED CT code the picker offers); absent: the administrator's default. */
  readonly documentType?: string;
  /** Why the advice is sensitive; null or absent: not sensitive. */
  readonly sensitivity?: SensitivityKind | null;
  /** The patient's EPR encounter the note belongs to; null: none; absent: as it was. */
  readonly encounter?: EncounterLink | null;
}

export interface DraftView {
  readonly id: string;
  readonly threadId: string;
  readonly threadTitle: string | null;
  readonly messageIds: readonly string[];
  readonly advisers: Readonly<Record<string, DraftAdviser>>;
  readonly summary: string;
  readonly patient: DraftPatient;
  readonly images: readonly DraftImage[];
  readonly contextMessageIds: readonly string[];
  /** As chosen, else the administrator's default. */
  readonly documentType: string;
  readonly sensitivity: SensitivityKind | null;
  /** The filed note this draft corrects; null: not a correction. */
  readonly corrects: { readonly identifier: string; readonly attestedAt: string } | null;
  /** The patient's EPR encounter the note is linked to; null: none. */
  readonly encounter: EncounterLink | null;
  readonly status: 'draft' | 'attested';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
  /** What stops this draft being attested, in words for the ward user (empty: ready to attest). */
  readonly problems: readonly string[];
}

export interface PreviewView {
  /** The document text exactly as it would be filed (with a provisional identifier and time). */
  readonly text: string;
  readonly documentReference: unknown;
  readonly provenance: unknown;
  /** Anything here blocks attestation. */
  readonly problems: readonly string[];
}

export interface TranscriptionServiceOptions {
  readonly session: SessionService;
  readonly imports: ImportService;
  /**
   * The outbox runner filing goes through (the composition root makes one over the EPR settings).
   * Without it the service makes its own over `eprs`, or over `epr`: one EPR bound to every item.
   */
  readonly outbox?: OutboxRunner;
  readonly eprs?: EprDirectory;
  readonly epr?: () => Promise<EprConnection>;
  readonly log: Logger;
  readonly now?: () => Date;
  /** The default ODS code, used when the vault setting `epr.organisationOdsCode` is not set. */
  readonly organisationOdsCode?: string;
  /** The default document type, used when the vault setting `epr.documentType` is not set. */
  readonly documentType?: string;
  /** Filing retry policy (defaults to the runner's). */
  readonly retryPolicy?: RetryPolicy;
  /** Makes the PDS client for the `epr.pds` setting (default: over Node's fetch). */
  readonly pds?: (stored: Exclude<StoredPdsConnection, { use: 'off' }>) => PdsClient;
}

/** The patient a look-up is for, as typed. */
export interface PatientQuery {
  readonly nhsNumber: string;
  readonly name: string;
  readonly birthDate: string;
  /** The thread the note comes from, for the audit entry. */
  readonly threadId?: string;
}

const SOURCE_LABELS: Readonly<Record<ChatSource, string>> = {
  'whatsapp-ios': 'WhatsApp (iOS export)',
  'whatsapp-android': 'WhatsApp (Android export)',
  'signal-sigtop-text': 'Signal (sigtop text export)',
  'signal-sigtop-json': 'Signal (sigtop JSON export)',
  'signal-export-markdown': 'Signal (Markdown export)',
  threema: 'Threema (backup export)',
  telegram: 'Telegram (JSON export)',
  teams: 'Microsoft Teams (export)',
};

const ROLE_LABELS: Readonly<Record<Role, string>> = { clerk: 'Ward clerk', clinician: 'Clinician', auditor: 'Auditor', admin: 'Administrator' };

interface Built {
  readonly transcription: AttestedTranscription | null;
  readonly candidate: Record<string, unknown>;
  readonly problems: string[];
}

export class TranscriptionService {
  readonly #session: SessionService;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #options: TranscriptionServiceOptions;
  readonly #eprs: EprDirectory;
  #pds: { readonly key: string; readonly client: PdsClient } | undefined;
  /** The outbox runner attested items are handed to. */
  readonly runner: OutboxRunner;

  constructor(options: TranscriptionServiceOptions) {
    this.#options = options;
    this.#session = options.session;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    const epr = options.epr;
    this.#eprs = options.eprs ?? (epr ? singleEprDirectory(epr) : singleEprDirectory(() => Promise.reject(new Error('No EPR is configured.'))));
    this.runner =
      options.outbox ??
      new OutboxRunner({
        store: (stopped) => createVaultOutboxStore({ db: () => this.#session.vault().db, audit: () => this.#session.audit().log, stopped }),
        eprs: this.#eprs,
        log: options.log,
        ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
      });
  }

  // ── drafts ──────────────────────────────────────────────────────────────

  /** Creates or changes a draft. Incomplete drafts are kept; `problems` says what blocks attestation. */
  saveDraft(input: DraftInput): DraftView {
    const db = this.#db();
    const principal = this.#principal();
    const thread = this.#thread(db, input.threadId);
    const messageIds = [...new Set(input.messageIds.map((id) => String(id).trim()))];
    if (messageIds.length > MAX_MESSAGES) throw new WardscribeError('rejected', `A transcription can carry at most ${MAX_MESSAGES} messages.`);
    this.#messages(db, thread.id, messageIds); // throws unless every id is a message of this thread
    // Own properties only, whatever a sender is called ("constructor", "toString"): never a built-in.
    const advisers: Record<string, DraftAdviser> = Object.fromEntries(
      Object.entries(input.advisers)
        .filter(([sender]) => sender.trim() !== '')
        .map(([sender, identity]) => [sender, { ...identity, displayNameInChat: sender }]),
    );
    const patient: DraftPatient = {
      nhsNumber: String(input.patient.nhsNumber ?? '').trim(),
      name: String(input.patient.name ?? '').trim(),
      birthDate: String(input.patient.birthDate ?? '').trim(),
      confirmed: input.patient.confirmed === true,
    };
    const now = this.#now().toISOString();
    const existing = input.id === undefined ? null : getDraft(db, input.id);
    if (input.id !== undefined && !existing) throw new WardscribeError('not-found', 'That draft is not in the vault.');
    if (existing?.status === 'attested') throw new WardscribeError('conflict', 'This transcription has been attested and can no longer be changed.');
    // A correction stays about the patient of the note it corrects: refused as it is typed, not at attestation.
    const corrected = existing?.correctsIdentifier ? getOutboxItem(db, existing.correctsIdentifier) : null;
    if (corrected && parseNhsNumber(patient.nhsNumber).ok && corrected.transcription.patient.nhsNumber !== patient.nhsNumber.replace(/\s/g, '')) {
      throw new WardscribeError(
        'rejected',
        'A correction is about the same patient as the note it corrects. If that note is about the wrong patient, withdraw it from the outbox instead (it is marked entered in error in the record), and file the advice for the right patient as a new note.',
      );
    }
    const id = existing?.id ?? randomUUID();
    const { log, actor } = this.#session.audit();
    const nhs = parseNhsNumber(patient.nhsNumber);
    const images = normaliseDraftImages(db, thread.id, input.images);
    // Only messages of this draft can be its context.
    const contextMessageIds = [...new Set((input.contextMessageIds ?? []).map((id) => String(id).trim()))].filter((id) => messageIds.includes(id));
    if (input.documentType !== undefined && documentTypeOption(input.documentType) === undefined) throw new WardscribeError('rejected', 'Choose a document type from the list.');
    // A type once chosen stays until another is chosen; none chosen follows the administrator's default.
    const documentType = input.documentType ?? existing?.documentType ?? null;
    const sensitivity = input.sensitivity === undefined ? (existing?.sensitivity ?? null) : input.sensitivity;
    // An encounter is one patient's: another NHS number forgets it.
    const samePatient = existing !== null && existing.patient.nhsNumber.replace(/\s/g, '') === patient.nhsNumber.replace(/\s/g, '');
    const encounter = input.encounter === undefined ? (samePatient ? (existing?.encounter ?? null) : null) : input.encounter;

    db.transaction(() => {
      if (existing) {
        updateDraft(db, { id, threadId: thread.id, messageIds, advisers, summary: input.summary, patient, images, contextMessageIds, documentType, sensitivity, encounter, updatedBy: principal.userId, updatedAt: now });
      } else {
        insertDraft(db, {
          id,
          threadId: thread.id,
          messageIds,
          advisers,
          summary: input.summary,
          patient,
          images,
          contextMessageIds,
          documentType,
          sensitivity,
          encounter,
          status: 'draft',
          createdBy: principal.userId,
          createdAt: now,
          updatedBy: principal.userId,
          updatedAt: now,
        });
      }
      // Remember who each sender is, for the next transcription from this thread.
      for (const [sender, identity] of Object.entries(advisers)) {
        const parsed = ClinicianIdentitySchema.safeParse(identity);
        if (parsed.success) upsertThreadAdviser(db, thread.id, sender, parsed.data, principal.userId, new Date(now));
      }
      log.record({
        action: existing ? 'transcription-changed' : 'transcription-drafted',
        actor,
        objects: { threadId: thread.id, transcriptionId: id, ...(nhs.ok ? { nhsNumber: nhs.value } : {}) },
        outcome: { status: 'success' },
      });
    })();
    // What was just saved, shown back: the save's own entry covers it.
    return this.#draftView(db, this.#draft(db, id));
  }

  /**
   * Starts correcting a note verified in the record (issue #15): a draft of the same messages, with
   * the same senders, summary, patient (to be confirmed again), type, sensitivity and images, that
   * attested is filed replacing it. One correction at a time: asked again, the open one is returned.
   */
  startCorrection(identifier: string): DraftView {
    const db = this.#db();
    const principal = this.#principal();
    const filed = getOutboxItem(db, identifier);
    if (!filed) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    if (filed.state.kind !== 'verified') throw new WardscribeError('conflict', 'Only a note verified in the record can be corrected. A note still being filed can be retried from the outbox.');
    if (filed.state.withdrawal) {
      const marked = filed.state.withdrawal.marked.kind;
      throw new WardscribeError(
        'conflict',
        marked === 'retired' || marked === 'gone'
          ? 'This note has been withdrawn from the record, so there is nothing to correct. File the advice again as a new note if it belongs in the record.'
          : 'This note has been withdrawn, though the record does not yet mark it entered in error (the outbox says why; Retry asks the EPR again). A withdrawn note is not corrected: file the advice again as a new note if it belongs in the record.',
      );
    }
    // One correction of a note, ever: a second would replace it twice. A correction is corrected in its turn.
    if (listCorrectionsOf(db, identifier).length > 0) throw new WardscribeError('conflict', 'This note already has a correction in the outbox: correct that one, or retry it, instead.');
    const open = correctionDrafts(db, identifier).find((draft) => draft.status === 'draft');
    if (open) return this.#draftView(db, open);
    const source = filed.draftId ? getDraft(db, filed.draftId) : null;
    const thread = source ? getCompleteThread(db, source.threadId) : null;
    if (!source || !thread) {
      throw new WardscribeError('conflict', 'The chat this note was transcribed from has been wiped, so it cannot be transcribed again here. Correct it in the EPR itself.');
    }
    const { transcription } = filed;
    const advisers: Record<string, DraftAdviser> = {};
    for (const { adviser } of transcription.excerpts) advisers[adviser.displayNameInChat] = { ...adviser };
    const id = randomUUID();
    const now = this.#now().toISOString();
    const { log, actor } = this.#session.audit();
    db.transaction(() => {
      insertDraft(db, {
        id,
        threadId: thread.id,
        messageIds: transcription.excerpts.map((excerpt) => excerpt.messageId),
        advisers,
        summary: transcription.summary,
        // As filed, to be confirmed again by whoever attests the correction.
        patient: { nhsNumber: transcription.patient.nhsNumber, name: transcription.patient.name, birthDate: transcription.patient.birthDate, confirmed: false },
        images: (transcription.images ?? []).map((image) => ({ attachmentId: image.attachmentId, consent: image.consent })),
        contextMessageIds: transcription.excerpts.filter((excerpt) => !isAdvice(excerpt)).map((excerpt) => excerpt.messageId),
        documentType: currentDocumentType(transcription.documentType),
        sensitivity: transcription.sensitivity ?? null,
        encounter: transcription.encounter ?? null,
        correctsIdentifier: identifier,
        status: 'draft',
        createdBy: principal.userId,
        createdAt: now,
        updatedBy: principal.userId,
        updatedAt: now,
      });
      log.record({
        action: 'transcription-drafted',
        actor,
        objects: { threadId: thread.id, transcriptionId: id, documentId: identifier, nhsNumber: transcription.patient.nhsNumber },
        outcome: { status: 'success', reason: 'correction' },
      });
    })();
    return this.#draftView(db, this.#draft(db, id));
  }

  /**
   * Discards a draft that was never attested (a correction started by mistake, work abandoned):
   * it is deleted from the vault (zeroed: secure_delete), audited by its identifiers. The chat is
   * untouched; an attested transcription is never discarded.
   */
  discardDraft(id: string): void {
    const db = this.#db();
    this.#principal();
    const draft = this.#draft(db, id);
    if (draft.status === 'attested') throw new WardscribeError('conflict', 'This transcription has been attested: it is in the outbox, and cannot be discarded.');
    const { log, actor } = this.#session.audit();
    db.transaction(() => {
      if (!deleteDraft(db, id)) throw new WardscribeError('conflict', 'This transcription has been attested: it is in the outbox, and cannot be discarded.');
      log.record({
        action: 'draft-discarded',
        actor,
        objects: { transcriptionId: id, threadId: draft.threadId, ...(draft.correctsIdentifier ? { documentId: draft.correctsIdentifier } : {}) },
        outcome: { status: 'success', ...(draft.correctsIdentifier ? { reason: 'correction' } : {}) },
      });
    })();
  }

  /** Every draft, as the list screen shows it: audited, one entry per request, with no draft text or patient. */
  listDrafts(): DraftView[] {
    const db = this.#db();
    const views = listDrafts(db).map((draft) => this.#draftView(db, this.#asSeen(draft)));
    const { log, actor } = this.#session.audit();
    log.record({ action: 'drafts-listed', actor, outcome: { status: 'success' } });
    return views;
  }

  /** One draft, opened: audited by its identifiers (not its text, not its patient: the trail is read by auditors). */
  getDraft(id: string): DraftView {
    const db = this.#db();
    const draft = this.#draft(db, id);
    const { log, actor } = this.#session.audit();
    log.record({ action: 'draft-read', actor, objects: { transcriptionId: draft.id, threadId: draft.threadId }, outcome: { status: 'success' } });
    return this.#draftView(db, draft);
  }

  /** Who each sender of a thread is, as last identified. */
  knownAdvisers(threadId: string): Record<string, ClinicianIdentity> {
    const db = this.#db();
    this.#thread(db, threadId);
    return listThreadAdvisers(db, threadId);
  }

  // ── the patient, from the EPR ───────────────────────────────────────────

  /**
   * Finds the patient by NHS number in the EPR a note attested now would go to (and PDS where
   * configured), compared with the name and date of birth typed. Audited by NHS number and
   * outcome; what the record holds is shown, never recorded.
   */
  async lookUpPatient(query: PatientQuery): Promise<PatientLookup> {
    this.#principal();
    const nhs = parseNhsNumber(query.nhsNumber);
    if (!nhs.ok) throw new WardscribeError('rejected', nhs.message);
    const eprId = this.#eprs.current().eprId;
    const found = await this.#lookUp(eprId, nhs.value, { name: query.name, birthDate: query.birthDate });
    // A first session in training mode otherwise stops here: nothing says which patients exist.
    const lookup = found.status === 'not-found' && eprId === TRAINING_EPR_ID ? withTrainingPatients(found) : found;
    const { log, actor } = this.#session.audit();
    log.record({
      action: 'patient-looked-up',
      actor,
      objects: { nhsNumber: nhs.value, ...(query.threadId ? { threadId: query.threadId } : {}) },
      outcome: lookup.status === 'found' ? { status: 'success' } : { status: 'failure', reason: lookup.status },
    });
    return lookup;
  }

  /** How many patient-identifiable details a thread's messages hold (counts only: nothing of the text leaves main). */
  patientDetailsInThread(threadId: string): { counts: Record<PatientHintKind, number>; total: number } {
    const db = this.#db();
    this.#thread(db, threadId);
    const today = this.#now();
    const counts = countPatientHints([], today);
    const page = 2_000;
    for (let offset = 0; ; offset += page) {
      const messages = listMessages(db, threadId, offset, page);
      const pageCounts = countPatientHints(messages.map((message) => message.text), today);
      for (const kind of PATIENT_HINT_KINDS) counts[kind] += pageCounts[kind];
      if (messages.length < page) break;
    }
    return { counts, total: PATIENT_HINT_KINDS.reduce((sum, kind) => sum + counts[kind], 0) };
  }

  /** The look-up itself, in the EPR with this id (the one the note is bound to). */
  async #lookUp(eprId: string, nhsNumber: NhsNumber, typed: TypedPatient): Promise<PatientLookup> {
    const stored = getSetting(this.#db(), 'epr.pds');
    const unavailable = (message: string): PatientLookup => ({ status: 'unavailable', confirmable: false, message, problems: [message], record: null, national: null });
    const run = async (): Promise<PatientLookup> => {
      let epr;
      try {
        epr = (await this.#eprs.connect(eprId)).connection;
      } catch (error) {
        return unavailable(error instanceof EprUnavailableError ? error.message : 'The EPR could not be reached, so the patient could not be checked. Try again in a moment.');
      }
      const sources: PatientSources = stored.use === 'off' ? { epr } : { epr, pds: this.#pdsClient(stored), use: stored.use };
      return lookUpPatient(sources, nhsNumber, typed);
    };
    // Each request has its own timeout; this bounds the whole look-up (connection, statement, search, PDS) so attestation never hangs on it.
    const limitMs = 3 * (this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY).requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<PatientLookup>((resolve) => {
      timer = setTimeout(() => resolve(unavailable('The EPR took too long to answer the patient search, so the patient could not be checked. Try again in a moment.')), limitMs);
    });
    try {
      return await Promise.race([run(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #pdsClient(stored: Exclude<StoredPdsConnection, { use: 'off' }>): PdsClient {
    const key = JSON.stringify(stored);
    if (this.#pds?.key !== key) {
      const make =
        this.#options.pds ??
        ((settings: Exclude<StoredPdsConnection, { use: 'off' }>) =>
          createPdsClient({
            baseUrl: settings.baseUrl,
            auth: pdsAuth(settings.auth),
            requestTimeoutMs: (this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY).requestTimeoutMs,
            clock: { now: () => Date.now() },
          }));
      this.#pds = { key, client: make(stored) };
    }
    return this.#pds.client;
  }

  /**
   * The attestation's patient check, run again now against the record: the record confirmed
   * must still be the one found, unchanged, and still match the draft; a clinician's own check
   * stands only where the EPR cannot search patients. Throws `rejected` (audited) otherwise.
   */
  async #checkPatient(eprId: string, draft: StoredDraft, nhsNumber: NhsNumber, confirmation: PatientConfirmation, objects: AuditObjects): Promise<{ eprPatientId?: string; reason?: string }> {
    const lookup = await this.#lookUp(eprId, nhsNumber, { name: draft.patient.name, birthDate: draft.patient.birthDate });
    const refuse = (message: string, reason: string): never => {
      const { log, actor } = this.#session.audit();
      log.record({ action: 'attested', actor, objects, outcome: { status: 'refused', reason } });
      throw new WardscribeError('rejected', message);
    };
    if (confirmation.kind === 'checked-outside-epr') {
      if (lookup.status === 'cannot-search') return { reason: 'patient-checked-outside-epr' };
      return refuse(lookup.status === 'found' ? 'The EPR holds this patient: confirm the record it shows instead.' : lookup.message, `patient-${lookup.status}`);
    }
    if (!lookup.confirmable || !lookup.record) return refuse(lookup.message, `patient-${lookup.status}`);
    if (lookup.record.source !== confirmation.source || lookup.record.id !== confirmation.id) {
      return refuse('The record found for this NHS number now is not the one you confirmed. Find the patient again and confirm.', 'patient-changed');
    }
    if (!sameVersion(lookup.record, { versionId: confirmation.versionId, lastUpdated: confirmation.lastUpdated })) {
      return refuse("The patient's record has changed since you confirmed it. Look at it again and confirm.", 'patient-changed');
    }
    return lookup.record.source === 'epr' ? { eprPatientId: lookup.record.id } : {};
  }

  /** The patient's current encounters in the EPR new notes go to, for the clinician to link the note to one. */
  async encounters(patientId: string): Promise<EncountersFound> {
    this.#principal();
    let connection: EprConnection;
    try {
      connection = (await this.#eprs.connect(this.#eprs.current().eprId)).connection;
    } catch (error) {
      return { kind: 'unavailable', message: error instanceof EprUnavailableError ? error.message : 'The EPR could not be reached, so its encounters could not be listed.' };
    }
    return currentEncounters(connection, patientId);
  }

  /** At attestation: the encounter chosen is still the confirmed patient's and current, or attesting is refused (audited). */
  async #checkEncounter(eprId: string, encounter: EncounterLink, eprPatientId: string | undefined, objects: AuditObjects): Promise<void> {
    const refuse = (message: string): never => {
      const { log, actor } = this.#session.audit();
      log.record({ action: 'attested', actor, objects, outcome: { status: 'refused', reason: 'encounter-changed' } });
      throw new WardscribeError('rejected', message);
    };
    if (!eprPatientId) refuse('An encounter can be linked only for a patient found in the EPR. Choose no encounter.');
    let problem: string | null;
    try {
      problem = await encounterProblem((await this.#eprs.connect(eprId)).connection, eprPatientId!, encounter.id);
    } catch {
      problem = 'The EPR could not be asked about the encounter chosen. Try again in a moment, or choose no encounter.';
    }
    if (problem) refuse(problem);
  }

  // ── preview and attestation ─────────────────────────────────────────────

  /**
   * Exactly what attesting would file, with a provisional identifier; `problems` block attestation.
   * `patient`, the record confirmed so far, puts its `Patient/{id}` in the subject as attesting
   * will; it is not checked here (attesting checks it against the EPR).
   */
  preview(id: string, patient?: PatientConfirmation): PreviewView {
    const db = this.#db();
    const draft = this.#draft(db, id);
    const principal = this.#principal();
    // A correction previews as it will be filed: naming the note it replaces, or saying why it cannot.
    const correctionProblems: string[] = [];
    let replaces: ReplacedNote | undefined;
    const nhs = parseNhsNumber(draft.patient.nhsNumber);
    if (draft.correctsIdentifier && nhs.ok) {
      try {
        replaces = this.#replacedBy(db, draft, nhs.value, this.#eprs.current().eprId);
      } catch (error) {
        if (!(error instanceof WardscribeError)) throw error;
        correctionProblems.push(error.message);
      }
    }
    const built = this.#build(db, draft, {
      identifier: `urn:uuid:${randomUUID()}`,
      attestedAt: this.#now(),
      attesterUserId: principal.userId,
      auditChainHead: this.#session.audit().log.head(),
      ...(patient?.kind === 'record' && patient.source === 'epr' ? { eprPatientId: patient.id } : {}),
      ...(replaces ? { replaces } : {}),
    });
    const problems = [...built.problems, ...correctionProblems];
    if (draft.status === 'attested') problems.unshift('This transcription has already been attested.');
    if (!built.transcription) return { text: '', documentReference: null, provenance: null, problems };
    const transcription = built.transcription;
    const documentReference = toDocumentReference(transcription);
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/provisional' });
    problems.push(...fhirProblems(documentReference), ...fhirProblems(provenance));
    return { text: renderTranscriptText(transcription), documentReference, provenance, problems };
  }

  /**
   * Attests a draft (clinicians only) and puts it in the outbox, then files it in the background.
   * The patient the clinician confirmed is checked again against the record first (H-014). The
   * draft, the outbox item and the `attested` audit entry are written in one transaction; the
   * audit chain head (that entry) is part of what is filed, so the EPR witnesses the trail.
   */
  async attest(id: string, confirmation: PatientConfirmation | undefined): Promise<OutboxView> {
    const db = this.#db();
    const principal = this.#principal();
    const draft = this.#draft(db, id);
    const { log, actor } = this.#session.audit();
    const nhs = parseNhsNumber(draft.patient.nhsNumber);
    const objects: AuditObjects = { threadId: draft.threadId, transcriptionId: draft.id, ...(nhs.ok ? { nhsNumber: nhs.value } : {}) };
    if (principal.role !== 'clinician') {
      log.record({ action: 'attested', actor, objects, outcome: { status: 'refused', reason: `role-${principal.role}` } });
      throw new WardscribeError('forbidden', 'Only a clinician can attest a transcription.');
    }
    if (draft.status === 'attested') throw new WardscribeError('conflict', 'This transcription has already been attested.');
    if (!nhs.ok) throw new WardscribeError('rejected', nhs.message);
    if (!confirmation) {
      log.record({ action: 'attested', actor, objects, outcome: { status: 'refused', reason: 'patient-not-confirmed' } });
      throw new WardscribeError('rejected', 'Find the patient in the EPR by NHS number and confirm the record before attesting.');
    }
    const preview = this.preview(id);
    if (preview.problems.length > 0) throw new WardscribeError('rejected', preview.problems.join(' '));

    // Bound now, for good: a later change of settings never sends it to another EPR.
    const epr = this.#eprs.current();
    const replaces = this.#replacedBy(db, draft, nhs.value, epr.eprId);
    const patient = await this.#checkPatient(epr.eprId, draft, nhs.value, confirmation, objects);
    if (draft.encounter) await this.#checkEncounter(epr.eprId, draft.encounter, patient.eprPatientId, objects);
    // The draft may have changed while the record was read: what was checked is what is attested, or nothing.
    const current = this.#draft(this.#db(), id);
    if (current.status !== 'draft' || JSON.stringify(current.patient) !== JSON.stringify(draft.patient) || current.updatedAt !== draft.updatedAt) {
      throw new WardscribeError('conflict', 'This transcription changed while the patient was being checked. Check it and attest again.');
    }
    const identifier = `urn:uuid:${randomUUID()}`;
    const now = this.#now();
    const item = db.transaction((): OutboxItem => {
      if (!markDraftAttested(db, draft.id, principal.userId, now)) throw new WardscribeError('conflict', 'This transcription has already been attested.');
      log.record({ action: 'attested', actor, objects: { ...objects, documentId: identifier }, outcome: { status: 'success', ...(patient.reason ? { reason: patient.reason } : {}) } });
      // Checked again inside the transaction: two corrections of one note are never both attested.
      if (replaces && listCorrectionsOf(db, replaces.identifier).length > 0) throw new WardscribeError('conflict', 'This note already has a correction in the outbox.');
      const built = this.#build(db, draft, {
        identifier,
        attestedAt: now,
        attesterUserId: principal.userId,
        auditChainHead: log.head(),
        ...(patient.eprPatientId ? { eprPatientId: patient.eprPatientId } : {}),
        ...(replaces ? { replaces } : {}),
      });
      if (!built.transcription) throw new WardscribeError('rejected', built.problems.join(' '));
      // Each image by its hashes: as imported (what the chat held) and as filed (metadata removed), with the consent recorded.
      for (const image of built.transcription.images ?? []) {
        log.record({
          action: 'image-attested',
          actor,
          objects: { ...objects, documentId: identifier, attachmentId: image.attachmentId },
          outcome: { status: 'success', reason: `consent-${image.consent.status}` },
          hashes: { documentSha256: image.sha256Hex, originalSha256: image.originalSha256Hex },
        });
      }
      const queued: OutboxItem = {
        identifier,
        transcription: built.transcription,
        attachmentSha256: transcriptAttachment(built.transcription).sha256Hex,
        eprId: epr.eprId,
        eprLabel: epr.label,
        state: { kind: 'queued' },
        updatedAt: now.getTime(),
      };
      insertOutboxItem(db, queued, draft.id);
      return queued;
    })();
    this.#log.info('transcription.attested');
    void this.runner.drive(item.identifier);
    return this.#outboxView(item.identifier);
  }

  // ── the outbox (views and a clinician's Retry; the runner does the filing) ──

  /** A verified note read back from its EPR again, just before its originals are wiped. */
  recheckFiled(identifier: string): Promise<RecordCheck> {
    return this.runner.recheck(identifier);
  }

  outbox(): OutboxView[] {
    const now = this.#now().getTime();
    const db = this.#db();
    const items = listOutboxItems(db);
    // Each note's correction, so its row says where the correction stands: started and not attested, or in the outbox.
    const corrections = new Map<string, CorrectionOf>(
      listDrafts(db).flatMap((draft) => (draft.status === 'draft' && draft.correctsIdentifier ? [[draft.correctsIdentifier, { state: 'drafted' }] as const] : [])),
    );
    for (const item of items) {
      if (!item.transcription.replaces) continue;
      const { state } = item;
      corrections.set(item.transcription.replaces.identifier, state.kind === 'verified' ? { state: state.kind, ...(state.replaced ? { marked: state.replaced.kind } : {}), withdrawn: state.withdrawal !== undefined } : { state: state.kind });
    }
    return items.map((item) => outboxView(item, this.runner.isActive(item.identifier), now, this.#stalledAfterMs(), corrections.get(item.identifier)));
  }

  /** Tries a filing again (clinicians only). Always safe: it never makes a second document. */
  async retry(identifier: string): Promise<OutboxView> {
    if (this.#principal().role !== 'clinician') throw new WardscribeError('forbidden', 'Only a clinician can retry a filing.');
    const view = this.outbox().find((candidate) => candidate.identifier === identifier);
    if (!view) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    if (!view.canRetry) throw new WardscribeError('conflict', view.state === 'verified' ? 'This transcription is already verified in the record.' : 'This filing is already being sent; there is nothing to retry.');
    await this.runner.retry(identifier);
    return this.#outboxView(identifier);
  }

  /**
   * "Send after checking the record" (clinicians only), for a filing stopped because its EPR cannot
   * be searched by identifier: the clinician confirms they checked the EPR and the note is not
   * there. The confirmation is audited (who, when) and the note is sent once more (outbox-runner.ts).
   */
  async sendAfterCheck(identifier: string): Promise<OutboxView> {
    if (this.#principal().role !== 'clinician') throw new WardscribeError('forbidden', 'Only a clinician can confirm that the record was checked.');
    if (!getOutboxItem(this.#db(), identifier)) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    await this.runner.sendAfterCheck(identifier, this.#session.audit().actor);
    return this.#outboxView(identifier);
  }

  /**
   * Withdraws a verified note (clinicians only) that should not be in the record at all: marked
   * entered in error in its EPR and read back (outbox-runner.ts). A note with a correction, or one
   * being corrected, is not withdrawn: the correction is what stands, or is about to.
   */
  async withdraw(identifier: string, reason: string): Promise<OutboxView> {
    if (this.#principal().role !== 'clinician') throw new WardscribeError('forbidden', 'Only a clinician can withdraw a filed note.');
    const db = this.#db();
    if (!getOutboxItem(db, identifier)) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    if (listCorrectionsOf(db, identifier).length > 0) {
      throw new WardscribeError('conflict', 'This note has a correction in the outbox, and the correction is what the record keeps. To take the advice out of the record, withdraw the correction instead, once it is verified and the record marks this note entered in error.');
    }
    if (correctionDrafts(db, identifier).some((draft) => draft.status === 'draft')) {
      throw new WardscribeError('conflict', 'A correction of this note has been started. Discard that draft first (on the Transcribe screen), then withdraw the note.');
    }
    await this.runner.withdraw(identifier, reason, this.#session.audit().actor);
    return this.#outboxView(identifier);
  }

  /**
   * A filed note as its EPR returns it now (clerks and clinicians), read fresh and never kept.
   * Audited with the document's id; a refusal or outage of the EPR is said in plain English.
   */
  async filedDocument(identifier: string): Promise<FiledDocument> {
    return this.#readFiled(identifier, readFiledDocument);
  }

  /**
   * The images of a filed note as its EPR holds them now (#19): read fresh, never kept, audited
   * as a read of the note; the same refusals as `filedDocument`.
   */
  async filedImages(identifier: string): Promise<FiledImages> {
    return this.#readFiled(identifier, readFiledImages);
  }

  /** Reads something of a filed note from its EPR (clerks and clinicians), audited as `filed-document-read`. */
  async #readFiled<T>(identifier: string, read: (connection: EprConnection, documentReferenceId: string, context: RequestContext) => Promise<T>): Promise<T> {
    const role = this.#principal().role;
    if (role !== 'clinician' && role !== 'clerk') throw new WardscribeError('forbidden', 'Only a clerk or a clinician can open a filed note.');
    const item = getOutboxItem(this.#db(), identifier);
    if (!item) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    const documentReferenceId = 'documentReferenceId' in item.state ? item.state.documentReferenceId : undefined;
    if (!documentReferenceId) throw new WardscribeError('conflict', 'This note has not been filed in the EPR yet, so there is nothing to open.');
    const { log, actor } = this.#session.audit();
    const objects = { transcriptionId: identifier, documentId: documentReferenceId };
    try {
      const endpoint = await this.#eprs.connect(item.eprId);
      const fhirVersionParameter = endpoint.overrides?.fhirVersionParameter ?? false;
      endpoint.connection.configure({ fhirVersionParameter, transactionPath: endpoint.overrides?.transactionPath ?? 'base' });
      const context = { correlationId: identifier.slice('urn:uuid:'.length) };
      let found: T;
      try {
        found = await read(endpoint.connection, documentReferenceId, context);
      } catch (error) {
        // A server that insists on fhirVersion in the media type answers 406 or 415 without it (as when filing).
        if (!(error instanceof EprRequestError) || (error.status !== 406 && error.status !== 415) || fhirVersionParameter) throw error;
        endpoint.connection.configure({ fhirVersionParameter: true, transactionPath: endpoint.overrides?.transactionPath ?? 'base' });
        found = await read(endpoint.connection, documentReferenceId, context);
      }
      log.record({ action: 'filed-document-read', actor, objects, outcome: { status: 'success' } });
      return found;
    } catch (error) {
      log.record({ action: 'filed-document-read', actor, objects, outcome: { status: 'failure', reason: error instanceof EprRequestError ? error.kind : 'unavailable' } });
      throw filedDocumentError(error);
    }
  }

  /** Resumes every unfinished item (call at unlock). Resolves when each has stopped or the runner was stopped. */
  async resumeAll(): Promise<OutboxView[]> {
    await this.runner.resumeAll();
    await this.runner.settled();
    return this.#session.principal() ? this.outbox() : [];
  }

  /** Resolves when nothing is being filed (for tests and shutdown). */
  settled(): Promise<void> {
    return this.runner.settled();
  }

  /** Stops filing before the vault closes; unfinished items resume at the next unlock. */
  stop(): Promise<void> {
    return this.runner.stop();
  }

  // ── internals ───────────────────────────────────────────────────────────

  #outboxView(identifier: string): OutboxView {
    const item = getOutboxItem(this.#db(), identifier);
    if (!item) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    const correction = listCorrectionsOf(this.#db(), identifier)[0];
    const drafted = !correction && correctionDrafts(this.#db(), identifier).some((draft) => draft.status === 'draft');
    return outboxView(item, this.runner.isActive(identifier), this.#now().getTime(), this.#stalledAfterMs(), correction ? { state: correction.state.kind } : drafted ? { state: 'drafted' } : undefined);
  }

  /** A state unattended for longer than two request timeouts is shown as interrupted. */
  #stalledAfterMs(): number {
    return 2 * (this.#options.retryPolicy ?? DEFAULT_RETRY_POLICY).requestTimeoutMs;
  }

  /** Builds the AttestedTranscription a draft stands for, or says why it cannot. */
  #build(
    db: Db,
    draft: StoredDraft,
    at: { identifier: string; attestedAt: Date; attesterUserId: string; auditChainHead: AuditChainHead; eprPatientId?: string; replaces?: ReplacedNote },
  ): Built {
    const problems = draftProblems(draft, this.#messagesOrEmpty(db, draft));
    const thread = getCompleteThread(db, draft.threadId);
    const messages = this.#messagesOrEmpty(db, draft).filter((message) => message.kind === 'message');
    const images = buildFiledImages(db, draft, messages);
    problems.push(...images.problems);
    const withImage = new Set(images.images.map((image) => image.messageId));
    const excerpts: Partial<TranscribedExcerpt>[] = messages.map((message) => ({
      messageId: String(message.id),
      adviser: message.sender !== null ? adviserOf(draft.advisers, message.sender) : undefined,
      originalLocalTime: message.localTime,
      zone: message.zone,
      utcInstant: message.instant ?? undefined,
      // A photo sent without a caption has no text: the record says what it was.
      text: message.text.trim() === '' && message.attachment !== null ? (withImage.has(String(message.id)) ? '[An image, filed with this note]' : '[An attachment, not filed with this note]') : message.text,
      ...(draft.contextMessageIds.includes(String(message.id)) ? { kind: 'context' as const } : {}),
    }));
    const instants = messages.flatMap((message) => (message.instant ? [message.instant] : [])).sort();
    const odsCode = this.#odsCode(db);
    const practiceSetting = getSetting(db, 'epr.practiceSetting');
    if (!odsCode) problems.push('The organisation ODS code is not set; an administrator must set it before anything can be filed.');
    const candidate: Record<string, unknown> = {
      identifier: at.identifier,
      patient: { nhsNumber: draft.patient.nhsNumber, name: draft.patient.name, birthDate: draft.patient.birthDate, ...(at.eprPatientId ? { eprPatientId: at.eprPatientId } : {}) },
      excerpts,
      summary: draft.summary,
      transcriber: staff(db, draft.createdBy),
      attester: staff(db, at.attesterUserId),
      attestedAt: at.attestedAt.toISOString(),
      organisationOdsCode: odsCode ?? '',
      documentType: draft.documentType ?? this.#documentType(db),
      ...(draft.sensitivity ? { sensitivity: draft.sensitivity } : {}),
      ...(practiceSetting ? { practiceSetting } : {}),
      source: {
        kind: thread ? SOURCE_LABELS[thread.source] : '',
        title: thread?.title?.trim() || 'Untitled chat',
        messageCount: thread?.messageCount ?? 0,
        firstMessageAt: thread?.firstInstant ?? instants[0],
        lastMessageAt: thread?.lastInstant ?? instants.at(-1),
      },
      auditChainHead: at.auditChainHead,
      ...(draft.images.length > 0 ? { images: images.images } : {}),
      ...(at.replaces ? { replaces: at.replaces } : {}),
      // The encounter belongs to the patient found in the EPR: without one it is not sent.
      ...(draft.encounter && at.eprPatientId ? { encounter: draft.encounter } : {}),
    };
    const parsed = AttestedTranscriptionSchema.safeParse(candidate);
    if (!parsed.success) {
      // Problems already explained in words are not repeated as field paths.
      const explained = problems.length > 0;
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].filter((path) => !explained || !/^(patient|excerpts|summary)/.test(path));
      if (fields.length > 0) problems.push(`Some details are missing or malformed (${fields.slice(0, 5).join(', ')}).`);
      if (problems.length === 0) problems.push('This transcription is incomplete.');
    }
    return { transcription: parsed.success && problems.length === 0 ? parsed.data : null, candidate, problems };
  }

  /**
   * For a correction: the note it replaces, as the correction names it. Refused unless that note
   * is verified, uncorrected, in the EPR this one goes to, and about the same patient (a note about
   * the wrong patient is withdrawn in the EPR, and the advice filed afresh for the right one).
   */
  #replacedBy(db: Db, draft: StoredDraft, nhsNumber: NhsNumber, eprId: string): ReplacedNote | undefined {
    if (!draft.correctsIdentifier) return undefined;
    const filed = getOutboxItem(db, draft.correctsIdentifier);
    if (!filed || filed.state.kind !== 'verified' || filed.state.withdrawal) throw new WardscribeError('conflict', 'The note this corrects is no longer verified in the record (or was withdrawn), so it cannot be corrected from here.');
    if (listCorrectionsOf(db, filed.identifier).length > 0) throw new WardscribeError('conflict', 'This note already has a correction in the outbox.');
    if (filed.eprId !== eprId) throw new WardscribeError('conflict', `The note this corrects is in ${filed.eprLabel}, and a correction is filed in the same record. Ask an administrator to set the EPR back, or correct the note in that EPR itself.`);
    if (filed.transcription.patient.nhsNumber !== nhsNumber) {
      throw new WardscribeError('rejected', 'A correction is about the same patient as the note it corrects. If that note is about the wrong patient, withdraw it from the outbox instead (it is marked entered in error in the record), and file the advice for the right patient as a new note.');
    }
    return { identifier: filed.identifier, documentReferenceId: filed.state.documentReferenceId, attestedAt: filed.transcription.attestedAt };
  }

  #corrects(db: Db, draft: StoredDraft): DraftView['corrects'] {
    if (!draft.correctsIdentifier) return null;
    const filed = getOutboxItem(db, draft.correctsIdentifier);
    return { identifier: draft.correctsIdentifier, attestedAt: filed?.transcription.attestedAt ?? '' };
  }

  /** The administrator's default document type, as a code the picker offers (a type set before the picker reads as its code). */
  #documentType(db: Db): string {
    return currentDocumentType(getSetting(db, 'epr.documentType') ?? this.#options.documentType ?? DEFAULT_DOCUMENT_TYPE);
  }

  #odsCode(db: Db): string | undefined {
    // The administrator's setting wins; the option is the default (the training EPR's code).
    return getSetting(db, 'epr.organisationOdsCode') ?? (this.#options.organisationOdsCode || undefined);
  }

  #draftView(db: Db, draft: StoredDraft): DraftView {
    const thread = getCompleteThread(db, draft.threadId);
    return {
      ...draft,
      messageIds: [...draft.messageIds],
      documentType: draft.documentType ?? this.#documentType(db),
      corrects: this.#corrects(db, draft),
      threadTitle: thread?.title ?? null,
      problems: draft.status === 'attested' ? [] : draftProblems(draft, this.#messagesOrEmpty(db, draft)),
    };
  }

  /** The draft's messages in thread order; throws `rejected` if any is not a message of the thread. */
  #messages(db: Db, threadId: string, messageIds: readonly string[]): StoredMessage[] {
    const messages = messageIds.map((id) => {
      const message = /^\d{1,15}$/.test(id) ? getMessageById(db, Number(id)) : null;
      if (!message || message.threadId !== threadId) throw new WardscribeError('rejected', 'A selected message is not part of this chat.');
      return message;
    });
    return messages.sort((a, b) => a.ordinal - b.ordinal);
  }

  #messagesOrEmpty(db: Db, draft: StoredDraft): StoredMessage[] {
    try {
      return this.#messages(db, draft.threadId, draft.messageIds);
    } catch {
      return [];
    }
  }

  #thread(db: Db, threadId: string): StoredThread {
    const thread = getCompleteThread(db, threadId);
    if (!thread) throw new WardscribeError('not-found', 'That chat is not in the vault.');
    return thread;
  }

  #draft(db: Db, id: string): StoredDraft {
    const draft = getDraft(db, id);
    if (!draft) throw new WardscribeError('not-found', 'That draft is not in the vault.');
    return this.#asSeen(draft);
  }

  /**
   * The draft as the signed-in person sees it: confirming the patient is one person's act, kept
   * only while they are the last to have saved the draft. A clerk's tick never carries to the
   * clinician who opens the draft to attest (a ward trial saw it do so): they confirm again.
   */
  #asSeen(draft: StoredDraft): StoredDraft {
    if (!draft.patient.confirmed || draft.updatedBy === this.#session.principal()?.userId) return draft;
    return { ...draft, patient: { ...draft.patient, confirmed: false } };
  }

  #db(): Db {
    return this.#session.vault().db;
  }

  #principal(): { userId: string; role: Role } {
    const principal = this.#session.principal();
    if (!principal) throw new WardscribeError('not-signed-in', 'Sign in first.');
    return principal;
  }
}

/** The stored PDS credentials as the token source takes them. */
export function pdsAuth(auth: Exclude<StoredPdsConnection, { use: 'off' }>['auth']): EprAuth {
  return auth.kind === 'smart-backend' ? { kind: 'smart-backend', tokenUrl: auth.tokenUrl, clientId: auth.clientId, keyId: auth.keyId, algorithm: auth.algorithm, scope: auth.scope, privateKey: auth.privateKeyPem } : auth;
}

/** What keeps a draft from being attested, in words (never quoting message text). */
export function draftProblems(draft: StoredDraft, messages: readonly StoredMessage[]): string[] {
  const problems: string[] = [];
  if (draft.messageIds.length === 0) problems.push('Select at least one message.');
  if (draft.messageIds.length > 0 && draft.messageIds.every((id) => draft.contextMessageIds.includes(id))) {
    problems.push('Mark at least one message as advice: every selected message is marked as a question or reply.');
  }
  if (draft.messageIds.length > 0 && messages.length === 0) problems.push('The selected messages are no longer in this chat.');
  const systemCount = messages.filter((message) => message.kind === 'system').length;
  if (systemCount > 0) problems.push(`${systemCount} selected ${systemCount === 1 ? 'message is a notice' : 'messages are notices'} from the chat app, not advice; deselect ${systemCount === 1 ? 'it' : 'them'}.`);
  const missing = new Set<string>();
  const gaps = new Map<string, string[]>();
  let withoutInstant = 0;
  for (const message of messages) {
    if (message.kind !== 'message') continue;
    if (message.instant === null) withoutInstant++;
    if (message.sender === null) continue;
    // A contact saved without a name: nobody can say from the export who it was.
    if (message.sender === '') continue;
    const adviser = adviserOf(draft.advisers, message.sender);
    if (!adviser) missing.add(message.sender);
    else if (!gaps.has(message.sender)) gaps.set(message.sender, adviserGaps(message.sender, adviser));
  }
  if (messages.some((message) => message.kind === 'message' && message.sender === null)) problems.push('A selected message has no sender, so its advice cannot be attributed.');
  if (messages.some((message) => message.kind === 'message' && message.sender === '')) {
    problems.push("A selected message's sender has no name in the export, so its advice cannot be attributed from it: confirm with the sender and record it by hand.");
  }
  for (const sender of missing) problems.push(`Say who "${sender}" is (full name and role) before attesting.`);
  for (const senderGaps of gaps.values()) problems.push(...senderGaps);
  if (withoutInstant > 0) problems.push(`${withoutInstant} selected message(s) fall in a clock change, so their exact time is unknown; they cannot be filed.`);
  if (draft.summary.trim() === '') problems.push('Write a summary of the advice and what was done.');
  const nhs = parseNhsNumber(draft.patient.nhsNumber);
  if (!nhs.ok) problems.push(nhs.message);
  const patient = ConfirmedPatientSchema.safeParse({ nhsNumber: draft.patient.nhsNumber, name: draft.patient.name, birthDate: draft.patient.birthDate });
  if (!patient.success) {
    if (draft.patient.name.trim() === '') problems.push("Enter the patient's name.");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.patient.birthDate)) problems.push("Enter the patient's date of birth (day, month and year).");
  }
  if (!draft.patient.confirmed) problems.push('Confirm that this is the right patient.');
  problems.push(...draftImageProblems(draft));
  return problems;
}

/**
 * A user as the note names them: their job title (else their Wardscribe role) and the national
 * identifiers an administrator set for them, else the Trust's own system with their username
 * (settings: staff.localIdentifierSystem), else their name alone.
 */
function staff(db: Db, userId: string): StaffIdentity | undefined {
  const user = getUserById(db, userId);
  if (!user) return undefined;
  const profile = getStaffProfile(db, userId) ?? NO_STAFF_PROFILE;
  const localSystem = getSetting(db, 'staff.localIdentifierSystem');
  return {
    userId: user.id,
    name: user.displayName,
    role: profile.jobTitle || ROLE_LABELS[user.role],
    ...(profile.registration ? { registration: profile.registration } : {}),
    ...(profile.sdsUserId ? { sdsUserId: profile.sdsUserId } : {}),
    ...(!profile.registration && !profile.sdsUserId && localSystem ? { localIdentifier: { system: localSystem, value: user.username } } : {}),
  };
}

function fhirProblems(resource: Parameters<typeof validateFhirResource>[0]): string[] {
  const errors = validateFhirResource(resource).filter((issue) => issue.severity === 'error');
  if (errors.length === 0) return [];
  const where = [...new Set(errors.map((issue) => issue.path))].slice(0, 5).join(', ');
  return [`The ${resource.resourceType} would fail validation at ${where}.`];
}

/** Why a filed note could not be opened, for the clinician (no server text beyond its own reason). */
function filedDocumentError(error: unknown): WardscribeError {
  if (error instanceof WardscribeError) return error;
  if (error instanceof EprUnavailableError) return new WardscribeError('unavailable', error.message);
  if (error instanceof EprRequestError) {
    if (error.status === 404 || error.status === 410) return new WardscribeError('not-found', `The EPR no longer has this note (HTTP ${error.status}). Ask your EPR team whether it was removed or merged.`);
    if (error.kind === 'auth' || error.status === 401 || error.status === 403) return new WardscribeError('unavailable', `The EPR did not let Wardscribe read this note (${error.status ? `HTTP ${error.status}` : 'sign-in refused'}). Ask your administrator to check the EPR connection.`);
    if (error.transient) return new WardscribeError('unavailable', 'The EPR could not be reached or did not answer in time. Try again in a few minutes.');
    return new WardscribeError('unavailable', `The EPR refused to return this note (${error.status ? `HTTP ${error.status}` : error.kind}).`);
  }
  return new WardscribeError('unavailable', 'The note could not be read from the EPR.');
}

/** The identity given for a sender, looked up as an own property (a sender called "constructor" is a sender, not Object's). */
function adviserOf(advisers: Readonly<Record<string, DraftAdviser>>, sender: string): DraftAdviser | undefined {
  return Object.hasOwn(advisers, sender) ? advisers[sender] : undefined;
}

/** A not-found answer of the training EPR, with the made-up patients it does hold. */
function withTrainingPatients(lookup: PatientLookup): PatientLookup {
  const message = `${lookup.message} ${trainingPatientsSentence()}`;
  return { ...lookup, message, problems: [message] };
}
