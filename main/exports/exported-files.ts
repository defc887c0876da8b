import { randomUUID } from 'node:crypto';
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Role } from '../../shared/domain/roles';
import { WardscribeError } from '../errors';
import type { AuditLog } from '../audit/audit-log';
import type { AuditActor } from '../../shared/domain/audit';
import type { Db } from '../vault/sqlcipher';
import {
  findExportedFileByName,
  getExportedFile,
  insertExportedFile,
  listExportedFiles,
  markExportedFileRemoved,
  type ExportedFile,
  type ExportedFileKind,
} from '../vault/queries/exported-files';
import { ExportFileMovedError, overwriteExportFile } from '../wipe/source-file';

/** What ExportedFiles needs of the session. */
export interface ExportedFilesSession {
  vault(): { readonly db: Db };
  audit(): { readonly log: AuditLog; readonly actor: AuditActor };
}

/** Which exports each role may see listed and remove: the ones it can make. */
const KINDS_BY_ROLE: Readonly<Record<Role, readonly ExportedFileKind[]>> = {
  auditor: ['audit-trail', 'wipe-certificate'],
  admin: ['audit-trail', 'wipe-certificate'],
  clinician: ['wipe-certificate'],
  clerk: ['wipe-certificate'],
};

/**
 * The PDFs Wardscribe writes outside the vault (audit trails, wipe certificates). They are
 * plaintext on a shared PC, so each is written where the person chooses (or the app's exports
 * folder), listed in the vault with its SHA-256, shown to the roles that may make it, and can be
 * overwritten and removed from Wardscribe.
 */
export class ExportedFiles {
  readonly #session: ExportedFilesSession;
  readonly #defaultFolder: string;
  readonly #now: () => Date;

  constructor(session: ExportedFilesSession, defaultFolder: string, now: () => Date = () => new Date()) {
    this.#session = session;
    this.#defaultFolder = defaultFolder;
    this.#now = now;
  }

  /**
   * Where a new export goes: the folder the person chose — an absolute path to an existing
   * folder, itself not a symlink — or the default folder.
   */
  folderFor(chosen: string | undefined): string {
    if (chosen === undefined || chosen.trim() === '') return this.#defaultFolder;
    const folder = chosen.trim().replace(/^"(.*)"$/, '$1');
    if (!isAbsolute(folder)) throw new WardscribeError('rejected', 'Choose the folder by its full path (for example C:\\Users\\you\\Documents or /home/you/Documents).');
    let stat;
    try {
      stat = lstatSync(folder);
    } catch {
      throw new WardscribeError('rejected', 'That folder does not exist on this workstation.');
    }
    if (stat.isSymbolicLink()) throw new WardscribeError('rejected', 'That path is a shortcut (symbolic link) to a folder: choose the folder itself.');
    if (!stat.isDirectory()) throw new WardscribeError('rejected', 'That path is a file, not a folder.');
    return realpathSync(folder);
  }

  /** Lists a file just written. */
  record(kind: ExportedFileKind, folder: string, fileName: string, sha256: string): ExportedFile {
    const { actor } = this.#session.audit();
    const file = { id: randomUUID(), kind, path: join(folder, fileName), sha256, createdBy: actor.userId, createdAt: this.#now().toISOString() };
    insertExportedFile(this.#session.vault().db, file);
    return { ...file, removedAt: null };
  }

  /** The exported files a role may see, newest first. */
  list(role: Role): ExportedFile[] {
    return listExportedFiles(this.#session.vault().db, KINDS_BY_ROLE[role]);
  }

  /** Where an exported file of this name is, for checking it again (the newest listed, else the default folder). */
  pathOf(fileName: string): string {
    return findExportedFileByName(this.#session.vault().db, fileName)?.path ?? join(this.#defaultFolder, fileName);
  }

  /**
   * Overwrites and removes an exported file through one descriptor (as the wipe does the chat
   * export): only if it is still exactly the file written. A file changed since is left alone.
   */
  async remove(id: string, role: Role): Promise<'removed' | 'already-gone'> {
    const db = this.#session.vault().db;
    const file = getExportedFile(db, id);
    if (!file || file.removedAt !== null || !KINDS_BY_ROLE[role].includes(file.kind)) throw new WardscribeError('not-found', 'That exported file is not listed.');
    let outcome: Awaited<ReturnType<typeof overwriteExportFile>>;
    try {
      outcome = await overwriteExportFile(file.path, file.sha256);
    } catch (error) {
      if (!(error instanceof ExportFileMovedError)) throw error;
      // Its folder moved or was swapped meanwhile: said as it is (ExportFileMovedError's words),
      // audited, and kept listed, since what became of the file cannot be told from here.
      const { log, actor } = this.#session.audit();
      log.record({ action: 'export-removed', actor, outcome: { status: 'refused', reason: 'folder-moved' }, hashes: { exportSha256: file.sha256 } });
      throw error;
    }
    if (outcome === 'replaced-by-link') {
      // Left alone, and audited: a link swapped in at the name (or a folder on its path) may lead
      // to a decoy while the PDF itself stays on disk, so the listing keeps it.
      const { log, actor } = this.#session.audit();
      log.record({ action: 'export-removed', actor, outcome: { status: 'refused', reason: 'replaced-by-link' }, hashes: { exportSha256: file.sha256 } });
      throw new WardscribeError(
        'rejected',
        'That file, or a folder on its path, has been replaced by a shortcut (symbolic link) since Wardscribe wrote it, so nothing was touched and the PDF may still be on this computer. Find it and delete it yourself.',
      );
    }
    if (outcome === 'changed') {
      throw new WardscribeError('rejected', 'That file has been changed since Wardscribe wrote it, so it was left alone. Delete it yourself if it should go.');
    }
    // Asked for again after the await: a lock meanwhile closes the vault and this throws.
    const { log, actor } = this.#session.audit();
    markExportedFileRemoved(this.#session.vault().db, id, this.#now().toISOString());
    log.record({ action: 'export-removed', actor, outcome: { status: 'success', reason: outcome === 'overwritten' ? 'overwritten' : 'already-gone' }, hashes: { exportSha256: file.sha256 } });
    return outcome === 'overwritten' ? 'removed' : 'already-gone';
  }
}
