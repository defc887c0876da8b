import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, lstatSync, realpathSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
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
  moveExportedFile,
  type ExportedFile,
  type ExportedFileKind,
} from '../vault/queries/exported-files';
import { ExportFileMovedError, overwriteExportFile } from '../wipe/source-file';
import { getUserById } from '../vault/queries/users';

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
    const db = this.#session.vault().db;
    return listExportedFiles(db, KINDS_BY_ROLE[role]).filter((file) => this.#visibleTo(db, file, role));
  }

  /**
   * An auditor's view of a wipe certificate withholds the file name, the reason and whole NHS
   * numbers, so a certificate someone else exported in full is not theirs to see or remove (a
   * second cold trial: an auditor deleted a clinician's full copy). Auditors' own exports are.
   */
  #visibleTo(db: Db, file: ExportedFile, role: Role): boolean {
    if (role !== 'auditor' || file.kind !== 'wipe-certificate') return true;
    return getUserById(db, file.createdBy)?.role === 'auditor';
  }

  /** Where an exported file of this name is, for checking it again (the newest listed, else the default folder). */
  pathOf(fileName: string): string {
    return findExportedFileByName(this.#session.vault().db, fileName)?.path ?? join(this.#defaultFolder, fileName);
  }

  /**
   * Overwrites and removes an exported file through one descriptor (as the wipe does the chat
   * export): only if it is still exactly the file written. Anything else is said in words and
   * nothing is touched: a different file at that path is not Wardscribe's to delete; the PDF
   * itself, if it was renamed in its folder, is found by its SHA-256 and listed where it is now;
   * a PDF that cannot be found is no longer listed. The listing may change with a refusal, so a
   * screen lists again after any answer.
   */
  async remove(id: string, role: Role): Promise<'removed'> {
    const db = this.#session.vault().db;
    const file = getExportedFile(db, id);
    if (!file || file.removedAt !== null || !KINDS_BY_ROLE[role].includes(file.kind) || !this.#visibleTo(db, file, role)) throw new WardscribeError('not-found', 'That exported file is not listed.');
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
    if (outcome === 'overwritten') {
      // Asked for again after the await: a lock meanwhile closes the vault and this throws.
      const { log, actor } = this.#session.audit();
      markExportedFileRemoved(this.#session.vault().db, id, this.#now().toISOString());
      log.record({ action: 'export-removed', actor, outcome: { status: 'success', reason: 'overwritten' }, hashes: { exportSha256: file.sha256 } });
      return 'removed';
    }
    return this.#notThere(file, outcome);
  }

  /**
   * The PDF is not at its path (`not-found`), or the path holds a different file (`changed`: other
   * bytes; or not a file at all). Says which, and where the PDF went if it is in the same folder
   * under another name. Nothing is overwritten either way.
   */
  async #notThere(file: ExportedFile, outcome: 'changed' | 'not-found'): Promise<never> {
    const folder = dirname(file.path);
    const name = basename(file.path);
    // A folder, say, where the PDF was is "something else", not "gone".
    const replaced = outcome === 'changed' || (await lstat(file.path).catch(() => null)) !== null;
    const renamed = await findByContent(folder, file.sha256, name, Date.parse(file.createdAt));
    const { log, actor } = this.#session.audit();
    const db = this.#session.vault().db;
    const here = replaced
      ? `The file now at ${file.path} is not the PDF Wardscribe saved there: it has been replaced by a different file (or changed since), which is not Wardscribe’s to delete, so nothing was touched.`
      : `The PDF ${name} is no longer in ${folder}, so nothing was touched.`;
    if (renamed !== null) {
      moveExportedFile(db, file.id, renamed);
      log.record({ action: 'export-removed', actor, outcome: { status: 'refused', reason: replaced ? 'replaced-and-renamed' : 'renamed' }, hashes: { exportSha256: file.sha256 } });
      throw new WardscribeError(
        'rejected',
        `${here} The PDF Wardscribe saved is now ${basename(renamed)} in the same folder: it is listed there now, so remove it again to overwrite and remove it there.`,
      );
    }
    if (replaced) {
      // Kept listed: what is at the path may be the PDF edited in place, which only the person can tell.
      log.record({ action: 'export-removed', actor, outcome: { status: 'refused', reason: 'replaced' }, hashes: { exportSha256: file.sha256 } });
      throw new WardscribeError(
        'rejected',
        `${here} The PDF Wardscribe saved could not be found in that folder under another name. If the file there should go, delete it yourself; removing it here afterwards takes it off this list.`,
      );
    }
    markExportedFileRemoved(db, file.id, this.#now().toISOString());
    log.record({ action: 'export-removed', actor, outcome: { status: 'failure', reason: 'not-found-unlisted' }, hashes: { exportSha256: file.sha256 } });
    throw new WardscribeError(
      'not-found',
      `${here} Wardscribe could not find it in that folder under another name: it may have been moved to another folder, or deleted without being overwritten (check the Recycle Bin or Trash). It is no longer listed here.`,
    );
  }
}

/** Bounds on looking for a renamed PDF: files read, the size of each, and bytes read in all. */
const MAX_CANDIDATES = 500;
const MAX_CANDIDATE_BYTES = 256 * 1024 * 1024;
const MAX_BYTES_READ = 1024 * 1024 * 1024;

/**
 * A PDF in `folder`, other than `except`, whose bytes hash to `sha256`: the exported file renamed
 * where it was. Regular files only (never through a link), named `.pdf` (a rename in Explorer
 * keeps the extension), those last written nearest the export's time first, within the bounds
 * above; null if none.
 */
async function findByContent(folder: string, sha256: string, except: string, writtenAt: number): Promise<string | null> {
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isFile() && entry.name !== except && /\.pdf$/i.test(entry.name)).map((entry) => entry.name);
  } catch {
    return null;
  }
  const candidates: { path: string; distance: number; size: number }[] = [];
  for (const name of names) {
    const stat = await lstat(join(folder, name)).catch(() => null);
    if (stat?.isFile() && stat.size <= MAX_CANDIDATE_BYTES) candidates.push({ path: join(folder, name), distance: Math.abs(stat.mtimeMs - writtenAt), size: stat.size });
  }
  candidates.sort((a, b) => a.distance - b.distance);
  let budget = MAX_BYTES_READ;
  for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
    if ((budget -= candidate.size) < 0) break;
    if ((await sha256Of(candidate.path)) === sha256) return candidate.path;
  }
  return null;
}

async function sha256Of(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return null;
  }
  return hash.digest('hex');
}
