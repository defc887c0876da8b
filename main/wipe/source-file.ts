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
import { lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { fsyncDirectory } from '../durable-fs';

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

type Opened = { handle: FileHandle } | { outcome: 'not-found' | 'replaced-by-link' };

/**
 * The export file opened once, without following a symlink at its name (O_NOFOLLOW; where the
 * platform has none, the name is lstat-ed first and must be the file then opened), and only if it
 * is a regular file. Node cannot open a folder chain without following links (no openat), so the
 * chain is checked before and after the open, and the name must still be the file that the
 * descriptor holds: a folder swapped for a link and back between the checks gives another inode.
 */
async function openExportFile(path: string): Promise<Opened> {
  if (await linkOnPath(path)) return { outcome: 'replaced-by-link' };
  const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW;
  let handle: FileHandle;
  try {
    if (noFollow !== undefined) handle = await open(path, constants.O_RDWR | noFollow);
    else {
      const named = await lstat(path);
      if (named.isSymbolicLink()) return { outcome: 'replaced-by-link' };
      if (!named.isFile()) return { outcome: 'not-found' };
      handle = await open(path, 'r+');
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    // ELOOP (EMLINK on some BSDs): the name is a symlink, which O_NOFOLLOW refuses. Never followed.
    if (code === 'ELOOP' || code === 'EMLINK') return { outcome: 'replaced-by-link' };
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return { outcome: 'not-found' };
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) {
      await handle.close();
      return { outcome: 'not-found' };
    }
    if (!(await stillNamesFile(path, opened))) {
      await handle.close();
      return { outcome: 'replaced-by-link' };
    }
    return { handle };
  } catch (error) {
    await handle.close();
    throw error;
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
 * flushed, and the name unlinked only while it still names that same file. `expectedSha256`
 * null skips the check: resuming an overwrite a crash interrupted, when part of it is zeros.
 */
export async function overwriteExportFile(
  path: string,
  expectedSha256: string | null,
  beforeFirstWrite: () => void = () => {},
): Promise<OverwriteOutcome> {
  const opened = await openExportFile(path);
  if ('outcome' in opened) return opened.outcome;
  const { handle } = opened;
  let identity: { ino: number; dev: number };
  try {
    const stat = await handle.stat();
    identity = { ino: stat.ino, dev: stat.dev };
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
  } finally {
    await handle.close();
  }
  // The name may have been pointed elsewhere meanwhile: unlink it only while it is still our file.
  if (await stillNamesFile(path, identity)) {
    await unlink(path);
    fsyncDirectory(dirname(path));
  }
  return 'overwritten';
}
