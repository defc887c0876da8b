/**
 * Looks for what a wipe should have removed, in everything on disk that belongs to the vault.
 *
 * Two views, because each catches what the other cannot:
 *   - Through the key: every page of the vault file and every frame of its -wal is decrypted
 *     here, independently of SQLite (SQLCipher 4 layout: AES-256-CBC pages, HMAC-SHA512 checked
 *     per page), and searched. Free pages, stale WAL frames and index remnants are all included,
 *     which a query through SQLite would never show. A page whose HMAC fails is reported: a scan
 *     that cannot read a page proves nothing about it.
 *   - Raw bytes: every file in the vault folder (and SQLite temp files) is searched as it is on
 *     disk, for text that escaped encryption altogether (a plaintext journal, a temp file).
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readHeldFile, sqliteFilesOf } from '../vault/held-files';

/** SQLCipher 4 defaults, which Wardscribe never changes. */
const PAGE_SIZE = 4096;
const SALT_BYTES = 16;
const IV_BYTES = 16;
const HMAC_BYTES = 64;
const RESERVE = IV_BYTES + HMAC_BYTES;
const HMAC_SALT_MASK = 0x3a;
const FAST_KDF_ITERATIONS = 2;
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

export interface ScanRequest {
  /** The vault folder (every file in it is scanned raw). */
  readonly dir: string;
  /** The vault database file (decrypted and scanned). */
  readonly database: string;
  /** The key the vault is encrypted with now. */
  readonly key: Buffer;
  /** What must not be found, as UTF-8 strings or raw bytes. */
  readonly needles: readonly (string | Buffer)[];
}

export interface ScanResult {
  readonly pagesDecrypted: number;
  readonly filesScanned: readonly { readonly name: string; readonly bytes: number }[];
  /** `file:how` for each needle found: `how` is `decrypted` or `raw`. Never the needle itself. */
  readonly hits: readonly string[];
  /** Pages that could not be authenticated, as `file:page-N` codes. */
  readonly unreadable: readonly string[];
}

export function scanForRemnants(request: ScanRequest): ScanResult {
  const rawNeedles = request.needles.flatMap((needle) =>
    typeof needle === 'string' ? [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')] : [needle],
  );
  const decryptedNeedles = request.needles.map((needle) => (typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle));
  const hits = new Set<string>();
  const unreadable: string[] = [];
  let pagesDecrypted = 0;

  // SQLite's files are read through held descriptors: closing one would drop its locks (held-files.ts).
  const database = readHeldFile(request.database) ?? Buffer.alloc(0);
  if (database.length >= PAGE_SIZE) {
    const salt = database.subarray(0, SALT_BYTES);
    const hmacKey = pbkdf2Sync(request.key, Buffer.from(salt.map((byte) => byte ^ HMAC_SALT_MASK)), FAST_KDF_ITERATIONS, 32, 'sha512');
    try {
      const pages: Buffer[] = [];
      for (let pageNumber = 1; pageNumber * PAGE_SIZE <= database.length; pageNumber++) {
        const plain = decryptPage(database.subarray((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE), pageNumber, request.key, hmacKey);
        if (plain) pages.push(plain);
        else unreadable.push(`${basename(request.database)}:page-${pageNumber}`);
      }
      pagesDecrypted += pages.length;
      // One buffer, so a needle that runs on from one page to the next is still found.
      if (contains(Buffer.concat(pages), decryptedNeedles)) hits.add(`${basename(request.database)}:decrypted`);

      const walPath = `${request.database}-wal`;
      const wal = readHeldFile(walPath);
      if (wal) {
        const frames: Buffer[] = [];
        for (let offset = WAL_HEADER_BYTES; offset + WAL_FRAME_HEADER_BYTES + PAGE_SIZE <= wal.length; offset += WAL_FRAME_HEADER_BYTES + PAGE_SIZE) {
          const pageNumber = wal.readUInt32BE(offset);
          const page = wal.subarray(offset + WAL_FRAME_HEADER_BYTES, offset + WAL_FRAME_HEADER_BYTES + PAGE_SIZE);
          const plain = decryptPage(page, pageNumber, request.key, hmacKey);
          if (plain) frames.push(plain);
          else unreadable.push(`${basename(walPath)}:frame-at-${offset}`);
        }
        pagesDecrypted += frames.length;
        if (contains(Buffer.concat(frames), decryptedNeedles)) hits.add(`${basename(walPath)}:decrypted`);
      }
    } finally {
      hmacKey.fill(0);
    }
  }

  const filesScanned: { name: string; bytes: number }[] = [];
  const sqliteFiles = new Set(sqliteFilesOf(request.database));
  for (const path of filesToScanRaw(request.dir)) {
    const bytes = sqliteFiles.has(path) ? readHeldFile(path) : readFileSync(path);
    if (!bytes) continue;
    filesScanned.push({ name: basename(path), bytes: bytes.length });
    if (contains(bytes, rawNeedles)) hits.add(`${basename(path)}:raw`);
  }
  return { pagesDecrypted, filesScanned, hits: [...hits], unreadable };
}

/** The page's plaintext (after its salt on page 1), or null if its HMAC does not authenticate. */
function decryptPage(page: Buffer, pageNumber: number, key: Buffer, hmacKey: Buffer): Buffer | null {
  const start = pageNumber === 1 ? SALT_BYTES : 0;
  const encrypted = page.subarray(start, PAGE_SIZE - RESERVE);
  const iv = page.subarray(PAGE_SIZE - RESERVE, PAGE_SIZE - RESERVE + IV_BYTES);
  const mac = page.subarray(PAGE_SIZE - HMAC_BYTES);
  const hmac = createHmac('sha512', hmacKey);
  hmac.update(page.subarray(start, PAGE_SIZE - HMAC_BYTES));
  const number = Buffer.alloc(4);
  number.writeUInt32LE(pageNumber);
  hmac.update(number);
  if (!timingSafeEqual(hmac.digest(), mac)) return null;
  const decipher = createDecipheriv('aes-256-cbc', key, iv);
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(encrypted), decipher.final()]);
}

function contains(haystack: Buffer, needles: readonly Buffer[]): boolean {
  return needles.some((needle) => needle.length > 0 && haystack.includes(needle));
}

/**
 * Every regular file in the vault folder, and SQLite's own temp files (`etilqs_*`) in the temp
 * folder. Not the lock files (`*.lock`): they hold no vault content, only OS locks, which reading
 * and closing them would drop.
 */
function filesToScanRaw(dir: string): string[] {
  const inVault = readdirSync(dir)
    .filter((name) => !name.endsWith('.lock'))
    .map((name) => join(dir, name));
  let sqliteTemp: string[] = [];
  try {
    sqliteTemp = readdirSync(tmpdir())
      .filter((name) => name.startsWith('etilqs_'))
      .map((name) => join(tmpdir(), name));
  } catch {
    // An unreadable temp folder has no files of ours we could read either.
  }
  return [...inVault, ...sqliteTemp].filter((path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

/** The first bytes of a file (to tell an encrypted vault from a plain SQLite file). */
export function fileHeader(path: string, length = 16): Buffer {
  const header = Buffer.alloc(length);
  const descriptor = openSync(path, 'r');
  try {
    readSync(descriptor, header, 0, length, 0);
  } finally {
    closeSync(descriptor);
  }
  return header;
}
