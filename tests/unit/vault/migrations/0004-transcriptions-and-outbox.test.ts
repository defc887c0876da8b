import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { transition, type OutboxItem } from '../../../../main/epr/outbox';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import type { Db } from '../../../../main/vault/sqlcipher';
import { getOutboxItem, insertOutboxItem, listOutboxItems, listUnfinishedOutboxItems, saveOutboxState } from '../../../../main/vault/queries/outbox';
import { listThreadAdvisers, upsertThreadAdviser } from '../../../../main/vault/queries/thread-advisers';
import { getDraft, insertDraft, listDrafts, markDraftAttested, updateDraft, type StoredDraft } from '../../../../main/vault/queries/transcription-drafts';
import { completeThread, deleteThread, insertImportingThread } from '../../../../main/vault/queries/threads';
import { sampleTranscription } from '../../epr/support/transcriptions';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const openDb = (): Promise<Db> => freshVaultDb(cleanups);

const adminId = (db: Db) => (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
const THREAD = '11111111-1111-4111-8111-111111111111';

function thread(db: Db) {
  insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: adminId(db), importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'chat.zip', sourceSha256: 'a'.repeat(64) });
  completeThread(db, THREAD, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: 0, firstInstant: null, lastInstant: null });
}

function draft(db: Db, overrides: Partial<StoredDraft> = {}): StoredDraft {
  const user = adminId(db);
  return {
    id: randomUUID(),
    threadId: THREAD,
    messageIds: ['1', '2'],
    advisers: { Amir: { displayNameInChat: 'Amir', name: 'Dr Amir Khan', role: 'Registrar' } },
    summary: 'Started bisoprolol.',
    patient: { nhsNumber: '9434765919', name: 'Jane Testpatient', birthDate: '1954-07-12', confirmed: false },
    images: [],
    contextMessageIds: [],
    documentType: null,
    sensitivity: null,
    correctsIdentifier: null,
    encounter: null,
    status: 'draft',
    createdBy: user,
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedBy: user,
    updatedAt: '2026-11-24T10:00:00.000Z',
    ...overrides,
  };
}

function item(): OutboxItem {
  const transcription = sampleTranscription();
  return { identifier: transcription.identifier, transcription, attachmentSha256: 'b'.repeat(64), eprId: 'training', eprLabel: 'Training EPR', state: { kind: 'queued' }, updatedAt: 1_000 };
}

describe('migration 0004: transcriptions and outbox', () => {
  it('is migration 4 and creates STRICT tables', async () => {
    const db = await openDb();
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([4, 'transcriptions-and-outbox']);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('thread_advisers', 'transcription_drafts', 'outbox') ORDER BY name").all();
    expect(strict).toEqual([{ name: 'outbox' }, { name: 'thread_advisers' }, { name: 'transcription_drafts' }]);
  });

  it('stores drafts, changes them only while drafts, and remembers advisers per thread', async () => {
    const db = await openDb();
    thread(db);
    const first = draft(db);
    insertDraft(db, first);
    expect(getDraft(db, first.id)).toEqual(first);
    expect(updateDraft(db, { ...first, summary: 'Changed.', updatedAt: '2026-11-24T11:00:00.000Z' })).toBe(true);
    expect(getDraft(db, first.id)?.summary).toBe('Changed.');
    expect(markDraftAttested(db, first.id, adminId(db), new Date('2026-11-24T12:00:00Z'))).toBe(true);
    expect(markDraftAttested(db, first.id, adminId(db), new Date('2026-11-24T12:00:00Z'))).toBe(false);
    expect(updateDraft(db, { ...first, summary: 'Too late.' })).toBe(false);
    expect(listDrafts(db).map((stored) => [stored.id, stored.status, stored.summary])).toEqual([[first.id, 'attested', 'Changed.']]);
    expect(() => db.prepare("UPDATE transcription_drafts SET status = 'sent'").run()).toThrow(/CHECK/);

    upsertThreadAdviser(db, THREAD, 'Amir', { displayNameInChat: 'Amir', name: 'Dr Amir Khan', role: 'Registrar' }, adminId(db), new Date());
    upsertThreadAdviser(db, THREAD, 'Amir', { displayNameInChat: 'Amir', name: 'Dr Amir Khan', role: 'Consultant', registration: { body: 'GMC', number: '7123456' } }, adminId(db), new Date());
    expect(listThreadAdvisers(db, THREAD)).toEqual({ Amir: { displayNameInChat: 'Amir', name: 'Dr Amir Khan', role: 'Consultant', registration: { body: 'GMC', number: '7123456' } } });
    deleteThread(db, THREAD);
    expect(listThreadAdvisers(db, THREAD)).toEqual({});
    expect(listDrafts(db)).toEqual([]);
  });

  it('keeps outbox items with their state; the transcription never changes; kind and state agree', async () => {
    const db = await openDb();
    const queued = item();
    insertOutboxItem(db, queued, randomUUID());
    expect(getOutboxItem(db, queued.identifier)).toMatchObject({ identifier: queued.identifier, transcription: queued.transcription, eprId: 'training', state: { kind: 'queued' } });
    const sending = transition(queued, { kind: 'sending', pushes: 1, mode: 'transaction' }, 2_000);
    // Only the state is saved: the transcription and the EPR it is bound to never change.
    saveOutboxState(db, { ...sending, eprId: 'live:https://elsewhere.example/fhir', transcription: { ...sending.transcription, summary: 'tampered' } });
    const loaded = getOutboxItem(db, queued.identifier);
    expect(loaded?.state).toEqual({ kind: 'sending', pushes: 1, mode: 'transaction' });
    expect(loaded?.transcription.summary).toBe(queued.transcription.summary);
    expect(loaded?.eprId).toBe('training');
    expect(listUnfinishedOutboxItems(db).map((unfinished) => unfinished.identifier)).toEqual([queued.identifier]);

    const filed = transition(sending, { kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } }, 3_000);
    saveOutboxState(db, filed);
    saveOutboxState(db, transition(filed, { kind: 'verified', documentReferenceId: 'doc-1', verifiedAt: '2026-11-24T12:00:00.000Z', provenance: { kind: 'filed' } }, 4_000));
    expect(listUnfinishedOutboxItems(db)).toEqual([]);
    expect(getOutboxItem(db, queued.identifier)).toMatchObject({ state: { kind: 'verified' }, updatedAt: 4_000, createdAt: 1_000 });
    expect(listOutboxItems(db)).toHaveLength(1);

    // Saving the state of an item that was never queued is a bug, not an insert.
    expect(() => saveOutboxState(db, item())).toThrow(/not in the vault/);

    // A state written before issue #13 still reads.
    db.prepare("UPDATE outbox SET state_json = json_object('kind', 'sending', 'attempts', 2), state_kind = 'sending' WHERE identifier = ?").run(queued.identifier);
    expect(getOutboxItem(db, queued.identifier)?.state).toMatchObject({ kind: 'sending', pushes: 2 });

    expect(() => db.prepare("UPDATE outbox SET state_kind = 'queued'").run()).toThrow(/CHECK/);
    expect(() => insertOutboxItem(db, { ...item(), identifier: 'not-a-urn' }, null)).toThrow(/CHECK/);
  });
});
