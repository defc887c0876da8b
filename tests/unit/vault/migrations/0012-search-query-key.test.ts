import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { openEncryptedDatabase } from '../../../../main/vault/sqlcipher';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('migration 0012: the search-query key table', () => {
  it('is migration 12, and keeps each key as made (sealed bytes only, never updated)', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([12, 'search-query-key']);
    const dir = tempDir('wardscribe-migration-0012-');
    const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
    cleanups.push(dir.remove, () => db.close());
    expect(migrate(db, MIGRATIONS.slice(0, 12))).toEqual({ from: 0, to: 12 });
    db.prepare('INSERT INTO search_query_keys (keystore_sealed, created_at) VALUES (?, ?)').run(randomBytes(64), '2026-12-02T00:00:00.000Z');
    expect(() => db.prepare('INSERT INTO search_query_keys (keystore_sealed, created_at) VALUES (?, ?)').run(randomBytes(32), '2026-12-02T00:00:00.000Z')).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare('UPDATE search_query_keys SET keystore_sealed = ?').run(randomBytes(64))).toThrow(/kept as made/);
    expect(db.prepare('SELECT count(*) AS n FROM search_query_keys').get()).toEqual({ n: 1 });
  });
});
