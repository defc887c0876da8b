import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enterBulkWriteMode, openEncryptedDatabase, type Db } from '../../../main/vault/sqlcipher';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function openVaultDb(key = randomBytes(32)): { db: Db; path: string } {
  const dir = tempDir('wardscribe-bulk-');
  const path = join(dir.path, 'vault.db');
  const db = openEncryptedDatabase(path, key, { create: true });
  cleanups.push(dir.remove, () => db.open && db.close());
  db.exec('CREATE TABLE notes (text TEXT NOT NULL) STRICT');
  return { db, path };
}

const journalMode = (db: Db) => db.pragma('journal_mode', { simple: true });

describe('bulk write mode', () => {
  it('writes in rollback-journal mode until the last bulk writer leaves, then returns to WAL', () => {
    const { db, path } = openVaultDb();
    db.prepare("INSERT INTO notes VALUES ('before')").run();
    expect(journalMode(db)).toBe('wal');

    const leaveFirst = enterBulkWriteMode(db);
    const leaveSecond = enterBulkWriteMode(db);
    expect(journalMode(db)).toBe('truncate');
    // Leaving WAL checkpointed it: every earlier row is in the vault file, and no -wal is left.
    expect(existsSync(`${path}-wal`)).toBe(false);
    db.transaction(() => db.prepare("INSERT INTO notes VALUES ('during')").run()).immediate();
    // TRUNCATE: the journal is emptied at each commit, so no old page lingers in it.
    expect(existsSync(`${path}-journal`) ? statSync(`${path}-journal`).size : 0).toBe(0);

    leaveFirst();
    leaveFirst(); // Leaving twice counts once.
    expect(journalMode(db)).toBe('truncate');
    leaveSecond();
    expect(journalMode(db)).toBe('wal');
    expect(db.prepare('SELECT text FROM notes ORDER BY rowid').pluck().all()).toEqual(['before', 'during']);
  });

  it('leaves quietly when the vault was closed under it (a lock during an import)', () => {
    const { db } = openVaultDb();
    const leave = enterBulkWriteMode(db);
    db.close();
    expect(() => leave()).not.toThrow();
  });

  it('a crash in the middle of a bulk transaction is rolled back whole when the vault next opens', async () => {
    const key = randomBytes(32);
    const { db, path } = openVaultDb(key);
    db.prepare("INSERT INTO notes VALUES ('committed')").run();
    db.close();

    const childScript = join(ROOT, 'node_modules', '.cache', 'wardscribe-bulk-write', `bulk-write-child-${process.pid}-${Date.now()}.cjs`);
    await bundleChild('tests/unit/vault/support/bulk-write-child', childScript, 'process.argv.slice(2)');
    cleanups.push(() => rmSync(childScript, { force: true }));
    const child = spawnSync(process.execPath, [childScript, path, key.toString('hex')], { env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    // The crash left a hot journal, and the vault file already holds pages of the unfinished transaction.
    expect(statSync(`${path}-journal`).size).toBeGreaterThan(0);

    const reopened = openEncryptedDatabase(path, key, { create: false });
    cleanups.push(() => reopened.close());
    expect(reopened.prepare('SELECT text FROM notes').pluck().all()).toEqual(['committed']);
    expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(journalMode(reopened)).toBe('wal');
  });
});
