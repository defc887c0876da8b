import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { configure, ERR_ENCRYPTED, ERR_INVALID_PASSWORD, Reader, ZipReader, type FileEntry } from '@zip.js/zip.js';
import { WardscribeError } from '../errors';
import type { ByteSource } from './line-reader';
import type { MarkerReading } from './markers';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip';

/**
 * A media file named in a Threema message: `<name.ext>`, where the name is the file Threema put
 * in the archive beside messages.txt (a generated id, e.g. `<4f0c…-9a1e.jpg>`), anywhere in the
 * body, with or without a caption around it.
 */
const MEDIA_REFERENCE = /<([\w-]+(?:\.[\w-]+)*\.[A-Za-z0-9]{2,5})>/;

/**
 * Threema's markers: a media reference becomes the message's attachment (matched to the file in
 * the archive) and leaves the caption as the text. Threema writes no deleted or edited markers
 * into messages.txt.
 */
export function readThreemaMarkers(body: string): MarkerReading {
  const media = MEDIA_REFERENCE.exec(body);
  if (!media) return { text: body, mediaOmitted: false, attachment: null, deleted: false, edited: false };
  const caption = `${body.slice(0, media.index).trimEnd()} ${body.slice(media.index + media[0].length).trimStart()}`.trim();
  return { text: caption, mediaOmitted: false, attachment: media[1]!, deleted: false, edited: false };
}

// Node has no Web Workers for zip.js to use; decryption runs inline.
configure({ useWebWorkers: false });

/** Reads a file by ranges, so zip.js never holds the whole archive. */
class FileRangeReader extends Reader<FileHandle> {
  constructor(private readonly handle: FileHandle, size: number) {
    super(handle);
    this.size = size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, index);
    return buffer.subarray(0, bytesRead);
  }
}

/** An opened, password-protected Threema export. */
export interface ThreemaArchive {
  /** messages.txt, decrypted as it is read. */
  readonly messages: ByteSource;
  /** True when the archive holds a file with this name. */
  has(name: string): boolean;
  /** A media file's bytes, decrypted as they are read; never written to disk. */
  openMedia(name: string): Promise<Readable>;
  close(): Promise<void>;
}

const SAFE_NAME = (name: string): boolean => !name.startsWith('/') && !/^[A-Za-z]:/.test(name) && !name.includes('\\') && !name.split('/').includes('..');

/**
 * Opens a Threema chat export (an AES-encrypted zip) with its password. A missing or wrong
 * password is a clear `rejected` error; the directory gets the same caps as any other archive.
 */
export async function openThreemaExport(path: string, password: string | undefined, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ThreemaArchive> {
  const handle = await open(path, 'r').catch(() => {
    throw new WardscribeError('not-found', 'The export file cannot be opened.');
  });
  const { size } = await handle.stat();
  const reader = new ZipReader(new FileRangeReader(handle, size), { useWebWorkers: false, checkPasswordOnly: false });
  const close = async () => {
    await reader.close().catch(() => undefined);
    await handle.close().catch(() => undefined);
  };
  try {
    const entries = await reader.getEntries().catch(() => {
      throw new WardscribeError('rejected', 'This file is not a readable zip archive.');
    });
    if (entries.length > limits.maxEntries) throw new WardscribeError('rejected', 'The archive has more entries than an export can have.');
    let total = 0;
    for (const entry of entries) {
      if (!SAFE_NAME(entry.filename)) throw new WardscribeError('rejected', 'The archive was refused: an entry has an unsafe path.');
      total += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxEntryBytes || total > limits.maxTotalBytes) throw new WardscribeError('rejected', 'The archive unpacks to more than an export can hold.');
      if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio) {
        throw new WardscribeError('rejected', 'The archive was refused: an entry is compressed far more than real data can be (a zip bomb).');
      }
    }
    const messages = entries.find((entry): entry is FileEntry => !entry.directory && /(^|\/)messages\.txt$/.test(entry.filename));
    if (!messages) throw new WardscribeError('rejected', 'This archive has no messages.txt: it is not a Threema chat export.');
    if (messages.encrypted && !password) throw new WardscribeError('rejected', 'This Threema export is password-protected: enter the password chosen when it was exported.');
    // Check the password before any message is read, so a wrong one fails at once.
    await messages.getData(new WritableStream(), { password, checkPasswordOnly: true }).catch(mapZipError);
    const byName = new Map<string, FileEntry>();
    for (const entry of entries) if (!entry.directory) byName.set(entry.filename.slice(entry.filename.lastIndexOf('/') + 1), entry);
    return {
      messages: {
        size: messages.uncompressedSize,
        async open() {
          const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
          messages.getData(writable, { password }).catch(() => undefined);
          return readable as unknown as AsyncIterable<Uint8Array>;
        },
      },
      has: (name) => byName.has(name),
      async openMedia(name) {
        const entry = byName.get(name);
        if (!entry || entry === messages) throw new WardscribeError('not-found', 'The export does not contain that file.');
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        entry.getData(writable, { password }).catch(() => undefined);
        return Readable.fromWeb(readable as WebReadableStream<Uint8Array>);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function mapZipError(error: unknown): never {
  const message = error instanceof Error ? error.message : '';
  if (message === ERR_INVALID_PASSWORD) throw new WardscribeError('rejected', 'The password for this Threema export is wrong.');
  if (message === ERR_ENCRYPTED) throw new WardscribeError('rejected', 'This Threema export is password-protected: enter the password chosen when it was exported.');
  throw new WardscribeError('rejected', 'The Threema export cannot be read: the archive is damaged.');
}
