/**
 * Overwriting the export file a thread was imported from, when the user asks for it.
 *
 * Best effort, and said so: on SSDs and journaling or copy-on-write file systems an overwrite
 * may land on new blocks and leave the old ones readable to forensic tools. The vault's key
 * rotation is the strong erase; this removes the obvious copy from the user's folder.
 *
 * Only the file Wardscribe imported is touched: its SHA-256 must match the one recorded at
 * import. A file changed since, or a different file now at that path, is left alone.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, open, readlink, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { fsyncDirectory } from '../durable-fs';
import { WardscribeError } from '../errors';

export type SourceFileCheck = 'matches' | 'not-found' | 'changed';

/** Whether the file at `path` is still exactly the export that was imported. */
export async function checkSourceFile(path: string, expectedSha256: string): Promise<SourceFileCheck> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return 'not-found';
    throw error;
  }
  return hash.digest('hex') === expectedSha256 ? 'matches' : 'changed';
}

const CHUNK_BYTES = 1 << 20;

/**
 * `replaced-by-link`: the file's name, or a folder on its path, is now a symbolic link (or a
 * junction). Nothing is followed or touched: the plaintext may still be where the link points, or
 * at the original name after a folder was swapped for a link to a decoy copy, so it is not "gone".
 */
export type OverwriteOutcome = 'overwritten' | 'not-found' | 'changed' | 'replaced-by-link';

/**
 * True when any folder on the path, or the name itself, is a symbolic link now. Strict on purpose:
 * a wipe that overwrote a decoy reached through a swapped folder would certify a file gone that is
 * still on disk. A path recorded through a folder that was always a link (rare for an export
 * downloaded into the user's own folders) is refused too, and the certificate says so.
 */
async function linkOnPath(path: string): Promise<boolean> {
  const absolute = resolve(path);
  const { root } = parse(absolute);
  let prefix = root;
  for (const part of absolute.slice(root.length).split(sep).filter((piece) => piece !== '')) {
    prefix = join(prefix, part);
    const stat = await lstat(prefix).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (stat === null) return false;
    if (stat.isSymbolicLink()) return true;
  }
  return false;
}

/**
 * A folder on the path was moved or swapped for a link before anything was written, so whether
 * the file is still on disk cannot be told by its name: said in words, never a bare ENOENT.
 */
export class ExportFileMovedError extends WardscribeError {
  constructor() {
    super(
      'rejected',
      'A folder on that file’s path was moved or swapped for a link while Wardscribe was working on it, so nothing was touched and the file may still be on this computer. Check the folder, then try again or delete the file yourself.',
    );
  }
}

/**
 * The opened file, and how its name is reached for the unlink: on Linux through a descriptor on
 * the folder that the kernel says is the folder named (`/proc/self/fd/<n>/<name>` is looked up
 * in that folder, as openat and unlinkat would), so swapping folders on the path can neither lead
 * the open to a decoy nor the unlink to another file; elsewhere by the path, checked around each step.
 */
interface Opened {
  readonly handle: FileHandle;
  readonly folder: FileHandle | null;
  /** The name as the open and the unlink use it. */
  readonly name: string;
}

type OpenResult = Opened | { readonly outcome: 'not-found' | 'replaced-by-link' };

const notFoundCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const codeOf = (error: unknown) => (error as { code?: string }).code;

/**
 * The export file opened once, without following a symlink at its name (O_NOFOLLOW), and only if
 * it is a regular file. Linux: in a folder held by a descriptor whose kernel path is the folder
 * expected, so the file opened is in that folder whatever is swapped on the path; where there is
 * no /proc, the chain is checked before and after the open and the name must still be the file
 * the descriptor holds (best effort: Node has no openat).
 */
async function openExportFile(path: string): Promise<OpenResult> {
  if (await linkOnPath(path)) return { outcome: 'replaced-by-link' };
  const folder = await openFolder(dirname(resolve(path)));
  if (folder === 'moved') {
    if (await linkOnPath(path)) return { outcome: 'replaced-by-link' };
    throw new ExportFileMovedError();
  }
  const name = folder ? `/proc/self/fd/${folder.fd}/${basename(path)}` : path;
  const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW;
  let handle: FileHandle;
  try {
    if (noFollow !== undefined) handle = await open(name, constants.O_RDWR | noFollow);
    else {
      const named = await lstat(name);
      if (named.isSymbolicLink()) return { outcome: 'replaced-by-link' };
      if (!named.isFile()) return { outcome: 'not-found' };
      handle = await open(name, 'r+');
    }
  } catch (error) {
    await folder?.close();
    const code = codeOf(error);
    // ELOOP (EMLINK on some BSDs): the name is a symlink, which O_NOFOLLOW refuses. Never followed.
    if (code === 'ELOOP' || code === 'EMLINK') return { outcome: 'replaced-by-link' };
    if (code !== undefined && notFoundCodes.has(code)) {
      // Looked up in the folder itself (Linux): it is not there. By path, a folder swapped away
      // for a moment looks the same, so a link or a moved folder is not taken for "not found".
      if (folder) return { outcome: 'not-found' };
      if (await linkOnPath(path)) return { outcome: 'replaced-by-link' };
      if (!(await isFolder(dirname(resolve(path))))) throw new ExportFileMovedError();
      return { outcome: 'not-found' };
    }
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) {
      await closeAll(handle, folder);
      return { outcome: 'not-found' };
    }
    if (!folder && !(await stillNamesFile(path, opened))) {
      await closeAll(handle, folder);
      return { outcome: 'replaced-by-link' };
    }
    return { handle, folder, name };
  } catch (error) {
    await closeAll(handle, folder);
    throw error;
  }
}

/**
 * A descriptor on `expected` if the kernel says it is that folder (Linux), null where that cannot
 * be asked (no /proc: Windows, macOS), `moved` when the folder is not (or not only) at that path.
 */
async function openFolder(expected: string): Promise<FileHandle | null | 'moved'> {
  if (process.platform !== 'linux') return null;
  let folder: FileHandle;
  try {
    folder = await open(expected, constants.O_RDONLY | ((constants as { O_DIRECTORY?: number }).O_DIRECTORY ?? 0));
  } catch (error) {
    const code = codeOf(error);
    if (code !== undefined && notFoundCodes.has(code)) return 'moved';
    throw error;
  }
  let actual: string;
  try {
    actual = await readlink(`/proc/self/fd/${folder.fd}`);
  } catch {
    // No /proc mounted: the path checks have to do.
    await folder.close();
    return null;
  }
  // Reached through a link, or moved since: the kernel names where the folder really is.
  if (actual !== expected) {
    await folder.close();
    return 'moved';
  }
  return folder;
}

async function isFolder(path: string): Promise<boolean> {
  const stat = await lstat(path).catch(() => null);
  return stat !== null && stat.isDirectory();
}

async function closeAll(handle: FileHandle, folder: FileHandle | null): Promise<void> {
  try {
    await handle.close();
  } finally {
    await folder?.close();
  }
}

/** The name reaches `identity` through real folders only (no link on the path), and is not itself a link. */
async function stillNamesFile(path: string, identity: { ino: number; dev: number }): Promise<boolean> {
  if (await linkOnPath(path)) return false;
  const named = await lstat(path).catch(() => null);
  return named !== null && !named.isSymbolicLink() && named.ino === identity.ino && named.dev === identity.dev;
}

/**
 * Overwrites the export file through one descriptor: the file is opened once without following
 * symlinks, its SHA-256 checked on that descriptor (so a file swapped in after the check cannot be
 * the one written), `beforeFirstWrite` called, then every byte zeroed, flushed, truncated and
 * flushed, and the name unlinked only while it still names that same file, the descriptor still
 * open (Windows then refuses to rename a folder above it). `overwritten` means the file opened
 * is the one at that name in its real folder and holds nothing now; its name is gone too unless
 * it was moved meanwhile (then an empty file is left under the name it was given). A folder
 * moved or swapped before the open is an ExportFileMovedError. `expectedSha256` null skips the
 * check: resuming an overwrite a crash interrupted, when part of it is zeros.
 */
export async function overwriteExportFile(
  path: string,
  expectedSha256: string | null,
  beforeFirstWrite: () => void = () => {},
): Promise<OverwriteOutcome> {
  const opened = await openExportFile(path);
  if ('outcome' in opened) return opened.outcome;
  const { handle, folder, name } = opened;
  try {
    const stat = await handle.stat();
    const identity = { ino: stat.ino, dev: stat.dev };
    const buffer = Buffer.alloc(CHUNK_BYTES);
    if (expectedSha256 !== null) {
      const hash = createHash('sha256');
      for (let position = 0; ; ) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
      if (hash.digest('hex') !== expectedSha256) return 'changed';
    }
    beforeFirstWrite();
    buffer.fill(0);
    const size = (await handle.stat()).size;
    for (let written = 0; written < size; ) {
      const { bytesWritten } = await handle.write(buffer, 0, Math.min(buffer.length, size - written), written);
      written += bytesWritten;
    }
    await handle.sync();
    await handle.truncate(0);
    await handle.sync();
    await removeName(folder, folder ? name : path, identity);
    return 'overwritten';
  } finally {
    await closeAll(handle, folder);
  }
}

/**
 * Unlinks the zeroed file's name, only while it names that file (looked up in the folder held on
 * Linux, by the path checked for links elsewhere). A name that went elsewhere meanwhile, or a
 * folder swapped away, is left alone: the file itself already holds nothing.
 */
async function removeName(folder: FileHandle | null, name: string, identity: { ino: number; dev: number }): Promise<void> {
  const named = folder ? await lstat(name).catch(() => null) : null;
  const ours = folder ? named !== null && named.ino === identity.ino && named.dev === identity.dev : await stillNamesFile(name, identity);
  if (!ours) return;
  try {
    await unlink(name);
    if (folder) await folder.sync();
    else fsyncDirectory(dirname(name));
  } catch (error) {
    // Swapped away between the check and the unlink (or its flush): the zeroed file may keep a name.
    const code = codeOf(error);
    if (code === undefined || !notFoundCodes.has(code)) throw error;
  }
}
