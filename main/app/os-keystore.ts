/**
 * The OS keystore behind Electron's safeStorage: DPAPI on Windows, the Keychain on macOS,
 * libsecret or kwallet on Linux. A sealed blob opens only for this OS account on this machine,
 * so a copy of the data folder (or a whole disk image without the account's login secret) does
 * not open the audit signing key, the EPR credentials or the vault's erase secret. Code running as
 * the same OS account can still ask safeStorage to open them: that is its limit.
 */
import { safeStorage } from 'electron';
import { KeystoreError, type SecretKeystore } from '../security/keystore';

/**
 * The OS keystore, or undefined when there is none worth the name (safeStorage unavailable, or
 * Linux with no secret service, where Chromium falls back to a fixed, public password).
 * Call after app 'ready'.
 */
export function createOsKeystore(): SecretKeystore | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined;
  const backend = process.platform === 'win32' ? 'DPAPI' : process.platform === 'darwin' ? 'Keychain' : `Linux secret service (${safeStorage.getSelectedStorageBackend()})`;
  return {
    protection: 'os-keystore',
    description: `OS keystore: ${backend}, this OS account only`,
    // safeStorage takes strings: the bytes travel as base64.
    seal: (plaintext) => safeStorage.encryptString(Buffer.from(plaintext).toString('base64')),
    open: (sealed) => {
      try {
        return Buffer.from(safeStorage.decryptString(Buffer.from(sealed)), 'base64');
      } catch {
        throw new KeystoreError();
      }
    },
  };
}
