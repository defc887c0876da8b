import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { insertUser } from '../../../../main/vault/queries/users';
import { getWipe, setSourceFileState } from '../../../../main/vault/queries/wipes';
import { openEncryptedDatabase, type Db } from '../../../../main/vault/sqlcipher';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const ADMIN = '00000000-0000-4000-8000-000000000001';
const WIPE = '22222222-2222-4222-8222-222222222222';

/** A vault at version 10 holding one wipe still owed its source-file step, with a kept fingerprint. */
function version10WithWipe(): Db {
  const dir = tempDir('wardscribe-migration-0011-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db, MIGRATIONS.slice(0, 10));
  insertUser(db, { id: ADMIN, username: 'admin', displayName: 'Ada Admin', role: 'admin', disabled: false, mustChangePassphrase: false }, new Date('2026-11-24T09:00:00Z'));
  db.prepare(
    `INSERT INTO wipes (id, thread_id, source_sha256, fingerprint, state, trigger, requested_by, canary_b64, source_file_state, source_path, certificate_json, started_at)
     VALUES (?, 'thread-1', ?, NULL, 'erased', 'user', ?, ?, 'requested', '/home/ward/chat.txt', '{"format":"x"}', '2026-11-24T10:00:00.000Z')`,
  ).run(WIPE, 'a'.repeat(64), ADMIN, Buffer.alloc(16).toString('base64'));
  db.prepare(`INSERT INTO wiped_fingerprints (wipe_id, kind, fingerprint) VALUES (?, 'message', ?)`).run(WIPE, randomBytes(16));
  return db;
}

describe('migration 0011: a source file replaced by a link is an outcome of its own', () => {
  it('is migration 11', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([11, 'source-file-replaced-by-link']);
  });

  it('refuses the outcome before, accepts it after, and keeps every wipe row and what refers to it', () => {
    const db = version10WithWipe();
    expect(() => setSourceFileState(db, WIPE, 'replaced-by-link')).toThrow(/CHECK constraint failed/);
    expect(migrate(db)).toEqual({ from: 10, to: MIGRATIONS.length });
    expect(getWipe(db, WIPE)).toMatchObject({ state: 'erased', sourceFileState: 'requested', sourcePath: '/home/ward/chat.txt' });
    setSourceFileState(db, WIPE, 'replaced-by-link');
    expect(getWipe(db, WIPE)).toMatchObject({ sourceFileState: 'replaced-by-link', sourcePath: null });
    expect(() => setSourceFileState(db, WIPE, 'gone' as never)).toThrow(/CHECK constraint failed/);
    // The fingerprints still point at the rebuilt table: a wipe with kept fingerprints cannot be dropped.
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare(`SELECT count(*) AS n FROM wiped_fingerprints WHERE wipe_id = ?`).get(WIPE)).toEqual({ n: 1 });
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'wipes' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((row) => row.name);
    expect(indexes).toEqual(['wipes_by_fingerprint', 'wipes_by_source_sha256', 'wipes_owed']);
  });
});
