import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fstatSync, fsyncSync, ftruncateSync, lstatSync, open, openSync, readSync, renameSync, unlinkSync, write, writeSync, writev, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirectory } from '../durable-fs';

/**
 * A PDF being written beside the name it will have (an audit trail, a wipe certificate), often in
 * a folder other people can write to (a shared folder the person chose). Its temporary name is
 * new and random and created exclusively (O_EXCL: an existing name, a planted symlink included,
 * is refused, never followed), and everything after the create goes through that one descriptor:
 * a link or another file swapped in under the temporary name later is never written to. Only the
 * final rename uses the name, and a rename replaces a link at either name rather than following
 * it, so nothing outside the folder can be overwritten through one.
 */
export class PartialFile {
  readonly path: string;
  readonly #fd: number;
  readonly #identity: { dev: number; ino: number };
  #closed = false;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
    const stat = fstatSync(fd);
    this.#identity = { dev: stat.dev, ino: stat.ino };
  }

  /** Creates `<outputPath>.<random>.partial`, readable by its owner only. */
  static create(outputPath: string): PartialFile {
    const path = `${outputPath}.${randomBytes(6).toString('hex')}.partial`;
    // wx+: created here or refused (a planted name, a link included, is never followed), read and written.
    return new PartialFile(path, openSync(path, 'wx+', 0o600));
  }

  /**
   * A stream onto the descriptor that never closes it: Node closes a stream's descriptor on
   * destroy() even with autoClose off, and a descriptor closed twice can close whatever file
   * reused its number. This object closes it, once.
   */
  stream(): WriteStream {
    return createWriteStream(this.path, { fd: this.#fd, autoClose: false, fs: { write, writev, open, close: (_fd: number, done: (error: null) => void) => done(null) } });
  }

  /** What was written, read back through the descriptor. */
  read(): Buffer {
    const size = fstatSync(this.#fd).size;
    const bytes = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const read = readSync(this.#fd, bytes, offset, size - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  }

  /** Replaces the contents, through the descriptor. */
  overwrite(bytes: Uint8Array): void {
    ftruncateSync(this.#fd, 0);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset, bytes.length - offset, offset);
  }

  /**
   * Flushes, then renames it to `outputPath`. Refused if the temporary name no longer holds this
   * file (something replaced it meanwhile): what would be renamed is not what was written.
   */
  commit(outputPath: string): void {
    fsyncSync(this.#fd);
    const now = lstatSync(this.path, { throwIfNoEntry: false });
    if (!now || now.dev !== this.#identity.dev || now.ino !== this.#identity.ino) {
      this.#close();
      throw new Error(`The file being written, ${this.path}, was replaced by something else before it was finished. Nothing was saved; choose a folder only you can write to.`);
    }
    this.#close();
    renameSync(this.path, outputPath);
    fsyncDirectory(dirname(outputPath));
  }

  /** Closes it and removes the temporary name, if it still holds this file. */
  discard(): void {
    this.#close();
    const now = lstatSync(this.path, { throwIfNoEntry: false });
    if (now && now.dev === this.#identity.dev && now.ino === this.#identity.ino) unlinkSync(this.path);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}
