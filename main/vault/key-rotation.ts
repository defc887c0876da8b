/**
 * Vault key rotation: the cryptographic erase behind a secure wipe (NIST SP 800-88 "purge").
 *
 * Deleted rows are zeroed by secure_delete, but on SSDs and journaling file systems older copies
 * of pages survive where SQLite cannot reach them. They are ciphertext under the vault key, so
 * the vault is copied under a new random key, every user's slot gets the new key sealed to it,
 * and the old key is zeroed: the stale copies can no longer be decrypted by anyone.
 *
 * The live vault file is never changed in place. The steps, each safe to die after:
 *   1. `VACUUM INTO` a fresh copy (same key; VACUUM leaves no free pages behind), then re-encrypt
 *      the copy under the new key and fsync it. A crash leaves a stray copy: deleted at the next
 *      start, the old vault untouched.
 *   2. Write the key-slot file with `rotation`: the copy's name and the new key sealed to every
 *      user. From here the rotation is finished, not undone.
 *   3. Close the vault (zeroing the old key), rename the copy over it, fsync the folder.
 *   4. Make the sealed keys the slots' keys and drop `rotation`.
 * prepareRotation() does 1 and 2, rotateVaultKey() in vault.ts the rest; finishInterruptedRotation()
 * completes 3 and 4 after a crash, before anyone signs in. All of it runs holding the key file's
 * lock (key-file-lock.ts), from the first read of the key file to the last write: another
 * process (a second OS user on a machine-wide vault) finishes a rotation only when the one doing
 * it has died, never while it is under way.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { WardscribeError } from '../errors';
import { readKeySlotFile, sealVaultKey, slotsGeneration, writeKeySlotFile, type SealedVaultKey } from './key-slots';
import { withKeyFileLock } from './key-file-lock';
import { getVaultMeta } from './queries/vault-meta';
import { checkpointTruncate, openEncryptedDatabase, rekeyDatabaseFile, VAULT_KEY_BYTES, type Db } from './sqlcipher';
import { companionFiles, type VaultFiles } from './vault-files';
import { fsyncDirectory, fsyncFile } from '../durable-fs';

/** Points a test can stop at (kill -9) to prove each is safe. */
export type RotationStep = 'copied' | 'rekeyed' | 'prepared' | 'closed' | 'renamed' | 'promoted';

export interface RotationHooks {
  readonly afterStep?: (step: RotationStep) => void;
}

/**
 * Steps 1 and 2: a copy of the vault under a new random key, and the key sealed to every user in
 * the key-slot file. Returns the new key (the caller zeroes it). On failure nothing has changed:
 * the copy is removed and the vault was never written to. Call holding the key file's lock.
 */
export function prepareRotation(
  vault: { readonly db: Db; readonly key: Buffer; readonly vaultId: string; readonly files: VaultFiles; readonly generation: number },
  hooks: RotationHooks = {},
): Buffer {
  const { files } = vault;
  const slotFile = readKeySlotFile(files.keySlots);
  if (!slotFile || slotFile.vaultId !== vault.vaultId) throw new WardscribeError('vault-damaged', 'The vault key file does not match the open vault.');
  if (slotFile.rotation) throw new WardscribeError('conflict', 'A key rotation is already under way.');
  // Another process re-encrypted the vault since this one opened it: this key no longer opens the live file.
  if (slotsGeneration(slotFile) !== vault.generation) throw staleVaultError();
  const generation = slotsGeneration(slotFile) + 1;

  removeCopy(files);
  const newKey = randomBytes(VAULT_KEY_BYTES);
  try {
    // Nothing may be written between the copy and the switch: this and the caller's close are
    // synchronous, and the caller has stopped background work.
    checkpointTruncate(vault.db);
    vault.db.prepare('VACUUM INTO ?').run(files.rekeyed);
    hooks.afterStep?.('copied');
    rekeyDatabaseFile(files.rekeyed, vault.key, newKey);
    fsyncFile(files.rekeyed);
    assertCopyOpens(files, newKey, vault.vaultId);
    hooks.afterStep?.('rekeyed');

    const sealed: Record<string, SealedVaultKey> = {};
    for (const slot of slotFile.slots) sealed[slot.userId] = sealVaultKey(vault.vaultId, slot, newKey, generation);
    writeKeySlotFile(files.keySlots, { ...slotFile, rotation: { file: basename(files.rekeyed), sealed } });
    hooks.afterStep?.('prepared');
    return newKey;
  } catch (error) {
    newKey.fill(0);
    removeCopy(files);
    throw error;
  }
}

/** The refusal when the open vault is no longer the one the key file describes. */
export function staleVaultError(): WardscribeError {
  return new WardscribeError('conflict', 'The vault was re-encrypted by another Wardscribe session while you were signed in. Nothing was changed; sign in again and retry.');
}

/** finishInterruptedRotation() under the key file's lock: for anyone about to open the vault. */
export function recoverInterruptedRotation(files: VaultFiles, hooks: RotationHooks = {}): Promise<boolean> {
  return withKeyFileLock(files.keySlots, () => finishInterruptedRotation(files, hooks));
}

/**
 * Completes a rotation cut short after its key-slot file was written (steps 3 and 4), and
 * removes a copy left by one cut short before. Call with the vault closed, before unlocking,
 * holding the key file's lock (or use recoverInterruptedRotation()). Returns true if there was
 * anything to finish.
 */
export function finishInterruptedRotation(files: VaultFiles, hooks: RotationHooks = {}): boolean {
  const slotFile = readKeySlotFile(files.keySlots);
  if (!slotFile?.rotation) {
    if (!existsSync(files.rekeyed)) return false;
    removeCopy(files);
    return true;
  }
  const copy = join(files.dir, slotFile.rotation.file);
  if (copy !== files.rekeyed) throw new WardscribeError('vault-damaged', 'The vault key file names an unexpected file. Nothing has been changed; contact IT support.');
  if (existsSync(copy)) {
    // The old vault's WAL was checkpointed to nothing before the copy was made; a -wal with
    // frames in it would mean writes the copy lacks, so the switch stops rather than lose them.
    const wal = `${files.database}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new WardscribeError('vault-damaged', 'A key rotation was interrupted with unsaved changes in the vault journal. Nothing has been changed; contact IT support.');
    }
    for (const companion of companionFiles(files.database)) rmSync(companion, { force: true });
    renameSync(copy, files.database);
    fsyncDirectory(dirname(files.database));
    hooks.afterStep?.('renamed');
  }
  const { rotation, ...rest } = slotFile;
  writeKeySlotFile(files.keySlots, {
    ...rest,
    slots: rest.slots.map((slot) => {
      const sealed = rotation.sealed[slot.userId];
      if (!sealed) throw new WardscribeError('vault-damaged', 'A key rotation left a user without a key. Nothing has been changed; contact IT support.');
      return { ...slot, vaultKey: sealed };
    }),
  });
  hooks.afterStep?.('promoted');
  return true;
}

/** The copy must open under the new key, pass its check, and be the same vault; else nothing switches. */
function assertCopyOpens(files: VaultFiles, key: Buffer, vaultId: string): void {
  // A file that is readable as plain SQLite would mean the copy was never encrypted.
  const header = Buffer.alloc(16);
  const descriptor = openSync(files.rekeyed, 'r');
  try {
    readSync(descriptor, header, 0, 16, 0);
  } finally {
    closeSync(descriptor);
  }
  if (header.toString('latin1') === 'SQLite format 3\u0000') throw new Error('the re-encrypted vault copy is not encrypted');
  const db = openEncryptedDatabase(files.rekeyed, key, { create: false, journal: 'delete' });
  try {
    if (getVaultMeta(db, 'vault_id') !== vaultId) throw new Error('the re-encrypted vault copy is not this vault');
  } finally {
    db.close();
  }
}

function removeCopy(files: VaultFiles): void {
  for (const path of [files.rekeyed, ...companionFiles(files.rekeyed)]) rmSync(path, { force: true });
}
