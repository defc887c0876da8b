import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatFingerprinter, OccurrenceCounter, fingerprintMessages } from '../../../../main/imports/chat-identity';
import { migrate } from '../../../../main/vault/migrate';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import { readChatIdentityKey } from '../../../../main/vault/queries/chat-identity-key';
import { identityRows } from '../../../../main/vault/queries/messages';
import { insertUser } from '../../../../main/vault/queries/users';
import { openEncryptedDatabase, type Db } from '../../../../main/vault/sqlcipher';
import type { ChatMessage } from '../../../../shared/domain/chat';
import { tempDir } from '../../../support/temp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const ADMIN = '00000000-0000-4000-8000-000000000001';
const WARD_7 = '11111111-1111-4111-8111-111111111111';

function vaultAtVersion(version: number): Db {
  const dir = tempDir('wardscribe-migration-0008-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db, MIGRATIONS.slice(0, version));
  insertUser(db, { id: ADMIN, username: 'admin', displayName: 'Ada Admin', role: 'admin', disabled: false, mustChangePassphrase: false }, new Date('2026-11-24T09:00:00Z'));
  return db;
}

/** Rows as a version-7 Wardscribe wrote them: "ok" twice in one minute, a photo twice (once omitted), another "ok" later. */
const ROWS: readonly { sender: string; text: string; time: string; flags: string }[] = [
  { sender: 'Ben', text: 'ok', time: '2026-11-24T09:01:00', flags: '[]' },
  { sender: 'Ben', text: 'ok', time: '2026-11-24T09:01:00', flags: '[]' },
  { sender: 'Ben', text: '', time: '2026-11-24T09:01:00', flags: '["attachment"]' },
  { sender: 'Ben', text: '', time: '2026-11-24T09:01:00', flags: '["media-omitted"]' },
  { sender: 'Ada', text: 'ok', time: '2026-11-24T09:01:00', flags: '[]' },
  { sender: 'Ben', text: 'ok', time: '2026-11-24T09:02:00', flags: '[]' },
];

describe('migration 0008 (chat identity)', () => {
  it('makes one random 32-byte key that cannot be replaced, and numbers repeated messages of existing threads as an import would', () => {
    const db = vaultAtVersion(7);
    db.prepare(
      `INSERT INTO threads (id, source, title, fingerprint, zone, status, imported_by, imported_at, message_count, source_file_name, source_sha256, canary)
       VALUES (?, 'whatsapp-android', 'Ward 7', ?, 'Europe/London', 'complete', ?, '2026-11-24T10:00:00.000Z', ?, 'chat.txt', ?, 'wscanary' || lower(hex(randomblob(16))))`,
    ).run(WARD_7, 'a'.repeat(64), ADMIN, ROWS.length, 'b'.repeat(64));
    const insert = db.prepare(
      `INSERT INTO messages (thread_seq, ordinal, sender, kind, text, head, local_time, zone, instant, flags_json, line)
       VALUES ((SELECT seq FROM threads WHERE id = ?), ?, ?, 'message', ?, '', ?, 'Europe/London', ?, ?, ?)`,
    );
    ROWS.forEach((row, ordinal) => insert.run(WARD_7, ordinal, row.sender, row.text, row.time, `${row.time}Z`, row.flags, ordinal + 1));

    migrate(db, MIGRATIONS.slice(0, 8));
    expect(db.pragma('user_version', { simple: true })).toBe(8);
    const key = readChatIdentityKey(db);
    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.alloc(32))).toBe(false);
    expect(() => db.prepare('UPDATE chat_identity_key SET key = randomblob(32)').run()).toThrow(/never replaced/);
    expect(() => db.prepare('DELETE FROM chat_identity_key').run()).toThrow(/never replaced/);

    const stored = [...identityRows(db, WARD_7)];
    expect(stored.map((row) => row.occurrence)).toEqual([0, 1, 0, 1, 0, 0]);
    // The same numbers the import worker gives the same messages: their fingerprints agree.
    const fingerprinter = new ChatFingerprinter(key, 'whatsapp-android');
    const parsed = ROWS.map((row, index): ChatMessage => ({ index, sender: row.sender, text: row.text, kind: 'message', head: '', localTime: row.time, zone: 'UTC', instant: null, flags: JSON.parse(row.flags) as ChatMessage['flags'], attachment: null, line: 0, warnings: [] }));
    const { identities, occurrences } = fingerprintMessages(fingerprinter, new OccurrenceCounter(), parsed);
    expect([...occurrences]).toEqual(stored.map((row) => row.occurrence));
    stored.forEach((row, at) => expect(fingerprinter.identity(row, row.occurrence).equals(Buffer.from(identities.subarray(at * 16, at * 16 + 16)))).toBe(true));
    // Another vault's key gives other fingerprints: none can be made or checked without this vault.
    expect(new ChatFingerprinter(randomBytes(32), 'whatsapp-android').identity(stored[0]!, 0).equals(fingerprinter.identity(stored[0]!, 0))).toBe(false);
  });

  it('keeps wiped fingerprints as 16 bytes tied to a wipe, once each', () => {
    const db = vaultAtVersion(8);
    expect(() => db.prepare("INSERT INTO wiped_fingerprints (fingerprint, kind, wipe_id) VALUES (randomblob(16), 'message', 'no-such-wipe')").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("INSERT INTO wiped_fingerprints (fingerprint, kind, wipe_id) VALUES (randomblob(12), 'message', 'x')").run()).toThrow(/CHECK/);
  });
});
