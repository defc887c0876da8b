import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../../main/epr/outbox';
import { insertOutboxItem, saveOutboxState } from '../../../main/vault/queries/outbox';
import { insertMessages } from '../../../main/vault/queries/messages';
import type { ChatMessage } from '../../../shared/domain/chat';
import { listThreadQueue, workStatus } from '../../../main/vault/queries/thread-queue';
import { completeThread, insertImportingThread } from '../../../main/vault/queries/threads';
import { insertDraft, markDraftAttested } from '../../../main/vault/queries/transcription-drafts';
import type { Db } from '../../../main/vault/sqlcipher';
import { freshVaultDb } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const uuid = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

function thread(db: Db, n: number, importedAt: string, importedBy: string) {
  insertImportingThread(db, { id: uuid(n), zone: 'Europe/London', importedBy, importedAt: new Date(importedAt), sourceFileName: 'chat.txt', sourceSha256: String(n % 10).repeat(64) });
  completeThread(db, uuid(n), {
    source: 'whatsapp-android',
    title: `Ward ${n}`,
    fingerprint: String(n).padStart(64, 'f'),
    dateOrder: null,
    messageCount: 10 * n,
    firstInstant: '2026-11-20T08:00:00Z',
    lastInstant: '2026-11-21T18:00:00Z',
  });
}

function draft(db: Db, id: string, threadN: number, by: string, updatedAt: string) {
  insertDraft(db, {
    id,
    threadId: uuid(threadN),
    messageIds: ['1'],
    advisers: {},
    summary: '',
    patient: { nhsNumber: '', name: '', birthDate: '', confirmed: false },
    status: 'draft',
    createdBy: by,
    createdAt: updatedAt,
    updatedBy: by,
    updatedAt,
  });
}

function queue(db: Db, draftId: string, identifierN: number, kind: OutboxItem['state']['kind'], updatedAt: number) {
  const by = (db.prepare('SELECT created_by FROM transcription_drafts WHERE id = ?').get(draftId) as { created_by: string }).created_by;
  markDraftAttested(db, draftId, by, new Date(updatedAt - 60_000));
  const identifier = `urn:uuid:${uuid(identifierN)}`;
  const item = { identifier, transcription: {}, attachmentSha256: 'e'.repeat(64), eprId: 'training', eprLabel: 'Training EPR', state: { kind: 'queued' }, updatedAt } as unknown as OutboxItem;
  insertOutboxItem(db, item, draftId);
  if (kind !== 'queued') saveOutboxState(db, { ...item, state: { kind } as OutboxItem['state'], updatedAt: updatedAt + 1000 });
}

describe('the work queue', () => {
  it("gives each thread its status, dates, importer and last activity, newest activity first, wiped threads included", async () => {
    const db = await freshVaultDb(cleanups);
    const admin = db.prepare('SELECT id, display_name AS name FROM users LIMIT 1').get() as { id: string; name: string };
    thread(db, 1, '2026-11-24T08:00:00Z', admin.id); // nothing done
    thread(db, 2, '2026-11-24T08:01:00Z', admin.id); // an open draft
    thread(db, 3, '2026-11-24T08:02:00Z', admin.id); // attested, still being sent
    thread(db, 4, '2026-11-24T08:03:00Z', admin.id); // filed and verified
    thread(db, 5, '2026-11-24T08:04:00Z', admin.id); // verified and a new open draft
    thread(db, 6, '2026-11-24T08:05:00Z', admin.id); // failed
    draft(db, uuid(102), 2, admin.id, '2026-11-24T09:00:00.000Z');
    draft(db, uuid(103), 3, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(103), 203, 'sending', Date.parse('2026-11-24T09:30:00Z'));
    draft(db, uuid(104), 4, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(104), 204, 'verified', Date.parse('2026-11-24T10:00:00Z'));
    // A second note of Ward 4 carrying the same message: counted once among the messages in notes.
    draft(db, uuid(114), 4, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(114), 214, 'verified', Date.parse('2026-11-24T09:05:00Z'));
    draft(db, uuid(105), 5, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(105), 205, 'verified', Date.parse('2026-11-24T09:10:00Z'));
    draft(db, uuid(115), 5, admin.id, '2026-11-24T11:00:00.000Z');
    draft(db, uuid(106), 6, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(106), 206, 'failed', Date.parse('2026-11-24T09:20:00Z'));
    db.prepare(
      `INSERT INTO wipes (id, thread_id, source_sha256, state, trigger, requested_by, canary_b64, source_file_state, certificate_json, started_at, finished_at)
       VALUES (?, ?, ?, 'verified', 'user', ?, ?, 'not-requested', ?, '2026-11-23T12:00:00.000Z', '2026-11-23T12:00:05.000Z')`,
    ).run(uuid(900), uuid(9), '9'.repeat(64), admin.id, 'A'.repeat(24), JSON.stringify({ source: 'signal', messageCount: 42, firstInstant: '2026-11-01T00:00:00Z', lastInstant: '2026-11-02T00:00:00Z' }));

    const rows = listThreadQueue(db, { includeWiped: true, limit: 100 });
    expect(rows.map((row) => [row.title, row.status, row.lastActivityAt])).toEqual([
      ['Ward 5', 'drafted', '2026-11-24T11:00:00.000Z'],
      ['Ward 4', 'filed', '2026-11-24T10:00:01.000Z'],
      ['Ward 3', 'queued', '2026-11-24T09:30:01.000Z'],
      ['Ward 6', 'queued', '2026-11-24T09:20:01.000Z'],
      ['Ward 2', 'drafted', '2026-11-24T09:00:00.000Z'],
      ['Ward 1', 'unfiled', '2026-11-24T08:00:00.000Z'],
      [null, 'wiped', '2026-11-23T12:00:05.000Z'],
    ]);
    expect(rows[0]).toMatchObject({ importedBy: { userId: admin.id, displayName: admin.name }, firstInstant: '2026-11-20T08:00:00Z', lastInstant: '2026-11-21T18:00:00Z', openDrafts: 1, outbox: { verified: 1, pending: 0 } });
    expect(rows[3]).toMatchObject({ outbox: { stopped: 1 } });
    // Only verified notes carry messages into the record; the open draft and the one being sent do not.
    expect(rows.map((row) => row.messagesInNotes)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(rows[1]).toMatchObject({ outbox: { verified: 2 }, messageCount: 40 });
    expect(rows[6]).toMatchObject({ id: uuid(9), source: 'signal', messageCount: 42, importedBy: null, wipedAt: '2026-11-23T12:00:00.000Z', wipeId: uuid(900) });
    expect(listThreadQueue(db, { includeWiped: false, limit: 2 }).map((row) => row.title)).toEqual(['Ward 5', 'Ward 4']);
  });

  it('counts what a note can carry (no system lines) for a thread with a verified note, as the wipe does', async () => {
    const db = await freshVaultDb(cleanups);
    const admin = db.prepare('SELECT id, display_name AS name FROM users LIMIT 1').get() as { id: string; name: string };
    thread(db, 4, '2026-11-24T08:03:00Z', admin.id);
    const line = (index: number, sender: string | null, text: string): ChatMessage => ({
      index,
      sender,
      text,
      kind: sender === null ? 'system' : 'message',
      head: '',
      localTime: '2026-11-20T08:00:00',
      zone: 'Europe/London',
      instant: '2026-11-20T08:00:00Z',
      flags: [],
      attachment: null,
      line: index + 1,
      warnings: [],
    });
    db.transaction(() => insertMessages(db, uuid(4), [line(0, null, 'Ada created group "Ward 4"'), line(1, 'Ada', 'Stop the heparin'), line(2, 'Ben', 'Will do'), line(3, null, 'Ben left')]))();
    thread(db, 1, '2026-11-24T08:00:00Z', admin.id);
    draft(db, uuid(104), 4, admin.id, '2026-11-24T09:00:00.000Z');
    queue(db, uuid(104), 204, 'verified', Date.parse('2026-11-24T10:00:00Z'));
    const rows = listThreadQueue(db, { includeWiped: true, limit: 100 });
    expect(rows.map((row) => [row.title, row.messagesInNotes, row.messagesForNotes])).toEqual([
      ['Ward 4', 1, 2],
      // No verified note: nothing is counted (the figure is only shown beside one).
      ['Ward 1', 0, 10],
    ]);
  });

  it('puts the most urgent state first', () => {
    const none = { wiped: 0 as const, open_drafts: 0, pending: 0, filed: 0, stopped: 0, verified: 0 };
    expect(workStatus(none)).toBe('unfiled');
    expect(workStatus({ ...none, verified: 2 })).toBe('filed');
    expect(workStatus({ ...none, verified: 2, filed: 1 })).toBe('queued');
    expect(workStatus({ ...none, verified: 2, stopped: 1 })).toBe('queued');
    expect(workStatus({ ...none, pending: 1, open_drafts: 1 })).toBe('drafted');
    expect(workStatus({ ...none, wiped: 1, open_drafts: 1 })).toBe('wiped');
  });

  it('answers for hundreds of threads in one quick query', async () => {
    const db = await freshVaultDb(cleanups);
    const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
    db.transaction(() => {
      for (let n = 1; n <= 500; n++) {
        thread(db, n, new Date(Date.parse('2026-11-01T00:00:00Z') + n * 60_000).toISOString(), admin);
        draft(db, uuid(10_000 + n), n, admin, '2026-11-24T09:00:00.000Z');
      }
    })();
    const start = performance.now();
    const rows = listThreadQueue(db, { includeWiped: true, limit: 1000 });
    expect(rows).toHaveLength(500);
    // Generous for a shared machine: the query itself takes a few milliseconds.
    expect(performance.now() - start).toBeLessThan(500);
  });
});
