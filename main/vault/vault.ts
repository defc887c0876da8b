import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import type { UserSummary } from '../../shared/domain/users';
import { WardscribeError } from '../errors';
import { DEFAULT_KDF, createSlot, newKeySlotFile, openSlot, readKeySlotFile, writeKeySlotFile, type KdfParams, type KeySlotFile } from './key-slots';
import { finishInterruptedRotation, prepareRotation, type RotationHooks } from './key-rotation';
import { migrate } from './migrate';
import { getUserByUsername, insertUser } from './queries/users';
import { getVaultMeta, setVaultMeta } from './queries/vault-meta';
import { checkpointTruncate, openEncryptedDatabase, VAULT_KEY_BYTES, type Db } from './sqlcipher';
import { companionFiles, type VaultFiles } from './vault-files';

/** An unlocked vault. Whoever holds it must `close()` it, which zeroes the key. */
export class OpenVault {
  #closed = false;

  constructor(
    readonly db: Db,
    readonly vaultId: string,
    readonly files: VaultFiles,
    /** The raw vault key; zeroed on close. Needed to add users' key slots. */
    readonly key: Buffer,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      checkpointTruncate(this.db);
    } finally {
      this.db.close();
      this.key.fill(0);
    }
  }
}

export type VaultPresence = 'absent' | 'present';

/**
 * Whether a vault exists here. A first run interrupted before the vault was renamed into place
 * left at most a `.creating` database and a key file: no data was ever stored, so both go.
 */
export function vaultPresence(files: VaultFiles): VaultPresence {
  const hasDatabase = existsSync(files.database);
  const hasSlots = existsSync(files.keySlots);
  if (hasDatabase && hasSlots) {
    // A key rotation cut short by a crash is finished before anything reads the vault.
    finishInterruptedRotation(files);
    return 'present';
  }
  if (hasDatabase) {
    throw new WardscribeError('vault-damaged', 'The vault key file is missing, so the vault cannot be opened. It has not been changed; contact IT support.');
  }
  if (existsSync(files.creating)) {
    for (const path of [files.creating, ...companionFiles(files.creating), files.keySlots]) rmSync(path, { force: true });
    return 'absent';
  }
  if (hasSlots) {
    throw new WardscribeError('vault-damaged', `The vault file is missing from ${files.dir}. Nothing has been changed; contact IT support.`);
  }
  return 'absent';
}

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly passphrase: string;
}

/**
 * First run: a new vault with a random key, its schema, and the first administrator. The
 * database is built under a temporary name and renamed into place only after its key slot is
 * on disk, so a crash never leaves a vault nobody can open.
 */
export async function createVault(files: VaultFiles, admin: NewUser, now: Date, kdf: KdfParams = DEFAULT_KDF): Promise<{ vault: OpenVault; user: UserSummary }> {
  if (vaultPresence(files) === 'present') throw new WardscribeError('conflict', 'This workstation already has a vault.');
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const vaultId = randomUUID();
  const key = randomBytes(VAULT_KEY_BYTES);
  const user: UserSummary = {
    id: randomUUID(),
    username: admin.username,
    displayName: admin.displayName,
    role: 'admin',
    disabled: false,
    mustChangePassphrase: false,
  };
  try {
    const db = openEncryptedDatabase(files.creating, key, { create: true });
    try {
      migrate(db);
      db.transaction(() => {
        setVaultMeta(db, 'vault_id', vaultId);
        insertUser(db, user, now);
      })();
      checkpointTruncate(db);
    } finally {
      db.close();
    }
    const slots = newKeySlotFile(vaultId);
    slots.slots.push(await createSlot(vaultId, user, admin.passphrase, key, kdf));
    writeKeySlotFile(files.keySlots, slots);
    renameSync(files.creating, files.database);
    return { vault: openVault(files, key, vaultId), user };
  } catch (error) {
    key.fill(0);
    throw error;
  }
}

/** Opens the vault with a key already unwrapped from a slot, and checks the pair belong together. */
export function openVault(files: VaultFiles, key: Buffer, vaultId: string): OpenVault {
  const db = openEncryptedDatabase(files.database, key, { create: false });
  try {
    migrate(db);
    if (getVaultMeta(db, 'vault_id') !== vaultId) {
      throw new WardscribeError('vault-damaged', 'The vault key file belongs to a different vault. Nothing has been changed; contact IT support.');
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return new OpenVault(db, vaultId, files, key);
}

export type UnlockOutcome =
  | { readonly kind: 'unlocked'; readonly vault: OpenVault; readonly user: UserSummary; readonly unauditedFailures: readonly string[] }
  | { readonly kind: 'wrong-passphrase'; readonly failures: number }
  | { readonly kind: 'unknown-user' };

/**
 * Tries a user's passphrase. A wrong one is counted in the key file (so the backoff survives a
 * restart) and changes nothing else; the vault file is not even opened.
 */
export async function unlockVault(files: VaultFiles, username: string, passphrase: string, now: Date): Promise<UnlockOutcome> {
  finishInterruptedRotation(files);
  const slotFile = requireSlots(files);
  const slot = slotFile.slots.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase());
  if (!slot) return { kind: 'unknown-user' };
  const key = await openSlot(slotFile.vaultId, slot, passphrase);
  if (!key) {
    const previous = slotFile.failures[slot.username];
    const failures = (previous?.count ?? 0) + 1;
    slotFile.failures[slot.username] = {
      count: failures,
      lastAt: now.toISOString(),
      unaudited: [...(previous?.unaudited ?? []), now.toISOString()].slice(-100),
    };
    writeKeySlotFile(files.keySlots, slotFile);
    return { kind: 'wrong-passphrase', failures };
  }
  let vault: OpenVault;
  try {
    vault = openVault(files, key, slotFile.vaultId);
  } catch (error) {
    key.fill(0);
    throw error;
  }
  const user = getUserByUsername(vault.db, slot.username);
  if (!user || user.id !== slot.userId || user.disabled) {
    vault.close();
    throw new WardscribeError('forbidden', 'This account is disabled. Ask an administrator to re-enable it.');
  }
  const unauditedFailures = slotFile.failures[slot.username]?.unaudited ?? [];
  if (slotFile.failures[slot.username]) {
    delete slotFile.failures[slot.username];
    writeKeySlotFile(files.keySlots, slotFile);
  }
  return { kind: 'unlocked', vault, user, unauditedFailures };
}

/** The recorded failures for a username (for the backoff check before trying a passphrase). */
export function signInFailures(files: VaultFiles, username: string): { count: number; lastAt: Date } | null {
  const slotFile = requireSlots(files);
  const entry = Object.entries(slotFile.failures).find(([name]) => name.toLowerCase() === username.toLowerCase())?.[1];
  return entry ? { count: entry.count, lastAt: new Date(entry.lastAt) } : null;
}

/**
 * Re-encrypts the vault under a new random key (main/vault/key-rotation.ts) and returns it open
 * under that key; `vault` is closed and its key zeroed. If the rotation fails before the switch,
 * `vault` is still open and unchanged; if it fails after (the disk refused a rename), `vault` is
 * closed and the rotation is finished at the next sign-in.
 */
export function rotateVaultKey(vault: OpenVault, hooks: RotationHooks = {}): OpenVault {
  const newKey = prepareRotation(vault, hooks);
  try {
    vault.close();
    hooks.afterStep?.('closed');
    finishInterruptedRotation(vault.files, hooks);
    return openVault(vault.files, newKey, vault.vaultId);
  } catch (error) {
    newKey.fill(0);
    throw error;
  }
}

/** Adds or replaces a user's key slot. Changing one passphrase rewraps only that slot. */
export async function putSlot(vault: OpenVault, user: Pick<UserSummary, 'id' | 'username'>, passphrase: string, kdf: KdfParams = DEFAULT_KDF): Promise<void> {
  const slotFile = requireSlots(vault.files);
  // The new slot gets the key every other slot has now, under the same generation number.
  const generation = Math.max(1, ...slotFile.slots.map((existing) => existing.vaultKey.generation));
  const slot = await createSlot(vault.vaultId, user, passphrase, vault.key, kdf, generation);
  slotFile.slots = [...slotFile.slots.filter((existing) => existing.userId !== user.id), slot];
  delete slotFile.failures[user.username];
  writeKeySlotFile(vault.files.keySlots, slotFile);
}

/** Removes a user's key slot: a disabled user's passphrase no longer opens anything. */
export function removeSlot(vault: OpenVault, userId: string): void {
  const slotFile = requireSlots(vault.files);
  slotFile.slots = slotFile.slots.filter((slot) => slot.userId !== userId);
  writeKeySlotFile(vault.files.keySlots, slotFile);
}

/** Checks a user's current passphrase without touching the failure count. */
export async function passphraseOpensSlot(vault: OpenVault, userId: string, passphrase: string): Promise<boolean> {
  const slot = requireSlots(vault.files).slots.find((candidate) => candidate.userId === userId);
  if (!slot) return false;
  const key = await openSlot(vault.vaultId, slot, passphrase);
  key?.fill(0);
  return key !== null;
}

function requireSlots(files: VaultFiles): KeySlotFile {
  const slotFile = readKeySlotFile(files.keySlots);
  if (!slotFile) throw new WardscribeError('not-signed-in', 'No vault has been set up on this workstation yet.');
  return slotFile;
}
