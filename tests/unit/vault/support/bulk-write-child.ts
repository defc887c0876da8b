import { enterBulkWriteMode, openEncryptedDatabase } from '../../../../main/vault/sqlcipher';

/**
 * Child for bulk-write-mode.test.ts: opens the vault, enters bulk write mode and, inside a write
 * transaction big enough to spill pages into the vault file, SIGKILLs itself: what a crash in
 * the middle of an import's batch leaves on disk.
 */
export function main([path, keyHex]: string[]): void {
  const db = openEncryptedDatabase(path!, Buffer.from(keyHex!, 'hex'), { create: false });
  enterBulkWriteMode(db);
  db.pragma('cache_size = 100'); // A small cache, so the transaction spills to the vault file early.
  db.exec('BEGIN IMMEDIATE');
  const insert = db.prepare('INSERT INTO notes VALUES (?)');
  for (let row = 0; row < 5_000; row++) insert.run(`uncommitted row ${row} `.padEnd(1_000, 'x'));
  process.kill(process.pid, 'SIGKILL');
}
