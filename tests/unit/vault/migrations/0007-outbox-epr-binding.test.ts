import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveEprId, liveEprLabel } from '../../../../main/epr/epr-directory';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { getOutboxItem } from '../../../../main/vault/queries/outbox';
import { writeSetting } from '../../../../main/vault/queries/settings';
import { openEncryptedDatabase, type Db } from '../../../../main/vault/sqlcipher';
import { sampleTranscription } from '../../epr/support/transcriptions';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** An encrypted database at version 6, with one outbox item queued as version 6 wrote it. */
function version6WithItem(): { db: Db; identifier: string } {
  const dir = tempDir('wardscribe-migration-0007-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db, MIGRATIONS.slice(0, 6));
  const transcription = sampleTranscription();
  db.prepare(
    `INSERT INTO outbox (identifier, draft_id, transcription_json, attachment_sha256, state_json, state_kind, created_at, updated_at)
     VALUES (?, NULL, ?, ?, '{"kind":"sending","attempts":1}', 'sending', 1, 1)`,
  ).run(transcription.identifier, JSON.stringify(transcription), 'c'.repeat(64));
  return { db, identifier: transcription.identifier };
}

describe('migration 0007: outbox items bound to their EPR', () => {
  it('is migration 7', () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([7, 'outbox-epr-binding']);
  });

  it('binds items already queued to the training EPR when that is what was configured', () => {
    const { db, identifier } = version6WithItem();
    migrate(db, MIGRATIONS);
    expect(getOutboxItem(db, identifier)).toMatchObject({ eprId: 'training', eprLabel: 'Training EPR', state: { kind: 'sending', pushes: 1 } });
  });

  it('binds them to the live EPR configured, with the id the code computes (trailing slash and spaces ignored)', () => {
    const { db, identifier } = version6WithItem();
    writeSetting(db, 'epr.connection', { mode: 'live', baseUrl: ' https://epr.example.nhs.uk/fhir/ ', auth: { kind: 'none' } }, null, new Date());
    migrate(db, MIGRATIONS);
    expect(getOutboxItem(db, identifier)).toMatchObject({ eprId: liveEprId('https://epr.example.nhs.uk/fhir'), eprLabel: 'https://epr.example.nhs.uk/fhir' });
    expect(liveEprLabel('https://epr.example.nhs.uk/fhir/')).toBe('epr.example.nhs.uk/fhir');
  });
});
