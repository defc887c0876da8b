/**
 * A keystore seals small secrets (the audit signing key, EPR credentials, the vault's erase
 * secret) to something that a copy of the data folder and a user's passphrase do not give.
 *
 * - In Electron, main/app/ injects the OS keystore (`safeStorage`: DPAPI on Windows, Keychain on
 *   macOS, libsecret/kwallet on Linux): a sealed blob opens only for this OS account on this
 *   machine. It does not stop code running as that same OS account, nor an administrator who can
 *   read that account's keystore.
 * - On the Chromium host and in tests, `createFileKeystore` keeps a random AES-256 key in a file
 *   of its own, outside the data folder, readable only by this OS user. A copy of the data folder
 *   (a backup, a USB stick, another account's view) does not include it; anyone who can read that
 *   file, or a copy of the whole disk, does.
 *
 * Callers store the sealed bytes wherever they like (the vault, a file beside it).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WardscribeError } from '../errors';

/** How strongly a keystore holds its secrets; recorded wherever a claim depends on it. */
export type KeystoreProtection = 'os-keystore' | 'user-file';

export interface SecretKeystore {
  readonly protection: KeystoreProtection;
  /** One line for logs and documents: what holds the key. */
  readonly description: string;
  seal(plaintext: Uint8Array): Buffer;
  /** Throws KeystoreError when the blob was sealed by another keystore or altered. */
  open(sealed: Uint8Array): Buffer;
}

/** A sealed blob this keystore cannot open (another machine, another OS account, altered). */
export class KeystoreError extends WardscribeError {
  constructor(message = 'This workstation’s keystore cannot open a protected key: it was made on another computer or for another account. Contact IT support.') {
    super('vault-damaged', message);
  }
}

const FILE_KEY_NAME = 'wardscribe-keystore.key';
const BLOB_PREFIX = Buffer.from('WSK1', 'latin1');

/**
 * A keystore whose key is a 0600 file in `dir` (made on first use, mode 0700). `dir` must be
 * outside the data folder: that is the whole point.
 */
export function createFileKeystore(dir: string): SecretKeystore {
  let key: Buffer | undefined;
  const load = (): Buffer => {
    if (key) return key;
    const path = join(dir, FILE_KEY_NAME);
    try {
      key = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fresh = randomBytes(32);
      const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
      const descriptor = openSync(temporary, 'wx', 0o600);
      try {
        writeSync(descriptor, fresh);
        fsyncSync(descriptor);
      } finally {
        closeSync(descriptor);
      }
      renameSync(temporary, path);
      key = fresh;
    }
    if (key.length !== 32) throw new KeystoreError('The workstation keystore file is damaged. Contact IT support.');
    return key;
  };
  return {
    protection: 'user-file',
    description: `key file in ${dir} (readable by this OS user only)`,
    seal(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', load(), nonce);
      cipher.setAAD(BLOB_PREFIX);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([BLOB_PREFIX, nonce, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      const blob = Buffer.from(sealed);
      if (blob.length < 32 || !blob.subarray(0, 4).equals(BLOB_PREFIX)) throw new KeystoreError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', load(), blob.subarray(4, 16));
        decipher.setAAD(BLOB_PREFIX);
        decipher.setAuthTag(blob.subarray(16, 32));
        return Buffer.concat([decipher.update(blob.subarray(32)), decipher.final()]);
      } catch {
        throw new KeystoreError();
      }
    },
  };
}

/**
 * Where the Chromium host and the tests keep their keystore when none is injected: a sibling of
 * the data folder (`<dataDir>.keystore`), so that copying the data folder does not copy it.
 */
export function defaultKeystoreDir(dataDir: string): string {
  return `${dataDir.replace(/[\\/]+$/, '')}.keystore`;
}

// The keystore of each open vault's connection, so storage layers that only see a Db (the
// settings registry) can seal and open secrets without every caller threading it through.
const keystores = new WeakMap<object, SecretKeystore>();

/** Binds a keystore to an open database connection (done when the session opens the vault). */
export function bindKeystore(db: object, keystore: SecretKeystore): void {
  keystores.set(db, keystore);
}

/** The keystore bound to a connection; throws when there is none (a secret must never be stored in the clear). */
export function keystoreOf(db: object): SecretKeystore {
  const keystore = keystores.get(db);
  if (!keystore) throw new WardscribeError('internal', 'No keystore is bound to this vault connection.');
  return keystore;
}

/** The keystore bound to a connection, or undefined. */
export function boundKeystore(db: object): SecretKeystore | undefined {
  return keystores.get(db);
}

const SEALED_TEXT_PREFIX = 'keystore:';

/** Text sealed by the keystore, as a string that can sit inside a JSON setting. */
export function sealText(keystore: SecretKeystore, text: string): string {
  return SEALED_TEXT_PREFIX + keystore.seal(Buffer.from(text, 'utf8')).toString('base64');
}

/** True for a value made by sealText. */
export function isSealedText(value: string): boolean {
  return value.startsWith(SEALED_TEXT_PREFIX);
}

/** Opens sealText's output. */
export function openText(keystore: SecretKeystore, sealed: string): string {
  if (!isSealedText(sealed)) throw new KeystoreError('A protected setting is not in the sealed form.');
  const bytes = keystore.open(Buffer.from(sealed.slice(SEALED_TEXT_PREFIX.length), 'base64'));
  try {
    return bytes.toString('utf8');
  } finally {
    bytes.fill(0);
  }
}
