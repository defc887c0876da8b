import { hashRaw } from '@node-rs/argon2';
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { WardscribeError } from '../errors';
import { VAULT_KEY_BYTES } from './sqlcipher';
import { fsyncDirectory } from '../durable-fs';
import { openKeyFileFromDisk, sealKeyFileForDisk } from './key-file-keystore';
import { withKeyFileLock } from './key-file-lock';

/**
 * The vault key, held once per user.
 *
 * Each user's slot has an X25519 key pair. The private key is wrapped with AES-256-GCM under a
 * key derived from the user's passphrase by Argon2id; the vault key is sealed to the public key
 * (ephemeral X25519 + HKDF-SHA256 + AES-256-GCM). Sealing needs no passphrase, so a key rotation
 * (main/wipe/) can give every user the new vault key while only one of them is signed in.
 * Everything a slot says about itself (vault, user, KDF parameters, public key) is GCM
 * associated data, so a slot cannot be moved to another user or vault, nor its parameters
 * weakened, without failing authentication.
 *
 * The file also keeps each user's failed sign-in count, because that must be known (and must
 * survive a restart) before the vault can be opened, and, during a key rotation, the new key
 * sealed to every user (`rotation`), so that a crash at any point can be finished from here.
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

/** AES-256-GCM output. */
const SealedBytesSchema = z.object({ nonce: Base64, ciphertext: Base64, tag: Base64 });

/** The vault key sealed to one user's public key. `generation` counts key rotations. */
const SealedVaultKeySchema = SealedBytesSchema.extend({
  generation: z.number().int().min(1),
  ephemeralPublicKey: Base64,
  /** On disk only: the ciphertext is sealed once more by the workstation keystore (key-file-keystore.ts). */
  keystoreSealed: z.literal(true).optional(),
});
export type SealedVaultKey = z.infer<typeof SealedVaultKeySchema>;

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
  /** X25519 public key, SPKI DER. */
  publicKey: Base64,
  /** The X25519 private key (PKCS#8 DER) under the passphrase-derived key. */
  privateKey: SealedBytesSchema,
  vaultKey: SealedVaultKeySchema,
});
export type KeySlot = z.infer<typeof SlotSchema>;

const FailuresSchema = z.object({
  count: z.number().int().nonnegative(),
  lastAt: z.string(),
  /**
   * The times of failures not yet written to the audit trail (it is inside the vault, closed at
   * the time): the newest MAX_UNAUDITED_STAMPS of them, in the order they were counted.
   */
  unaudited: z.array(z.string()),
  /** How many failures are not yet audited, every one of them (absent in files from before: then `unaudited.length`). */
  unauditedCount: z.number().int().nonnegative().optional(),
  /** When the first of them was counted (absent in files from before: then `unaudited[0]`). */
  unauditedSince: z.string().optional(),
});
export type SignInFailures = z.infer<typeof FailuresSchema>;

/**
 * A key rotation under way: the vault re-encrypted under a new key is complete at `file` (or
 * already renamed into place), and `sealed` holds that key for every user. Finishing it means
 * renaming the file into place and making these the slots' keys (main/vault/key-rotation.ts).
 */
const RotationSchema = z.object({
  file: z.string().min(1),
  sealed: z.record(z.string(), SealedVaultKeySchema),
});
export type PendingRotation = z.infer<typeof RotationSchema>;

const KeySlotFileSchema = z.object({
  format: z.literal('wardscribe-keyslots/2'),
  vaultId: z.string().uuid(),
  slots: z.array(SlotSchema),
  failures: z.record(z.string(), FailuresSchema),
  rotation: RotationSchema.optional(),
});
export type KeySlotFile = z.infer<typeof KeySlotFileSchema>;

export function newKeySlotFile(vaultId: string): KeySlotFile {
  return { format: 'wardscribe-keyslots/2', vaultId, slots: [], failures: {} };
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
  if ((json as { format?: unknown } | null)?.format === 'wardscribe-keyslots/1') {
    throw new WardscribeError(
      'vault-damaged',
      'The vault key file was made by a pre-release build of Wardscribe and cannot be used. It has not been changed; contact IT support.',
    );
  }
  const parsed = KeySlotFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new WardscribeError('vault-damaged', 'The vault key file is not in the expected form. It has not been changed; contact IT support.');
  }
  return openKeyFileFromDisk(path, parsed.data);
}

/** Replaces the key-slot file atomically: a crash leaves the old file or the new one, never half. */
export function writeKeySlotFile(path: string, file: KeySlotFile): void {
  const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const descriptor = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(descriptor, JSON.stringify(sealKeyFileForDisk(path, file), null, 2) + '\n');
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
  fsyncDirectory(dirname(path));
}


/** A slot whose key pair is made and whose private half is wrapped, before the vault key is sealed to it. */
export type PreparedSlot = Omit<KeySlot, 'vaultKey'>;

/**
 * The slow half of making a slot (Argon2id): a new key pair, its private half under the
 * passphrase. No vault key is involved, so this runs before any lock is taken; the vault key is
 * sealed to it at write time (sealSlot), from the vault open then.
 */
export async function prepareSlot(vaultId: string, user: { id: string; username: string }, passphrase: string, kdf: KdfParams = DEFAULT_KDF): Promise<PreparedSlot> {
  const salt = randomBytes(16);
  const pair = generateKeyPairSync('x25519');
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const header = {
    userId: user.id,
    username: user.username,
    kdf: { algorithm: 'argon2id' as const, ...kdf, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm' as const,
    publicKey,
  };
  const privateDer = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const wrappingKey = await deriveWrappingKey(passphrase, salt, kdf);
  try {
    return { ...header, privateKey: gcmSeal(wrappingKey, privateDer, slotAssociatedData(vaultId, header)) };
  } finally {
    wrappingKey.fill(0);
    privateDer.fill(0);
  }
}

/** Completes a prepared slot with the vault key sealed to it: no passphrase needed. */
export function sealSlot(vaultId: string, prepared: PreparedSlot, vaultKey: Buffer, generation: number): KeySlot {
  return { ...prepared, vaultKey: sealVaultKey(vaultId, prepared, vaultKey, generation) };
}

/** Makes a user's slot: a new key pair, its private half under the passphrase, the vault key sealed to it. */
export async function createSlot(
  vaultId: string,
  user: { id: string; username: string },
  passphrase: string,
  vaultKey: Buffer,
  kdf: KdfParams = DEFAULT_KDF,
  generation = 1,
): Promise<KeySlot> {
  return sealSlot(vaultId, await prepareSlot(vaultId, user, passphrase, kdf), vaultKey, generation);
}

/** The key generation the slots hold now (key rotations count up from 1). */
export function slotsGeneration(file: KeySlotFile): number {
  return Math.max(1, ...file.slots.map((slot) => slot.vaultKey.generation));
}

/**
 * The one way to change the key file: `change` reads the file as it is now (null if there is
 * none) and says what to write, under the key file's lock (key-file-lock.ts), so no change is
 * ever made from a stale copy. `change` runs synchronously; nothing is written if it throws.
 */
export function updateKeySlotFile<T>(path: string, change: (current: KeySlotFile | null) => { readonly write?: KeySlotFile; readonly result: T }): Promise<T> {
  return withKeyFileLock(path, () => {
    const outcome = change(readKeySlotFile(path));
    if (outcome.write) writeKeySlotFile(path, outcome.write);
    return outcome.result;
  });
}

/** Seals the vault key to a slot's public key: no passphrase needed (key rotation). */
export function sealVaultKey(vaultId: string, slot: Pick<KeySlot, 'userId' | 'publicKey'>, vaultKey: Buffer, generation: number): SealedVaultKey {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublicKey = ephemeral.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const recipient = createPublicKey({ key: Buffer.from(slot.publicKey, 'base64'), format: 'der', type: 'spki' });
  const sealingKey = sealedKeyKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralPublicKey, slot.publicKey);
  try {
    const sealed = gcmSeal(sealingKey, vaultKey, sealedKeyAssociatedData(vaultId, slot.userId, generation, ephemeralPublicKey));
    return { ...sealed, generation, ephemeralPublicKey };
  } finally {
    sealingKey.fill(0);
  }
}

/**
 * Unwraps the vault key with a passphrase: `sealed` is the slot's own key unless a rotation's
 * key is wanted. Returns null for a wrong passphrase (GCM authentication fails); the caller owns
 * the returned buffer and must zero it.
 */
export async function openSlot(vaultId: string, slot: KeySlot, passphrase: string, sealed: SealedVaultKey = slot.vaultKey): Promise<Buffer | null> {
  const privateKey = await openPrivateKey(vaultId, slot, passphrase);
  if (!privateKey) return null;
  return openSealedVaultKey(vaultId, slot, privateKey, sealed);
}

/** The slot's X25519 private key, or null for a wrong passphrase. */
export async function openPrivateKey(vaultId: string, slot: KeySlot, passphrase: string): Promise<KeyObject | null> {
  const salt = Buffer.from(slot.kdf.salt, 'base64');
  const wrappingKey = await deriveWrappingKey(passphrase, salt, slot.kdf);
  let der: Buffer | null = null;
  try {
    der = gcmOpen(wrappingKey, slot.privateKey, slotAssociatedData(vaultId, slot));
    return der ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) : null;
  } catch {
    return null;
  } finally {
    wrappingKey.fill(0);
    der?.fill(0);
  }
}

/** Opens a sealed vault key with the slot's private key; null if it does not authenticate. */
export function openSealedVaultKey(vaultId: string, slot: Pick<KeySlot, 'userId' | 'publicKey'>, privateKey: KeyObject, sealed: SealedVaultKey): Buffer | null {
  let sealingKey: Buffer | null = null;
  try {
    const ephemeral = createPublicKey({ key: Buffer.from(sealed.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    sealingKey = sealedKeyKey(diffieHellman({ privateKey, publicKey: ephemeral }), sealed.ephemeralPublicKey, slot.publicKey);
    const key = gcmOpen(sealingKey, sealed, sealedKeyAssociatedData(vaultId, slot.userId, sealed.generation, sealed.ephemeralPublicKey));
    if (key && key.length !== VAULT_KEY_BYTES) {
      key.fill(0);
      return null;
    }
    return key;
  } catch {
    return null;
  } finally {
    sealingKey?.fill(0);
  }
}

function gcmSeal(key: Buffer, plaintext: Buffer, associatedData: Buffer): z.infer<typeof SealedBytesSchema> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function gcmOpen(key: Buffer, sealed: z.infer<typeof SealedBytesSchema>, associatedData: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64'));
    decipher.setAAD(associatedData);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}

/** HKDF-SHA256 over the X25519 secret, bound to both public keys. The secret is zeroed. */
function sealedKeyKey(sharedSecret: Buffer, ephemeralPublicKey: string, recipientPublicKey: string): Buffer {
  try {
    const salt = Buffer.concat([Buffer.from(ephemeralPublicKey, 'base64'), Buffer.from(recipientPublicKey, 'base64')]);
    return Buffer.from(hkdfSync('sha256', sharedSecret, salt, 'wardscribe-sealed-vault-key/1', 32));
  } finally {
    sharedSecret.fill(0);
  }
}

/** Runs the KDF as a slot would and forgets the result: an unknown username takes as long as a known one. */
export async function spendKdf(passphrase: string, kdf: KdfParams | null): Promise<void> {
  (await deriveWrappingKey(passphrase, randomBytes(16), kdf ?? DEFAULT_KDF)).fill(0);
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

/** The slot metadata GCM authenticates with the private key, in a fixed order. */
function slotAssociatedData(vaultId: string, slot: Pick<KeySlot, 'userId' | 'username' | 'kdf' | 'cipher' | 'publicKey'>): Buffer {
  const { kdf } = slot;
  return Buffer.from(
    JSON.stringify([
      'wardscribe-keyslot/2',
      vaultId,
      slot.userId,
      slot.username,
      kdf.algorithm,
      kdf.memoryKiB,
      kdf.iterations,
      kdf.parallelism,
      kdf.salt,
      slot.cipher,
      slot.publicKey,
    ]),
    'utf8',
  );
}

function sealedKeyAssociatedData(vaultId: string, userId: string, generation: number, ephemeralPublicKey: string): Buffer {
  return Buffer.from(JSON.stringify(['wardscribe-sealed-vault-key/1', vaultId, userId, generation, ephemeralPublicKey]), 'utf8');
}
