import type { Db } from '../sqlcipher';

/**
 * `attachment_thumbnails` (migration 0014): what each attachment's bytes are and, for images, a
 * small preview made once. Rows belong to an attachment and go with it (ON DELETE CASCADE); a
 * row whose `source_sha256` is not its attachment's is treated as absent, never shown.
 */

/** An attachment with what its bytes were found to be (null fields until they are looked at). */
export interface AttachmentMediaRow {
  readonly id: string;
  readonly threadId: string;
  readonly messageId: number | null;
  readonly originalName: string;
  readonly byteLength: number;
  readonly sha256: string;
  /** Null until the bytes have been looked at (or when the row describes other bytes). */
  readonly mediaType: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly thumbnail: { readonly mediaType: string; readonly width: number; readonly height: number } | null;
}

interface Row {
  id: string;
  thread_id: string;
  message_id: number | null;
  original_name: string;
  byte_length: number;
  sha256: string;
  media_type: string | null;
  width: number | null;
  height: number | null;
  thumbnail_type: string | null;
  thumbnail_width: number | null;
  thumbnail_height: number | null;
}

const SELECT = `SELECT a.id, a.thread_id, a.message_id, a.original_name, a.byte_length, a.sha256,
    p.media_type, p.width, p.height, p.thumbnail_type, p.thumbnail_width, p.thumbnail_height
  FROM attachments AS a
  LEFT JOIN attachment_thumbnails AS p ON p.attachment_id = a.id AND p.source_sha256 = a.sha256`;

function toRow(row: Row): AttachmentMediaRow {
  return {
    id: row.id,
    threadId: row.thread_id,
    messageId: row.message_id,
    originalName: row.original_name,
    byteLength: row.byte_length,
    sha256: row.sha256,
    mediaType: row.media_type,
    width: row.width,
    height: row.height,
    thumbnail:
      row.thumbnail_type !== null && row.thumbnail_width !== null && row.thumbnail_height !== null
        ? { mediaType: row.thumbnail_type, width: row.thumbnail_width, height: row.thumbnail_height }
        : null,
  };
}

/** A thread's attachments in the order they were stored, with what is known of their bytes. Callers check the thread is complete. */
export function listAttachmentMedia(db: Db, threadId: string): AttachmentMediaRow[] {
  return (db.prepare(`${SELECT} WHERE a.thread_id = ? ORDER BY a.rowid`).all(threadId) as Row[]).map(toRow);
}

/** One attachment of a complete thread with what is known of its bytes, or null. */
export function getAttachmentMedia(db: Db, attachmentId: string): AttachmentMediaRow | null {
  const row = db.prepare(`${SELECT} JOIN threads AS t ON t.id = a.thread_id WHERE a.id = ? AND t.status = 'complete'`).get(attachmentId) as Row | undefined;
  return row ? toRow(row) : null;
}

/** The first `bytes` bytes of an attachment, for finding out what it is. */
export function readAttachmentHead(db: Db, attachmentId: string, bytes: number): Buffer | null {
  const row = db.prepare('SELECT substr(content, 1, ?) AS head FROM attachments WHERE id = ?').get(bytes, attachmentId) as { head: Buffer } | undefined;
  return row ? row.head : null;
}

/**
 * Records what an attachment's bytes are. A row describing other bytes (none should, since an
 * attachment's content never changes) is replaced, and its thumbnail with it.
 */
export function recordAttachmentMedia(
  db: Db,
  entry: { attachmentId: string; sourceSha256: string; mediaType: string; width: number | null; height: number | null; checkedAt: string },
): void {
  db.prepare(
    `INSERT INTO attachment_thumbnails (attachment_id, source_sha256, media_type, width, height, checked_at)
     VALUES (@attachmentId, @sourceSha256, @mediaType, @width, @height, @checkedAt)
     ON CONFLICT (attachment_id) DO UPDATE SET source_sha256 = excluded.source_sha256, media_type = excluded.media_type,
       width = excluded.width, height = excluded.height, checked_at = excluded.checked_at,
       thumbnail_type = NULL, thumbnail_width = NULL, thumbnail_height = NULL, thumbnail = NULL, thumbnail_made_at = NULL
     WHERE attachment_thumbnails.source_sha256 <> excluded.source_sha256`,
  ).run(entry);
}

/**
 * Stores an attachment's thumbnail unless it has one: made once, the first kept. False when
 * nothing was stored (a thumbnail already there, or no row for those bytes).
 */
export function storeThumbnail(
  db: Db,
  entry: { attachmentId: string; sourceSha256: string; mediaType: string; width: number; height: number; content: Buffer; madeAt: string },
): boolean {
  return (
    db
      .prepare(
        `UPDATE attachment_thumbnails
         SET thumbnail_type = @mediaType, thumbnail_width = @width, thumbnail_height = @height, thumbnail = @content, thumbnail_made_at = @madeAt
         WHERE attachment_id = @attachmentId AND source_sha256 = @sourceSha256 AND thumbnail IS NULL`,
      )
      .run(entry).changes === 1
  );
}

/** An attachment's thumbnail, if it has one and its thread is complete. */
export function readThumbnail(db: Db, attachmentId: string): { threadId: string; mediaType: string; width: number; height: number; content: Buffer } | null {
  const row = db
    .prepare(
      `SELECT a.thread_id, p.thumbnail_type, p.thumbnail_width, p.thumbnail_height, p.thumbnail
       FROM attachment_thumbnails AS p JOIN attachments AS a ON a.id = p.attachment_id AND a.sha256 = p.source_sha256
       JOIN threads AS t ON t.id = a.thread_id
       WHERE p.attachment_id = ? AND t.status = 'complete' AND p.thumbnail IS NOT NULL`,
    )
    .get(attachmentId) as { thread_id: string; thumbnail_type: string; thumbnail_width: number; thumbnail_height: number; thumbnail: Buffer } | undefined;
  return row ? { threadId: row.thread_id, mediaType: row.thumbnail_type, width: row.thumbnail_width, height: row.thumbnail_height, content: row.thumbnail } : null;
}

/**
 * Slices from the middle of a thread's thumbnails, for the wipe verifier to search for once they
 * are gone, skipping any thumbnail another thread also holds (the same picture in two chats).
 */
export function thumbnailSlices(db: Db, threadId: string, limit: number, sliceBytes: number): Buffer[] {
  return (
    db
      .prepare(
        `SELECT substr(p.thumbnail, length(p.thumbnail) / 2, @slice) AS slice FROM attachment_thumbnails AS p JOIN attachments AS a ON a.id = p.attachment_id
         WHERE a.thread_id = @threadId AND length(p.thumbnail) >= @minimum
           AND NOT EXISTS (SELECT 1 FROM attachments AS b JOIN attachment_thumbnails AS q ON q.attachment_id = b.id
                           WHERE b.thread_id <> a.thread_id AND q.thumbnail = p.thumbnail)
         ORDER BY p.attachment_id LIMIT @limit`,
      )
      .all({ threadId, slice: sliceBytes, minimum: sliceBytes * 8, limit }) as { slice: Buffer }[]
  ).map((row) => row.slice);
}

/** Removes a thread's rows; call inside the wipe's transaction, before the thread's attachments go. */
export function deleteThreadThumbnails(db: Db, threadId: string): number {
  return db.prepare('DELETE FROM attachment_thumbnails WHERE attachment_id IN (SELECT id FROM attachments WHERE thread_id = ?)').run(threadId).changes;
}
