import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { getStaffProfile, insertUser, setStaffProfile } from '../../../../main/vault/queries/users';
import { openEncryptedDatabase } from '../../../../main/vault/sqlcipher';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function vaultWithUser() {
  const dir = tempDir('wardscribe-migration-0017-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db);
  insertUser(db, { id: 'u-1', username: 'ada', displayName: 'Dr Ada Shah', role: 'clinician', disabled: false, mustChangePassphrase: false }, new Date());
  return db;
}

describe('migration 0017: staff professional details', () => {
  it('is migration 17; a user has none until an administrator sets them, then exactly those', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([17, 'staff-profiles']);
    const db = vaultWithUser();
    expect(getStaffProfile(db, 'u-1')).toEqual({ jobTitle: '', registration: null, sdsUserId: null });
    expect(setStaffProfile(db, 'u-1', { jobTitle: 'Consultant physician', registration: { body: 'GPhC', number: '2071234' }, sdsUserId: '555021935107' }, new Date())).toBe(true);
    expect(getStaffProfile(db, 'u-1')).toEqual({ jobTitle: 'Consultant physician', registration: { body: 'GPhC', number: '2071234' }, sdsUserId: '555021935107' });
    expect(getStaffProfile(db, 'nobody')).toBeNull();
    expect(setStaffProfile(db, 'nobody', { jobTitle: '', registration: null, sdsUserId: null }, new Date())).toBe(false);
  });

  it('refuses, in the vault itself, a body it does not know or an SDS user ID that is not 12 digits', () => {
    const db = vaultWithUser();
    expect(() => db.prepare("UPDATE users SET registration_body = 'XYZ', registration_number = '1' WHERE id = 'u-1'").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE users SET sds_user_id = '55502193510A' WHERE id = 'u-1'").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE users SET sds_user_id = '5550219351' WHERE id = 'u-1'").run()).toThrow(/CHECK constraint failed/);
  });
});
