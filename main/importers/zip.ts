import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { WardscribeError } from '../errors';
import type { ByteSource } from './line-reader';

/** Resource limits for an untrusted archive; yauzl sets none of its own. */
export interface ZipLimits {
  readonly maxEntries: number;
  readonly maxEntryBytes: number;
  readonly maxTotalBytes: number;
  /**
   * Highest uncompressed/compressed ratio, for every entry whatever its size (a floor below
   * which entries were not checked let a bomb of many small entries through).
   */
  readonly maxRatio: number;
}

/** Exports hold ~10k media files at most; WhatsApp caps media at 2 GB per file. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 20_000,
  maxEntryBytes: 2 * 1024 ** 3,
  maxTotalBytes: 8 * 1024 ** 3,
  maxRatio: 200,
};

/**
 * True when an entry unpacks to more than `maxRatio` times its stored size. Real chat text
 * compresses about 3-10 times and media hardly at all; only crafted data comes near 200. An
 * empty entry is never too compressed; one stored in 0 bytes that unpacks to anything is.
 */
export function tooCompressed(uncompressedSize: number, compressedSize: number, limits: ZipLimits): boolean {
  if (uncompressedSize === 0) return false;
  return compressedSize === 0 || uncompressedSize / compressedSize > limits.maxRatio;
}

/** One checked entry of an archive. */
export interface ZipEntryInfo {
  readonly name: string;
  readonly size: number;
  readonly encrypted: boolean;
}

/** An archive whose directory passed every check; entries are read as streams. */
export interface SafeZip {
  readonly entries: readonly ZipEntryInfo[];
  /** True when an entry has this name (or this base name, for media in a folder). */
  has(name: string): boolean;
  /** The entry as a re-openable byte stream (size-checked as it is read). */
  source(name: string): ByteSource;
  close(): void;
}

const NESTED_ARCHIVE = /\.(?:zip|7z|rar|tar|gz|tgz|bz2|xz|zst|jar|apk|ipa|crypt\d*)$/i;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function rejected(message: string): WardscribeError {
  return new WardscribeError('rejected', message);
}

/** Why a name is refused, or null when it is a plain relative path. */
function unsafeName(name: string): string | null {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'has a name that points to a place outside the archive (an absolute path)';
  if (name.includes('\\')) return 'has a name written with backslashes, which an export never uses';
  if (name.split('/').some((part) => part === '..')) return 'has a name that points outside the archive ("..")';
  if (name.includes('\u0000')) return 'has a hidden control character in its name';
  return null;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true }, (error, zip) => {
      if (error || !zip) reject(rejected('This file is named like a zip archive but cannot be opened as one: it is damaged or not an archive.'));
      else resolve(zip);
    });
  });
}

/**
 * Opens an untrusted zip and checks its whole directory before any byte is used: entry count,
 * each size and the total, compression ratio, symlinks, absolute and `..` names, nested
 * archives. Sizes are checked again while reading (a forged size field ends the read).
 */
export async function openSafeZip(path: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<SafeZip> {
  const zip = await openZip(path);
  const byName = new Map<string, yauzl.Entry>();
  const byBaseName = new Map<string, yauzl.Entry>();
  const infos: ZipEntryInfo[] = [];
  try {
    if (zip.entryCount > limits.maxEntries) throw rejected(`The archive has ${zip.entryCount} files in it (${zip.entryCount} entries), more than the ${limits.maxEntries} an export can have.`);
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      zip.on('error', () => reject(rejected('The archive is damaged, or one of the files in it has a name that points outside the archive. Export the chat again and import the new file.')));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const problem = checkEntry(entry, limits);
          if (problem) throw rejected(`The archive was refused because one of the files in it ${problem}. An export made by the chat app never looks like this.`);
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes) throw rejected('The archive unpacks to more data than a chat export can hold, so it was not opened.');
          if (!entry.fileName.endsWith('/')) {
            byName.set(entry.fileName, entry);
            byBaseName.set(entry.fileName.slice(entry.fileName.lastIndexOf('/') + 1), entry);
            infos.push({ name: entry.fileName, size: entry.uncompressedSize, encrypted: entry.isEncrypted() });
          }
          zip.readEntry();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      zip.readEntry();
    });
  } catch (error) {
    zip.close();
    throw error;
  }
  const find = (name: string): yauzl.Entry | undefined => byName.get(name) ?? byBaseName.get(name);
  return {
    entries: infos,
    has: (name) => find(name) !== undefined,
    source(name) {
      const entry = find(name);
      if (!entry) throw new WardscribeError('not-found', 'The export does not contain that file.');
      if (entry.isEncrypted()) throw rejected('This file in the archive is password-protected, and only Threema exports may be.');
      return {
        size: entry.uncompressedSize,
        open: () => openEntry(zip, entry),
      };
    },
    close: () => zip.close(),
  };
}

function checkEntry(entry: yauzl.Entry, limits: ZipLimits): string | null {
  const nameProblem = unsafeName(entry.fileName);
  if (nameProblem) return nameProblem;
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) return 'is a symbolic link (a pointer to another file)';
  if (NESTED_ARCHIVE.test(entry.fileName)) return 'is itself an archive, and nested archives are not opened';
  if (entry.uncompressedSize > limits.maxEntryBytes) return 'is larger than any file in an export can be';
  if (tooCompressed(entry.uncompressedSize, entry.compressedSize, limits)) return 'is compressed far more than real data can be (a zip bomb)';
  return null;
}

/** Streams one entry, failing with a clear error when its bytes do not match its directory. */
function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) {
        reject(rejected('A file in the archive cannot be read: the archive is damaged, or the sizes written in it are forged. Export the chat again and import the new file.'));
        return;
      }
      let seen = 0;
      // yauzl checks sizes too; counting here keeps the limit even if that check were off.
      const guard = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen > entry.uncompressedSize) callback(rejected('A file in the archive is larger than the archive says it is (a forged size), so the import was stopped and nothing was kept.'));
          else callback(null, chunk);
        },
      });
      stream.on('error', () => guard.destroy(rejected('A file in the archive does not match what the archive says about it: the archive is damaged, or its sizes are forged. Nothing was kept.')));
      resolve(stream.pipe(guard));
    });
  });
}

/** A plain file as a byte source. */
export async function fileSource(path: string): Promise<ByteSource> {
  const info = await stat(path).catch(() => {
    throw new WardscribeError('not-found', 'The export file cannot be opened.');
  });
  return { size: info.size, open: async () => readFileChunks(path) };
}

/** The chunk size a file is given in: each chunk is one batch of lines for the parser. */
const FILE_CHUNK_BYTES = 64 * 1024;
/**
 * Reads start one chunk at a time, one in flight, as a stream reads; past the first
 * FILE_RAMP_BYTES they grow to FILE_READ_BYTES (several chunks) with FILE_READS_AHEAD in flight,
 * so a large export is read in few reads and the parser rarely waits for the disk.
 */
const FILE_RAMP_BYTES = 1024 * 1024;
const FILE_READ_BYTES = 8 * FILE_CHUNK_BYTES;
const FILE_READS_AHEAD = 2;
/**
 * Large reads go into a ring of this many buffers, reused rather than left to the collector: at
 * most FILE_READS_AHEAD are being filled, one is being handed out, and the one before it may still
 * back the caller's partial last line (line readers copy it when the next chunk comes).
 */
const FILE_BUFFERS = FILE_READS_AHEAD + 2;

/**
 * A file in chunks of FILE_CHUNK_BYTES, as `createReadStream(path, { highWaterMark })` gives
 * them, read in larger positional reads with the next one already in flight once the file has
 * proved large: a stream asks for the next chunk only once the last is taken, so a fast
 * consumer would wait for every read.
 */
async function* readFileChunks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  const inFlight: { readonly at: number; readonly size: number; readonly read: Promise<Buffer> }[] = [];
  let position = 0;
  let readAhead = 1;
  let shortRead = false;
  const ring: Buffer[] = [];
  let largeReads = 0;
  const issue = () => {
    const at = position;
    const size = at < FILE_RAMP_BYTES || shortRead ? FILE_CHUNK_BYTES : FILE_READ_BYTES;
    position += size;
    let buffer: Buffer;
    if (size === FILE_READ_BYTES) {
      const slot = largeReads++ % FILE_BUFFERS;
      buffer = ring[slot] ??= Buffer.allocUnsafe(FILE_READ_BYTES);
    } else buffer = Buffer.allocUnsafe(size);
    const read = handle.read(buffer, 0, size, at).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
    // A rejection is seen when its read is taken; until then it must not count as unhandled.
    read.catch(() => undefined);
    inFlight.push({ at, size, read });
  };
  try {
    for (let count = 0; count < readAhead; count++) issue();
    for (;;) {
      const { at, size, read } = inFlight.shift()!;
      const bytes = await read;
      if (bytes.length === 0) return;
      if (bytes.length < size) {
        // The end, or a short read before it (the file changed, or a file system that reads
        // less): drop the reads issued past it and go on one chunk at a time from where it stopped.
        await Promise.allSettled(inFlight.splice(0).map((pending) => pending.read));
        position = at + bytes.length;
        shortRead = true;
        readAhead = 1;
      } else if (position >= FILE_RAMP_BYTES && !shortRead) readAhead = FILE_READS_AHEAD;
      while (inFlight.length < readAhead) issue();
      for (let offset = 0; offset < bytes.length; offset += FILE_CHUNK_BYTES) yield bytes.subarray(offset, Math.min(offset + FILE_CHUNK_BYTES, bytes.length));
    }
  } finally {
    await Promise.allSettled(inFlight.splice(0).map((pending) => pending.read));
    await handle.close();
  }
}

/** What a file in an archive can be read as, by its name. */
export type ChatTextKind = 'whatsapp-ios' | 'whatsapp-android' | 'threema' | 'telegram' | 'text';

/** A file in an archive that could be the chat. */
export interface ChatTextCandidate {
  readonly name: string;
  readonly kind: ChatTextKind;
}

/**
 * What an entry could be, by its name: the names each app gives its chat text (`_chat.txt` on
 * iOS WhatsApp, "WhatsApp Chat with ….txt" and its translations on Android, `messages.txt`,
 * `messages-<chat>.txt` and `Threema_<chat>_<date>.txt` from Threema, Telegram's `result.json`
 * in its export folder), another text file at the top, or nothing (null).
 */
export function chatTextKind(name: string): ChatTextKind | null {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base === 'result.json') return 'telegram';
  if (name.includes('/') || !base.toLowerCase().endsWith('.txt')) return null;
  if (base === '_chat.txt') return 'whatsapp-ios';
  if (/^messages(?:-.+)?\.txt$/i.test(base) || /^Threema_.+\.txt$/.test(base)) return 'threema';
  if (/whatsapp/i.test(base)) return 'whatsapp-android';
  return 'text';
}

const KIND_IN_WORDS: Readonly<Record<ChatTextKind, string>> = {
  'whatsapp-ios': 'a WhatsApp chat',
  'whatsapp-android': 'a WhatsApp chat',
  threema: 'a Threema chat',
  telegram: 'a Telegram chat',
  text: 'a text file',
};

/** "a WhatsApp chat (_chat.txt) and a Threema chat (messages.txt)". */
function listInWords(candidates: readonly ChatTextCandidate[]): string {
  const parts = candidates.map((candidate) => `${KIND_IN_WORDS[candidate.kind]} (${candidate.name})`);
  return parts.length <= 2 ? parts.join(' and ') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
}

/**
 * The one entry that is the chat, or a refusal in plain words. An archive that could be read two
 * ways (two chat texts, a WhatsApp text and a Threema or Telegram one, several unnamed text
 * files) is refused rather than read one way without saying so: the wrong choice would put a
 * whole conversation under the wrong chat. Other text files beside one named chat text are
 * attachments (a document sent in the chat) and change nothing.
 */
export function chooseChatText(names: readonly string[]): ChatTextCandidate {
  const candidates: ChatTextCandidate[] = [];
  for (const name of names) {
    const kind = chatTextKind(name);
    if (kind !== null) candidates.push({ name, kind });
  }
  const named = candidates.filter((candidate) => candidate.kind !== 'text');
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw rejected(
      `This archive holds more than one chat export: ${listInWords(named)}. It could be read more than one way, so Wardscribe will not guess. Export the one chat you need again, on its own, and import that file.`,
    );
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    throw rejected(
      `This archive holds several text files (${candidates.map((candidate) => candidate.name).join(', ')}) and none of them is named as a chat export, so Wardscribe cannot tell which one is the chat. Export the chat again from the app and import the file it makes.`,
    );
  }
  return chatTextInFolder(names);
}

/**
 * An export unzipped and compressed again (Finder's Compress, Windows' "Compressed folder") puts
 * the chat one folder down: "WhatsApp Chat - Ward 7/_chat.txt", its media beside it. One WhatsApp
 * chat text found there is read; anything else inside folders is refused, saying so.
 */
function chatTextInFolder(names: readonly string[]): ChatTextCandidate {
  const inFolders = names.filter((name) => {
    const parts = name.split('/');
    // macOS adds "__MACOSX/…" and "._name" copies of each file's metadata: never the chat.
    return parts.length === 2 && parts[0] !== '__MACOSX' && !parts[1]!.startsWith('._') && parts[1]!.toLowerCase().endsWith('.txt');
  });
  const candidates = inFolders.map((name) => ({ name, kind: chatTextKind(name.slice(name.indexOf('/') + 1)) }));
  const whatsapp = candidates.filter((candidate): candidate is ChatTextCandidate => candidate.kind === 'whatsapp-ios' || candidate.kind === 'whatsapp-android');
  if (whatsapp.length === 1 && candidates.every((candidate) => candidate.kind !== 'threema')) return whatsapp[0]!;
  if (inFolders.length > 0) {
    throw rejected(
      `This archive holds no chat text at its top level: its text files are inside a folder (${inFolders.join(', ')}), and Wardscribe cannot tell which one is the chat. Import the export file the chat app made, not a folder compressed again.`,
    );
  }
  throw rejected(
    'This archive holds no chat text. A WhatsApp export holds _chat.txt or "WhatsApp Chat with ….txt", a Threema export holds messages.txt, and a Telegram export holds result.json.',
  );
}
