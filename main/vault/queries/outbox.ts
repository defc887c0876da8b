import type { AttestedTranscription } from '../../../shared/domain/transcription';
import { normaliseState, type OutboxItem, type OutboxStateKind } from '../../epr/outbox';
import type { Db } from '../sqlcipher';

/** A row of `outbox` as SQLite returns it. */
interface OutboxRow {
  identifier: string;
  draft_id: string | null;
  transcription_json: string;
  attachment_sha256: string;
  state_json: string;
  state_kind: OutboxStateKind;
  epr_id: string;
  epr_label: string;
  created_at: number;
  updated_at: number;
}

/** An outbox item with where it came from. */
export interface StoredOutboxItem extends OutboxItem {
  readonly draftId: string | null;
  /** When it was queued (ms since the epoch). */
  readonly createdAt: number;
}

const COLUMNS = 'identifier, draft_id, transcription_json, attachment_sha256, state_json, state_kind, epr_id, epr_label, created_at, updated_at';
const TERMINAL_KINDS: readonly OutboxStateKind[] = ['verified', 'failed', 'needs-attention'];

function toItem(row: OutboxRow): StoredOutboxItem {
  return {
    identifier: row.identifier,
    draftId: row.draft_id,
    transcription: JSON.parse(row.transcription_json) as AttestedTranscription,
    attachmentSha256: row.attachment_sha256,
    eprId: row.epr_id,
    eprLabel: row.epr_label,
    state: normaliseState(JSON.parse(row.state_json)),
    updatedAt: row.updated_at,
    createdAt: row.created_at,
  };
}

/** Queues a new item (fails if the identifier or the draft already has one). */
export function insertOutboxItem(db: Db, item: OutboxItem, draftId: string | null): void {
  db.prepare(
    `INSERT INTO outbox (${COLUMNS})
     VALUES (@identifier, @draftId, @transcription, @sha, @state, @kind, @eprId, @eprLabel, @updatedAt, @updatedAt)`,
  ).run({
    identifier: item.identifier,
    draftId,
    eprId: item.eprId,
    eprLabel: item.eprLabel,
    transcription: JSON.stringify(item.transcription),
    sha: item.attachmentSha256,
    state: JSON.stringify(item.state),
    kind: item.state.kind,
    updatedAt: item.updatedAt,
  });
}

/**
 * Saves an existing item's state. The transcription, its hash and the EPR it is bound to are
 * never changed once stored: what was attested is what is filed, where it was attested for.
 */
export function saveOutboxState(db: Db, item: OutboxItem): void {
  const changed = db
    .prepare('UPDATE outbox SET state_json = @state, state_kind = @kind, updated_at = @updatedAt WHERE identifier = @identifier')
    .run({ identifier: item.identifier, state: JSON.stringify(item.state), kind: item.state.kind, updatedAt: item.updatedAt }).changes;
  if (changed !== 1) throw new Error('That outbox item is not in the vault.');
}

export function getOutboxItem(db: Db, identifier: string): StoredOutboxItem | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE identifier = ?`).get(identifier) as OutboxRow | undefined;
  return row ? toItem(row) : null;
}

/** Items not in a terminal state, oldest first. */
export function listUnfinishedOutboxItems(db: Db): StoredOutboxItem[] {
  return (
    db
      // A verified note still marking one entered in error (the note a correction replaces, or itself withdrawn) is unfinished too.
      .prepare(
        `SELECT ${COLUMNS} FROM outbox
         WHERE state_kind NOT IN (SELECT value FROM json_each(?))
            OR (state_kind = 'verified' AND (json_extract(state_json, '$.replaced.kind') = 'pending' OR json_extract(state_json, '$.withdrawal.marked.kind') = 'pending'))
         ORDER BY updated_at, identifier`,
      )
      .all(JSON.stringify(TERMINAL_KINDS)) as OutboxRow[]
  ).map(toItem);
}

/** Every item, newest first. */
export function listOutboxItems(db: Db): StoredOutboxItem[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM outbox ORDER BY created_at DESC, identifier`).all() as OutboxRow[]).map(toItem);
}

/**
 * After a wipe: keeps a verified item's identity, patient, state and hashes, but removes the
 * copied message text, the summary and the bytes of its images (the record holds them now; an
 * image's picture data is the original's, metadata aside). The empty text can never pass
 * validation again, so a redacted item cannot be filed a second time.
 */
export function redactOutboxItem(db: Db, identifier: string): boolean {
  const row = db.prepare('SELECT transcription_json FROM outbox WHERE identifier = ?').get(identifier) as { transcription_json: string } | undefined;
  if (!row) return false;
  const transcription = JSON.parse(row.transcription_json) as AttestedTranscription;
  const redacted: AttestedTranscription = {
    ...transcription,
    summary: '',
    excerpts: transcription.excerpts.map((excerpt) => ({ ...excerpt, text: '' })),
    ...(transcription.images ? { images: transcription.images.map((image) => ({ ...image, data: '' })) } : {}),
  };
  return db.prepare('UPDATE outbox SET transcription_json = ? WHERE identifier = ?').run(JSON.stringify(redacted), identifier).changes === 1;
}

/** Removes an item that will never be filed (a clinician wiped its thread, recording that it held no clinical content). */
export function deleteOutboxItem(db: Db, identifier: string): boolean {
  return db.prepare('DELETE FROM outbox WHERE identifier = ?').run(identifier).changes === 1;
}

/** The outbox items filed as corrections of this note (`transcription.replaces`), oldest first. */
export function listCorrectionsOf(db: Db, identifier: string): StoredOutboxItem[] {
  return (
    db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE json_extract(transcription_json, '$.replaces.identifier') = ? ORDER BY created_at, identifier`).all(identifier) as OutboxRow[]
  ).map(toItem);
}
