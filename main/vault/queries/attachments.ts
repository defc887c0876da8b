import type { Db } from '../sqlcipher';

/** A row of `attachments` without its content. */
interface AttachmentRow {
  id: string;
  thread_id: string;
  message_id: number | null;
  original_name: string;
  generated_name: string;
  byte_length: number;
  sha256: string;
}

/** An attachment's description; the bytes are read separately with readAttachmentContent(). */
export interface StoredAttachment {
  readonly id: string;
  readonly threadId: string;
  readonly messageId: number | null;
  readonly originalName: string;
  readonly generatedName: string;
  readonly byteLength: number;
  readonly sha256: string;
}

const COLUMNS = 'id, thread_id, message_id, original_name, generated_name, byte_length, sha256';

function toAttachment(row: AttachmentRow): StoredAttachment {
  return {
    id: row.id,
    threadId: row.thread_id,
    messageId: row.message_id,
    originalName: row.original_name,
    generatedName: row.generated_name,
    byteLength: row.byte_length,
    sha256: row.sha256,
  };
}

export function insertAttachment(db: Db, attachment: StoredAttachment, content: Buffer): void {
  db.prepare(
    `INSERT INTO attachments (${COLUMNS}, content) VALUES (@id, @threadId, @messageId, @originalName, @generatedName, @byteLength, @sha256, @content)`,
  ).run({ ...attachment, content });
}

/** A thread's attachments in the order they were stored. Does not check the thread is complete: callers do. */
export function listAttachments(db: Db, threadId: string): StoredAttachment[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM attachments WHERE thread_id = ? ORDER BY rowid`).all(threadId) as AttachmentRow[]).map(toAttachment);
}

/** The bytes of one attachment of a complete thread, or null. */
export function readAttachmentContent(db: Db, id: string): { attachment: StoredAttachment; content: Buffer } | null {
  const row = db
    .prepare(
      `SELECT a.id, a.thread_id, a.message_id, a.original_name, a.generated_name, a.byte_length, a.sha256, a.content
       FROM attachments AS a JOIN threads AS t ON t.id = a.thread_id
       WHERE a.id = ? AND t.status = 'complete'`,
    )
    .get(id) as (AttachmentRow & { content: Buffer }) | undefined;
  return row ? { attachment: toAttachment(row), content: row.content } : null;
}

/** Moves a staging thread's attachments to the thread it was merged into; call inside the merge's transaction. */
export function moveAttachmentsToThread(db: Db, fromThreadId: string, targetThreadId: string): void {
  db.prepare('UPDATE attachments SET thread_id = ? WHERE thread_id = ?').run(targetThreadId, fromThreadId);
}
