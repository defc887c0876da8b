import { openEncryptedDatabase } from '../../../../main/vault/sqlcipher';

/**
 * Another Wardscribe process on the same vault: tries once, without waiting, either to start a
 * write (`write`: BEGIN IMMEDIATE) or to take the vault out of WAL mode (`journal`: needs every
 * other connection gone), and says `busy` when this process's locks stop it, `got` when not.
 */
export function main(argv: readonly string[]): void {
  const db = openEncryptedDatabase(argv[2]!, Buffer.from(argv[3]!, 'hex'), { create: false, journal: 'wal', check: 'opening' });
  db.pragma('busy_timeout = 0');
  try {
    if (argv[4] === 'journal') {
      const mode = db.pragma('journal_mode = DELETE', { simple: true });
      if (mode === 'delete') db.pragma('journal_mode = WAL');
      process.stdout.write(mode === 'delete' ? 'got\n' : 'busy\n');
    } else {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      process.stdout.write('got\n');
    }
  } catch (error) {
    process.stdout.write((error as { code?: string }).code === 'SQLITE_BUSY' ? 'busy\n' : `error ${(error as Error).message}\n`);
  } finally {
    db.close();
  }
}
