import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { tempDir } from '../../support/temp';
import { ADMIN, countPlaintext } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

const LONDON = 'Europe/London';
const CANARY = 'zebracanary7431 stop the heparin';
const PHOTO = Buffer.from('\xFF\xD8\xFF fake jpeg bytes for the vault', 'latin1');

async function signedIn(batchSize = 50) {
  const dir = tempDir('wardscribe-import-');
  const files: VaultFiles = vaultFiles(`${dir.path}/vault`);
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  cleanups.push(dir.remove, () => session.lock('sign-out'));
  return { dir: dir.path, files, session, service: new ImportService({ session, batchSize }), reader: new ThreadReader(session) };
}

/** An iOS WhatsApp chat of `count` messages, day-first (13/03 proves it), 30 seconds apart from 08:00. */
function chatText(count: number, options: { canaryAt?: number; word?: string; attachments?: Readonly<Record<number, string>> } = {}): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const seconds = 8 * 3600 + index * 30;
    const [hour, minute, second] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0'));
    const sender = index % 2 === 0 ? 'Dr Ada Shah' : 'Ben Okafor';
    const attachment = options.attachments?.[index];
    const text = attachment
      ? `\u200E<attached: ${attachment}>`
      : index === options.canaryAt
        ? CANARY
        : `${options.word ?? 'obs'} update number ${index}`;
    lines.push(`[13/03/2023, ${hour!}:${minute!}:${second!}] ${sender}: ${text}`);
  }
  return lines.join('\n') + '\n';
}

function zipExport(dir: string, name: string, chat: string, media: { name: string; data: Buffer }[] = []): string {
  return writeExport(dir, name, buildZip([{ name: '_chat.txt', data: chat }, ...media.map((file) => ({ ...file, method: 0 as const }))]));
}

function job(onProgress: (done: number, total: number, unit: string, calls: number) => void = () => undefined): ImportJob & { controller: AbortController } {
  const controller = new AbortController();
  let calls = 0;
  return { controller, signal: controller.signal, progress: (done, total, unit) => onProgress(done, total, unit, ++calls) };
}

function importEntries(session: SessionService): AuditEntry[] {
  return [...session.audit().store.entries({ filter: { actions: ['import'] } })];
}

const rawCount = (session: SessionService, sql: 'SELECT count(*) AS n FROM threads' | 'SELECT count(*) AS n FROM messages' | 'SELECT count(*) AS n FROM attachments') =>
  (session.vault().db.prepare(sql).get() as { n: number }).n;

describe('ImportService', () => {
  it('imports a WhatsApp zip with media: complete thread, messages, attachment bytes in the vault, searchable, audited without text', async () => {
    const { dir, session, service, reader } = await signedIn();
    const chat = chatText(120, { canaryAt: 77, attachments: { 5: '00000001-PHOTO-2023-03-13.jpg', 6: '00000002-PHOTO-2023-03-13.jpg' } });
    const path = zipExport(dir, 'WhatsApp Chat - Ward 7.zip', chat, [{ name: '00000001-PHOTO-2023-03-13.jpg', data: PHOTO }]);
    const units = new Set<string>();
    const journalModes = new Set<unknown>();
    const result = await service.import(
      { path, zone: LONDON },
      job((_done, _total, unit) => {
        units.add(unit);
        journalModes.add(session.vault().db.pragma('journal_mode', { simple: true }));
      }),
    );

    expect(result).toMatchObject({ title: 'Ward 7', source: 'whatsapp-ios', messageCount: 120, duplicate: false, attachmentsSkipped: 0 });
    expect(units).toEqual(new Set(['bytes', 'attachments']));
    // Written in rollback-journal mode (one cipher pass per page), then back to WAL.
    expect(journalModes).toEqual(new Set(['truncate']));
    expect(session.vault().db.pragma('journal_mode', { simple: true })).toBe('wal');
    const [thread, ...others] = reader.listThreads();
    expect(others).toEqual([]);
    expect(thread).toMatchObject({ id: result.threadId, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), dateOrder: { order: 'dmy', decidedBy: 'file' }, messageCount: 120, participants: ['Dr Ada Shah', 'Ben Okafor'], sourceFileName: 'WhatsApp Chat - Ward 7.zip' });
    expect(thread!.firstInstant).toBe('2023-03-13T08:00:00Z');
    expect(thread!.lastInstant).toBe('2023-03-13T08:59:30Z');

    const messages = reader.messages(result.threadId, 0, 1000);
    expect(messages.map((m) => m.ordinal)).toEqual([...Array(120).keys()]);
    expect(messages[77]!.text).toBe(CANARY);
    expect(reader.messages(result.threadId, 100, 5).map((m) => m.ordinal)).toEqual([100, 101, 102, 103, 104]);

    const attachments = reader.attachments(result.threadId);
    expect(attachments).toEqual([
      expect.objectContaining({ originalName: '00000001-PHOTO-2023-03-13.jpg', generatedName: 'attachment-0001.jpg', byteLength: PHOTO.length, messageId: messages[5]!.id }),
    ]);
    expect(reader.attachmentContent(attachments[0]!.id).content).toEqual(PHOTO);

    const hits = reader.search('ZEBRACANARY7431', 10);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ threadId: result.threadId, messageId: messages[77]!.id, ordinal: 77 });
    expect(hits[0]!.snippet.filter((run) => run.match).map((run) => run.text)).toEqual(['zebracanary7431']);
    expect(reader.search('heparin stop', 10)).toHaveLength(1);
    expect(reader.search('heparin OR obs', 10)).toHaveLength(0);

    const [entry, ...more] = importEntries(session);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      action: 'import',
      actor: { userId: expect.any(String), role: 'admin' },
      objects: { threadId: result.threadId, importId: expect.any(String) },
      outcome: { status: 'success' },
      hashes: { importSha256: createHash('sha256').update(readFileSync(path)).digest('hex') },
    });
    expect(JSON.stringify(entry)).not.toContain('zebracanary');
    expect(JSON.stringify(entry)).not.toContain('obs update');
  });

  it('keeps message text and media out of the vault files in plaintext', async () => {
    const { dir, files, session, service, reader } = await signedIn();
    const path = zipExport(dir, 'canary.zip', chatText(300, { canaryAt: 150 }), [{ name: 'x.jpg', data: PHOTO }]);
    await service.import({ path, zone: LONDON }, job());
    expect(reader.search('zebracanary7431', 5)).toHaveLength(1);
    // While open (WAL and all), and after the lock has checkpointed and closed the vault.
    expect(countPlaintext(files.database, 'zebracanary7431')).toBe(0);
    expect(countPlaintext(files.database, 'Dr Ada Shah')).toBe(0);
    session.lock('sign-out');
    expect(countPlaintext(files.database, 'zebracanary7431')).toBe(0);
    expect(countPlaintext(files.database, 'obs update number')).toBe(0);
  });

  it('re-importing the same export returns the existing thread and adds nothing', async () => {
    const { dir, session, service, reader } = await signedIn();
    const chat = chatText(80);
    const path = zipExport(dir, 'WhatsApp Chat - Ward 7.zip', chat);
    const first = await service.import({ path, zone: LONDON }, job());
    const counts = [rawCount(session, 'SELECT count(*) AS n FROM threads'), rawCount(session, 'SELECT count(*) AS n FROM messages')];

    const again = await service.import({ path, zone: LONDON }, job());
    expect(again).toMatchObject({ threadId: first.threadId, duplicate: true, messageCount: 80 });
    // The same chat as a .txt (different bytes, same content): found by its fingerprint.
    const asText = await service.import({ path: writeExport(dir, 'WhatsApp Chat - Ward 7.txt', chat), zone: LONDON }, job());
    expect(asText).toMatchObject({ threadId: first.threadId, duplicate: true });

    expect([rawCount(session, 'SELECT count(*) AS n FROM threads'), rawCount(session, 'SELECT count(*) AS n FROM messages')]).toEqual(counts);
    expect(reader.listThreads()).toHaveLength(1);
    expect(importEntries(session).map((entry) => [entry.objects.threadId, entry.outcome])).toEqual([
      [first.threadId, { status: 'success' }],
      [first.threadId, { status: 'success', reason: 'duplicate' }],
      [first.threadId, { status: 'success', reason: 'duplicate' }],
    ]);
  });

  it('opening a thread (its first page) is audited, with the thread id and no text', async () => {
    const { dir, session, service, reader } = await signedIn();
    const { threadId } = await service.import({ path: zipExport(dir, 'WhatsApp Chat - Ward 7.zip', chatText(30, { canaryAt: 3 })), zone: LONDON }, job());
    reader.messages(threadId, 0, 10);
    reader.messages(threadId, 10, 10); // scrolling on is not another opening
    const opened = [...session.audit().store.entries({ filter: { actions: ['thread-opened'] } })];
    expect(opened.map((entry) => entry.objects)).toEqual([{ threadId }]);
    expect(JSON.stringify(opened)).not.toContain('zebracanary');
  });

  it('every later page and every search is audited too, the query only as a keyed hash', async () => {
    const { dir, session, service, reader } = await signedIn();
    const { threadId } = await service.import({ path: zipExport(dir, 'WhatsApp Chat - Ward 7.zip', chatText(30, { canaryAt: 3 })), zone: LONDON }, job());
    reader.messages(threadId, 0, 10);
    reader.messages(threadId, 10, 10);
    reader.messages(threadId, 20, 10);
    reader.search('zebracanary7431', 5);
    reader.search('zebracanary7431', 5);
    reader.search('heparin', 5);
    const read = [...session.audit().store.entries({ filter: { actions: ['messages-read'] } })];
    expect(read.map((entry) => entry.objects)).toEqual([{ threadId }, { threadId }]);
    const searches = [...session.audit().store.entries({ filter: { actions: ['search'] } })];
    const hashes = searches.map((entry) => entry.hashes.queryHmac);
    expect(hashes).toHaveLength(3);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
    // Not a bare hash of the words: a dictionary of words hashed with SHA-256 finds nothing.
    const { createHash } = await import('node:crypto');
    expect(hashes).not.toContain(createHash('sha256').update('heparin').digest('hex'));
    expect(JSON.stringify(searches)).not.toContain('zebracanary');
  });

  it('cancelling midway leaves no partial thread', async () => {
    const { dir, session, service, reader } = await signedIn(50);
    const path = zipExport(dir, 'big.zip', chatText(400, { canaryAt: 10 }));
    const running = job((_done, _total, _unit, calls) => {
      if (calls === 2) running.controller.abort();
    });
    await expect(service.import({ path, zone: LONDON }, running)).rejects.toMatchObject({ code: 'cancelled' });
    expect(rawCount(session, 'SELECT count(*) AS n FROM threads')).toBe(0);
    expect(rawCount(session, 'SELECT count(*) AS n FROM messages')).toBe(0);
    expect(reader.search('zebracanary7431', 5)).toEqual([]);
    expect(importEntries(session).map((entry) => entry.outcome)).toEqual([{ status: 'failure', reason: 'cancelled' }]);
    expect(session.vault().db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('an error thrown midway removes the partial thread at once', async () => {
    const { dir, session, service } = await signedIn(50);
    const path = zipExport(dir, 'big.zip', chatText(400));
    await expect(
      service.import({ path, zone: LONDON }, job(() => {
        throw new Error('disk on fire');
      })),
    ).rejects.toThrow('disk on fire');
    expect(rawCount(session, 'SELECT count(*) AS n FROM threads')).toBe(0);
    expect(rawCount(session, 'SELECT count(*) AS n FROM messages')).toBe(0);
    expect(importEntries(session).map((entry) => entry.outcome)).toEqual([{ status: 'failure', reason: 'internal-error' }]);
  });

  it('a crash midway (the vault closes under the import) is cleaned up by recoverIncomplete at the next unlock', async () => {
    const { dir, session, service, reader } = await signedIn(50);
    const earlier = await service.import({ path: zipExport(dir, 'WhatsApp Chat - Earlier.zip', chatText(60, { word: 'earlier' })), zone: LONDON }, job());
    const path = zipExport(dir, 'big.zip', chatText(400, { canaryAt: 10 }));
    await expect(
      service.import({ path, zone: LONDON }, job((_done, _total, _unit, calls) => {
        if (calls === 2) session.lock('idle');
      })),
    ).rejects.toMatchObject({ code: 'locked' });

    await session.signIn(ADMIN.username, ADMIN.passphrase);
    const db = session.vault().db;
    const leftover = db.prepare("SELECT id FROM threads WHERE status = 'importing'").all() as { id: string }[];
    expect(leftover).toHaveLength(1);
    expect((db.prepare('SELECT count(*) AS n FROM messages AS m JOIN threads AS t ON t.seq = m.thread_seq WHERE t.id = ?').get(leftover[0]!.id) as { n: number }).n).toBe(100);
    // Readers never see it, even before recovery.
    expect(reader.listThreads().map((thread) => thread.id)).toEqual([earlier.threadId]);
    expect(reader.search('zebracanary7431', 5)).toEqual([]);
    expect(() => reader.messages(leftover[0]!.id, 0, 10)).toThrow(/not in the vault/);

    expect(service.recoverIncomplete()).toEqual([leftover[0]!.id]);
    expect(rawCount(session, 'SELECT count(*) AS n FROM threads')).toBe(1);
    expect(rawCount(session, 'SELECT count(*) AS n FROM messages')).toBe(60);
    expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'zebracanary7431'").get()).toEqual({ n: 0 });
    expect(reader.messages(earlier.threadId, 0, 100)).toHaveLength(60);
    expect(reader.search('earlier update', 100)).toHaveLength(60);
    expect(service.recoverIncomplete()).toEqual([]);
    expect(importEntries(session).at(-1)).toMatchObject({ actor: null, objects: { threadId: leftover[0]!.id }, outcome: { status: 'failure', reason: 'interrupted-import-removed' } });
  });

  it('inspect reports the proven date order, or that the user must choose; import refuses to guess', async () => {
    const { dir, session, service, reader } = await signedIn();
    const proven = zipExport(dir, 'WhatsApp Chat - Ward 7.zip', chatText(30));
    await expect(service.inspect(proven, { zone: LONDON })).resolves.toEqual({ source: 'whatsapp-ios', title: 'Ward 7', dateOrder: 'dmy', needsDateOrder: false, messageCountEstimate: 30 });

    const ambiguous = writeExport(dir, 'WhatsApp Chat with Ward 9.txt', '01/02/2024, 09:00 - Ada: one\n01/02/2024, 09:01 - Ben: two\n');
    await expect(service.inspect(ambiguous, { zone: LONDON })).resolves.toEqual({ source: 'whatsapp', title: 'Ward 9', dateOrder: null, needsDateOrder: true });
    await expect(service.import({ path: ambiguous, zone: LONDON }, job())).rejects.toMatchObject({ code: 'rejected' });
    expect(rawCount(session, 'SELECT count(*) AS n FROM threads')).toBe(0);
    const chosen = await service.import({ path: ambiguous, zone: LONDON, dateOrder: 'mdy' }, job());
    expect(reader.listThreads()[0]).toMatchObject({ id: chosen.threadId, dateOrder: { order: 'mdy', decidedBy: 'caller' } });
    expect(reader.messages(chosen.threadId, 0, 10)[0]!.localTime).toBe('2024-01-02T09:00:00');
    expect(importEntries(session).map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'date-order-unknown' }, { status: 'success' }]);
    // Tomorrow's export of the same chat proves no more: the order it was read with is offered (still to be confirmed), for that chat's name only.
    const tomorrow = writeExport(dir, 'WhatsApp Chat with Ward 9.txt', '01/02/2024, 09:00 - Ada: one\n01/02/2024, 09:01 - Ben: two\n01/03/2024, 08:00 - Ada: three\n');
    await expect(service.inspect(tomorrow, { zone: LONDON })).resolves.toMatchObject({ needsDateOrder: true, rememberedOrder: { order: 'mdy', threadTitle: 'Ward 9' } });
    const otherChat = writeExport(dir, 'WhatsApp Chat with Ward 10.txt', '01/02/2024, 09:00 - Ada: one\n');
    expect(await service.inspect(otherChat, { zone: LONDON })).not.toHaveProperty('rememberedOrder');

    const monthFirst = writeExport(dir, 'us.txt', '03/01/2024, 09:00 - Ada: one\n03/13/2024, 09:01 - Ben: two\n');
    await expect(service.inspect(monthFirst, { zone: LONDON })).resolves.toMatchObject({ dateOrder: 'mdy', needsDateOrder: false, messageCountEstimate: 2 });
  });

  it('yields to the event loop between batches', async () => {
    const { dir, service } = await signedIn(100);
    const path = zipExport(dir, 'long.zip', chatText(1000));
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    let batches = 0;
    await service.import({ path, zone: LONDON }, job((_done, _total, unit) => unit === 'bytes' && batches++));
    spinning = false;
    expect(batches).toBe(10);
    expect(turns).toBeGreaterThanOrEqual(batches);
  });

  it('a missing file fails cleanly and is audited', async () => {
    const { dir, session, service } = await signedIn();
    await expect(service.import({ path: `${dir}/nope.zip`, zone: LONDON }, job())).rejects.toMatchObject({ code: 'not-found' });
    expect(importEntries(session).map((entry) => entry.outcome)).toEqual([{ status: 'failure', reason: 'file-not-found' }]);
  });

  it('a Teams chat without a topic is stored and shown under its members\' names, not as an untitled chat (#16)', async () => {
    const { dir, service, reader } = await signedIn();
    const me = '8f0c2f5e-0000-4a7b-9c1d-000000000001';
    const message = (index: number, id: string, displayName: string) => ({
      id: String(index),
      messageType: 'message',
      createdDateTime: new Date(Date.parse('2024-04-02T08:00:00Z') + index * 60_000).toISOString(),
      deletedDateTime: null,
      from: { user: { id, displayName } },
      body: { contentType: 'html', content: `<p>obs update ${index}</p>` },
      attachments: [],
    });
    const page = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${me}')/chats('19%3Aa_b%40unq.gbl.spaces')/messages`,
      value: [message(3, me, 'Dr Jo Reed'), message(2, 'b1', 'Ben Okafor'), message(1, 'a1', 'Ada Shah'), message(0, me, 'Dr Jo Reed')],
    };
    const path = writeExport(dir, 'chat-messages.json', JSON.stringify(page));
    await expect(service.inspect(path, { zone: LONDON })).resolves.toMatchObject({ source: 'teams', title: 'Ada Shah, Ben Okafor' });
    const result = await service.import({ path, zone: LONDON }, job());
    expect(result).toMatchObject({ title: 'Ada Shah, Ben Okafor', source: 'teams', messageCount: 4 });
    expect(reader.listThreads()).toEqual([expect.objectContaining({ id: result.threadId, title: 'Ada Shah, Ben Okafor' })]);
  });
});
