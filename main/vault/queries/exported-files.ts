import type { Db } from '../sqlcipher';

export type ExportedFileKind = 'audit-trail' | 'wipe-certificate';

interface ExportedFileRow {
  id: string;
  kind: ExportedFileKind;
  path: string;
  sha256: string;
  created_by: string;
  created_at: string;
  removed_at: string | null;
}

/** A file Wardscribe wrote outside the vault (migration 0010). */
export interface ExportedFile {
  readonly id: string;
  readonly kind: ExportedFileKind;
  readonly path: string;
  readonly sha256: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly removedAt: string | null;
}

const COLUMNS = 'id, kind, path, sha256, created_by, created_at, removed_at';

function toExportedFile(row: ExportedFileRow): ExportedFile {
  return { id: row.id, kind: row.kind, path: row.path, sha256: row.sha256, createdBy: row.created_by, createdAt: row.created_at, removedAt: row.removed_at };
}

export function insertExportedFile(db: Db, file: Omit<ExportedFile, 'removedAt'>): void {
  db.prepare(`INSERT INTO exported_files (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)`).run(file.id, file.kind, file.path, file.sha256, file.createdBy, file.createdAt);
}

/** Files still on disk as far as the vault knows, newest first, of the given kinds. */
export function listExportedFiles(db: Db, kinds: readonly ExportedFileKind[]): ExportedFile[] {
  if (kinds.length === 0) return [];
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM exported_files WHERE removed_at IS NULL AND kind IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC, id`)
    .all(JSON.stringify(kinds)) as ExportedFileRow[];
  return rows.map(toExportedFile);
}

export function getExportedFile(db: Db, id: string): ExportedFile | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM exported_files WHERE id = ?`).get(id) as ExportedFileRow | undefined;
  return row ? toExportedFile(row) : undefined;
}

/** The newest file still listed whose name ends in `/fileName` (or `\fileName`). */
export function findExportedFileByName(db: Db, fileName: string): ExportedFile | undefined {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM exported_files WHERE removed_at IS NULL ORDER BY created_at DESC, id`).all() as ExportedFileRow[];
  const row = rows.find((candidate) => candidate.path.endsWith(`/${fileName}`) || candidate.path.endsWith(`\\${fileName}`));
  return row ? toExportedFile(row) : undefined;
}

export function markExportedFileRemoved(db: Db, id: string, at: string): void {
  db.prepare('UPDATE exported_files SET removed_at = ? WHERE id = ? AND removed_at IS NULL').run(at, id);
}

/** The listed file is at `path` now (found there by its SHA-256 after a rename). */
export function moveExportedFile(db: Db, id: string, path: string): void {
  db.prepare('UPDATE exported_files SET path = ? WHERE id = ? AND removed_at IS NULL').run(path, id);
}
