import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../main/audit/canonical';
import type { DocumentReference } from '@medplum/fhirtypes';
import { singleEprDirectory, type EprDirectory } from '../../../main/epr/epr-directory';
import { EprRequestError } from '../../../main/epr/epr-errors';
import type { EprConnection } from '../../../main/epr/fhir-client';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService, type OutboxView } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { getOutboxItem } from '../../../main/vault/queries/outbox';
import { listMessages } from '../../../main/vault/queries/messages';
import { openEncryptedDatabase } from '../../../main/vault/sqlcipher';
import { vaultFiles } from '../../../main/vault/vault-files';
import { scanForRemnants } from '../../../main/wipe/vault-scan';
import { recordAttachmentMedia, storeThumbnail, thumbnailSlices } from '../../../main/vault/queries/attachment-thumbnails';
import { jpegImage } from '../threads/support/images';
import { certificateSha256, WipeService, type WipeStep } from '../../../main/wipe/wipe-service';
import { certificateForRole } from '../../../shared/domain/wipe';
import { createWipeHandlers } from '../../../main/ipc/handlers/wipes';
import type { ExportedFiles } from '../../../main/exports/exported-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import type { HostEvent } from '../../../shared/ipc/events';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { ADVISERS, CLERK, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { untilOutboxState as until } from '../../support/outbox-wait';
import { plannedNow } from './support/planned';

/** Distinctive words that appear only in the thread to be wiped. */
const WIPED = 'quokkaremnant7731 zqxjwipedterm please start bisoprolol 2.5 mg once daily and recheck potassium tomorrow';
const KEPT = 'platypuskept4410 the other ward thread says discharge planning is on track for friday afternoon';
/** A "photo" with varied bytes, so a slice of it proves something when searched for. */
/** The ward's photo of the ECG strip: a real PNG, filed with the note as an image. */
const PHOTO = readFileSync(join(__dirname, '../../fixtures/images/photo.png'));

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

const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });

/** A wound photo (a real JPEG, which can be filed) and an ECG as a PDF (which cannot): sent by the ward sister with her advice. */
const WOUND_PHOTO = readFileSync(join(__dirname, '../../fixtures/images/photo.jpg'));
const ECG_PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 2048 }, (_, index) => (index * 131 + 7) % 253)), Buffer.from('\n%%EOF\n')]);

function wardChat(media: boolean): string {
  return (
    [
      `[13/03/2023, 08:00:00] Dr Ada Shah: ${WIPED}`,
      '[13/03/2023, 08:05:30] Ben Okafor: ECG done, rate 72, will send a picture of the strip',
      '[13/03/2023, 08:06:00] Ben Okafor: \u200e<attached: IMG-0001.png>',
      ...(media ? ['[13/03/2023, 08:06:10] Ben Okafor: \u200e<attached: 00000005-PHOTO-wound.jpg>', '[13/03/2023, 08:06:20] Ben Okafor: \u200e<attached: 00000006-ECG-strip.pdf>'] : []),
      '[13/03/2023, 08:07:00] Dr Ada Shah: thanks, repeat in the morning',
    ].join('\n') + '\n'
  );
}

async function world(options: { epr?: () => Promise<EprConnection>; eprs?: EprDirectory; hooks?: { afterStep?: (step: WipeStep) => void }; media?: boolean } = {}) {
  const dir = tempDir('wardscribe-wipe-');
  const files = vaultFiles(join(dir.path, 'vault'));
  const events: HostEvent[] = [];
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.createUser(CLERK);
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const imports = new ImportService({ session });
  const exportPath = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([
    { name: '_chat.txt', data: wardChat(options.media === true) },
    { name: 'IMG-0001.png', data: PHOTO },
    ...(options.media ? [{ name: '00000005-PHOTO-wound.jpg', data: WOUND_PHOTO }, { name: '00000006-ECG-strip.pdf', data: ECG_PDF }] : []),
  ]));
  const { threadId } = await imports.import({ path: exportPath, zone: 'Europe/London' }, job());
  const otherPath = writeExport(dir.path, 'WhatsApp Chat - Ward 9.txt', `[14/03/2023, 09:00:00] Sam: ${KEPT}\n`);
  const other = await imports.import({ path: otherPath, zone: 'Europe/London' }, job());
  const transcriptions = new TranscriptionService({ session, imports, ...(options.eprs ? { eprs: options.eprs } : { epr: options.epr ?? (() => training.connection()) }), log: silentLogger, organisationOdsCode: 'RX1' });
  const wipes = new WipeService({ session, imports, transcriptions, log: silentLogger, events: { emit: (event) => events.push(event) }, ...(options.hooks ? { hooks: options.hooks } : {}) });
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => transcriptions.stop());
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  const threads = new ThreadReader(session);
  const photoId = threads.attachments(threadId).find((attachment) => attachment.originalName === 'IMG-0001.png')!.id;
  // Every message of the chat is advice for this patient, and the strip's photo is filed with it:
  // the gate lets a thread through only when each of its messages is in a verified note.
  const draft = () =>
    transcriptions.saveDraft({
      threadId,
      messageIds,
      advisers: ADVISERS,
      summary: 'Bisoprolol started; ECG repeated.',
      patient: PATIENT,
      images: [{ attachmentId: photoId, consent: { status: 'given' } }],
    });
  return { dir: dir.path, files, session, imports, threads, photoId, transcriptions, wipes, threadId, otherThreadId: other.threadId, exportPath, messageIds, draft, events };
}


async function fileVerified(w: Awaited<ReturnType<typeof world>>): Promise<OutboxView> {
  const queued = await w.transcriptions.attest(w.draft().id, await confirmedPatient(w.transcriptions));
  return until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
}

/** A WipeService with a 24-hour retention set by an admin, its clock 25 hours after `filed` was verified. */
async function retentionDueFor(w: Awaited<ReturnType<typeof world>>, filed: OutboxView): Promise<WipeService> {
  const verifiedAt = (getOutboxItem(w.session.vault().db, filed.identifier)!.state as { verifiedAt: string }).verifiedAt;
  const now = new Date(Date.parse(verifiedAt) + 25 * 3_600_000);
  const wipes = new WipeService({ session: w.session, imports: w.imports, transcriptions: w.transcriptions, log: silentLogger, now: () => now });
  await w.session.signIn(ADMIN.username, ADMIN.passphrase);
  wipes.setRetentionHours(24);
  return wipes;
}

/** The next person at the shared PC: the last one signs out first. */
async function signInAs(w: Awaited<ReturnType<typeof world>>, person: { readonly username: string; readonly passphrase: string }): Promise<void> {
  w.session.lock('sign-out');
  await w.session.signIn(person.username, person.passphrase);
}

function trail(session: SessionService, actions: AuditEntry['action'][]): AuditEntry[] {
  return [...session.audit().store.entries({ filter: { actions } })];
}

describe('WipeService', () => {
  it('wipes a filed thread so that neither the key in use nor the raw files show any of it, and certifies it', async () => {
    const w = await world();
    const filed = await fileVerified(w);
    expect(filed.state).toBe('verified');
    const vault = w.session.vault();
    const keyBefore = Buffer.from(vault.key);
    const reimportCopy = join(w.dir, 'copy of the export.zip');
    copyFileSync(w.exportPath, reimportCopy);

    // The scanner sees the text when it is there: through the key, and raw in a plaintext control.
    vault.db.pragma('wal_checkpoint(TRUNCATE)');
    const seen = scanForRemnants({ dir: w.files.dir, database: w.files.database, key: vault.key, needles: ['quokkaremnant7731', PHOTO.subarray(2000, 2032)] });
    expect(seen.hits).toEqual(['wardscribe.vault:decrypted']);
    expect(seen.unreadable).toEqual([]);
    const control = join(w.files.dir, 'plaintext-control.db');
    const plain = new Database(control);
    plain.exec('CREATE TABLE t (x TEXT)');
    plain.prepare('INSERT INTO t VALUES (?)').run(WIPED);
    plain.close();
    expect(scanForRemnants({ dir: w.files.dir, database: w.files.database, key: vault.key, needles: ['quokkaremnant7731'] }).hits).toContain('plaintext-control.db:raw');
    writeFileSync(control, '');
    // The search index holds the thread's terms on its own pages (a term no other shares a prefix with is stored whole, bar its first letter).
    const indexPagesHolding = (term: string) => (w.session.vault().db.prepare('SELECT count(*) AS n FROM messages_fts_data WHERE instr(block, ?) > 0').get(Buffer.from(term)) as { n: number }).n;
    expect(indexPagesHolding('qxjwipedterm')).toBeGreaterThan(0);
    const before = join(w.dir, 'vault-before-wipe.copy');
    copyFileSync(w.files.database, before);

    const plan = await w.wipes.plan(w.threadId);
    expect(plan).toMatchObject({ messageCount: 4, attachmentCount: 1, draftCount: 1, decision: { kind: 'allowed' }, sourceFile: { name: 'WhatsApp Chat - Ward 7.zip', status: 'matches' } });

    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true });
    expect(certificate).toMatchObject({
      threadId: w.threadId,
      messageCount: 4,
      attachmentCount: 1,
      draftCount: 1,
      firstInstant: '2023-03-13T08:00:00Z',
      lastInstant: '2023-03-13T08:07:00Z',
      trigger: 'user',
      requestedBy: { displayName: CLINICIAN.displayName, role: 'clinician' },
      overrideReason: null,
      filed: [{ identifier: filed.identifier, documentReferenceId: filed.documentReferenceId, nhsNumber: '9991235671' }],
      keyRotated: true,
      sourceFile: 'overwritten',
      level: 'purge',
      verification: { status: 'passed', hits: [], problems: [], textSampled: true },
    });
    expect(certificate.verification!.needles).toBeGreaterThanOrEqual(3); // canary, text samples, the photo
    expect(certificate.verification!.pagesDecrypted).toBeGreaterThan(10);
    expect(existsSync(w.exportPath)).toBe(false);
    expect(w.events).toContainEqual({ type: 'thread.wiped', threadId: w.threadId });

    // Gone from every view, the other thread untouched.
    expect(w.threads.listThreads().map((thread) => thread.id)).toEqual([w.otherThreadId]);
    expect(w.threads.search('quokkaremnant7731', 10)).toEqual([]);
    expect(w.threads.search('platypuskept4410', 10)).toHaveLength(1);
    await expect(w.wipes.plan(w.threadId)).rejects.toMatchObject({ code: 'not-found' });
    // The outbox keeps what was filed (identity, patient, state) but not the text.
    const item = getOutboxItem(w.session.vault().db, filed.identifier)!;
    expect(item.state.kind).toBe('verified');
    expect(JSON.stringify(item.transcription)).not.toMatch(/quokka|Bisoprolol started/);

    expect(indexPagesHolding('qxjwipedterm')).toBe(0);
    expect(indexPagesHolding('puskept4410')).toBeGreaterThan(0); // the other thread's terms stay
    // Nothing of it through the key now in use, nor raw; the old key no longer opens the vault; the copy taken before cannot be opened with the new key.
    const after = w.session.vault();
    expect(after.key.equals(keyBefore)).toBe(false);
    expect(scanForRemnants({ dir: w.files.dir, database: w.files.database, key: after.key, needles: ['quokkaremnant7731', 'recheck potassium', PHOTO.subarray(2000, 2032)] }).hits).toEqual([]);
    expect(() => openEncryptedDatabase(before, after.key, { create: false, journal: 'delete' })).toThrow(/damaged/);
    expect(() => openEncryptedDatabase(w.files.database, keyBefore, { create: false, journal: 'delete' })).toThrow(/damaged/);

    // The trail: the erase and the certificate, chained, with no text.
    const entries = trail(w.session, ['wipe', 'wipe-verified']);
    expect(entries.map((entry) => [entry.action, entry.outcome])).toEqual([
      ['wipe', { status: 'success', reason: 'erased' }],
      ['wipe-verified', { status: 'success', reason: 'purge' }],
    ]);
    // The digest of the auditor's view (#14 F7): the full certificate's would confirm guesses of what auditors are not shown.
    expect(entries[1]!.hashes.certificateSha256).toBe(certificateSha256(certificateForRole(certificate, 'auditor')));
    expect(entries[1]!.hashes.certificateSha256).not.toBe(certificateSha256(certificate));
    expect(entries[1]!.wipe).toMatchObject({ messageCount: 4, documentIds: [filed.documentReferenceId], level: 'purge', verification: 'passed', keyRotated: true, sourceFile: 'overwritten', override: false });
    expect(canonicalJson([...w.session.audit().store.entries({ filter: {} })])).not.toMatch(/quokka|bisoprolol/i);
    expect(w.wipes.certificates()).toEqual([certificate]);

    // The export cannot bring the thread back.
    await expect(w.imports.import({ path: reimportCopy, zone: 'Europe/London' }, job())).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/securely wiped/) });

    // Every user still signs in after the rotation (the clerk was not signed in when it happened).
    await signInAs(w, CLERK);
    expect(w.threads.listThreads()).toHaveLength(1);
  });

  it('refuses while a transcription is still being filed, and changes nothing', async () => {
    let unreachable = (): void => undefined;
    const never = new Promise<EprConnection>((_, reject) => (unreachable = () => reject(new Error('EPR unreachable'))));
    never.catch(() => undefined);
    // The patient is found (the look-up, then attestation's check of it); then the EPR stops answering, so the note stays unfiled.
    let lookups = 2;
    const w = await world({ epr: () => (lookups-- > 0 ? training.connection() : never) });
    cleanups.push(() => unreachable());
    await w.transcriptions.attest(w.draft().id, await confirmedPatient(w.transcriptions));
    const plan = await w.wipes.plan(w.threadId);
    expect(plan.decision).toEqual({ kind: 'refused', problems: ['1 transcription is still being filed in the record. Wait until it is verified, then wipe.'] });
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true, overrideReason: 'a reason that is long enough to count' })).rejects.toMatchObject({
      code: 'rejected',
      message: expect.stringMatching(/still being filed/),
    });
    expect(w.threads.listThreads()).toHaveLength(2);
    expect(listMessages(w.session.vault().db, w.threadId, 0, 10)).toHaveLength(4);
    expect(existsSync(w.exportPath)).toBe(true);
    expect(trail(w.session, ['wipe']).map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'in-flight' }]);
  });

  it('lets only a clinician with a recorded reason wipe a thread with unfiled drafts, and certifies the reason', async () => {
    const w = await world();
    w.draft();
    const plan = await w.wipes.plan(w.threadId);
    expect(plan.decision).toEqual({ kind: 'needs-override', problems: ['1 draft has not been attested and filed.', 'Nothing from this chat has been filed in the record.'] });
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toThrow(/record why it holds no clinical content/);
    await signInAs(w, CLERK);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason: 'Only social chat; the advice was given by phone.' })).rejects.toThrow(/Only a clinician/);
    expect(w.threads.listThreads()).toHaveLength(2);
    await signInAs(w, CLINICIAN);
    // Invisible characters and punctuation are no reason.
    for (const overrideReason of ['\u200B'.repeat(30), '.'.repeat(30)]) {
      await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason })).rejects.toThrow(/record why it holds no clinical content, in words/);
    }
    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason: 'Only social\u200B chat;\n the advice was given by phone.' });
    expect(certificate).toMatchObject({ overrideReason: 'Only social chat; the advice was given by phone.', filed: [], sourceFile: 'not-requested', level: 'purge' });
    expect(existsSync(w.exportPath)).toBe(true); // not asked for: not touched
    const entries = trail(w.session, ['wipe', 'wipe-verified']);
    expect(entries.map((entry) => entry.outcome.reason)).toEqual(['unfiled', 'unfiled', 'unfiled', 'unfiled', 'erased-with-clinician-reason', 'purge']);
    expect(entries[5]!.wipe?.override).toBe(true);
  });

  it('erases the thread\'s thumbnails with it, and its verifier searches for their bytes as it does the files\' (#19)', async () => {
    const w = await world();
    const db = w.session.vault().db;
    const [attachment] = w.threads.attachments(w.threadId);
    const thumbnail = jpegImage(320, 240);
    const middle = thumbnail.subarray(thumbnail.length / 2 - 1, thumbnail.length / 2 + 31);
    recordAttachmentMedia(db, { attachmentId: attachment!.id, sourceSha256: attachment!.sha256, mediaType: 'image/jpeg', width: 640, height: 480, checkedAt: '2026-12-02T04:00:00.000Z' });
    expect(storeThumbnail(db, { attachmentId: attachment!.id, sourceSha256: attachment!.sha256, mediaType: 'image/jpeg', width: 320, height: 240, content: thumbnail, madeAt: '2026-12-02T04:00:00.000Z' })).toBe(true);
    // The verifier's sample of it is the slice the scan can see while it is there.
    expect(thumbnailSlices(db, w.threadId, 8, 32)).toEqual([middle]);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(scanForRemnants({ dir: w.files.dir, database: w.files.database, key: w.session.vault().key, needles: [middle] }).hits).toEqual(['wardscribe.vault:decrypted']);

    const reason = 'Only social chat; the advice was given by phone.';
    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason: reason });
    // The canary, three text samples, the photo's slice (and it as base64 at three alignments) and the thumbnail's.
    expect(certificate.verification).toMatchObject({ status: 'passed', hits: [], needles: 9 });
    const after = w.session.vault();
    expect(after.db.prepare('SELECT count(*) AS n FROM attachment_thumbnails').get()).toEqual({ n: 0 });
    expect(scanForRemnants({ dir: w.files.dir, database: w.files.database, key: after.key, needles: [middle] }).hits).toEqual([]);
  });

  describe('media sent with the filed advice but not in the record (H-028)', () => {
    /** Ben's advice, his wound photo (filed, consent given) and his ECG as a PDF (which cannot be filed), verified in the record. */
    async function fileAdviceWithMedia() {
      const w = await world({ media: true });
      const attachments = w.threads.attachments(w.threadId);
      const photo = attachments.find((attachment) => attachment.originalName === '00000005-PHOTO-wound.jpg')!;
      const ecg = attachments.find((attachment) => attachment.originalName === '00000006-ECG-strip.pdf')!;
      const draft = w.transcriptions.saveDraft({
        threadId: w.threadId,
        messageIds: w.messageIds,
        advisers: ADVISERS,
        summary: 'Wound reviewed; ECG strip sent by the ward sister.',
        patient: PATIENT,
        images: [
          { attachmentId: w.photoId, consent: { status: 'given' } },
          { attachmentId: photo.id, consent: { status: 'given' } },
        ],
      });
      const queued = await w.transcriptions.attest(draft.id, await confirmedPatient(w.transcriptions));
      const filed = await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
      expect(filed.state).toBe('verified');
      return { w, photo, ecg };
    }

    const unchanged = (w: Awaited<ReturnType<typeof world>>) => {
      expect(w.threads.listThreads()).toHaveLength(2);
      expect(listMessages(w.session.vault().db, w.threadId, 0, 10)).toHaveLength(6);
      expect(w.threads.attachments(w.threadId)).toHaveLength(3);
      expect(existsSync(w.exportPath)).toBe(true);
      expect(w.wipes.certificates()).toEqual([]);
    };

    it('lists them in the plan (name, type from the bytes, size, sender, time), refuses a wipe that does not acknowledge each, deleting nothing, and certifies and audits them when it does', async () => {
      const { w, photo, ecg } = await fileAdviceWithMedia();
      const plan = await w.wipes.plan(w.threadId);
      // The gate alone would let it through: the note is verified.
      expect(plan.decision).toEqual({ kind: 'allowed' });
      // The filed photo is in the record; the PDF is not. IMG-0001.png came with no filed message.
      expect(plan.unfiledMedia).toEqual([
        {
          attachmentId: ecg.id,
          messageId: w.messageIds[4],
          fileName: '00000006-ECG-strip.pdf',
          typeLabel: 'PDF document',
          byteLength: ECG_PDF.length,
          sha256: createHash('sha256').update(ECG_PDF).digest('hex'),
          sender: 'Ben Okafor',
          sentAt: '2023-03-13T08:06:20Z',
          localTime: '2023-03-13T08:06:20',
        },
      ]);

      // Over the IPC handler as the window calls it: no acknowledgement, refused in words, nothing deleted.
      const handlers = createWipeHandlers({ wipes: w.wipes, session: w.session, exports: {} as ExportedFiles, site: 'Ward 7' });
      const context = { principal: { userId: 'u', role: 'clinician' as const }, signal: new AbortController().signal, progress: () => {} };
      expect((await handlers.plan({ threadId: w.threadId }, context)).unfiledMedia).toEqual([
        { attachmentId: ecg.id, fileName: '00000006-ECG-strip.pdf', typeLabel: 'PDF document', byteLength: ECG_PDF.length, sender: 'Ben Okafor', sentAt: '2023-03-13T08:06:20Z', localTime: '2023-03-13T08:06:20' },
      ]);
      const run = (acknowledgedUnfiledMedia?: string[]) =>
        handlers.run({ jobId: 'j'.repeat(32), threadId: w.threadId, overwriteSourceFile: true, ...(acknowledgedUnfiledMedia ? { acknowledgedUnfiledMedia } : {}) }, context);
      await expect(run()).rejects.toMatchObject({
        code: 'rejected',
        message:
          '1 attachment sent with the advice filed in the record is not in the record itself: only pictures chosen for a note are filed with it. The wipe destroys it for good. Confirm that it is to be destroyed without being filed, then wipe.',
      });
      unchanged(w);
      // Acknowledging another file (the filed photo) is not acknowledging this one.
      await expect(run([photo.id])).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/have changed since you confirmed/) });
      unchanged(w);
      // A clerk cannot acknowledge it, even naming it.
      await signInAs(w, CLERK);
      await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true, acknowledgedUnfiledMedia: [ecg.id] })).rejects.toThrow(/Only a clinician can wipe it without filing/);
      unchanged(w);
      await signInAs(w, CLINICIAN);
      expect(trail(w.session, ['wipe']).map((entry) => entry.outcome)).toEqual([
        { status: 'refused', reason: 'unfiled-media-not-acknowledged' },
        { status: 'refused', reason: 'unfiled-media-changed' },
        { status: 'refused', reason: 'unfiled-media-clinician-only' },
      ]);
      expect(trail(w.session, ['wipe-unfiled-media'])).toEqual([]);

      // Acknowledged: wiped, the certificate counts it, the trail keeps its id and hash (never its name).
      const certificate = await run([ecg.id]);
      expect(certificate).toMatchObject({ level: 'purge', attachmentCount: 3, imagesFiled: 2, unfiledMediaDestroyed: 1, overrideReason: null, sourceFile: 'overwritten' });
      expect(w.threads.listThreads().map((thread) => thread.id)).toEqual([w.otherThreadId]);
      const [acknowledged] = trail(w.session, ['wipe-unfiled-media']);
      expect(trail(w.session, ['wipe-unfiled-media'])).toHaveLength(1);
      expect(acknowledged).toMatchObject({
        actor: { displayName: CLINICIAN.displayName, role: 'clinician' },
        objects: { threadId: w.threadId, wipeId: certificate.wipeId, attachmentId: ecg.id },
        outcome: { status: 'success', reason: 'acknowledged' },
        hashes: { originalSha256: createHash('sha256').update(ECG_PDF).digest('hex') },
      });
      expect(trail(w.session, ['wipe', 'wipe-verified']).slice(-2).map((entry) => entry.outcome)).toEqual([
        { status: 'success', reason: 'erased' },
        { status: 'success', reason: 'purge' },
      ]);
      expect(trail(w.session, ['wipe-verified'])[0]!.wipe).toMatchObject({ attachmentCount: 3, unfiledMedia: 1 });
      expect(canonicalJson([...w.session.audit().store.entries({ filter: {} })])).not.toMatch(/ECG-strip|PHOTO-wound/);
      expect(w.wipes.certificates()).toEqual([certificate]);
    });

    it('counts none on a certificate when every attachment of the filed messages is in the record', async () => {
      const w = await world();
      await fileVerified(w);
      const plan = await w.wipes.plan(w.threadId);
      // IMG-0001.png is filed with the note.
      expect(plan.unfiledMedia).toEqual([]);
      const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false });
      expect(certificate).toMatchObject({ level: 'purge', unfiledMediaDestroyed: 0, unfiledMessagesDestroyed: 0 });
      expect(trail(w.session, ['wipe-unfiled-media'])).toEqual([]);
      expect(trail(w.session, ['wipe-verified'])[0]!.wipe).toMatchObject({ unfiledMedia: 0, unfiledMessages: 0 });
    });

    it('is never wiped by the retention policy, and says why if asked to', async () => {
      let now = new Date('2026-11-24T10:00:00Z');
      const { w } = await fileAdviceWithMedia();
      const wipes = new WipeService({ session: w.session, imports: w.imports, transcriptions: w.transcriptions, log: silentLogger, now: () => now });
      await w.session.signIn(ADMIN.username, ADMIN.passphrase);
      wipes.setRetentionHours(1);
      now = new Date(Date.now() + 48 * 3_600_000);
      expect(await wipes.applyRetention()).toEqual([]);
      await expect(wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false }, 'retention')).rejects.toThrow(/The automatic wipe never destroys what is not in the record/);
      expect(w.threads.listThreads()).toHaveLength(2);
    });
  });

  describe('messages in no verified note (H-013: one patient filed, the others\' advice never)', () => {
    /** The ward trial: a note for the first two messages only; the photo's message and the last are in none. */
    async function filePart() {
      const w = await world();
      const draft = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds.slice(0, 2), advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
      const queued = await w.transcriptions.attest(draft.id, await confirmedPatient(w.transcriptions));
      expect((await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
      return w;
    }

    it('the plan counts and lists them, in the order shown, and a wipe needs a clinician\'s reason', async () => {
      const w = await filePart();
      const plan = await w.wipes.plan(w.threadId);
      expect(plan.decision).toEqual({ kind: 'needs-override', problems: ['2 messages in this chat are in no note filed in the record.'] });
      // Both from people whose advice the note carries: marked for a second look (closer-look.ts).
      expect(plan.untranscribed).toEqual({
        count: 2,
        marked: 2,
        shown: [
          { messageId: w.messageIds[2], sender: 'Ben Okafor', localTime: '2023-03-13T08:06:00', text: '', attachment: 'IMG-0001.png', lookAgain: ['adviser'] },
          { messageId: w.messageIds[3], sender: 'Dr Ada Shah', localTime: '2023-03-13T08:07:00', text: 'thanks, repeat in the morning', attachment: null, lookAgain: ['adviser'] },
        ],
      });
      await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toThrow('2 messages in this chat are in no note filed in the record. To wipe it anyway, record why it holds no clinical content');
      await signInAs(w, CLERK);
      await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason: 'The rest is thanks and a photo.' })).rejects.toThrow(/Only a clinician/);
      expect(w.threads.listThreads()).toHaveLength(2);
      await signInAs(w, CLINICIAN);
      const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false, planned: await plannedNow(w.wipes, w.threadId), overrideReason: 'The rest is thanks and a photo.' });
      expect(certificate).toMatchObject({ level: 'purge', overrideReason: 'The rest is thanks and a photo.', filed: [expect.objectContaining({ nhsNumber: '9991235671' })] });
      expect(trail(w.session, ['wipe']).map((entry) => entry.outcome.reason)).toEqual(['unfiled', 'unfiled', 'erased-with-clinician-reason']);
    });

    it('marks for a second look the messages of those who advised, not of those whose question the note carries for context', async () => {
      const w = await world();
      // Ben Okafor's "ECG done" is filed as the question Ada's advice answers.
      const draft = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds.slice(0, 2), contextMessageIds: [w.messageIds[1]!], advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
      const queued = await w.transcriptions.attest(draft.id, await confirmedPatient(w.transcriptions));
      expect((await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
      const { untranscribed } = await w.wipes.plan(w.threadId);
      expect(untranscribed.marked).toBe(1);
      // Dr Ada Shah's later message comes first, marked; Ben's photo follows, unmarked.
      expect(untranscribed.shown.map((message) => [message.sender, message.lookAgain])).toEqual([
        ['Dr Ada Shah', ['adviser']],
        ['Ben Okafor', []],
      ]);
    });

    it('the retention policy never wipes such a thread', async () => {
      const w = await filePart();
      const filed = w.transcriptions.outbox()[0]!;
      const wipes = await retentionDueFor(w, filed);
      expect(await wipes.applyRetention()).toEqual([]);
      // Passed over, not tried and refused: a check every few minutes would fill the trail with refusals.
      expect(trail(w.session, ['wipe'])).toEqual([]);
      // Asked to anyway, the wipe itself refuses it, audited as the system.
      await expect(wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false }, 'retention')).rejects.toThrow(/2 messages in this chat are in no note/);
      expect(trail(w.session, ['wipe']).map((entry) => [entry.actor, entry.outcome])).toEqual([[null, { status: 'refused', reason: 'unfiled' }]]);
      expect(w.threads.listThreads()).toHaveLength(2);
    });

    it('system lines are not counted: a note carrying every message a person sent lets the wipe through', async () => {
      const dir = tempDir('wardscribe-wipe-system-');
      cleanups.push(dir.remove);
      const w = await world();
      const path = writeExport(dir.path, 'WhatsApp Chat - Ward 8.txt', ['[13/03/2023, 07:59:00] Ward 8: \u200eDr Ada Shah added Ben Okafor', "[13/03/2023, 08:00:00] Dr Ada Shah: bed 3 can go home with oral antibiotics"].join('\n') + '\n');
      const { threadId } = await w.imports.import({ path, zone: 'Europe/London' }, job());
      const messages = listMessages(w.session.vault().db, threadId, 0, 10);
      expect(messages.map((message) => message.kind)).toEqual(['system', 'message']);
      const draft = w.transcriptions.saveDraft({ threadId, messageIds: [String(messages[1]!.id)], advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
      const queued = await w.transcriptions.attest(draft.id, await confirmedPatient(w.transcriptions));
      expect((await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
      const plan = await w.wipes.plan(threadId);
      expect(plan).toMatchObject({ decision: { kind: 'allowed' }, untranscribed: { count: 0, marked: 0, shown: [] } });
    });
  });

  it('leaves an export file alone when it is no longer exactly what was imported', async () => {
    const w = await world();
    await fileVerified(w);
    writeFileSync(w.exportPath, 'someone saved something else here');
    expect((await w.wipes.plan(w.threadId)).sourceFile.status).toBe('changed');
    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true });
    expect(certificate).toMatchObject({ sourceFile: 'changed', level: 'purge' });
    expect(readFileSync(w.exportPath, 'utf8')).toBe('someone saved something else here');
  });

  it('reports and audits a failed wipe when a copy of the text survives, here a stray plaintext file in the vault folder', async () => {
    const w = await world();
    await fileVerified(w);
    writeFileSync(join(w.files.dir, 'notes-left-by-a-tool.txt'), `copied out: ${WIPED}`);
    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false });
    expect(certificate).toMatchObject({ level: 'failed', keyRotated: true, verification: { status: 'failed', hits: ['notes-left-by-a-tool.txt:raw'] } });
    expect(trail(w.session, ['wipe-verified']).map((entry) => [entry.outcome, entry.wipe?.level])).toEqual([[{ status: 'failure', reason: 'remnants-found' }, 'failed']]);
    expect(w.wipes.certificates()[0]).toEqual(certificate);
  });

  it('finishes a wipe cut short after the erase at the next sign-in, searching for the canary', async () => {
    let stopAt: WipeStep | null = 'erased';
    const w = await world({ hooks: { afterStep: (step) => {
      if (step === stopAt) throw new Error(`stopped after ${step}`);
    } } });
    await fileVerified(w);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true })).rejects.toThrow('stopped after erased');
    expect(w.threads.listThreads().map((thread) => thread.id)).toEqual([w.otherThreadId]);
    expect(existsSync(w.exportPath)).toBe(true);
    stopAt = null;
    await signInAs(w, CLINICIAN);
    const [certificate] = await w.wipes.resumeOwed();
    expect(certificate).toMatchObject({ threadId: w.threadId, keyRotated: true, sourceFile: 'overwritten', level: 'purge', verification: { status: 'passed', textSampled: false, needles: 1 } });
    expect(existsSync(w.exportPath)).toBe(false);
    expect(await w.wipes.resumeOwed()).toEqual([]);
  });

  it('wipes automatically under the retention setting, only threads whose every transcription is verified', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const w = await world();
    const filed = await fileVerified(w);
    const wipes = new WipeService({ session: w.session, imports: w.imports, transcriptions: w.transcriptions, log: silentLogger, now: () => now });
    expect(await wipes.applyRetention()).toEqual([]); // no setting: never
    // Only an administrator sets the retention (the settings registry says who may); the wipes run as the system.
    await w.session.signIn(ADMIN.username, ADMIN.passphrase);
    expect(() => wipes.setRetentionHours(0.5)).toThrow(/not valid/);
    wipes.setRetentionHours(24);
    expect(trail(w.session, ['setting-changed']).at(-1)).toMatchObject({ actor: { role: 'admin' }, objects: { setting: 'wipe.retentionHours' } });
    const verifiedAt = Date.parse(getOutboxItem(w.session.vault().db, filed.identifier)!.state.kind === 'verified' ? (getOutboxItem(w.session.vault().db, filed.identifier)!.state as { verifiedAt: string }).verifiedAt : '');
    now = new Date(verifiedAt + 23 * 3_600_000);
    expect(await wipes.applyRetention()).toEqual([]);
    now = new Date(verifiedAt + 25 * 3_600_000);
    const [certificate] = await wipes.applyRetention();
    // The other thread has nothing filed: the system never wipes it.
    expect(certificate).toMatchObject({ threadId: w.threadId, trigger: 'retention', requestedBy: null, level: 'purge' });
    expect(w.threads.listThreads().map((thread) => thread.id)).toEqual([w.otherThreadId]);
    expect(trail(w.session, ['wipe']).at(-1)).toMatchObject({ actor: null, outcome: { status: 'success', reason: 'erased-by-retention' } });
  });
});

describe('WipeService: the retention check', () => {
  it('runs one check at a time: a second asked for while the first runs adds nothing, and neither fails on a thread the other wiped', async () => {
    const w = await world();
    const wipes = await retentionDueFor(w, await fileVerified(w));
    let rereads = 0;
    const reread = w.transcriptions.recheckFiled.bind(w.transcriptions);
    w.transcriptions.recheckFiled = (identifier: string) => (rereads++, reread(identifier));
    const [first, second] = await Promise.all([wipes.applyRetention(), wipes.applyRetention()]);
    expect(first).toMatchObject([{ threadId: w.threadId, trigger: 'retention' }]);
    expect(second).toEqual([]);
    // The EPR was asked once: the second check did not go over the same threads again.
    expect(rereads).toBe(1);
    expect(trail(w.session, ['wipe']).filter((entry) => entry.outcome.status === 'success')).toHaveLength(1);
    // The next check, once the first is over, runs again (and finds nothing due).
    expect(await wipes.applyRetention()).toEqual([]);
  });
});

describe('WipeService: each verified note read back from its EPR again before the wipe', () => {
  /** The training EPR, with faults a production EPR shows switched on at will (a deleted note, an outage). */
  function faultyEpr() {
    const fault: { read?: (resourceType: string, id: string) => Error | undefined } = {};
    const epr = async (): Promise<EprConnection> => {
      const real = await training.connection();
      return new Proxy(real, {
        get(target, property) {
          if (property === 'read') {
            return async (resourceType: string, id: string, context?: unknown) => {
              const error = fault.read?.(resourceType, id);
              if (error) throw error;
              return target.read(resourceType, id, context as never);
            };
          }
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    };
    return { fault, epr };
  }

  async function expectNothingWiped(w: Awaited<ReturnType<typeof world>>, reason: string): Promise<void> {
    expect(w.threads.listThreads()).toHaveLength(2);
    expect(listMessages(w.session.vault().db, w.threadId, 0, 10)).toHaveLength(4);
    expect(existsSync(w.exportPath)).toBe(true);
    expect(w.wipes.certificates()).toEqual([]);
    expect(trail(w.session, ['wipe']).at(-1)!.outcome).toEqual({ status: 'refused', reason });
  }

  it('refuses when the note has since been marked entered-in-error in the EPR (a real update on the server)', async () => {
    const w = await world();
    const filed = await fileVerified(w);
    expect(filed.state).toBe('verified');
    const connection = await training.connection();
    const document = (await connection.read('DocumentReference', filed.documentReferenceId!)) as DocumentReference & { id: string };
    await connection.update({ ...document, status: 'entered-in-error' });
    // The gate alone lets it through: the vault still says verified.
    expect((await w.wipes.plan(w.threadId)).decision.kind).toBe('allowed');
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true })).rejects.toMatchObject({
      code: 'rejected',
      message: expect.stringMatching(/no longer says in the EPR what was filed \(changed: its status \(no longer current\)\).*Nothing was wiped/),
    });
    await expectNothingWiped(w, 'changed-in-record');
  });

  it.each([
    [410, 'HAPI answers 410 Gone for a deleted resource'],
    [404, 'a purge, or a merge into another record'],
  ])('refuses when the EPR answers %i for the note (%s)', async (status) => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    await fileVerified(w);
    fault.read = (resourceType) => (resourceType === 'DocumentReference' ? new EprRequestError('http', status, undefined) : undefined);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true })).rejects.toMatchObject({
      code: 'rejected',
      message: expect.stringMatching(new RegExp(`no longer in the EPR \\(it answered ${status}\\)\\. This is the training EPR, which starts empty each time Wardscribe starts or locks`)),
    });
    await expectNothingWiped(w, 'not-in-record');
  });

  it('a note gone from a Trust EPR (not the training one) is said as deleted or moved, for the EPR team', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ eprs: singleEprDirectory(epr, 'trust-epr', 'Trust EPR') });
    await fileVerified(w);
    fault.read = (resourceType) => (resourceType === 'DocumentReference' ? new EprRequestError('http', 410, undefined) : undefined);
    const refusal = w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: true });
    await expect(refusal).rejects.toMatchObject({ code: 'rejected', message: expect.stringContaining('no longer in the EPR (it answered 410: the note was deleted or moved)') });
    await expect(refusal).rejects.not.toMatchObject({ message: expect.stringContaining('training') });
    await expectNothingWiped(w, 'not-in-record');
  });

  it('a note removed from the EPR, its advice then filed again from the thread: the new note stands for it, and the wipe goes ahead (not refused for ever)', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    const first = await fileVerified(w);
    fault.read = (resourceType) => (resourceType === 'DocumentReference' ? new EprRequestError('http', 410, undefined) : undefined);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ message: expect.stringContaining('file the advice again from this thread, then wipe') });
    await expectNothingWiped(w, 'not-in-record');
    // The advice filed again; only the first note is gone from the EPR.
    fault.read = (resourceType, id) => (resourceType === 'DocumentReference' && id === first.documentReferenceId ? new EprRequestError('http', 410, undefined) : undefined);
    const again = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds, advisers: ADVISERS, summary: 'Bisoprolol started; ECG repeated (filed again).', patient: PATIENT, images: [{ attachmentId: w.photoId, consent: { status: 'given' } }] });
    const queued = await w.transcriptions.attest(again.id, await confirmedPatient(w.transcriptions));
    expect((await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
    expect(await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).toMatchObject({ threadId: w.threadId, level: 'purge' });
  });

  it('the advice filed again for another patient does not stand for a note gone from this patient\'s record', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    const first = await fileVerified(w);
    fault.read = (resourceType, id) => (resourceType === 'DocumentReference' && id === first.documentReferenceId ? new EprRequestError('http', 410, undefined) : undefined);
    const other = { nhsNumber: '999 123 6783', name: 'Arthur James Trainee', birthDate: '1941-02-03', confirmed: true };
    const elsewhere = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds, advisers: ADVISERS, summary: 'Bisoprolol started; ECG repeated.', patient: other, images: [{ attachmentId: w.photoId, consent: { status: 'given' } }] });
    const queued = await w.transcriptions.attest(elsewhere.id, await confirmedPatient(w.transcriptions, other));
    expect((await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ code: 'rejected' });
    await expectNothingWiped(w, 'not-in-record');
  });

  it('an EPR that cannot be asked is said first, not a gone note\'s "file it again" (its replacement was never read)', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    const first = await fileVerified(w);
    const again = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds, advisers: ADVISERS, summary: 'Filed again.', patient: PATIENT, images: [{ attachmentId: w.photoId, consent: { status: 'given' } }] });
    const queued = await w.transcriptions.attest(again.id, await confirmedPatient(w.transcriptions));
    const second = await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    // The first gone, the second not answered: whichever is read first, the refusal says the EPR could not be asked.
    fault.read = (resourceType, id) =>
      resourceType !== 'DocumentReference' ? undefined : id === first.documentReferenceId ? new EprRequestError('http', 410, undefined) : id === second.documentReferenceId ? new EprRequestError('timeout', undefined, undefined) : undefined;
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ message: expect.stringContaining('could not be reached') });
    await expectNothingWiped(w, 'record-unreachable');
  });

  it('a gone note whose messages are only partly filed again still refuses', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    const first = await fileVerified(w);
    fault.read = (resourceType, id) => (resourceType === 'DocumentReference' && id === first.documentReferenceId ? new EprRequestError('http', 410, undefined) : undefined);
    const part = w.transcriptions.saveDraft({ threadId: w.threadId, messageIds: w.messageIds.slice(0, 1), advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
    const queued = await w.transcriptions.attest(part.id, await confirmedPatient(w.transcriptions));
    await until(() => w.transcriptions.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ code: 'rejected' });
    await expectNothingWiped(w, 'not-in-record');
  });

  it('an EPR that stops keeping the identifier is said as that, with the setting to change, not as a corrected note', async () => {
    const w = await world({
      epr: async () => {
        const real = await training.connection();
        return new Proxy(real, {
          get(target, property) {
            if (property === 'read') {
              return async (resourceType: string, id: string, context?: unknown) => {
                const found = (await target.read(resourceType, id, context as never)) as DocumentReference;
                return resourceType === 'DocumentReference' && stripped ? { ...found, identifier: undefined, masterIdentifier: undefined } : found;
              };
            }
            const value = Reflect.get(target, property) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
    });
    let stripped = false;
    await fileVerified(w);
    stripped = true;
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({
      message: expect.stringMatching(/no longer keeps Wardscribe's identifier.*An administrator can set which identifier field this EPR keeps in the EPR settings/),
    });
  });

  it.each<[string, Error, RegExp]>([
    ['access refused (401)', new EprRequestError('http', 401, undefined), /refused Wardscribe's request.*check Wardscribe's access to the EPR/],
    ['access refused (403)', new EprRequestError('http', 403, undefined), /refused Wardscribe's request/],
    ['a moved EPR (301)', new EprRequestError('moved', 301, undefined, 'https://new.example/fhir'), /answered from a new address.*check the EPR address/],
    ['an outage (timeout)', new EprRequestError('timeout', undefined, undefined), /could not be reached.*Try again when the EPR is available/],
  ])('an EPR that cannot be asked is said for what it is: %s', async (_name, error, words) => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    await fileVerified(w);
    fault.read = () => error;
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ message: expect.stringMatching(words) });
    await expectNothingWiped(w, 'record-unreachable');
  });

  it('a re-read that waited too long behind other work is not trusted: refused, to be tried again', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const w = await world();
    await fileVerified(w);
    const wipes = new WipeService({ session: w.session, imports: w.imports, transcriptions: w.transcriptions, log: silentLogger, now: () => now });
    const reread = w.transcriptions.recheckFiled.bind(w.transcriptions);
    // The clock moves on while the EPR answers (as when the wipe then queues behind another's key rotation).
    w.transcriptions.recheckFiled = async (identifier: string) => {
      const found = await reread(identifier);
      now = new Date(now.getTime() + 6 * 60_000);
      return found;
    };
    await expect(wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ message: expect.stringContaining('more than 5 minutes before the wipe could start') });
    await expectNothingWiped(w, 'record-not-rechecked');
  });

  it('refuses while the EPR is unavailable (503), and wipes once it answers with the note again', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    await fileVerified(w);
    fault.read = () => new EprRequestError('http', 503, undefined);
    await expect(w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false })).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/could not be reached/) });
    await expectNothingWiped(w, 'record-unreachable');
    delete fault.read;
    const certificate = await w.wipes.wipe({ threadId: w.threadId, overwriteSourceFile: false });
    expect(certificate).toMatchObject({ threadId: w.threadId, level: 'purge' });
    expect(w.threads.listThreads().map((thread) => thread.id)).toEqual([w.otherThreadId]);
  });

  it('retention does not wipe a thread whose note is gone from the EPR: audited as the system, and the check carries on', async () => {
    const { fault, epr } = faultyEpr();
    const w = await world({ epr });
    const wipes = await retentionDueFor(w, await fileVerified(w));
    fault.read = (resourceType) => (resourceType === 'DocumentReference' ? new EprRequestError('http', 410, undefined) : undefined);
    expect(await wipes.applyRetention()).toEqual([]);
    await expectNothingWiped(w, 'not-in-record');
    expect(trail(w.session, ['wipe']).at(-1)!.actor).toBeNull();
    delete fault.read;
    expect(await wipes.applyRetention()).toMatchObject([{ threadId: w.threadId, trigger: 'retention' }]);
  });
});
