import type { Db } from '../sqlcipher';

/**
 * What the wipe verifier searches for after a thread is gone (main/wipe/): the thread's canary
 * and samples of its messages and attachments. Reads `threads`, `messages` and `attachments`
 * for one thread, before it is deleted.
 */

/** The canary planted in the thread at import (`wscanary` + 32 hex digits). */
export function threadCanary(db: Db, threadId: string): string | null {
  const row = db.prepare('SELECT canary FROM threads WHERE id = ?').get(threadId) as { canary: string | null } | undefined;
  return row?.canary ?? null;
}

/** The longest message texts of the thread (the most distinctive), longest first. */
export function longestMessageTexts(db: Db, threadId: string, limit: number): string[] {
  return (
    db
      .prepare(
        `SELECT m.text FROM messages AS m JOIN threads AS t ON t.seq = m.thread_seq
         WHERE t.id = ? AND m.kind = 'message' AND length(m.text) >= 24 ORDER BY length(m.text) DESC, m.id LIMIT ?`,
      )
      .all(threadId, limit) as { text: string }[]
  ).map((row) => row.text);
}

/**
 * True if a complete thread other than `threadId` holds `sample` in a message: such a sample
 * would still be found after the wipe (the same chat exported twice), so it proves nothing.
 * The FTS phrase narrows the search; instr() confirms the exact bytes.
 */
export function otherThreadHasText(db: Db, threadId: string, ftsPhrase: string, sample: string): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM messages_fts JOIN messages AS m ON m.id = messages_fts.rowid JOIN threads AS t ON t.seq = m.thread_seq
         WHERE messages_fts MATCH @phrase AND t.id <> @threadId AND instr(m.text, @sample) > 0 LIMIT 1`,
      )
      .get({ phrase: ftsPhrase, threadId, sample }) !== undefined
  );
}

/**
 * Slices from the middle of the thread's larger attachments, skipping any file another thread
 * also holds (the same picture forwarded to two chats).
 */
export function attachmentSlices(db: Db, threadId: string, limit: number, sliceBytes: number): Buffer[] {
  return (
    db
      .prepare(
        `SELECT substr(a.content, a.byte_length / 2, @slice) AS slice FROM attachments a
         WHERE a.thread_id = @threadId AND a.byte_length >= @minimum
           AND NOT EXISTS (SELECT 1 FROM attachments b WHERE b.sha256 = a.sha256 AND b.thread_id <> a.thread_id)
         ORDER BY a.byte_length DESC, a.id LIMIT @limit`,
      )
      .all({ threadId, slice: sliceBytes, minimum: sliceBytes * 8, limit }) as { slice: Buffer }[]
  ).map((row) => row.slice);
}

/** Counts for the certificate. Images are told by their first bytes (JPEG, PNG, WebP, GIF, HEIC/AVIF), not their names. */
export function threadContentCounts(db: Db, threadId: string): { messages: number; attachments: number; images: number; drafts: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM messages WHERE thread_seq = (SELECT seq FROM threads WHERE id = @threadId)) AS messages,
              (SELECT count(*) FROM attachments WHERE thread_id = @threadId) AS attachments,
              (SELECT count(*) FROM attachments WHERE thread_id = @threadId AND (
                 substr(content, 1, 3) = X'FFD8FF' OR substr(content, 1, 8) = X'89504E470D0A1A0A' OR substr(content, 1, 4) = X'47494638'
                 OR (substr(content, 1, 4) = X'52494646' AND substr(content, 9, 4) = X'57454250')
                 OR (substr(content, 5, 4) = X'66747970' AND substr(content, 9, 4) IN (X'68656963', X'68656978', X'6D696631', X'61766966'))
               )) AS images,
              (SELECT count(*) FROM transcription_drafts WHERE thread_id = @threadId) AS drafts`,
    )
    .get({ threadId }) as { messages: number; attachments: number; images: number; drafts: number };
}

/**
 * Rows of the thread still in the vault: 0 after a wipe. Messages are counted as those with no
 * thread at all: once the thread row is gone its messages can no longer be named by it, and a
 * thread's number is never given to another (AUTOINCREMENT), so any such message is a remnant. Thumbnails (#19) likewise: any whose attachment is gone.
 */
export function threadRowsRemaining(db: Db, threadId: string): number {
  return (
    db
      .prepare(
        `SELECT (SELECT count(*) FROM threads WHERE id = @threadId)
              + (SELECT count(*) FROM messages AS m WHERE NOT EXISTS (SELECT 1 FROM threads AS t WHERE t.seq = m.thread_seq))
              + (SELECT count(*) FROM attachments WHERE thread_id = @threadId) + (SELECT count(*) FROM transcription_drafts WHERE thread_id = @threadId)
              + (SELECT count(*) FROM attachment_thumbnails AS p WHERE NOT EXISTS (SELECT 1 FROM attachments AS a WHERE a.id = p.attachment_id)) AS n`,
      )
      .get({ threadId }) as { n: number }
  ).n;
}
