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
import { dirname } from 'node:path';
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

export type OverwriteOutcome = 'overwritten' | 'not-found' | 'changed';

/**
 * The export file opened once, without following a symlink at its name (O_NOFOLLOW; where the
 * platform has none, the name is lstat-ed first and must be the file then opened), and only if it
 * is a regular file.
 */
async function openExportFile(path: string): Promise<FileHandle | null> {
  const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW;
  try {
    if (noFollow !== undefined) {
      const handle = await open(path, constants.O_RDWR | noFollow);
      if ((await handle.stat()).isFile()) return handle;
      await handle.close();
      return null;
    }
    const named = await lstat(path);
    if (!named.isFile()) return null;
    const handle = await open(path, 'r+');
    const opened = await handle.stat();
    if (opened.isFile() && opened.ino === named.ino && opened.dev === named.dev) return handle;
    await handle.close();
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // ELOOP: the name is a symlink (O_NOFOLLOW refuses it). Never followed, so not ours to touch.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP' || code === 'EMLINK') return null;
    throw error;
  }
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
  const handle = await openExportFile(path);
  if (handle === null) return 'not-found';
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
  const named = await lstat(path).catch(() => null);
  if (named !== null && named.ino === identity.ino && named.dev === identity.dev) {
    await unlink(path);
    fsyncDirectory(dirname(path));
  }
  return 'overwritten';
}
