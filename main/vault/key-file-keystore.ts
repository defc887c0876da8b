/**
 * The vault key as each slot seals it is sealed once more by the workstation keystore before the
 * key file goes to disk, and opened when it is read (key-slots.ts calls these two functions).
 *
 * Why: the key file is replaced by rename at every change, so stale copies of old key files stay
 * on the disk (and in backups). Without this, a stale copy opened with a user's *current*
 * passphrase gave the pre-wipe vault key, and a stale copy of the vault read back wiped text. With
 * it, a stale copy is useless without this workstation's keystore (the OS keystore in Electron,
 * a key file outside the data folder on the Chromium host): the purge a wipe certifies holds
 * against copies of the data folder. Its limit is the keystore's (docs/architecture.md).
 *
 * Only key files whose path has a keystore bound (the session binds its own) are sealed this way;
 * a file written without one stays as it was, and is sealed at the next write with one.
 */
import { resolve } from 'node:path';
import { KeystoreError, type SecretKeystore } from '../security/keystore';
import type { KeySlotFile, SealedVaultKey } from './key-slots';

const bound = new Map<string, SecretKeystore>();

/** From now on, the key file at `path` is sealed and opened with `keystore`. */
export function bindKeyFileKeystore(path: string, keystore: SecretKeystore): void {
  bound.set(resolve(path), keystore);
}

/** The key file as it goes to disk: every sealed vault key's ciphertext sealed by the keystore. */
export function sealKeyFileForDisk(path: string, file: KeySlotFile): KeySlotFile {
  const keystore = bound.get(resolve(path));
  if (!keystore) return file;
  return mapSealed(file, (sealed) =>
    sealed.keystoreSealed ? sealed : { ...sealed, ciphertext: keystore.seal(Buffer.from(sealed.ciphertext, 'base64')).toString('base64'), keystoreSealed: true },
  );
}

/** The key file as read from disk, with the keystore's layer removed. */
export function openKeyFileFromDisk(path: string, file: KeySlotFile): KeySlotFile {
  const keystore = bound.get(resolve(path));
  return mapSealed(file, (sealed) => {
    if (!sealed.keystoreSealed) return sealed;
    if (!keystore) throw new KeystoreError('The vault key file is sealed by a workstation keystore that is not available here. It has not been changed; contact IT support.');
    const { keystoreSealed: _sealed, ...rest } = sealed;
    return { ...rest, ciphertext: keystore.open(Buffer.from(sealed.ciphertext, 'base64')).toString('base64') };
  });
}

function mapSealed(file: KeySlotFile, map: (sealed: SealedVaultKey) => SealedVaultKey): KeySlotFile {
  return {
    ...file,
    slots: file.slots.map((slot) => ({ ...slot, vaultKey: map(slot.vaultKey) })),
    ...(file.rotation ? { rotation: { ...file.rotation, sealed: Object.fromEntries(Object.entries(file.rotation.sealed).map(([userId, sealed]) => [userId, map(sealed)])) } } : {}),
  };
}
