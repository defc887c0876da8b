import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ImportService, type ImportJob, type ImportRequest } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { RefilingGuard } from '../../../main/threads/refiling-guard';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { TranscriptionService, type OutboxView } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { firstMessageFrom } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import { scanForRemnants } from '../../../main/wipe/vault-scan';
import { WipeService } from '../../../main/wipe/wipe-service';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN, countPlaintext } from '../../support/vault';
import { plannedNow } from '../wipe/support/planned';

/**
 * Issue #18: every export of a chat holds its whole history. A later export of a chat already in
 * the vault adds only its new messages; messages wiped before never come back.
 */

let training: TrainingEpr;
beforeAll(async () => {
  training = createTrainingEpr({ requestTimeoutMs: 5_000 });
  await training.connection();
});
afterAll(() => training.close());

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LONDON = 'Europe/London';
const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });
const PHOTO = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 251));

interface Line {
  readonly time: string; // HH:MM:SS on 13/03/2023
  readonly sender: string;
  readonly text: string;
}

/** An iOS WhatsApp export of `lines` (day-first, proven by the 13th). */
function iosChat(lines: readonly Line[]): string {
  return lines.map((line) => `[13/03/2023, ${line.time}] ${line.sender}: ${line.text}`).join('\n') + '\n';
}

/** The ward group's history as it grows: a distinctive word in each message so the raw scan can look for it. */
function ward(count: number, options: { from?: number } = {}): Line[] {
  const lines: Line[] = [];
  for (let index = options.from ?? 0; index < count; index++) {
    const seconds = 8 * 3600 + index * 60;
    const time = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
    lines.push({ time, sender: index % 2 === 0 ? 'Dr Ada Shah' : 'Ben Okafor', text: `wardnote${1000 + index} bed ${index % 12} obs stable, continue plan and review potassium` });
  }
  return lines;
}

async function world() {
  const dir = tempDir('wardscribe-reimport-');
  const files = vaultFiles(join(dir.path, 'vault'));
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const imports = new ImportService({ session, batchSize: 40 });
  const reader = new ThreadReader(session);
  const transcriptions = new TranscriptionService({ session, imports, epr: () => training.connection(), log: silentLogger, organisationOdsCode: 'RX1' });
  const wipes = new WipeService({ session, imports, transcriptions, log: silentLogger });
  const refiling = new RefilingGuard(session, reader);
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => transcriptions.stop());
  let exports = 0;
  const write = (content: string | Buffer, name = `WhatsApp Chat - Ward 7 (${++exports}).txt`) => writeExport(dir.path, name, content);
  const run = (path: string, extra: Partial<ImportRequest> = {}) => imports.import({ path, zone: LONDON, ...extra }, job());
  const file = async (threadId: string, messageIds: string[]): Promise<OutboxView> => {
    const queued = await transcriptions.attest(transcriptions.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Obs stable; continue plan.', patient: PATIENT }).id, await confirmedPatient(transcriptions));
    const started = Date.now();
    for (;;) {
      const view = transcriptions.outbox().find((item) => item.identifier === queued.identifier);
      if (view && ['verified', 'failed', 'needs-attention'].includes(view.state)) return view;
      if (Date.now() - started > 20_000) throw new Error(`filing still ${view?.state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const texts = (threadId: string) => reader.messages(threadId, 0, 1000).map((message) => message.text);
  return { dir: dir.path, files, session, imports, reader, transcriptions, wipes, refiling, write, run, file, texts };
}

/** Every copy of `needle` in the vault: through the key (every page and WAL frame decrypted) and raw in every file of its folder. */
function remnants(w: Awaited<ReturnType<typeof world>>, needles: string[]): string[] {
  const vault = w.session.vault();
  vault.db.pragma('wal_checkpoint(TRUNCATE)');
  return [...scanForRemnants({ dir: w.files.dir, database: w.files.database, key: vault.key, needles }).hits];
}

describe('a later export of a chat already in the vault', () => {
  it('adds only its new messages to the same thread, ordinals continuing, and says what it found', async () => {
    const w = await world();
    const first = await w.run(w.write(iosChat(ward(30))));
    expect(first.comparison).toMatchObject({ knownThread: null, newMessages: 30, alreadyHere: 0, wiped: 0 });

    const later = w.write(iosChat(ward(34)));
    const compared = await w.imports.compare({ path: later, zone: LONDON }, job());
    expect(compared).toMatchObject({ knownThread: { id: first.threadId, title: 'Ward 7 (1)' }, newMessages: 4, alreadyHere: 30, wiped: 0, placedBetween: 0 });
    expect(w.reader.messages(first.threadId, 0, 1000)).toHaveLength(30); // comparing wrote nothing

    const second = await w.run(later);
    expect(second).toMatchObject({ threadId: first.threadId, duplicate: false, messageCount: 34, comparison: { newMessages: 4, alreadyHere: 30 } });
    expect(w.reader.listThreads()).toHaveLength(1);
    const messages = w.reader.messages(first.threadId, 0, 1000);
    expect(messages.map((message) => message.ordinal)).toEqual([...Array(34).keys()]);
    expect(messages.map((message) => message.text)).toEqual(ward(34).map((line) => line.text));
    expect(w.reader.exports(first.threadId)).toMatchObject([{ added: 4, alreadyHere: 30, wipedSkipped: 0 }]);
    expect(w.reader.search('wardnote1032', 5)).toHaveLength(1);

    // The very same later file again: nothing read twice, nothing added.
    expect(await w.run(later)).toMatchObject({ threadId: first.threadId, duplicate: true, messageCount: 34 });
  });

  it('places a new message that falls between old ones by time, and flags it', async () => {
    const w = await world();
    const lines = ward(10);
    const first = await w.run(w.write(iosChat(lines.filter((_, index) => index !== 4))));
    // The next export holds the message dated 08:04 that the first lacked (it arrived late), and a new last one.
    const second = await w.run(w.write(iosChat(ward(11))));
    expect(second.comparison).toMatchObject({ newMessages: 2, alreadyHere: 9, placedBetween: 1 });
    const messages = w.reader.messages(first.threadId, 0, 100);
    expect(messages.map((message) => message.text)).toEqual(ward(11).map((line) => line.text));
    expect(messages[4]).toMatchObject({ ordinal: 9, flags: ['merged-between'] });
    expect(messages[10]).toMatchObject({ ordinal: 10, flags: [] });
    expect(w.reader.messages(first.threadId, 4, 2).map((message) => message.text)).toEqual([lines[4]!.text, lines[5]!.text]);
    // Going to a time finds the message placed there, at its place in the thread (not its ordinal's).
    expect(firstMessageFrom(w.session.vault().db, first.threadId, '2023-03-13T08:04', true)).toEqual({ index: 4, ordinal: 9 });
    expect(w.reader.firstMessageFrom(first.threadId, '2023-03-12')).toEqual({ index: 0, ordinal: 0 });
    expect(w.reader.firstMessageFrom(first.threadId, '2023-03-14')).toBeNull();
  });

  it('counts the same sender saying the same thing in the same minute twice as two messages (Android, minute precision)', async () => {
    const w = await world();
    const android = (rows: string[]) => rows.map((row) => `13/03/2023, ${row}`).join('\n') + '\n';
    const base = ['09:00 - Dr Ada Shah: bed 4 potassium?', '09:01 - Ben Okafor: ok', '09:01 - Ben Okafor: ok', '09:02 - Dr Ada Shah: thanks'];
    const first = await w.run(w.write(android(base)));
    expect(first.messageCount).toBe(4);
    // The same export again from the phone: nothing new. Then a third "ok" in that minute: one new.
    expect((await w.run(w.write(android(base)))).comparison).toMatchObject({ newMessages: 0, alreadyHere: 4 });
    const third = await w.run(w.write(android([...base.slice(0, 3), '09:01 - Ben Okafor: ok', base[3]!])));
    expect(third.comparison).toMatchObject({ newMessages: 1, alreadyHere: 4 });
    expect(w.texts(first.threadId).filter((text) => text === 'ok')).toHaveLength(3);
  });

  it('is matched with the oldest messages cut off by the app, with media omitted, with a message deleted, after a group rename, and read in another zone', async () => {
    const w = await world();
    const lines = ward(20);
    const withMedia = [...lines.slice(0, 6), { time: '08:06:30', sender: 'Ben Okafor', text: '\u200E<attached: 00000001-PHOTO-2023-03-13.jpg>' }, ...lines.slice(6)];
    const first = await w.run(w.write(buildZip([{ name: '_chat.txt', data: iosChat(withMedia) }, { name: '00000001-PHOTO-2023-03-13.jpg', data: PHOTO, method: 0 }]), 'WhatsApp Chat - Ward 7.zip'));
    expect(first.messageCount).toBe(21);
    expect(w.reader.attachments(first.threadId)).toHaveLength(1);

    // Cut (the first three gone), the photo omitted, message 10 deleted, the group renamed, two new messages; read as if in New York.
    const later = [
      ...withMedia.slice(3, 6),
      { time: '08:06:30', sender: 'Ben Okafor', text: '\u200Eimage omitted' },
      ...withMedia.slice(7).map((line, index) => (index + 6 === 10 ? { ...line, text: 'This message was deleted.' } : line)),
      { time: '08:30:00', sender: 'Ward 7 Medics', text: '\u200EDr Ada Shah changed the group name to “Ward 7 Medics”' },
      ...ward(22, { from: 20 }),
    ];
    const second = await w.run(w.write(iosChat(later), 'WhatsApp Chat - Ward 7 Medics.txt'), { zone: 'America/New_York' });
    expect(second).toMatchObject({ threadId: first.threadId, comparison: { exportTitle: 'Ward 7 Medics', knownThread: { title: 'Ward 7' }, alreadyHere: 18, newMessages: 3, wiped: 0 } });
    const texts = w.texts(first.threadId);
    expect(texts).toHaveLength(24);
    expect(texts.filter((text) => text === '')).toHaveLength(1); // the photo message, once (its stored version); the deletion added nothing
    expect(texts).toContain(lines[10]!.text); // the stored text of the message deleted since stays
    expect(w.reader.attachments(first.threadId)).toHaveLength(1);
  });

  it('is not merged with a different chat that shares some of its text', async () => {
    const w = await world();
    const ward7 = ward(12);
    const first = await w.run(w.write(iosChat(ward7)));
    // Ward 9 at the same times: the same words from other people, and one identical message (the same doctor posting the same line in the same second to both groups).
    const ward9 = ward7.map((line, index) => (index === 5 ? line : { ...line, sender: index % 2 === 0 ? 'Dr Cy Lee' : 'Nurse Dee Patel' }));
    const other = await w.run(w.write(iosChat(ward9), 'WhatsApp Chat - Ward 9.txt'));
    expect(other.threadId).not.toBe(first.threadId);
    expect(other.comparison).toMatchObject({ knownThread: null, newMessages: 12 });
    expect(w.reader.listThreads()).toHaveLength(2);
    expect(w.texts(first.threadId)).toHaveLength(12);
    // Even half of them the same (cross-posted in the same second): still two chats.
    const ward11 = ward7.map((line, index) => (index % 2 === 0 ? line : { ...line, text: `${line.text} (ward 11)` }));
    expect((await w.run(w.write(iosChat(ward11), 'WhatsApp Chat - Ward 11.txt'))).comparison).toMatchObject({ knownThread: null, newMessages: 12 });
    expect(w.reader.listThreads()).toHaveLength(3);
  });

  it('a merge cut short (the vault locks midway) leaves the thread exactly as it was; the staging rows go at the next unlock', async () => {
    const w = await world();
    const first = await w.run(w.write(iosChat(ward(30))));
    let calls = 0;
    const locking: ImportJob = {
      signal: new AbortController().signal,
      progress: () => {
        if (++calls === 2) w.session.lock('idle');
      },
    };
    await expect(w.imports.import({ path: w.write(iosChat(ward(200))), zone: LONDON }, locking)).rejects.toMatchObject({ code: 'locked' });
    await w.session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    expect(w.reader.messages(first.threadId, 0, 1000).map((message) => message.text)).toEqual(ward(30).map((line) => line.text));
    expect(w.reader.listThreads().map((thread) => [thread.id, thread.messageCount])).toEqual([[first.threadId, 30]]);
    expect(w.imports.recoverIncomplete()).toHaveLength(1);
    expect((w.session.vault().db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).toBe(30);
    expect((await w.run(w.write(iosChat(ward(200))))).comparison).toMatchObject({ newMessages: 170, alreadyHere: 30 });
  });

  it('can still be imported as a separate thread, deliberately', async () => {
    const w = await world();
    const first = await w.run(w.write(iosChat(ward(8))));
    const separate = await w.run(w.write(iosChat(ward(10))), { placement: 'separate' });
    expect(separate.threadId).not.toBe(first.threadId);
    expect(separate).toMatchObject({ placement: 'separate', messageCount: 10, comparison: { knownThread: { id: first.threadId }, newMessages: 10 } });
    // Exactly the same messages as a separate thread would only repeat them: refused.
    await expect(w.run(w.write(iosChat(ward(8))), { placement: 'separate' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/exactly the messages/) });
  });
});

describe('import → file → wipe → import a later export', () => {
  const variants = {
    'with new messages': (lines: Line[]) => ({ text: iosChat([...lines, ...ward(26, { from: 24 })]), alreadyWiped: 24, added: 2 }),
    'with the oldest messages cut off': (lines: Line[]) => ({ text: iosChat([...lines.slice(5), ...ward(27, { from: 24 })]), alreadyWiped: 19, added: 3 }),
    'with media omitted this time': (lines: Line[]) => ({
      text: iosChat([...lines.map((line, index) => (index === 7 ? { ...line, text: '\u200Eimage omitted' } : line)), ...ward(25, { from: 24 })]),
      alreadyWiped: 24,
      added: 1,
    }),
  } as const;

  it.each(Object.keys(variants) as (keyof typeof variants)[])('%s: only the new messages appear; the wiped ones are reported as skipped and found nowhere in the vault', async (variant) => {
    const w = await world();
    const lines = ward(24).map((line, index) => (index === 7 ? { ...line, text: '\u200E<attached: 00000007-PHOTO-2023-03-13.jpg>' } : line));
    const first = await w.run(w.write(buildZip([{ name: '_chat.txt', data: iosChat(lines) }, { name: '00000007-PHOTO-2023-03-13.jpg', data: PHOTO, method: 0 }]), 'WhatsApp Chat - Ward 7.zip'));
    const ids = w.reader.messages(first.threadId, 0, 10).map((message) => String(message.id));
    expect((await w.file(first.threadId, ids.slice(0, 2))).state).toBe('verified');
    // The rest of the chat is in no note: a clinician says why it may go.
    const certificate = await w.wipes.wipe({ threadId: first.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, first.threadId), overrideReason: 'The rest is routine obs chatter; the plan is filed.' });
    expect(certificate).toMatchObject({ level: 'purge', messageCount: 24, fingerprintsKept: 24 });

    const { text, alreadyWiped, added } = variants[variant](lines);
    const compared = await w.imports.compare({ path: w.write(text), zone: LONDON }, job());
    expect(compared).toMatchObject({ knownThread: null, wiped: alreadyWiped, newMessages: added, wipedOn: [certificate.startedAt] });
    const again = await w.run(w.write(text));
    expect(again.comparison).toMatchObject({ wiped: alreadyWiped, newMessages: added, wipedOn: [certificate.startedAt] });
    expect(w.reader.listThreads().map((thread) => thread.id)).toEqual([again.threadId]);
    expect(w.texts(again.threadId)).toEqual(ward(24 + added, { from: 24 }).slice(variant === 'with the oldest messages cut off' ? 0 : 0).map((line) => line.text).slice(-added));
    expect(w.reader.attachments(again.threadId)).toEqual([]);
    expect(w.reader.listThreads()[0]!.participants).toEqual(variant === 'with media omitted this time' ? ['Dr Ada Shah'] : ['Dr Ada Shah', 'Ben Okafor']);

    // Nowhere in the vault: not through the key, not raw in any file, not in the search index.
    const wiped = ['wardnote1003 bed 3', 'wardnote1017 bed 5', 'wardnote1023'];
    expect(remnants(w, [...wiped, PHOTO.subarray(2000, 2032).toString('latin1')])).toEqual([]);
    expect(w.reader.search('wardnote1003', 10)).toEqual([]);
    for (const needle of wiped) expect(countPlaintext(w.files.database, needle)).toBe(0);
    // Control: the scanner does find what is there.
    expect(remnants(w, [`wardnote${1000 + 23 + added}`])).toEqual(['wardscribe.vault:decrypted']);

    // The same export once more: nothing new, and nothing to create: refused, saying when they were wiped.
    await expect(w.run(w.write(iosChat(lines)))).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/all 24 messages of this export were securely wiped on \d{4}-\d{2}-\d{2}/) });
  });

  it('a reason given for the wipe plan a clinician read does not cover a later export merged in before the wipe ran: refused, nothing wiped', async () => {
    const w = await world();
    const first = await w.run(w.write(iosChat(ward(6))));
    const read = await plannedNow(w.wipes, first.threadId);
    expect(read).toEqual({ messageCount: 6, attachmentCount: 0 });
    // Between the plan and the wipe, the next day's export of the same chat is merged in.
    await w.run(w.write(iosChat(ward(60))));
    const reason = 'Social chat only; nothing clinical was said in it.';
    await expect(w.wipes.wipe({ threadId: first.threadId, overwriteSourceFile: false, planned: read, overrideReason: reason })).rejects.toMatchObject({
      code: 'rejected',
      message: expect.stringMatching(/^The thread has changed since its wipe plan was shown: it held 6 messages and 0 attachments then, and holds 60 messages and 0 attachments now .*Nothing was wiped/),
    });
    // A reason with no plan to tie it to is refused too.
    await expect(w.wipes.wipe({ threadId: first.threadId, overwriteSourceFile: false, overrideReason: reason })).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/does not say which plan that was\. Nothing was wiped/) });
    expect(w.texts(first.threadId)).toHaveLength(60);
    const refused = [...w.session.audit().store.entries({ filter: { actions: ['wipe'] } })].map((entry) => entry.outcome);
    expect(refused).toEqual([
      { status: 'refused', reason: 'thread-changed' },
      { status: 'refused', reason: 'plan-not-given' },
    ]);
    // Read again, the new plan's reason wipes all 60, as the certificate says.
    const certificate = await w.wipes.wipe({ threadId: first.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, first.threadId), overrideReason: reason });
    expect(certificate).toMatchObject({ messageCount: 60, overrideReason: reason });
  });

  it('two wipes of the same chat on two days: a third export skips both', async () => {
    const w = await world();
    const day1 = await w.run(w.write(iosChat(ward(6))));
    await w.wipes.wipe({ threadId: day1.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, day1.threadId), overrideReason: 'Social chat only; nothing clinical was said in it.' });
    const day2 = await w.run(w.write(iosChat(ward(9))));
    expect(day2.comparison).toMatchObject({ wiped: 6, newMessages: 3 });
    await w.wipes.wipe({ threadId: day2.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, day2.threadId), overrideReason: 'Social chat only; nothing clinical was said in it.' });
    const day3 = await w.run(w.write(iosChat(ward(10))));
    expect(day3.comparison).toMatchObject({ wiped: 9, newMessages: 1 });
    expect(day3.comparison.wipedOn).toHaveLength(2);
    expect(w.texts(day3.threadId)).toEqual([ward(10)[9]!.text]);
  });
});

describe('advice already filed', () => {
  it('is marked in a later export, in the thread and in search, and filing it again needs a reason', async () => {
    const w = await world();
    const first = await w.run(w.write(iosChat(ward(10))));
    const ids = w.reader.messages(first.threadId, 0, 10).map((message) => String(message.id));
    const filed = await w.file(first.threadId, ids.slice(2, 4));
    expect(filed.state).toBe('verified');

    // Merged: the same rows, marked with the document.
    await w.run(w.write(iosChat(ward(12))));
    const merged = w.reader.messages(first.threadId, 0, 20);
    expect(merged[2]!.filed).toEqual([expect.objectContaining({ identifier: filed.identifier, state: 'verified', documentReferenceId: filed.documentReferenceId })]);
    expect(merged[4]!.filed).toEqual([]);
    expect(w.reader.search('wardnote1003', 5)[0]!.filed).toEqual([expect.objectContaining({ documentReferenceId: filed.documentReferenceId })]);

    // A separate thread of a later export: the same message there is marked too.
    const separate = await w.run(w.write(iosChat(ward(13))), { placement: 'separate' });
    const copy = w.reader.messages(separate.threadId, 0, 20);
    expect(copy[3]!.filed).toEqual([expect.objectContaining({ documentReferenceId: filed.documentReferenceId, threadId: first.threadId })]);

    // Filing it again: refused without a reason; with one, saved, the reason kept and audited as a code.
    const again = [copy[3]!.id, copy[12]!.id].map(String);
    expect(() => w.refiling.checkSave(again, null, undefined)).toThrow(/already part of document .* say why/);
    expect(() => w.refiling.checkSave(again, null, 'short')).toThrow(/at least 10 characters/);
    expect(w.refiling.checkSave([String(copy[12]!.id)], null, undefined)).toEqual([]);
    const draft = w.transcriptions.saveDraft({ threadId: separate.threadId, messageIds: again, advisers: ADVISERS, summary: 'Corrected dose.', patient: PATIENT });
    expect(() => w.refiling.checkAttest(draft.id)).toThrow(/confirm filing it again/);
    w.refiling.checkSave(again, draft.id, 'Correction: the dose was changed after filing.');
    w.refiling.recordReason(draft.id, 'Correction: the dose was changed after filing.');
    expect(() => w.refiling.checkAttest(draft.id)).not.toThrow();
    const entries = [...w.session.audit().store.entries({ filter: { actions: ['transcription-changed'] } })];
    expect(entries.at(-1)).toMatchObject({ objects: { transcriptionId: draft.id }, outcome: { reason: 'refiling-reason-recorded' } });
    expect(JSON.stringify(entries)).not.toContain('Correction');
  });
});

describe('the same rules for sources other than WhatsApp', () => {
  /** A Telegram Desktop result.json of messages 0..count-1 of the ward group, a minute apart. */
  function telegram(count: number, from = 0): string {
    const start = Date.parse('2023-03-13T08:00:00Z') / 1000;
    const messages = Array.from({ length: count - from }, (_, offset) => {
      const index = from + offset;
      const unix = start + index * 60;
      return { id: index + 1, type: 'message', date: new Date(unix * 1000).toISOString().slice(0, 19), date_unixtime: String(unix), from: index % 2 ? 'Ben Okafor' : 'Dr Ada Shah', from_id: `user${index % 2}`, text: `tgnote${1000 + index} obs stable`, text_entities: [] };
    });
    return JSON.stringify({ name: 'Ward 7 handover', type: 'private_group', id: 4412, messages });
  }

  it('Telegram: a later export merges, keyed by the instant (any zone), and wiped messages never return', async () => {
    const w = await world();
    const first = await w.run(w.write(telegram(8), 'result.json'));
    expect(first).toMatchObject({ source: 'telegram', messageCount: 8 });
    const second = await w.run(w.write(telegram(11, 2), 'result (1).json'), { zone: 'Asia/Tokyo' });
    expect(second).toMatchObject({ threadId: first.threadId, messageCount: 11, comparison: { newMessages: 3, alreadyHere: 6 } });
    await w.wipes.wipe({ threadId: first.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, first.threadId), overrideReason: 'Test chat only; nothing clinical was said in it.' });
    const third = await w.run(w.write(telegram(12), 'result (2).json'));
    expect(third.comparison).toMatchObject({ knownThread: null, wiped: 11, newMessages: 1 });
    expect(w.texts(third.threadId)).toEqual(['tgnote1011 obs stable']);
    expect(remnants(w, ['tgnote1003 obs', 'tgnote1010 obs'])).toEqual([]);
  });
});
