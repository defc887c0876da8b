import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSetting } from '../../../main/vault/queries/settings';
import { tempDir } from '../../support/temp';
import { countPlaintext, freshVault } from '../../support/vault';

// @journeyapps/sqlcipher is Zetetic's SQLCipher 4, built independently of our driver.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- [reason: the package is CommonJS with no type declarations]
const sqlcipher = require('@journeyapps/sqlcipher') as {
  Database: new (path: string, callback?: (error: Error | null) => void) => {
    serialize(run: () => void): void;
    run(sql: string, callback?: (error: Error | null) => void): void;
    all(sql: string, callback: (error: Error | null, rows: Record<string, unknown>[]) => void): void;
    close(callback?: () => void): void;
  };
};

function readWithZetetic(path: string, keyHex: string | null): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlcipher.Database(path);
    db.serialize(() => {
      if (keyHex !== null) db.run(`PRAGMA key = "x'${keyHex}'"`);
      db.all('SELECT username, display_name, role FROM users', (error, rows) => {
        db.close();
        if (error) reject(error);
        else resolve(rows);
      });
    });
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('the vault is standard SQLCipher 4', () => {
  it('opens in an independent SQLCipher 4 implementation with the raw key, and not without it', async () => {
    const { files, vault, remove } = await freshVault();
    cleanups.push(remove);
    const keyHex = vault.key.toString('hex');
    vault.close();

    expect(await readWithZetetic(files.database, keyHex)).toEqual([{ username: 'admin', display_name: 'Ada Admin', role: 'admin' }]);
    await expect(readWithZetetic(files.database, null)).rejects.toThrow(/file is not a database|SQLITE_NOTADB/);
    await expect(readWithZetetic(files.database, 'ab'.repeat(32))).rejects.toThrow(/file is not a database|SQLITE_NOTADB/);
  });

  it('keeps no plaintext copy of stored text in the vault, -wal, -shm or journal', async () => {
    const canary = 'CANARY-7f3a9c Dr Zed advised 40mg furosemide';
    // Control: the same scan finds the canary in an unencrypted SQLite file, so 0 below means something.
    const plain = tempDir();
    cleanups.push(plain.remove);
    const control = new Database(join(plain.path, 'plain.db'));
    control.pragma('journal_mode = WAL');
    control.exec('CREATE TABLE t (x TEXT)');
    control.prepare('INSERT INTO t VALUES (?)').run(canary);
    expect(countPlaintext(join(plain.path, 'plain.db'), canary)).toBeGreaterThan(0);
    control.close();

    const { files, vault, remove } = await freshVault();
    cleanups.push(remove);
    for (let index = 0; index < 50; index++) writeSetting(vault.db, `canary.${index}`, canary, null, new Date());
    // While open: the text sits in WAL frames, which SQLCipher encrypts too.
    expect(countPlaintext(files.database, canary)).toBe(0);
    vault.close();
    expect(countPlaintext(files.database, canary)).toBe(0);
  });
});
