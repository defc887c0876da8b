import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { configure, ERR_ENCRYPTED, ERR_INVALID_PASSWORD, Reader, ZipReader, type FileEntry } from '@zip.js/zip.js';
import { WardscribeError } from '../errors';
import type { ByteSource } from './line-reader';
import type { MarkerReading } from './markers';
import { chooseChatText, DEFAULT_ZIP_LIMITS, tooCompressed, type ZipLimits } from './zip';

/**
 * A media file named in a Threema for Android message. Threema appends ` <NAME>` to the line: the
 * file it put in the archive beside the text (`<4f0c…-9a1e.jpg>`; a document keeps its own name
 * after an id, spaces and all: `<0a1b2c3d-Discharge letter.pdf>`). Older exports and hand-made
 * files also name it mid-line; there only names without spaces are taken.
 */
const TRAILING_MEDIA_REFERENCE = /(?:^|[ \t])<([^<>\n/\\]*[^<>\s/\\]\.[A-Za-z0-9]{2,5})>$/;
const MEDIA_REFERENCE = /<([\w-]+(?:\.[\w-]+)*\.[A-Za-z0-9]{2,5})>/;

/**
 * What Threema for Android writes before the reference for media ("Bild", "Image: caption"):
 * its placeholder words, by language, which are not the sender's text.
 */
const MEDIA_PLACEHOLDERS = new Set([
  'Image', 'Video', 'Audio', 'File', 'Location',
  'Bild', 'Datei', 'Ort',
  'Vidéo', 'Fichier', 'Emplacement',
  'Immagine', 'Luogo',
  'Imagen', 'Vídeo', 'Archivo', 'Ubicación',
]);

/** What Threema for Android writes for a deleted message (its strings.xml, message_was_deleted). */
const DELETED_TEXTS = new Set([
  'This message was deleted',
  'Diese Nachricht wurde gelöscht',
  'Ce message a été supprimé',
  'Il messaggio è stato cancellato',
  'Este mensaje se ha eliminado',
]);

/** "Bild", "Bild: Wunde Bett 4" or "Audio (00:07)" becomes the caption alone ("" or "Wunde Bett 4"). */
function withoutPlaceholder(text: string): string {
  const match = /^(\p{L}+)(?: \(\d{1,2}:\d{2}(?::\d{2})?\))?(?:: ([^]*))?$/u.exec(text);
  if (!match || !MEDIA_PLACEHOLDERS.has(match[1]!)) return text;
  return (match[2] ?? '').trim();
}

/**
 * Threema for Android's markers: a media reference becomes the message's attachment (matched to
 * the file in the archive) and leaves the caption as the text, without Threema's placeholder
 * word; its deletion text (in the languages listed) becomes a deleted message. Threema writes no
 * edited marker into its export.
 */
export function readThreemaMarkers(body: string): MarkerReading {
  if (DELETED_TEXTS.has(body.trim())) return { text: '', mediaOmitted: false, attachment: null, deleted: true, edited: false };
  const trailing = TRAILING_MEDIA_REFERENCE.exec(body);
  if (trailing) {
    const caption = withoutPlaceholder(body.slice(0, trailing.index).trim());
    return { text: caption, mediaOmitted: false, attachment: trailing[1]!, deleted: false, edited: false };
  }
  const media = MEDIA_REFERENCE.exec(body);
  if (!media) return { text: body, mediaOmitted: false, attachment: null, deleted: false, edited: false };
  const caption = `${body.slice(0, media.index).trimEnd()} ${body.slice(media.index + media[0].length).trimStart()}`.trim();
  return { text: withoutPlaceholder(caption), mediaOmitted: false, attachment: media[1]!, deleted: false, edited: false };
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
  /** The chat text (messages.txt, messages-<chat>.txt or Threema_<chat>_<date>.txt), decrypted as it is read. */
  readonly messages: ByteSource;
  /** Its first bytes (up to 64), which tell Threema for iOS's layout from Android's. */
  readonly start: string;
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
      throw new WardscribeError('rejected', 'This file is named like a zip archive but cannot be opened as one: it is damaged or not an archive.');
    });
    if (entries.length > limits.maxEntries) throw new WardscribeError('rejected', `The archive has ${entries.length} files in it, more than the ${limits.maxEntries} an export can have.`);
    let total = 0;
    for (const entry of entries) {
      if (!SAFE_NAME(entry.filename)) throw new WardscribeError('rejected', 'The archive was refused because one of the files in it points outside the archive. A Threema export never does this.');
      total += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxEntryBytes || total > limits.maxTotalBytes) throw new WardscribeError('rejected', 'The archive unpacks to more data than a chat export can hold, so it was not opened.');
      // zip.js gives an AES entry's stored size with its salt and check bytes: still far above a bomb's.
      if (tooCompressed(entry.uncompressedSize, entry.compressedSize, limits)) {
        throw new WardscribeError('rejected', 'The archive was refused because one of the files in it is compressed far more than real data can be (a zip bomb).');
      }
    }
    const files = entries.filter((entry): entry is FileEntry => !entry.directory);
    const chosen = chooseChatText(files.map((entry) => entry.filename));
    if (chosen.kind !== 'threema' && chosen.kind !== 'text') {
      throw new WardscribeError('rejected', `This archive is password-protected, but it holds ${chosen.kind === 'telegram' ? 'a Telegram' : 'a WhatsApp'} chat: Wardscribe opens password-protected archives only from Threema.`);
    }
    const messages = files.find((entry) => entry.filename === chosen.name)!;
    if (messages.encrypted && !password) throw new WardscribeError('rejected', 'This Threema export is password-protected: enter the password chosen when it was exported.');
    // Check the password before any message is read, so a wrong one fails at once.
    await messages.getData(new WritableStream(), { password, checkPasswordOnly: true }).catch(mapZipError);
    const byName = new Map<string, FileEntry>();
    for (const entry of files) byName.set(entry.filename.slice(entry.filename.lastIndexOf('/') + 1), entry);
    const start = await firstBytes(messages, password);
    return {
      start,
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

/** The first bytes of an entry, decrypted, as Latin-1 text (enough to tell a layout by). */
async function firstBytes(entry: FileEntry, password: string | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const controller = new AbortController();
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      chunks.push(chunk);
      length += chunk.length;
      // Enough read: stop decrypting the rest.
      if (length >= 64) controller.abort();
    },
  });
  await entry.getData(sink, { password, signal: controller.signal }).catch((error: unknown) => {
    if (!controller.signal.aborted) mapZipError(error);
  });
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, 64));
}

function mapZipError(error: unknown): never {
  const message = error instanceof Error ? error.message : '';
  if (message === ERR_INVALID_PASSWORD) throw new WardscribeError('rejected', 'The password for this Threema export is wrong.');
  if (message === ERR_ENCRYPTED) throw new WardscribeError('rejected', 'This Threema export is password-protected: enter the password chosen when it was exported.');
  throw new WardscribeError('rejected', 'The Threema export cannot be read: the archive is damaged. Export the chat again from Threema and import the new file.');
}
