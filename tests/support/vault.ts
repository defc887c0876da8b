import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { MINIMUM_KDF } from '../../main/vault/key-slots';
import type { Db } from '../../main/vault/sqlcipher';
import { createVault, type OpenVault } from '../../main/vault/vault';
import { companionFiles, vaultFiles, type VaultFiles } from '../../main/vault/vault-files';
import { tempDir } from './temp';

export const ADMIN = { username: 'admin', displayName: 'Ada Admin', passphrase: 'correct horse battery staple' };

/** A fresh vault with its first admin, built with the cheapest permitted Argon2id cost. */
export async function freshVault(): Promise<{ files: VaultFiles; vault: OpenVault; remove: () => void }> {
  const dir = tempDir('wardscribe-vault-');
  const files = vaultFiles(dir.path);
  const { vault } = await createVault(files, ADMIN, new Date('2026-11-24T09:00:00Z'), MINIMUM_KDF);
  return { files, vault, remove: dir.remove };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Counts occurrences of `needle` (UTF-8 and UTF-16LE) in the vault file and every companion file. */
export function countPlaintext(database: string, needle: string): number {
  let hits = 0;
  for (const path of [database, ...companionFiles(database)]) {
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    for (const encoded of [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]) {
      let from = 0;
      for (;;) {
        const at = bytes.indexOf(encoded, from);
        if (at < 0) break;
        hits++;
        from = at + 1;
      }
    }
  }
  return hits;
}

/**
 * For tests that need only a migrated vault's database: opens a fresh vault and registers its
 * closing and removal with the caller's cleanup list.
 */
export async function freshVaultDb(cleanups: (() => void)[]): Promise<Db> {
  const fresh = await freshVault();
  cleanups.push(fresh.remove, () => fresh.vault.close());
  return fresh.vault.db;
}
