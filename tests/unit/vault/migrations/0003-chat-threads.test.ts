import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import type { Db } from '../../../../main/vault/sqlcipher';
import { insertAttachment, listAttachments } from '../../../../main/vault/queries/attachments';
import { clearMessageIndex, insertMessages, searchMessages } from '../../../../main/vault/queries/messages';
import { parseSearch } from '../../../../main/vault/search-query';
import { completeThread, deleteThread, insertImportingThread, listCompleteThreads } from '../../../../main/vault/queries/threads';
import type { ChatMessage } from '../../../../shared/domain/chat';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const openDb = (): Promise<Db> => freshVaultDb(cleanups);

const count = (db: Db, table: 'threads' | 'messages' | 'attachments' | 'participants' | 'messages_fts') =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

const adminId = (db: Db) => (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;

function message(index: number, text: string, attachment: string | null = null): ChatMessage {
  return {
    index,
    sender: 'Ada',
    text,
    kind: 'message',
    head: `[13/03/2023, 09:0${index}:00] Ada:`,
    localTime: `2023-03-13T09:0${index}:00`,
    zone: 'Europe/London',
    instant: `2023-03-13T09:0${index}:00Z`,
    flags: attachment ? ['attachment'] : [],
    attachment,
    line: index + 1,
    warnings: [],
  };
}

function thread(db: Db, id: string, sha = 'a'.repeat(64)) {
  insertImportingThread(db, { id, zone: 'Europe/London', importedBy: adminId(db), importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'chat.zip', sourceSha256: sha });
}

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';

describe('migration 0003: chat threads', () => {
  it('is migration 3 and creates STRICT tables and the FTS5 index', async () => {
    const db = await openDb();
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([3, 'chat-threads']);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(3);
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('threads', 'participants', 'messages', 'attachments') ORDER BY name").all();
    expect(strict).toEqual([{ name: 'attachments' }, { name: 'messages' }, { name: 'participants' }, { name: 'threads' }]);
    const fts = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'messages_fts'").get() as { sql: string };
    expect(fts.sql).toMatch(/fts5/i);
    expect(db.prepare("SELECT v FROM messages_fts_config WHERE k = 'secure-delete'").get()).toEqual({ v: 1 });
  });

  it('keeps an importing thread out of the list and search until it is completed', async () => {
    const db = await openDb();
    thread(db, ID1);
    insertMessages(db, ID1, [message(0, 'stop the heparin'), message(1, 'noted')]);
    expect(listCompleteThreads(db)).toEqual([]);
    expect(searchMessages(db, 'heparin', 10)).toEqual([]);
    // A complete thread must carry its source and fingerprint.
    expect(() => db.prepare("UPDATE threads SET status = 'complete' WHERE id = ?").run(ID1)).toThrow(/CHECK/);
    completeThread(db, ID1, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: { order: 'dmy', decidedBy: 'file' }, messageCount: 2, firstInstant: null, lastInstant: null });
    expect(listCompleteThreads(db).map((t) => [t.id, t.dateOrder])).toEqual([[ID1, { order: 'dmy', decidedBy: 'file' }]]);
    const hits = searchMessages(db, 'HEPARIN', 10);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ threadId: ID1, ordinal: 0, sender: 'Ada' });
    expect(hits[0]!.snippet).toEqual([{ text: 'stop the ', match: false }, { text: 'heparin', match: true }]);
  });

  it('refuses a second complete thread with the same fingerprint', async () => {
    const db = await openDb();
    thread(db, ID1);
    thread(db, ID2);
    const fields = { source: 'whatsapp-ios' as const, title: null, fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: 0, firstInstant: null, lastInstant: null };
    completeThread(db, ID1, fields);
    expect(() => completeThread(db, ID2, fields)).toThrow(/UNIQUE/);
  });

  it('deleting a thread removes its participants, messages, index entries and attachment bytes', async () => {
    const db = await openDb();
    thread(db, ID1);
    insertMessages(db, ID1, [message(0, 'stop the heparin'), message(1, 'photo', 'a.jpg')]);
    db.prepare("INSERT INTO participants (thread_id, position, name) VALUES (?, 0, 'Ada')").run(ID1);
    const messageId = (db.prepare('SELECT id FROM messages WHERE ordinal = 1').get() as { id: number }).id;
    insertAttachment(db, { id: ID2, threadId: ID1, messageId, originalName: 'a.jpg', generatedName: 'attachment-0001.jpg', byteLength: 3, sha256: 'c'.repeat(64) }, Buffer.from('abc'));
    expect(listAttachments(db, ID1)).toHaveLength(1);
    expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'heparin'").get()).toEqual({ n: 1 });
    expect(deleteThread(db, ID1)).toBe(true);
    expect([count(db, 'threads'), count(db, 'messages'), count(db, 'participants'), count(db, 'attachments')]).toEqual([0, 0, 0, 0]);
    expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'heparin'").get()).toEqual({ n: 0 });
    expect(db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')").run()).toBeTruthy();
  });

  it('the index can be cleared outright for a secure wipe', async () => {
    const db = await openDb();
    thread(db, ID1);
    insertMessages(db, ID1, [message(0, 'stop the heparin')]);
    clearMessageIndex(db);
    expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'heparin'").get()).toEqual({ n: 0 });
    expect((db.prepare('SELECT count(*) AS n FROM messages_fts_docsize').get() as { n: number }).n).toBe(0);
  });

  it('turns user input into quoted FTS strings, never FTS syntax', () => {
    const match = (query: string) => {
      const parsed = parseSearch(query);
      return parsed.ok ? parsed.match : null;
    };
    expect(match('stop heparin')).toBe('"stop"* "heparin"*');
    expect(match('a" OR "b')).toBe('"a" "OR" "b"');
    expect(match('NEAR(x y) * ^col:')).toBe('"NEAR(x" "y)" "^col:"*');
    expect(match('  - * ')).toBeNull();
  });

  it('searching FTS operators and quotes finds text and never throws', async () => {
    const db = await openDb();
    thread(db, ID1);
    insertMessages(db, ID1, [message(0, 'NOT for resus'), message(1, 'say "hello" OR goodbye')]);
    completeThread(db, ID1, { source: 'whatsapp-ios', title: null, fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: 2, firstInstant: null, lastInstant: null });
    for (const query of ['NOT', 'OR', '"', 'a" OR "b', 'NEAR(', 'text:resus', 'resus*', '(', ')']) {
      expect(() => searchMessages(db, query, 10)).not.toThrow();
    }
    expect(searchMessages(db, 'NOT', 10).map((hit) => hit.ordinal)).toEqual([0]);
    expect(searchMessages(db, '"hello" OR', 10).map((hit) => hit.ordinal)).toEqual([1]);
    expect(searchMessages(db, 'text:resus', 10)).toEqual([]);
  });
});
