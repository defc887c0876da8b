import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { getIdentifierFoundAt, recordIdentifierFound } from '../../../../main/vault/queries/epr-observations';
import { openEncryptedDatabase } from '../../../../main/vault/sqlcipher';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function vaultAtLatest() {
  const dir = tempDir('wardscribe-migration-0016-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db);
  return db;
}

describe('migration 0016: what filing has seen an EPR do', () => {
  it('is migration 16; an EPR is unknown until recorded, and the first sighting is kept', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([16, 'epr-observations']);
    const db = vaultAtLatest();
    expect(getIdentifierFoundAt(db, 'live-epr')).toBeNull();
    recordIdentifierFound(db, 'live-epr', '2026-12-02T09:00:00.000Z');
    recordIdentifierFound(db, 'live-epr', '2026-12-03T09:00:00.000Z');
    expect(getIdentifierFoundAt(db, 'live-epr')).toBe('2026-12-02T09:00:00.000Z');
    // Per EPR: another one is still unknown.
    expect(getIdentifierFoundAt(db, 'training')).toBeNull();
  });

  it('refuses a time that is not an ISO instant, or an empty EPR id', () => {
    const db = vaultAtLatest();
    expect(() => recordIdentifierFound(db, 'live-epr', 'yesterday')).toThrow(/CHECK constraint failed/);
    expect(() => recordIdentifierFound(db, '', '2026-12-02T09:00:00.000Z')).toThrow(/CHECK constraint failed/);
  });
});
