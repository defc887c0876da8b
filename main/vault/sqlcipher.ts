import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { WardscribeError } from '../errors';
import { firstDamagedPage, pageHmacKey } from './page-check';

export type Db = Database.Database;

/** Length of the vault key: 256 bits. */
export const VAULT_KEY_BYTES = 32;

/**
 * The SQLCipher addon could not be loaded: it was built for another runtime (Node's ABI under
 * Electron, or the reverse), or is missing. Its own error, never `vault-damaged`: the vault file
 * has not been touched and must not be restored or deleted because of this.
 */
export class SqlcipherModuleError extends Error {
  override readonly name = 'SqlcipherModuleError';
}

/**
 * Which build of the SQLCipher addon to load. Unset: the one in node_modules (built for Node by
 * `npm ci`). Electron's main process (main/app/) sets the Electron-ABI copy before anything opens
 * the vault, so this folder never needs to know which runtime it runs in.
 */
let nativeBinding: string | undefined;

export function useSqlcipherNativeBinding(path: string | undefined): void {
  nativeBinding = path;
}

export function sqlcipherNativeBinding(): string | undefined {
  return nativeBinding;
}

/** better-sqlite3's options for every connection: the chosen addon, if one was chosen. */
function connectionOptions(): { nativeBinding?: string } {
  return nativeBinding === undefined ? {} : { nativeBinding };
}

/**
 * Loads the addon and opens an in-memory database, so a host can refuse to start, with a clear
 * message, before any window opens. Throws SqlcipherModuleError when the addon does not load.
 */
export function assertSqlcipherLoads(runtime: string): void {
  let db: Db;
  try {
    db = new Database(':memory:', connectionOptions());
  } catch (error) {
    throw moduleError(error, runtime);
  }
  db.close();
}

function moduleError(error: unknown, runtime: string): SqlcipherModuleError {
  const detail = (error as { code?: string }).code ?? (error as Error).name;
  const which = nativeBinding ?? 'the copy in node_modules';
  return new SqlcipherModuleError(
    `This build's SQLCipher module does not match ${runtime} (${detail}; module: ${which}). ` +
      'The vault has not been touched. Rebuild the module for this runtime: npm run build:electron-native (on a connected machine), then npm start.',
  );
}

/** The addon failed to load (wrong ABI, missing file), as opposed to the database file being wrong. */
function isModuleLoadError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_DLOPEN_FAILED' || code === 'MODULE_NOT_FOUND') return true;
  return /NODE_MODULE_VERSION|bindings file|compiled against a different/.test((error as Error).message ?? '');
}

/**
 * How much of an existing file is checked when it is opened:
 * - `full`: every page through SQLite (`quick_check`: each page's HMAC and the b-trees);
 * - `opening`: what sign-in can afford whatever the vault's size: the key and schema, then every
 *   page in full for a vault up to FULL_CHECK_MAX_PAGES, or else the first and last
 *   EDGE_CHECK_PAGES pages by their HMACs (page-check.ts). The session checks the rest in the
 *   background after sign-in (main/session/integrity-monitor.ts), so sign-in does not slow down
 *   as the vault grows: `quick_check` took 3.6 s of a 4.1 s sign-in at 1.47 million messages.
 */
export type OpeningCheck = 'full' | 'opening';

/** Vaults up to this many pages (8 MiB at 4 KiB pages; `quick_check` reads that in tens of ms) are checked in full when opened. */
export const FULL_CHECK_MAX_PAGES = 2_048;
/** Pages at each end of a larger vault checked when it is opened: the header, schema and early tables, and the latest writes. */
export const EDGE_CHECK_PAGES = 256;

/**
 * Opens (or creates) an SQLCipher 4 database keyed with a raw 256-bit key, checks it (`check`,
 * default every page), then sets the pragmas Wardscribe relies on. A damaged or tampered file is
 * reported as `vault-damaged` and left exactly as it was: nothing is written before the check passes.
 */
export function openEncryptedDatabase(path: string, key: Buffer, options: { create: boolean; journal?: 'wal' | 'delete'; check?: OpeningCheck }): Db {
  if (key.length !== VAULT_KEY_BYTES) throw new Error('vault key must be 32 bytes');
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !options.create, ...connectionOptions() });
  } catch (error) {
    if (isModuleLoadError(error)) throw moduleError(error, process.versions['electron'] ? `Electron ${process.versions['electron']}` : `Node ${process.versions.node}`);
    throw new WardscribeError('vault-damaged', `The vault file could not be opened (${(error as { code?: string }).code ?? 'unknown error'}).`);
  }
  try {
    useVaultKey(db, key);
    if (!options.create) {
      if (options.check === 'opening') assertOpensIntact(db, path, key);
      else assertIntact(db);
    }
    applyPragmas(db, options.journal ?? 'wal');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Keys a new connection: SQLCipher 4 format, readable by Zetetic's SQLCipher and other v4 implementations; the key's hex copy is zeroed. */
function useVaultKey(db: Db, key: Buffer): void {
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  const literal = rawKeyLiteral(key);
  try {
    db.key(literal);
  } finally {
    literal.fill(0);
  }
}

/**
 * Opens the vault read-only for one piece of reading work off the main connection (a search on
 * its worker thread): no check (the main connection checked it at sign-in and the background
 * check goes on), nothing that writes, and `query_only` so that not even a pragma can. The
 * caller closes it when the work is done: a reader left open would hold the file across a wipe.
 */
export function openVaultReader(path: string, key: Buffer): Db {
  if (key.length !== VAULT_KEY_BYTES) throw new Error('vault key must be 32 bytes');
  const db = new Database(path, { readonly: true, fileMustExist: true, ...connectionOptions() });
  try {
    useVaultKey(db, key);
    db.pragma('query_only = 1');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Reads every page before anything is written. Each SQLCipher page carries an HMAC, so a
 * flipped byte anywhere fails here. The key itself was authenticated by its key slot, so a
 * "not a database" error means damage, not a wrong key.
 */
function assertIntact(db: Db): void {
  let result: unknown;
  try {
    result = db.pragma('quick_check', { simple: true });
  } catch (error) {
    throw damagedError(error);
  }
  if (result !== 'ok') {
    throw new WardscribeError('vault-damaged', 'The vault failed its integrity check. It has not been changed; contact IT support to restore it from backup.');
  }
}

/**
 * The sign-in check (see OpeningCheck). The schema is read first: that authenticates the key
 * and makes SQLite roll back a hot journal left by a crash, so the file read next is the
 * committed one. Edge pages that fail their HMAC are judged again by `quick_check`, which reads
 * through SQLite and so also sees newer copies of pages still in the -wal file.
 */
function assertOpensIntact(db: Db, path: string, key: Buffer): void {
  let pageSize: number;
  let pageCount: number;
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    pageSize = db.pragma('page_size', { simple: true }) as number;
    pageCount = db.pragma('page_count', { simple: true }) as number;
  } catch (error) {
    throw damagedError(error);
  }
  if (pageCount <= FULL_CHECK_MAX_PAGES) {
    assertIntact(db);
    return;
  }
  if (edgePagesIntact(path, key, pageSize)) return;
  assertIntact(db);
}

/** Whether the file's first and last EDGE_CHECK_PAGES pages carry valid HMACs (read straight from the file). */
function edgePagesIntact(path: string, key: Buffer, pageSize: number): boolean {
  const fd = openSync(path, 'r');
  try {
    const pages = Math.floor(fstatSync(fd).size / pageSize);
    const read = (first: number, count: number): Buffer => {
      const bytes = Buffer.alloc(count * pageSize);
      const got = readSync(fd, bytes, 0, bytes.length, (first - 1) * pageSize);
      return bytes.subarray(0, got);
    };
    const head = read(1, Math.min(EDGE_CHECK_PAGES, pages));
    const hmacKey = pageHmacKey(key, head);
    try {
      if (firstDamagedPage(hmacKey, head, 1, pageSize) !== null) return false;
      const tailStart = Math.max(EDGE_CHECK_PAGES + 1, pages - EDGE_CHECK_PAGES + 1);
      if (tailStart > pages) return true;
      return firstDamagedPage(hmacKey, read(tailStart, pages - tailStart + 1), tailStart, pageSize) === null;
    } finally {
      hmacKey.fill(0);
    }
  } finally {
    closeSync(fd);
  }
}

function damagedError(error: unknown): WardscribeError {
  const code = (error as { code?: string }).code;
  // Held, not damaged: another program (a second Wardscribe, a backup or antivirus scan) has the
  // file locked. "Damaged, restore from backup" here could have IT throw away good data.
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return vaultBusyError();
  return new WardscribeError(
    'vault-damaged',
    `The vault is damaged (${(error as { code?: string }).code ?? 'unreadable'}). It has not been changed; contact IT support to restore it from backup.`,
  );
}

/** The pragmas every vault connection runs with (exported so the benchmark compares like with like). */
export function applyPragmas(db: Db, journal: 'wal' | 'delete' = 'wal'): void {
  // WAL lets an import write while the window reads. Deleted text can linger in the -wal file
  // until a TRUNCATE checkpoint, so deletions that must be final call checkpointTruncate().
  db.pragma(journal === 'wal' ? 'journal_mode = WAL' : 'journal_mode = DELETE');
  // Every commit reaches the disk before it is reported: an imported message survives a power cut.
  db.pragma('synchronous = FULL');
  // Freed pages are zeroed (on top of encryption), so deleted rows do not stay readable with the key.
  db.pragma('secure_delete = ON');
  // Temporary tables and sort spills stay in memory, never in an unencrypted temp file.
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/**
 * Re-encrypts a database file that nothing else has open under a new key, in place. Used only on
 * a fresh copy (key rotation): a crash here leaves a copy that is simply thrown away, never the
 * live vault. Rollback-journal mode, because SQLite3 Multiple Ciphers cannot rekey in WAL mode.
 */
export function rekeyDatabaseFile(path: string, currentKey: Buffer, newKey: Buffer): void {
  if (newKey.length !== VAULT_KEY_BYTES) throw new Error('vault key must be 32 bytes');
  const db = openEncryptedDatabase(path, currentKey, { create: false, journal: 'delete' });
  try {
    const literal = rawKeyLiteral(newKey);
    try {
      db.rekey(literal);
    } finally {
      literal.fill(0);
    }
  } finally {
    db.close();
  }
}

/** Bulk writers under way on each connection (see enterBulkWriteMode). */
const bulkWriters = new WeakMap<Db, number>();

/**
 * Puts a connection in rollback-journal mode for a bulk write (an import), and returns the call
 * that puts it back in WAL mode when the last bulk writer on it is done.
 *
 * SQLite3 Multiple Ciphers encrypts at the file layer, so in WAL mode a page is encrypted into
 * the -wal file, then decrypted and encrypted again when a checkpoint copies it into the vault:
 * three cipher passes (each an AES pass and an HMAC-SHA512) for every page of a 700k-message
 * import, a fifth of the import's time. In rollback-journal mode a new page is encrypted once,
 * and only the few existing pages a transaction changes are journalled. TRUNCATE rather than
 * DELETE: the journal is emptied at each commit (no old page lingers in it) without the cost of
 * deleting and recreating the file. Crash safety is the same: a hot journal is rolled back when
 * the vault is next opened, and openEncryptedDatabase() always opens in WAL mode.
 *
 * Call outside any transaction: SQLite cannot change journal mode inside one.
 */
export function enterBulkWriteMode(db: Db): () => void {
  const writers = bulkWriters.get(db) ?? 0;
  if (writers === 0) db.pragma('journal_mode = TRUNCATE');
  bulkWriters.set(db, writers + 1);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    const remaining = (bulkWriters.get(db) ?? 1) - 1;
    bulkWriters.set(db, remaining);
    if (remaining === 0 && db.open) db.pragma('journal_mode = WAL');
  };
}

/** Moves every WAL frame into the database and truncates the -wal file to zero bytes. */
export function checkpointTruncate(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * `x'<64 hex digits>'` as bytes, built without ever making the key a JS string (strings
 * cannot be zeroed). SQLCipher takes this form as a raw key and skips its passphrase KDF.
 */
function rawKeyLiteral(key: Buffer): Buffer {
  const hex = '0123456789abcdef';
  const literal = Buffer.alloc(3 + key.length * 2);
  literal[0] = 0x78; // x
  literal[1] = 0x27; // '
  for (let index = 0; index < key.length; index++) {
    const byte = key[index]!;
    literal[2 + index * 2] = hex.charCodeAt(byte >> 4);
    literal[3 + index * 2] = hex.charCodeAt(byte & 0x0f);
  }
  literal[literal.length - 1] = 0x27;
  return literal;
}

/** The vault file is locked by another program: nothing is wrong with it, and nothing was changed. */
export function vaultBusyError(): WardscribeError {
  return new WardscribeError(
    'conflict',
    'Another program on this PC is holding the vault file, so Wardscribe could not open it. Nothing was changed. Close any other Wardscribe window and try again in a moment; if it keeps happening, restart the PC or contact IT support (the vault is not damaged).',
  );
}

