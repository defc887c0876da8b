import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * Flushes to the disk. Wardscribe's crash safety rests on these: a file is fsynced before it is
 * renamed into place, and the folder after, so that the rename itself survives a power cut.
 */

/** Flushes a file's contents. */
export function fsyncFile(path: string): void {
  const descriptor = openSync(path, 'r+');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Makes renames and unlinks in a folder durable. Windows cannot open a folder; NTFS journals them. */
export function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const descriptor = openSync(dir, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
