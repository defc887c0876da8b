/**
 * Reading files that SQLite (or the folder lock) may hold OS locks on, without dropping them.
 *
 * On Linux and macOS a record lock (fcntl) belongs to the process and the file, not to the
 * descriptor: closing *any* descriptor of a locked file in this process drops every lock the
 * process holds on it. SQLite's locks on the vault and its -shm are such locks, and so is the
 * folder lock. A plain `readFileSync` of the vault by the wipe's scan, or the background page
 * check opening and closing it, silently released them, and a second Wardscribe could then open
 * the vault (found by a cold attack). So these files are read through one descriptor per file,
 * opened once and closed only when the vault is closed (`releaseHeldFiles`), after SQLite has
 * closed its own.
 */
import { closeSync, fstatSync, openSync, read, readSync, statSync } from 'node:fs';

interface Held {
  readonly fd: number;
  readonly dev: number;
  readonly ino: number;
}

/** The current descriptor for each path, and every one opened (closed together at release). */
const current = new Map<string, Held>();
const opened: number[] = [];

/** SQLite's files beside a database: read only through held descriptors. */
export function sqliteFilesOf(database: string): readonly string[] {
  return [database, `${database}-wal`, `${database}-shm`, `${database}-journal`];
}

/** The held descriptor for `path` (opened if needed, or again if the path now names another file); null if it does not exist. */
export function heldDescriptor(path: string): number | null {
  let now;
  try {
    now = statSync(path);
  } catch {
    return null;
  }
  const held = current.get(path);
  if (held && held.dev === now.dev && held.ino === now.ino) return held.fd;
  // A new file at the path (a key rotation, a WAL reset): the old descriptor stays open until
  // release, as SQLite may still hold locks on that file through this process.
  const fd = openSync(path, 'r');
  opened.push(fd);
  const { dev, ino } = fstatSync(fd);
  current.set(path, { fd, dev, ino });
  return fd;
}

/** The whole file read through its held descriptor, or null if it does not exist. */
export function readHeldFile(path: string): Buffer | null {
  const fd = heldDescriptor(path);
  if (fd === null) return null;
  const size = fstatSync(fd).size;
  const bytes = Buffer.alloc(size);
  let done = 0;
  while (done < size) {
    const count = readSync(fd, bytes, done, size - done, done);
    if (count === 0) break;
    done += count;
  }
  return bytes.subarray(0, done);
}

/** A FileHandle-like reader over the held descriptor (the background page check reads in steps). */
export function heldReader(path: string): { read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> } {
  const fd = heldDescriptor(path);
  if (fd === null) throw Object.assign(new Error('The vault file is not there.'), { code: 'ENOENT' });
  return { read: (buffer, offset, length, position) => readAt(fd, buffer, offset, length, position) };
}

function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve({ bytesRead }))));
}

/** Closes every held descriptor: call only once the vault's own connection has closed. */
export function releaseHeldFiles(): void {
  for (const fd of opened.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing held.
    }
  }
  current.clear();
}
