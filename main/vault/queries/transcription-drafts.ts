import type { ImageConsent } from '../../../shared/domain/clinical-image';
import type { SensitivityKind } from '../../../shared/domain/sensitivity';
import type { DraftAdviser, EncounterLink } from '../../../shared/domain/transcription';
import type { Db } from '../sqlcipher';

export type DraftStatus = 'draft' | 'attested';

/** The patient as typed into the draft: not yet checked, so plain strings. */
export interface DraftPatient {
  readonly nhsNumber: string;
  readonly name: string;
  readonly birthDate: string;
  /** The transcriber confirmed this is the patient the advice concerns. */
  readonly confirmed: boolean;
}

/** An image the draft will file: an attachment of a selected message, and its consent once recorded. */
export interface DraftImage {
  readonly attachmentId: string;
  /** Absent until the clinician records it; attestation needs it for every image. */
  readonly consent?: ImageConsent;
}

/** A draft as written: a draft with no images, no messages marked as context, no chosen type or no sensitivity may leave them out. */
type DraftWrite<T extends { images: readonly DraftImage[]; contextMessageIds: readonly string[]; documentType: string | null; sensitivity: SensitivityKind | null }> = Omit<
  T,
  'images' | 'contextMessageIds' | 'documentType' | 'sensitivity' | 'correctsIdentifier' | 'encounter'
> & {
  readonly encounter?: EncounterLink | null;
  readonly images?: readonly DraftImage[];
  readonly contextMessageIds?: readonly string[];
  readonly documentType?: string | null;
  readonly sensitivity?: SensitivityKind | null;
};

/** A draft as first written: a correction names the note it corrects (never changed afterwards). */
type DraftInsert = DraftWrite<StoredDraft> & { readonly correctsIdentifier?: string | null };

/** A row of `transcription_drafts` as SQLite returns it. */
interface DraftRow {
  id: string;
  thread_id: string;
  message_ids_json: string;
  advisers_json: string;
  summary: string;
  patient_json: string;
  images_json: string;
  context_ids_json: string;
  document_type: string | null;
  sensitivity: SensitivityKind | null;
  corrects_identifier: string | null;
  encounter_json: string | null;
  status: DraftStatus;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

export interface StoredDraft {
  readonly id: string;
  readonly threadId: string;
  /** Vault message ids, as decimal strings, in the order saved. */
  readonly messageIds: readonly string[];
  /** Sender name (as the chat showed it) → who they are. May be incomplete while a draft. */
  readonly advisers: Readonly<Record<string, DraftAdviser>>;
  readonly summary: string;
  readonly patient: DraftPatient;
  /** Images to file with it (migration 0015), in the order chosen. */
  readonly images: readonly DraftImage[];
  /** Of `messageIds`, those that are context (a question, a reply), not advice (migration 0018). */
  readonly contextMessageIds: readonly string[];
  /** The document type chosen (a SNOMED CT code, migration 0019); null: the administrator's default. */
  readonly documentType: string | null;
  /** Why the advice is sensitive (migration 0019); null: it is not. */
  readonly sensitivity: SensitivityKind | null;
  /** The outbox identifier of the filed note this draft corrects (migration 0020); null: not a correction. */
  readonly correctsIdentifier: string | null;
  /** The EPR encounter chosen (migration 0021); null: none. */
  readonly encounter: EncounterLink | null;
  readonly status: DraftStatus;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

const COLUMNS = 'id, thread_id, message_ids_json, advisers_json, summary, patient_json, images_json, context_ids_json, document_type, sensitivity, corrects_identifier, encounter_json, status, created_by, created_at, updated_by, updated_at';

function toDraft(row: DraftRow): StoredDraft {
  return {
    id: row.id,
    threadId: row.thread_id,
    messageIds: JSON.parse(row.message_ids_json) as string[],
    advisers: JSON.parse(row.advisers_json) as Record<string, DraftAdviser>,
    summary: row.summary,
    patient: JSON.parse(row.patient_json) as DraftPatient,
    images: JSON.parse(row.images_json) as DraftImage[],
    contextMessageIds: JSON.parse(row.context_ids_json) as string[],
    documentType: row.document_type,
    sensitivity: row.sensitivity,
    correctsIdentifier: row.corrects_identifier,
    encounter: row.encounter_json === null ? null : (JSON.parse(row.encounter_json) as EncounterLink),
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

export function insertDraft(db: Db, draft: DraftInsert): void {
  db.prepare(
    `INSERT INTO transcription_drafts (${COLUMNS})
     VALUES (@id, @threadId, @messageIds, @advisers, @summary, @patient, @images, @contextIds, @documentType, @sensitivity, @correctsIdentifier, @encounter, @status, @createdBy, @createdAt, @updatedBy, @updatedAt)`,
  ).run(params(draft));
}

/** Replaces a draft's content; only while it is still a draft. Returns whether a row changed. */
export function updateDraft(db: Db, draft: DraftWrite<Omit<StoredDraft, 'createdBy' | 'createdAt' | 'status'>>): boolean {
  return (
    db
      .prepare(
        `UPDATE transcription_drafts SET thread_id = @threadId, message_ids_json = @messageIds, advisers_json = @advisers, summary = @summary,
           patient_json = @patient, images_json = @images, context_ids_json = @contextIds, document_type = @documentType, sensitivity = @sensitivity, encounter_json = @encounter, updated_by = @updatedBy, updated_at = @updatedAt
         WHERE id = @id AND status = 'draft'`,
      )
      .run(contentParams(draft)).changes === 1
  );
}

/** Deletes a draft that was never attested (its refiling reason goes with it). Returns whether one was deleted. */
export function deleteDraft(db: Db, id: string): boolean {
  return db.prepare("DELETE FROM transcription_drafts WHERE id = ? AND status = 'draft'").run(id).changes === 1;
}

/** Marks a draft attested (once). Returns whether it was still a draft. */
export function markDraftAttested(db: Db, id: string, userId: string, now: Date): boolean {
  return (
    db.prepare("UPDATE transcription_drafts SET status = 'attested', updated_by = ?, updated_at = ? WHERE id = ? AND status = 'draft'").run(userId, now.toISOString(), id)
      .changes === 1
  );
}

export function getDraft(db: Db, id: string): StoredDraft | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM transcription_drafts WHERE id = ?`).get(id) as DraftRow | undefined;
  return row ? toDraft(row) : null;
}

/** Every draft (attested ones too), most recently changed first. */
export function listDrafts(db: Db): StoredDraft[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM transcription_drafts ORDER BY updated_at DESC, id`).all() as DraftRow[]).map(toDraft);
}

/** Bound parameters for what an update may change. */
function contentParams(draft: DraftWrite<Omit<StoredDraft, 'createdBy' | 'createdAt' | 'status'>>) {
  return {
    id: draft.id,
    threadId: draft.threadId,
    messageIds: JSON.stringify(draft.messageIds),
    advisers: JSON.stringify(draft.advisers),
    summary: draft.summary,
    patient: JSON.stringify(draft.patient),
    images: JSON.stringify(draft.images ?? []),
    contextIds: JSON.stringify(draft.contextMessageIds ?? []),
    documentType: draft.documentType ?? null,
    sensitivity: draft.sensitivity ?? null,
    encounter: draft.encounter ? JSON.stringify(draft.encounter) : null,
    updatedBy: draft.updatedBy,
    updatedAt: draft.updatedAt,
  };
}

function params(draft: DraftInsert) {
  return { ...contentParams(draft), correctsIdentifier: draft.correctsIdentifier ?? null, status: draft.status, createdBy: draft.createdBy, createdAt: draft.createdAt };
}

/** Open drafts correcting this filed note (at most one is ever started). */
export function correctionDrafts(db: Db, identifier: string): StoredDraft[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM transcription_drafts WHERE corrects_identifier = ? ORDER BY created_at, id`).all(identifier) as DraftRow[]).map(toDraft);
}

/** A draft of a thread and, once attested, its outbox item's state: what the wipe gate weighs. */
export interface ThreadTranscriptionRow {
  readonly draftId: string;
  readonly draftStatus: DraftStatus;
  /** As filed once attested; as typed (spaces removed) while a draft. */
  readonly nhsNumber: string;
  readonly identifier: string | null;
  readonly stateKind: string | null;
  readonly documentReferenceId: string | null;
  /** When the EPR copy was read back and matched (verified items only). */
  readonly verifiedAt: string | null;
  /** Why filing stopped (failed and needs-attention items), e.g. `read-back-mismatch`. */
  readonly failureReason: string | null;
  /** A correction: the outbox identifier of the note it replaces. */
  readonly replaces: string | null;
  /** A verified correction: where marking the note it replaces stands (`pending`, `retired`, `gone`, `not-retired`). */
  readonly replacedKind: string | null;
  /** A draft that corrects a filed note: that note's outbox identifier. */
  readonly correctsIdentifier: string | null;
  /** A withdrawn note: where marking it entered in error stands (`pending`, `retired`, `gone`, `not-retired`). */
  readonly withdrawnKind: string | null;
}

/**
 * Whether a note was withdrawn from the record (marked entered in error there, or gone from it): its
 * messages are then in no note filed in the record. While the EPR is still being asked, or would not
 * mark it, the note is still there.
 */
export function withdrawnFromRecord(row: { readonly withdrawnKind: string | null }): boolean {
  return row.withdrawnKind === 'retired' || row.withdrawnKind === 'gone';
}

/**
 * The outbox identifiers of the notes a verified correction replaced, among these rows: they are
 * entered in error in the record, and the correction carries what they carried.
 */
export function replacedByVerifiedCorrections(rows: readonly { readonly stateKind: string | null; readonly replaces: string | null }[]): ReadonlySet<string> {
  return new Set(rows.flatMap((row) => (row.stateKind === 'verified' && row.replaces ? [row.replaces] : [])));
}

/** Every draft made from the thread, with its outbox item (if attested). */
export function listThreadTranscriptions(db: Db, threadId: string): ThreadTranscriptionRow[] {
  return db
    .prepare(
      `SELECT d.id AS draftId, d.status AS draftStatus, coalesce(json_extract(o.transcription_json, '$.patient.nhsNumber'), replace(json_extract(d.patient_json, '$.nhsNumber'), ' ', '')) AS nhsNumber,
              o.identifier AS identifier, o.state_kind AS stateKind, json_extract(o.state_json, '$.documentReferenceId') AS documentReferenceId,
              json_extract(o.state_json, '$.verifiedAt') AS verifiedAt,
              CASE WHEN o.state_kind IN ('failed', 'needs-attention') THEN json_extract(o.state_json, '$.reason') END AS failureReason,
              json_extract(o.transcription_json, '$.replaces.identifier') AS replaces, json_extract(o.state_json, '$.replaced.kind') AS replacedKind,
              d.corrects_identifier AS correctsIdentifier, json_extract(o.state_json, '$.withdrawal.marked.kind') AS withdrawnKind
       FROM transcription_drafts d LEFT JOIN outbox o ON o.draft_id = d.id
       WHERE d.thread_id = ? ORDER BY d.created_at, d.id`,
    )
    .all(threadId) as ThreadTranscriptionRow[];
}

/** An attested draft and where its outbox item stands: advice that is filed, or on its way. */
export interface FiledDraftRow {
  readonly draftId: string;
  readonly threadId: string;
  readonly messageIds: readonly string[];
  readonly identifier: string;
  readonly stateKind: string;
  readonly documentReferenceId: string | null;
  /** A correction: the outbox identifier of the note it replaces. */
  readonly replaces: string | null;
  /** A withdrawn note: where marking it entered in error stands (see withdrawnFromRecord). */
  readonly withdrawnKind: string | null;
}

/** Every attested draft whose outbox item still exists, oldest first. */
export function listFiledDrafts(db: Db): FiledDraftRow[] {
  return (
    db
      .prepare(
        `SELECT d.id AS draftId, d.thread_id AS threadId, d.message_ids_json AS messageIds, o.identifier AS identifier, o.state_kind AS stateKind,
                json_extract(o.state_json, '$.documentReferenceId') AS documentReferenceId, json_extract(o.transcription_json, '$.replaces.identifier') AS replaces,
                json_extract(o.state_json, '$.withdrawal.marked.kind') AS withdrawnKind
         FROM transcription_drafts d JOIN outbox o ON o.draft_id = d.id
         WHERE d.status = 'attested' ORDER BY d.created_at, d.id`,
      )
      .all() as { draftId: string; threadId: string; messageIds: string; identifier: string; stateKind: string; documentReferenceId: string | null; replaces: string | null; withdrawnKind: string | null }[]
  ).map((row) => ({ ...row, messageIds: JSON.parse(row.messageIds) as string[] }));
}
