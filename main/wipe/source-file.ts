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
import { closeSync, createReadStream, fstatSync, fsyncSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
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

/**
 * Overwrites every byte with zeros, flushes, truncates to nothing, flushes, unlinks, and
 * flushes the folder. Idempotent: a file already gone counts as done (it may have been unlinked
 * just before a crash).
 */
export function overwriteAndUnlink(path: string): 'overwritten' | 'not-found' {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r+');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 'not-found';
    throw error;
  }
  try {
    const size = fstatSync(descriptor).size;
    const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, size)));
    for (let written = 0; written < size; ) {
      written += writeSync(descriptor, zeros, 0, Math.min(zeros.length, size - written), written);
    }
    fsyncSync(descriptor);
    ftruncateSync(descriptor, 0);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  unlinkSync(path);
  fsyncDirectory(dirname(path));
  return 'overwritten';
}
