import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import type { Db } from '../../../../main/vault/sqlcipher';
import { insertAttachment } from '../../../../main/vault/queries/attachments';
import { recordAttachmentMedia, storeThumbnail } from '../../../../main/vault/queries/attachment-thumbnails';
import { deleteThread, insertImportingThread } from '../../../../main/vault/queries/threads';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const THREAD = '11111111-1111-4111-8111-111111111111';
const ATTACHMENT = '22222222-2222-4222-8222-222222222222';
const CONTENT = Buffer.from('\xFF\xD8\xFF a photo', 'latin1');
const SHA = createHash('sha256').update(CONTENT).digest('hex');
const AT = '2026-12-02T04:00:00.000Z';

async function withAttachment(): Promise<Db> {
  const db = await freshVaultDb(cleanups);
  const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
  insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: admin, importedAt: new Date(AT), sourceFileName: 'chat.zip', sourceSha256: 'a'.repeat(64) });
  insertAttachment(db, { id: ATTACHMENT, threadId: THREAD, messageId: null, originalName: 'IMG-0001.jpg', generatedName: 'attachment-1.jpg', byteLength: CONTENT.length, sha256: SHA }, CONTENT);
  recordAttachmentMedia(db, { attachmentId: ATTACHMENT, sourceSha256: SHA, mediaType: 'image/jpeg', width: 4000, height: 3000, checkedAt: AT });
  return db;
}

const update = (db: Db, set: string) => () => db.prepare(`UPDATE attachment_thumbnails SET ${set} WHERE attachment_id = ?`).run(ATTACHMENT);

describe('migration 0014: attachment thumbnails', () => {
  it('is migration 14, a STRICT table', async () => {
    const db = await withAttachment();
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([14, 'attachment-thumbnails']);
    expect(db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name = 'attachment_thumbnails'").all()).toEqual([{ name: 'attachment_thumbnails' }]);
  });

  it('holds only a small JPEG or PNG, all of a thumbnail or none of it', async () => {
    const db = await withAttachment();
    const thumbnail = { attachmentId: ATTACHMENT, sourceSha256: SHA, mediaType: 'image/jpeg', width: 400, height: 300, content: Buffer.alloc(1000, 1), madeAt: AT };
    expect(() => storeThumbnail(db, { ...thumbnail, mediaType: 'image/svg+xml' })).toThrow(/CHECK constraint failed/);
    expect(() => storeThumbnail(db, { ...thumbnail, width: 513 })).toThrow(/CHECK constraint failed/);
    expect(() => storeThumbnail(db, { ...thumbnail, content: Buffer.alloc(256 * 1024 + 1, 1) })).toThrow(/CHECK constraint failed/);
    expect(storeThumbnail(db, thumbnail)).toBe(true);
    expect(update(db, 'thumbnail_type = NULL')).toThrow(/CHECK constraint failed/);
    expect(update(db, 'thumbnail_made_at = NULL')).toThrow(/CHECK constraint failed/);
    expect(update(db, 'width = NULL')).toThrow(/CHECK constraint failed/);
    expect(update(db, "source_sha256 = 'not a hash'")).toThrow(/CHECK constraint failed/);
  });

  it('goes with its attachment, and so with its thread', async () => {
    const db = await withAttachment();
    storeThumbnail(db, { attachmentId: ATTACHMENT, sourceSha256: SHA, mediaType: 'image/png', width: 4, height: 3, content: Buffer.alloc(10, 1), madeAt: AT });
    expect(() => recordAttachmentMedia(db, { attachmentId: '33333333-3333-4333-8333-333333333333', sourceSha256: SHA, mediaType: 'image/png', width: null, height: null, checkedAt: AT })).toThrow(/FOREIGN KEY/);
    deleteThread(db, THREAD);
    expect(db.prepare('SELECT count(*) AS n FROM attachment_thumbnails').get()).toEqual({ n: 0 });
  });
});
