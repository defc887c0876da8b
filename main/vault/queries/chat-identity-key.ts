import type { Db } from '../sqlcipher';

/**
 * The key chat identity fingerprints are made with (migration 0008): random, made by SQLite,
 * kept only in the vault. A copy is returned; callers zero it when done.
 */
export function readChatIdentityKey(db: Db): Buffer {
  const row = db.prepare('SELECT key FROM chat_identity_key WHERE id = 1').get() as { key: Buffer } | undefined;
  if (!row) throw new Error('the vault has no chat identity key');
  return Buffer.from(row.key);
}
