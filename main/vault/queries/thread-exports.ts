import type { Db } from '../sqlcipher';

/** An export merged into a thread after its first import (migration 0008). */
export interface ThreadExport {
  readonly threadId: string;
  readonly importedAt: string;
  readonly importedBy: string;
  readonly sourceFileName: string;
  readonly sourceSha256: string;
  readonly added: number;
  readonly alreadyHere: number;
  readonly wipedSkipped: number;
}

interface ThreadExportRow {
  thread_id: string;
  imported_at: string;
  imported_by: string;
  source_file_name: string;
  source_sha256: string;
  added: number;
  already_here: number;
  wiped_skipped: number;
}

const COLUMNS = 'thread_id, imported_at, imported_by, source_file_name, source_sha256, added, already_here, wiped_skipped';

function toExport(row: ThreadExportRow): ThreadExport {
  return {
    threadId: row.thread_id,
    importedAt: row.imported_at,
    importedBy: row.imported_by,
    sourceFileName: row.source_file_name,
    sourceSha256: row.source_sha256,
    added: row.added,
    alreadyHere: row.already_here,
    wipedSkipped: row.wiped_skipped,
  };
}

export function insertThreadExport(db: Db, merged: ThreadExport): void {
  db.prepare(
    `INSERT INTO thread_exports (${COLUMNS}) VALUES (@threadId, @importedAt, @importedBy, @sourceFileName, @sourceSha256, @added, @alreadyHere, @wipedSkipped)`,
  ).run(merged);
}

/** The exports merged into a thread, oldest first. */
export function listThreadExports(db: Db, threadId: string): ThreadExport[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM thread_exports WHERE thread_id = ? ORDER BY imported_at`).all(threadId) as ThreadExportRow[]).map(toExport);
}

/** True when some export was merged into the thread (its messages may then be placed between others). */
export function threadHasMergedExports(db: Db, threadId: string): boolean {
  return db.prepare('SELECT 1 FROM thread_exports WHERE thread_id = ? LIMIT 1').get(threadId) !== undefined;
}

/** The complete thread an export with exactly these bytes was merged into, if any. */
export function findThreadByMergedSha256(db: Db, sha256: string): string | null {
  const row = db
    .prepare("SELECT e.thread_id FROM thread_exports AS e JOIN threads AS t ON t.id = e.thread_id WHERE e.source_sha256 = ? AND t.status = 'complete' LIMIT 1")
    .get(sha256) as { thread_id: string } | undefined;
  return row?.thread_id ?? null;
}
