import { hashRaw } from '@node-rs/argon2';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { WardscribeError } from '../errors';
import { VAULT_KEY_BYTES } from './sqlcipher';

/**
 * The vault key, wrapped once per user. Each slot holds the key encrypted with AES-256-GCM
 * under a key derived from that user's passphrase by Argon2id; the slot's metadata (vault id,
 * user, KDF parameters, salt) is the GCM associated data, so a slot cannot be moved to another
 * user or vault, nor its parameters weakened, without failing authentication.
 *
 * The file also keeps each user's failed sign-in count, because that must be known (and must
 * survive a restart) before the vault can be opened.
 */

export interface KdfParams {
  /** Argon2id memory in KiB. */
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** About half a second on a two-core ward PC (see bench). The floor is m=19 MiB, t=2. */
export const DEFAULT_KDF: KdfParams = { memoryKiB: 131_072, iterations: 6, parallelism: 1 };
export const MINIMUM_KDF: KdfParams = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

const SlotSchema = z.object({
  userId: z.string().min(1),
  username: z.string().min(1),
  kdf: z.object({
    algorithm: z.literal('argon2id'),
    memoryKiB: z.number().int().min(MINIMUM_KDF.memoryKiB),
    iterations: z.number().int().min(MINIMUM_KDF.iterations),
    parallelism: z.number().int().min(1).max(16),
    salt: Base64,
  }),
  cipher: z.literal('aes-256-gcm'),
  nonce: Base64,
  wrappedKey: Base64,
  tag: Base64,
});
export type KeySlot = z.infer<typeof SlotSchema>;

const FailuresSchema = z.object({
  count: z.number().int().nonnegative(),
  lastAt: z.string(),
  /** Failures not yet written to the audit trail (it is inside the vault, closed at the time). */
  unaudited: z.array(z.string()),
});
export type SignInFailures = z.infer<typeof FailuresSchema>;

const KeySlotFileSchema = z.object({
  format: z.literal('wardscribe-keyslots/1'),
  vaultId: z.string().uuid(),
  slots: z.array(SlotSchema),
  failures: z.record(z.string(), FailuresSchema),
});
export type KeySlotFile = z.infer<typeof KeySlotFileSchema>;

export function newKeySlotFile(vaultId: string): KeySlotFile {
  return { format: 'wardscribe-keyslots/1', vaultId, slots: [], failures: {} };
}

/** Reads the key-slot file; null if there is none. A malformed file is reported, never replaced. */
export function readKeySlotFile(path: string): KeySlotFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WardscribeError('vault-damaged', 'The vault key file is damaged. It has not been changed; contact IT support.');
  }
  const parsed = KeySlotFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new WardscribeError('vault-damaged', 'The vault key file is not in the expected form. It has not been changed; contact IT support.');
  }
  return parsed.data;
}

/** Replaces the key-slot file atomically: a crash leaves the old file or the new one, never half. */
export function writeKeySlotFile(path: string, file: KeySlotFile): void {
  const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const descriptor = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(descriptor, JSON.stringify(file, null, 2) + '\n');
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
  fsyncDirectory(dirname(path));
}

function fsyncDirectory(dir: string): void {
  // Makes the rename itself durable. Windows cannot open a directory; NTFS journals renames.
  if (process.platform === 'win32') return;
  const descriptor = openSync(dir, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Wraps the vault key for one user. */
export async function createSlot(
  vaultId: string,
  user: { id: string; username: string },
  passphrase: string,
  vaultKey: Buffer,
  kdf: KdfParams = DEFAULT_KDF,
): Promise<KeySlot> {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const header = {
    userId: user.id,
    username: user.username,
    kdf: { algorithm: 'argon2id' as const, ...kdf, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm' as const,
    nonce: nonce.toString('base64'),
  };
  const wrappingKey = await deriveWrappingKey(passphrase, salt, kdf);
  try {
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce);
    cipher.setAAD(associatedData(vaultId, header));
    const wrapped = Buffer.concat([cipher.update(vaultKey), cipher.final()]);
    return { ...header, wrappedKey: wrapped.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  } finally {
    wrappingKey.fill(0);
  }
}

/**
 * Unwraps the vault key with a passphrase. Returns null for a wrong passphrase (GCM
 * authentication fails); the caller owns the returned buffer and must zero it.
 */
export async function openSlot(vaultId: string, slot: KeySlot, passphrase: string): Promise<Buffer | null> {
  const salt = Buffer.from(slot.kdf.salt, 'base64');
  const wrappingKey = await deriveWrappingKey(passphrase, salt, slot.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, Buffer.from(slot.nonce, 'base64'));
    decipher.setAAD(associatedData(vaultId, slot));
    decipher.setAuthTag(Buffer.from(slot.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(slot.wrappedKey, 'base64')), decipher.final()]);
    if (key.length !== VAULT_KEY_BYTES) {
      key.fill(0);
      return null;
    }
    return key;
  } catch {
    return null;
  } finally {
    wrappingKey.fill(0);
  }
}

async function deriveWrappingKey(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  return hashRaw(passphrase.normalize('NFC'), {
    algorithm: 2, // Argon2id
    salt,
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.iterations,
    parallelism: kdf.parallelism,
    outputLen: 32,
  });
}

/** The slot metadata GCM authenticates: everything but the ciphertext and tag, in a fixed order. */
function associatedData(vaultId: string, slot: Pick<KeySlot, 'userId' | 'username' | 'kdf' | 'cipher' | 'nonce'>): Buffer {
  const { kdf } = slot;
  return Buffer.from(
    JSON.stringify([
      'wardscribe-keyslot/1',
      vaultId,
      slot.userId,
      slot.username,
      kdf.algorithm,
      kdf.memoryKiB,
      kdf.iterations,
      kdf.parallelism,
      kdf.salt,
      slot.cipher,
      slot.nonce,
    ]),
    'utf8',
  );
}
