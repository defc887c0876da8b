import type { ChatSource, DateOrder } from '../../../shared/domain/chat';
import type { Db } from '../sqlcipher';

export type ThreadStatus = 'importing' | 'complete';

/** A row of `threads` as SQLite returns it. */
interface ThreadRow {
  id: string;
  source: ChatSource | null;
  title: string | null;
  fingerprint: string | null;
  zone: string;
  date_order: DateOrder | null;
  date_order_by: 'file' | 'caller' | 'format' | null;
  status: ThreadStatus;
  imported_by: string;
  imported_at: string;
  message_count: number;
  first_instant: string | null;
  last_instant: string | null;
  source_file_name: string;
  source_sha256: string;
}

/** A thread whose import finished: what the thread list shows. */
export interface StoredThread {
  readonly id: string;
  readonly source: ChatSource;
  readonly title: string | null;
  readonly fingerprint: string;
  readonly zone: string;
  /** The date order used, and whether the file proved it, the user chose it or the format fixes it. */
  readonly dateOrder: { readonly order: DateOrder; readonly decidedBy: 'file' | 'caller' | 'format' } | null;
  readonly importedBy: string;
  readonly importedAt: string;
  readonly messageCount: number;
  readonly firstInstant: string | null;
  readonly lastInstant: string | null;
  readonly sourceFileName: string;
  readonly sourceSha256: string;
}

const COLUMNS =
  'id, source, title, fingerprint, zone, date_order, date_order_by, status, imported_by, imported_at, message_count, first_instant, last_instant, source_file_name, source_sha256';

function toThread(row: ThreadRow): StoredThread {
  if (row.status !== 'complete' || row.source === null || row.fingerprint === null) {
    throw new Error('an incomplete thread was read as complete');
  }
  return {
    id: row.id,
    source: row.source,
    title: row.title,
    fingerprint: row.fingerprint,
    zone: row.zone,
    dateOrder: row.date_order && row.date_order_by ? { order: row.date_order, decidedBy: row.date_order_by } : null,
    importedBy: row.imported_by,
    importedAt: row.imported_at,
    messageCount: row.message_count,
    firstInstant: row.first_instant,
    lastInstant: row.last_instant,
    sourceFileName: row.source_file_name,
    sourceSha256: row.source_sha256,
  };
}

/** Starts a thread's import: the row exists, but no reader sees it until completeThread(). */
export function insertImportingThread(
  db: Db,
  thread: { id: string; zone: string; importedBy: string; importedAt: Date; sourceFileName: string; sourceSha256: string; sourcePath?: string | null },
): void {
  // The canary is made by SQLite so that it never passes through a JS string we keep.
  db.prepare(
    `INSERT INTO threads (id, zone, status, imported_by, imported_at, source_file_name, source_sha256, source_path, canary)
     VALUES (@id, @zone, 'importing', @importedBy, @importedAt, @sourceFileName, @sourceSha256, @sourcePath, 'wscanary' || lower(hex(randomblob(16))))`,
  ).run({ ...thread, sourcePath: thread.sourcePath ?? null, importedAt: thread.importedAt.toISOString() });
}

/** The final step of an import: fills in what is known only at the end and makes the thread visible. */
export function completeThread(
  db: Db,
  id: string,
  fields: {
    source: ChatSource;
    title: string | null;
    fingerprint: string;
    dateOrder: StoredThread['dateOrder'];
    messageCount: number;
    firstInstant: string | null;
    lastInstant: string | null;
  },
): boolean {
  return (
    db
      .prepare(
        `UPDATE threads SET status = 'complete', source = @source, title = @title, fingerprint = @fingerprint, date_order = @dateOrder,
           date_order_by = @decidedBy, message_count = @messageCount, first_instant = @firstInstant, last_instant = @lastInstant
         WHERE id = @id AND status = 'importing'`,
      )
      .run({
        id,
        source: fields.source,
        title: fields.title,
        fingerprint: fields.fingerprint,
        dateOrder: fields.dateOrder?.order ?? null,
        decidedBy: fields.dateOrder?.decidedBy ?? null,
        messageCount: fields.messageCount,
        firstInstant: fields.firstInstant,
        lastInstant: fields.lastInstant,
      }).changes === 1
  );
}

export function getCompleteThread(db: Db, id: string): StoredThread | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM threads WHERE id = ? AND status = 'complete'`).get(id) as ThreadRow | undefined;
  return row ? toThread(row) : null;
}

export function findCompleteThreadByFingerprint(db: Db, fingerprint: string): StoredThread | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM threads WHERE fingerprint = ? AND status = 'complete'`).get(fingerprint) as ThreadRow | undefined;
  return row ? toThread(row) : null;
}

/** A complete thread imported from a file with exactly these bytes (the cheap duplicate check). */
export function findCompleteThreadBySourceSha256(db: Db, sha256: string): StoredThread | null {
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM threads WHERE source_sha256 = ? AND status = 'complete' ORDER BY imported_at LIMIT 1`)
    .get(sha256) as ThreadRow | undefined;
  return row ? toThread(row) : null;
}

/** Every complete thread, newest import first. */
export function listCompleteThreads(db: Db): StoredThread[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM threads WHERE status = 'complete' ORDER BY imported_at DESC, id`).all() as ThreadRow[]).map(toThread);
}

/** The absolute path the thread's export was imported from, if it was recorded. */
export function threadSourcePath(db: Db, id: string): string | null {
  const row = db.prepare('SELECT source_path FROM threads WHERE id = ?').get(id) as { source_path: string | null } | undefined;
  return row?.source_path ?? null;
}

/** Ids of threads whose import never finished. */
export function listImportingThreadIds(db: Db): string[] {
  return (db.prepare("SELECT id FROM threads WHERE status = 'importing' ORDER BY imported_at").all() as { id: string }[]).map((row) => row.id);
}

export function threadStatus(db: Db, id: string): ThreadStatus | null {
  const row = db.prepare('SELECT status FROM threads WHERE id = ?').get(id) as { status: ThreadStatus } | undefined;
  return row?.status ?? null;
}

/** Gives a complete thread a new title; false when there is no such thread. */
export function renameThread(db: Db, id: string, title: string): boolean {
  return db.prepare("UPDATE threads SET title = ? WHERE id = ? AND status = 'complete'").run(title, id).changes === 1;
}

/** Deletes a thread; its participants, messages, index entries and attachments go with it. */
export function deleteThread(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM threads WHERE id = ?').run(id).changes === 1;
}

/**
 * Deletes a thread for a secure wipe; call inside the wipe's transaction. FTS5's secure-delete
 * rewrites index pages row by row, about 30 times slower for a whole thread, so instead the rows
 * are deleted with ordinary tombstones and the index is then optimized: merged into a single
 * b-tree of live entries only, so no term of the thread stays on an index page. (The old pages
 * are freed, zeroed by secure_delete, and the key rotation that follows copies no free page.)
 */
export function deleteThreadForWipe(db: Db, id: string): boolean {
  db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 0)").run();
  const deleted = deleteThread(db, id);
  db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1)").run();
  db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')").run();
  return deleted;
}

/** A merge's last step: the thread's count and time range now that a later export's new messages are in it. */
export function recordThreadMerge(db: Db, id: string, fields: { messageCount: number; firstInstant: string | null; lastInstant: string | null }): boolean {
  return (
    db
      .prepare("UPDATE threads SET message_count = @messageCount, first_instant = @firstInstant, last_instant = @lastInstant WHERE id = @id AND status = 'complete'")
      .run({ id, ...fields }).changes === 1
  );
}
