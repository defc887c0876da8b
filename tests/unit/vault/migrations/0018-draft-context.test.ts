import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { completeThread, insertImportingThread } from '../../../../main/vault/queries/threads';
import { getDraft, insertDraft, updateDraft } from '../../../../main/vault/queries/transcription-drafts';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
const THREAD = '11111111-1111-4111-8111-111111111111';

describe('migration 0018: messages of a draft marked as context', () => {
  it('is migration 18; a draft has none until some are marked, and keeps those it is given', async () => {
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([18, 'draft-context']);
    const db = await freshVaultDb(cleanups);
    const user = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
    insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: user, importedAt: new Date(), sourceFileName: 'chat.txt', sourceSha256: 'a'.repeat(64) });
    completeThread(db, THREAD, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: 0, firstInstant: null, lastInstant: null });
    const draft = {
      id: '22222222-2222-4222-8222-222222222222',
      threadId: THREAD,
      messageIds: ['1', '2'],
      advisers: {},
      summary: '',
      patient: { nhsNumber: '', name: '', birthDate: '', confirmed: false },
      status: 'draft' as const,
      createdBy: user,
      createdAt: '2026-12-04T10:00:00.000Z',
      updatedBy: user,
      updatedAt: '2026-12-04T10:00:00.000Z',
    };
    insertDraft(db, draft);
    expect(getDraft(db, draft.id)!.contextMessageIds).toEqual([]);
    updateDraft(db, { ...draft, contextMessageIds: ['1'] });
    expect(getDraft(db, draft.id)!.contextMessageIds).toEqual(['1']);
    expect(() => db.prepare("UPDATE transcription_drafts SET context_ids_json = '{}' WHERE id = ?").run(draft.id)).toThrow(/CHECK constraint failed/);
  });
});
