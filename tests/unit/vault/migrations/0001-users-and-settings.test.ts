import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../../main/vault/sqlcipher';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const openDb = (): Promise<Db> => freshVaultDb(cleanups);

function tableNames(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
}

const insertUser = (db: Db, id: string, username: string, role: string) =>
  db
    .prepare("INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES (?, ?, 'Test User', ?, '2026-11-24T09:00:00.000Z', '2026-11-24T09:00:00.000Z')")
    .run(id, username, role);

describe('migration 0001: users and settings', () => {
  it('creates vault_meta, users and settings as STRICT tables', async () => {
    const db = await openDb();
    expect(tableNames(db)).toEqual(expect.arrayContaining(['settings', 'users', 'vault_meta']));
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('settings', 'users', 'vault_meta') ORDER BY name").all();
    expect(strict).toEqual([{ name: 'settings' }, { name: 'users' }, { name: 'vault_meta' }]);
  });

  it("refuses a role outside the four (such as 'superuser')", async () => {
    const db = await openDb();
    expect(() => insertUser(db, 'u-super', 'root', 'superuser')).toThrow(/CHECK constraint failed/);
    expect(db.prepare("SELECT count(*) AS n FROM users WHERE id = 'u-super'").get()).toEqual({ n: 0 });
    for (const [index, role] of ['clerk', 'clinician', 'auditor', 'admin'].entries()) insertUser(db, `u-${index}`, `user${index}`, role);
  });

  it('keeps usernames unique regardless of case', async () => {
    const db = await openDb();
    insertUser(db, 'u-1', 'Sam.Carter', 'clerk');
    expect(() => insertUser(db, 'u-2', 'sam.carter', 'clinician')).toThrow(/UNIQUE constraint failed/);
    expect(() => insertUser(db, 'u-3', 'SAM.CARTER', 'clinician')).toThrow(/UNIQUE constraint failed/);
    insertUser(db, 'u-4', 'sam.carter2', 'clinician');
  });
});
