import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { openEncryptedDatabase } from '../../../../main/vault/sqlcipher';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('migration 0015: the images a draft will file', () => {
  it('is migration 15; drafts written before it have no images, and only a JSON array is accepted', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([15, 'draft-images']);
    const index = MIGRATIONS.findIndex((migration) => migration.version === 15);
    const dir = tempDir('wardscribe-migration-0015-');
    const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
    cleanups.push(dir.remove, () => db.close());
    migrate(db, MIGRATIONS.slice(0, index));
    db.prepare("INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES ('u1', 'u1', 'U One', 'clinician', '2026-12-02T00:00:00.000Z', '2026-12-02T00:00:00.000Z')").run();
    db.prepare("INSERT INTO threads (id, title, zone, status, imported_by, imported_at, source_file_name, source_sha256) VALUES (?, 't', 'Europe/London', 'importing', 'u1', 'now', 'f.zip', ?)").run('t'.repeat(36), 'a'.repeat(64));
    db.prepare(
      `INSERT INTO transcription_drafts (id, thread_id, message_ids_json, advisers_json, summary, patient_json, status, created_by, created_at, updated_by, updated_at)
       VALUES (?, ?, '[]', '{}', '', '{}', 'draft', 'u1', 'now', 'u1', 'now')`,
    ).run('d'.repeat(36), 't'.repeat(36));
    migrate(db, MIGRATIONS.slice(0, index + 1));
    expect(db.prepare('SELECT images_json FROM transcription_drafts').get()).toEqual({ images_json: '[]' });
    expect(() => db.prepare("UPDATE transcription_drafts SET images_json = '{}'").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE transcription_drafts SET images_json = 'not json'").run()).toThrow(/CHECK constraint failed/);
  });
});
