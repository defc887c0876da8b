import type { Db } from '../sqlcipher';

/** vault_meta: a few facts about the vault itself (its id). */
export function getVaultMeta(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM vault_meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

export function setVaultMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO vault_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
