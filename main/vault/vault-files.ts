import { join } from 'node:path';

/** The files that make up a vault, all in one folder. */
export interface VaultFiles {
  readonly dir: string;
  /** The SQLCipher database. */
  readonly database: string;
  /** Per-user key slots and sign-in backoff; holds no patient data and no usable key. */
  readonly keySlots: string;
  /** A database being created by first run; renamed into place only once its key slot exists. */
  readonly creating: string;
  /** The vault re-encrypted under a new key, before it is renamed into place (key rotation). */
  readonly rekeyed: string;
}

export function vaultFiles(dir: string): VaultFiles {
  return {
    dir,
    database: join(dir, 'wardscribe.vault'),
    keySlots: join(dir, 'wardscribe.keyslots.json'),
    creating: join(dir, 'wardscribe.vault.creating'),
    rekeyed: join(dir, 'wardscribe.vault.rekeyed'),
  };
}

/** SQLite's companion files for a database path; all are scanned by the canary tests. */
export function companionFiles(database: string): string[] {
  return [`${database}-wal`, `${database}-shm`, `${database}-journal`];
}
