/**
 * Checks the vault file's pages against their SQLCipher 4 HMACs without SQLite: a flipped byte,
 * a torn or truncated write, or a page from another file fails its HMAC. Reading the file
 * directly (never through a connection) lets the whole file be checked in the background in
 * small async steps: no read transaction is held open (checkpoints and wipes are never held
 * up) and no second key-bearing connection exists.
 *
 * The format (SQLCipher 4 defaults, which openEncryptedDatabase sets with `legacy=4`): each page
 * ends with a 16-byte IV and a 64-byte HMAC-SHA512 over the page's ciphertext, the IV and the
 * page number (4 bytes, little-endian); page 1 starts with the 16-byte salt, outside the HMAC.
 * With a raw key, the HMAC key is PBKDF2-HMAC-SHA512(key, salt XOR 0x3a, 2 iterations, 32 bytes).
 * tests/unit/session/background-integrity.test.ts checks it against files SQLite wrote.
 *
 * What it does not see: frames still in the -wal file (SQLite authenticates those as it reads
 * them), and a page replaced whole by an older version of itself (its HMAC still holds; the
 * b-tree check of `quick_check` may catch that, which sign-in runs in full on small vaults).
 */
import { createHmac, pbkdf2Sync } from 'node:crypto';

const SALT_BYTES = 16;
const HMAC_BYTES = 64;
const HMAC_SALT_MASK = 0x3a;
const FAST_KDF_ITERATIONS = 2;
const HMAC_KEY_BYTES = 32;

/** The HMAC key of a vault file, from its raw key and the salt at the start of page 1. Zero it when done. */
export function pageHmacKey(vaultKey: Buffer, firstPage: Buffer): Buffer {
  if (firstPage.length < SALT_BYTES) throw new Error('the vault file is shorter than its salt');
  const salt = Buffer.from(firstPage.subarray(0, SALT_BYTES));
  for (let index = 0; index < salt.length; index++) salt[index] = salt[index]! ^ HMAC_SALT_MASK;
  return pbkdf2Sync(vaultKey, salt, FAST_KDF_ITERATIONS, HMAC_KEY_BYTES, 'sha512');
}

/** Whether one page (its bytes as on disk) carries a valid HMAC for its number. */
export function pageIntact(hmacKey: Buffer, page: Buffer, pageNumber: number): boolean {
  if (page.length <= SALT_BYTES + HMAC_BYTES) return false;
  const start = pageNumber === 1 ? SALT_BYTES : 0;
  const end = page.length - HMAC_BYTES;
  const number = Buffer.alloc(4);
  number.writeUInt32LE(pageNumber);
  const mac = createHmac('sha512', hmacKey).update(page.subarray(start, end)).update(number).digest();
  return mac.equals(page.subarray(end));
}

/**
 * The first page in `bytes` (consecutive pages, the first of them numbered `firstPageNumber`)
 * whose HMAC fails, or null. A trailing part-page counts as a failure (a truncated write).
 */
export function firstDamagedPage(hmacKey: Buffer, bytes: Buffer, firstPageNumber: number, pageSize: number): number | null {
  const pages = Math.ceil(bytes.length / pageSize);
  for (let index = 0; index < pages; index++) {
    const page = bytes.subarray(index * pageSize, (index + 1) * pageSize);
    if (page.length !== pageSize || !pageIntact(hmacKey, page, firstPageNumber + index)) return firstPageNumber + index;
  }
  return null;
}
