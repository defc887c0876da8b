import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import type { Migration } from '../../../../main/vault/migrations/migration';
import { listAttachments } from '../../../../main/vault/queries/attachments';
import { countMessages, insertMessages, listMessages, messageIndexIntact, searchMessages } from '../../../../main/vault/queries/messages';
import { completeThread, deleteThread, insertImportingThread } from '../../../../main/vault/queries/threads';
import { insertUser } from '../../../../main/vault/queries/users';
import { threadRowsRemaining } from '../../../../main/vault/queries/wipe-samples';
import { openEncryptedDatabase, type Db } from '../../../../main/vault/sqlcipher';
import type { ChatMessage } from '../../../../shared/domain/chat';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const ADMIN = '00000000-0000-4000-8000-000000000001';
const WARD_7 = '11111111-1111-4111-8111-111111111111';
const WARD_9 = '22222222-2222-4222-8222-222222222222';
const LATER = '33333333-3333-4333-8333-333333333333';

/** An encrypted database migrated only as far as `version`, as an older Wardscribe left it. */
function vaultAtVersion(version: number): Db {
  const dir = tempDir('wardscribe-migration-0006-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db, MIGRATIONS.slice(0, version));
  insertUser(db, { id: ADMIN, username: 'admin', displayName: 'Ada Admin', role: 'admin', disabled: false, mustChangePassphrase: false }, new Date('2026-11-24T09:00:00Z'));
  return db;
}

/** A complete thread with messages, a participant, an attachment and a draft, written with version-5 SQL. */
function version5Thread(db: Db, id: string, texts: readonly string[], fingerprint: string): void {
  db.prepare(
    `INSERT INTO threads (id, source, title, fingerprint, zone, status, imported_by, imported_at, message_count, source_file_name, source_sha256, canary)
     VALUES (?, 'whatsapp-ios', 'Ward', ?, 'Europe/London', 'complete', ?, '2026-11-24T10:00:00.000Z', ?, 'chat.zip', ?, 'wscanary' || lower(hex(randomblob(16))))`,
  ).run(id, fingerprint, ADMIN, texts.length, fingerprint);
  db.prepare("INSERT INTO participants (thread_id, position, name) VALUES (?, 0, 'Ada')").run(id);
  const insert = db.prepare(
    `INSERT INTO messages (thread_id, ordinal, sender, kind, text, head, local_time, zone, instant, line)
     VALUES (?, ?, 'Ada', 'message', ?, '[24/11/2026, 09:00:00] Ada:', '2026-11-24T09:00:00', 'Europe/London', '2026-11-24T09:00:00Z', ?)`,
  );
  texts.forEach((text, ordinal) => insert.run(id, ordinal, text, ordinal + 1));
  const firstId = (db.prepare('SELECT min(id) AS id FROM messages WHERE thread_id = ?').get(id) as { id: number }).id;
  db.prepare(
    `INSERT INTO attachments (id, thread_id, message_id, original_name, generated_name, byte_length, sha256, content)
     VALUES (?, ?, ?, 'scan.jpg', 'attachment-1.jpg', 3, ?, x'010203')`,
  ).run(`${id.slice(0, 35)}a`, id, firstId, 'c'.repeat(64));
  db.prepare(
    `INSERT INTO transcription_drafts (id, thread_id, message_ids_json, advisers_json, summary, patient_json, status, created_by, created_at, updated_by, updated_at)
     VALUES (?, ?, '[]', '{}', '', '{}', 'draft', ?, '2026-11-24T10:00:00.000Z', ?, '2026-11-24T10:00:00.000Z')`,
  ).run(`${id.slice(0, 35)}d`, id, ADMIN, ADMIN);
}

function message(index: number, text: string): ChatMessage {
  return {
    index,
    sender: 'Ada',
    text,
    kind: 'message',
    head: '[24/11/2026, 11:00:00] Ada:',
    localTime: '2026-11-24T11:00:00',
    zone: 'Europe/London',
    instant: '2026-11-24T11:00:00Z',
    flags: [],
    attachment: null,
    line: index + 1,
    warnings: [],
  };
}

describe('migration 0006: thread sequence numbers', () => {
  it('moves every message of a version-5 vault to its thread number, keeping ids, attachments, drafts and the search index', () => {
    const db = vaultAtVersion(5);
    version5Thread(db, WARD_7, ['stop the heparin tonight', 'recheck the potassium'], 'a'.repeat(64));
    version5Thread(db, WARD_9, ['start bisoprolol', 'heparin is fine here'], 'b'.repeat(64));
    const idsBefore = db.prepare('SELECT id, thread_id, ordinal, text FROM messages ORDER BY id').all();
    const canariesBefore = db.prepare('SELECT id, canary FROM threads ORDER BY id').all();

    expect(migrate(db)).toEqual({ from: 5, to: MIGRATIONS.length });

    const columns = (db.prepare("SELECT name FROM pragma_table_info('messages')").all() as { name: string }[]).map((row) => row.name);
    expect(columns).toContain('thread_seq');
    expect(columns).not.toContain('thread_id');
    expect(db.prepare('SELECT m.id, t.id AS thread_id, m.ordinal, m.text FROM messages m JOIN threads t ON t.seq = m.thread_seq ORDER BY m.id').all()).toEqual(idsBefore);
    expect(db.prepare('SELECT id, canary FROM threads ORDER BY id').all()).toEqual(canariesBefore);
    expect(listMessages(db, WARD_9, 0, 10).map((stored) => [stored.threadId, stored.ordinal, stored.text])).toEqual([
      [WARD_9, 0, 'start bisoprolol'],
      [WARD_9, 1, 'heparin is fine here'],
    ]);
    // The attachment still points at its message; the FTS index (keyed by message id) needs no rebuild.
    expect(listAttachments(db, WARD_7).map((attachment) => attachment.messageId)).toEqual([(idsBefore[0] as { id: number }).id]);
    expect(messageIndexIntact(db)).toBe(true);
    expect(searchMessages(db, 'heparin', 10).map((hit) => hit.threadId).sort()).toEqual([WARD_7, WARD_9]);
    // Enforcement is back on, and every key holds.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The indexes and triggers of the rebuilt tables are there again.
    const objects = db.prepare("SELECT name FROM sqlite_schema WHERE tbl_name IN ('threads', 'messages') AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    expect(objects).toEqual([
      { name: 'messages_fts_after_delete' },
      { name: 'messages_fts_after_insert' },
      { name: 'messages_fts_after_update' },
      { name: 'threads_by_source_sha256' },
      { name: 'threads_by_status' },
    ]);
  });

  it('cascades a thread deletion to its messages, index entries, participants, attachments and drafts', () => {
    const db = vaultAtVersion(5);
    version5Thread(db, WARD_7, ['stop the heparin tonight'], 'a'.repeat(64));
    version5Thread(db, WARD_9, ['start bisoprolol'], 'b'.repeat(64));
    migrate(db);

    expect(deleteThread(db, WARD_7)).toBe(true);
    expect(threadRowsRemaining(db, WARD_7)).toBe(0);
    const counts = db.prepare(
      `SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM participants) AS participants,
              (SELECT count(*) FROM attachments) AS attachments, (SELECT count(*) FROM transcription_drafts) AS drafts`,
    ).get();
    expect(counts).toEqual({ messages: 1, participants: 1, attachments: 1, drafts: 1 });
    expect(searchMessages(db, 'heparin', 10)).toEqual([]);
    expect(messageIndexIntact(db)).toBe(true);
    expect(countMessages(db, WARD_9)).toBe(1);
  });

  it('never gives a deleted thread\'s number to a later thread, so no stray message can join it', () => {
    const db = vaultAtVersion(MIGRATIONS.length);
    insertImportingThread(db, { id: WARD_7, zone: 'Europe/London', importedBy: ADMIN, importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'a.zip', sourceSha256: 'a'.repeat(64) });
    insertMessages(db, WARD_7, [message(0, 'first chat')]);
    const deletedSeq = (db.prepare('SELECT seq FROM threads WHERE id = ?').get(WARD_7) as { seq: number }).seq;
    deleteThread(db, WARD_7);

    insertImportingThread(db, { id: LATER, zone: 'Europe/London', importedBy: ADMIN, importedAt: new Date('2026-11-24T11:00:00Z'), sourceFileName: 'b.zip', sourceSha256: 'b'.repeat(64) });
    expect((db.prepare('SELECT seq FROM threads WHERE id = ?').get(LATER) as { seq: number }).seq).toBeGreaterThan(deletedSeq);
    insertMessages(db, LATER, [message(0, 'second chat')]);
    completeThread(db, LATER, { source: 'whatsapp-ios', title: null, fingerprint: 'e'.repeat(64), dateOrder: null, messageCount: 1, firstInstant: null, lastInstant: null });
    expect(listMessages(db, LATER, 0, 10).map((stored) => stored.text)).toEqual(['second chat']);
    // A message cannot be written for a thread that is not there.
    expect(() => insertMessages(db, WARD_7, [message(0, 'orphan')])).toThrow(/thread that does not exist/);
    expect(() => db.prepare("INSERT INTO messages (thread_seq, ordinal, kind, text, head, local_time, zone, line) VALUES (?, 0, 'message', 'x', 'h', 't', 'z', 1)").run(deletedSeq)).toThrow(
      /FOREIGN KEY/,
    );
  });

  it('rolls a table rebuild back whole, and turns enforcement back on, when it would break a foreign key', () => {
    const db = vaultAtVersion(MIGRATIONS.length);
    threadWithOneMessage(db);
    const breaking: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'loses-threads',
      rebuildsTables: true,
      // With enforcement off nothing cascades: the messages are left pointing at no thread.
      up: (inner) => inner.exec('DELETE FROM threads'),
    };
    expect(() => migrate(db, [...MIGRATIONS, breaking])).toThrow(/loses-threads left 1 broken foreign key\(s\), the first in messages → threads/);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(countMessages(db, WARD_7)).toBe(1);
  });
});

function threadWithOneMessage(db: Db): void {
  insertImportingThread(db, { id: WARD_7, zone: 'Europe/London', importedBy: ADMIN, importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'a.zip', sourceSha256: 'a'.repeat(64) });
  insertMessages(db, WARD_7, [message(0, 'kept')]);
}
