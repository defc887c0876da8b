/**
 * Images through the transcription service (#19): chosen from the selected messages' attachments
 * in a draft, each with its consent (H-026), stripped of GPS and device details (H-027), fixed in
 * the outbox item at attestation so a retry files exactly the same bytes, filed with the note in
 * the training EPR and verified; an image of a message not in the note is refused (H-025).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type { DocumentReference } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { singleEprDirectory } from '../../../main/epr/epr-directory';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ImportService } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService, type DraftInput } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listAttachments } from '../../../main/vault/queries/attachments';
import { listMessages } from '../../../main/vault/queries/messages';
import { getOutboxItem } from '../../../main/vault/queries/outbox';
import { vaultFiles } from '../../../main/vault/vault-files';
import { WipeService } from '../../../main/wipe/wipe-service';
import { MAX_IMAGE_BYTES } from '../../../shared/domain/clinical-image';
import { writeExport } from '../importers/helpers';
import { buildZip } from '../importers/zip-writer';
import { bombPng } from '../../support/bomb-png';
import { ADVISERS, CLERK, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { untilOutboxState as until } from '../../support/outbox-wait';

const FIXTURES = join(__dirname, '../../fixtures/images');
const SERIAL = 'C39XK2QZ9NSERIAL';

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

/** The fixture photo as a phone sends it: GPS position, make, model, serial number. */
function phonePhoto(dir: string): Buffer {
  const path = join(dir, 'phone.jpg');
  writeFileSync(path, readFileSync(join(FIXTURES, 'photo.jpg')));
  execFileSync('/usr/bin/exiftool', ['-q', '-overwrite_original', '-GPSLatitude=52.2053', '-GPSLatitudeRef=N', '-GPSLongitude=0.1218', '-GPSLongitudeRef=E', '-Make=Quokkaphone', '-Model=QuokkaCam 15', `-SerialNumber=${SERIAL}`, '-Orientation#=6', path]);
  return readFileSync(path);
}

/**
 * A PNG over the size limit after stripping: a second IDAT chunk (picture data, which stripping
 * keeps as it is) padding it out. Colour profiles no longer do: they are rebuilt from their colour
 * data, and one that is not a profile is dropped.
 */
function hugePng(): Buffer {
  const photo = readFileSync(join(FIXTURES, 'photo.png'));
  const iend = photo.length - 12;
  const data = randomBytes(MAX_IMAGE_BYTES + 1);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('IDAT', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return Buffer.concat([photo.subarray(0, iend), chunk, photo.subarray(iend)]);
}

async function world() {
  const dir = tempDir('wardscribe-image-attest-');
  const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.createUser(CLERK);
  const imports = new ImportService({ session });
  const photo = phonePhoto(dir.path);
  const chat =
    [
      '[13/03/2023, 08:00:00] Dr Ada Shah: dressing looks clean, keep the same plan',
      '[13/03/2023, 08:05:30] Ben Okafor: \u200e<attached: 00000042-PHOTO-2023-03-13-08-05-30.jpg>',
      '[13/03/2023, 08:06:00] Ben Okafor: \u200e<attached: 00000043-PHOTO-2023-03-13-08-06-00.png>',
      '[13/03/2023, 08:07:00] Dr Ada Shah: thanks',
      '[13/03/2023, 08:08:00] Ben Okafor: \u200e<attached: 00000044-PHOTO-2023-03-13-08-08-00.png>',
    ].join('\n') + '\n';
  const path = writeExport(
    dir.path,
    'WhatsApp Chat - Ward 7.zip',
    buildZip([
      { name: '_chat.txt', data: chat },
      { name: '00000042-PHOTO-2023-03-13-08-05-30.jpg', data: photo },
      { name: '00000043-PHOTO-2023-03-13-08-06-00.png', data: hugePng() },
      { name: '00000044-PHOTO-2023-03-13-08-08-00.png', data: bombPng() },
    ]),
  );
  const { threadId } = await imports.import({ path, zone: 'Europe/London' }, { signal: new AbortController().signal, progress: () => undefined });
  const db = () => session.vault().db;
  const messages = listMessages(db(), threadId, 0, 10);
  const attachments = listAttachments(db(), threadId);
  const attachmentOf = (ordinal: number) => attachments.find((attachment) => attachment.messageId === messages[ordinal]!.id)!.id;
  const service = new TranscriptionService({ session, imports, eprs: singleEprDirectory(() => training.connection()), log: silentLogger, organisationOdsCode: 'RX1' });
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => service.stop());
  const input = (overrides: Partial<DraftInput> = {}): DraftInput => ({
    threadId,
    messageIds: messages.slice(0, 2).map((message) => String(message.id)),
    advisers: ADVISERS,
    summary: 'Wound reviewed; dressing plan unchanged.',
    patient: PATIENT,
    ...overrides,
  });
  const signIn = (user: { username: string; passphrase: string }) => session.signIn(user.username, user.passphrase);
  return { session, imports, service, photo, messages, attachmentOf, input, signIn, db, threadId };
}


describe('filing an image with a note', () => {
  it('needs a consent for each image before attesting, and keeps the choice in the draft', async () => {
    const { service, attachmentOf, input, signIn } = await world();
    await signIn(CLERK);
    const draft = service.saveDraft(input({ images: [{ attachmentId: attachmentOf(1) }] }));
    expect(draft.images).toEqual([{ attachmentId: attachmentOf(1) }]);
    expect(draft.problems).toEqual(["Record the patient's consent for image 1 (given, not given with the reason, or not applicable with what it shows) before attesting."]);
    expect(() => service.saveDraft(input({ id: draft.id, images: [{ attachmentId: attachmentOf(1), consent: { status: 'not-given', reason: 'no' } }] }))).toThrow(/Image 1: Say why it is filed without consent \(at least 10 characters\)\./);
    const given = service.saveDraft(input({ id: draft.id, images: [{ attachmentId: attachmentOf(1), consent: { status: 'given' } }] }));
    expect(given.problems).toEqual([]);
    expect(service.getDraft(draft.id).images).toEqual([{ attachmentId: attachmentOf(1), consent: { status: 'given' } }]);
  });

  it('refuses an image of a message that is not in the note, and one over the size limit, naming it', async () => {
    const { service, attachmentOf, input, signIn, messages } = await world();
    await signIn(CLINICIAN);
    const draft = service.saveDraft(input({ images: [{ attachmentId: attachmentOf(2), consent: { status: 'given' } }] }));
    expect(service.preview(draft.id).problems).toContain('Image 1 is not attached to one of the selected messages: select its message, or remove the image.');
    // Its message selected, the image is of the note, but larger than the limit after stripping: refused, naming the limit.
    const all = input({ id: draft.id, messageIds: messages.slice(0, 3).map((message) => String(message.id)), images: [{ attachmentId: attachmentOf(2), consent: { status: 'given' } }] });
    service.saveDraft(all);
    const problems = service.preview(draft.id).problems;
    expect(problems.some((problem) => problem.startsWith('Image 1: This image is ') && problem.includes('Wardscribe files images of up to 5 MB inside a note.'))).toBe(true);
    await expect(service.attest(draft.id, await confirmedPatient(service, draft.patient))).rejects.toThrow(/up to 5 MB/);
  });

  it('refuses an image too large to be shown here (a decompression bomb), as the thread view does: no one could check what it shows', async () => {
    const { service, attachmentOf, input, signIn, messages } = await world();
    await signIn(CLINICIAN);
    const draft = service.saveDraft(input({ messageIds: [String(messages[4]!.id)], images: [{ attachmentId: attachmentOf(4), consent: { status: 'not-applicable', shows: 'ECG trace' } }] }));
    expect(service.preview(draft.id).problems).toContain(
      'Image 1 cannot be filed: it cannot be shown here, so no one could check what it shows. This image is 20,000 × 20,000 pixels, more than Wardscribe opens safely (50 megapixels, 16,384 pixels a side).',
    );
    await expect(service.attest(draft.id, await confirmedPatient(service, draft.patient))).rejects.toThrow(/cannot be shown here/);
  });

  it('files the stripped image with the note, verified in the EPR, with the original hash in the trail', async () => {
    const { session, service, photo, attachmentOf, input, signIn, db } = await world();
    await signIn(CLINICIAN);
    const draft = service.saveDraft(input({ images: [{ attachmentId: attachmentOf(1), consent: { status: 'not-applicable', shows: 'Wound dressing only, no face or body identifiable' } }] }));
    expect(service.preview(draft.id).problems).toEqual([]);
    expect(service.preview(draft.id).text).toContain('> [An image, filed with this note]');
    expect(service.preview(draft.id).text).toContain('Consent to the photograph: not applicable (Wound dressing only, no face or body identifiable; no patient shown)');
    const queued = await service.attest(draft.id, await confirmedPatient(service, draft.patient));
    const verified = await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    expect(verified.state).toBe('verified');

    // What the outbox keeps is what a retry would send: the stripped bytes, fixed at attestation.
    const item = getOutboxItem(db(), queued.identifier)!;
    const [image] = item.transcription.images!;
    const filedBytes = Buffer.from(image!.data, 'base64');
    expect(image).toMatchObject({ attachmentId: attachmentOf(1), contentType: 'image/jpeg', size: filedBytes.length, orientation: 6, originalSha256Hex: createHash('sha256').update(photo).digest('hex') });
    expect(filedBytes.toString('latin1')).not.toContain(SERIAL);

    const connection = await training.connection();
    const document = (await connection.read('DocumentReference', verified.documentReferenceId!)) as DocumentReference;
    expect(document.content).toHaveLength(2);
    const attachment = document.content[1]!.attachment;
    const onServer = Buffer.from(attachment.data!, 'base64');
    expect(onServer.equals(filedBytes)).toBe(true);
    expect(attachment.hash).toBe(createHash('sha1').update(onServer).digest('base64'));
    expect(attachment.creation).toBe('2023-03-13T08:05:30Z');
    const tags = JSON.parse(execFileSync('/usr/bin/exiftool', ['-j', '-G1', '-a', '-'], { input: onServer, encoding: 'utf8' })) as Record<string, unknown>[];
    expect(Object.keys(tags[0]!).filter((key) => /GPS|Serial|Make|Model/.test(key) && !key.startsWith('ICC-header:'))).toEqual([]);

    const trail = [...session.audit().store.entries({ filter: { actions: ['image-attested'] } })];
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      objects: { transcriptionId: draft.id, documentId: queued.identifier, attachmentId: attachmentOf(1) },
      outcome: { status: 'success', reason: 'consent-not-applicable' },
      hashes: { originalSha256: createHash('sha256').update(photo).digest('hex'), documentSha256: createHash('sha256').update(filedBytes).digest('hex') },
    });
  });

  it('the wipe counts the images, removes the filed bytes from the outbox copy, and the scan finds none of the photo', async () => {
    const { session, imports, service, attachmentOf, input, signIn, db, threadId } = await world();
    await signIn(CLINICIAN);
    const draft = service.saveDraft(input({ images: [{ attachmentId: attachmentOf(1), consent: { status: 'given' } }] }));
    const queued = await service.attest(draft.id, await confirmedPatient(service, draft.patient));
    await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified']);
    // The unfiled (oversized) image is in a message of no note: the gate asks the clinician why it may go.
    const wipes = new WipeService({ session, imports, transcriptions: service, log: silentLogger });
    const plan = await wipes.plan(threadId);
    expect(plan.untranscribed.count).toBeGreaterThan(0);
    const reason = 'The other picture repeats the one filed.';
    const certificate = await wipes.wipe({ threadId, overwriteSourceFile: false, planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount }, overrideReason: reason });
    expect(certificate).toMatchObject({ attachmentCount: 3, imageCount: 3, imagesFiled: 1, overrideReason: reason, level: expect.any(String) });
    expect(certificate.verification).toMatchObject({ status: 'passed', hits: [], textSampled: true });
    const kept = getOutboxItem(db(), queued.identifier)!.transcription.images!;
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ data: '', attachmentId: attachmentOf(1) });
    expect(kept[0]!.sha256Hex).toMatch(/^[0-9a-f]{64}$/);
  });
});
