import { afterEach, describe, expect, it } from 'vitest';
import { ImportService } from '../../../main/imports/import-service';
import { createWardscribe } from '../../../main/wardscribe';
import { createMediaHandlers } from '../../../main/ipc/handlers/media';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { checkThumbnail, decideDisplay, MAX_IMAGE_PIXELS, MAX_THUMBNAIL_BYTES, MAX_VIEW_BYTES, ThreadMedia } from '../../../main/threads/media';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { deleteThread } from '../../../main/vault/queries/threads';
import { vaultFiles } from '../../../main/vault/vault-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { isoMedia, heifMeta, jpegHeader, jpegImage, OGG_VOICE_NOTE, PDF, pngImage } from './support/images';

const PHOTO = jpegImage(400, 300);
const FILES = [
  { name: '00000010-PHOTO-2023-03-13-08-06-00.jpg', data: PHOTO },
  { name: 'ECG strip.pdf', data: PDF },
  // A PNG its sender's phone named .jpg: the bytes decide.
  { name: 'IMG-0002.jpg', data: pngImage(40, 20) },
  { name: 'IMG-0003.heic', data: isoMedia('heic', ['mif1', 'heic'], heifMeta(4032, 3024)) },
  { name: 'PTT-20230313-WA0001.opus', data: OGG_VOICE_NOTE },
  // A header claiming 20,000 × 20,000 pixels: 1.6 GB to decode.
  { name: 'IMG-0004.jpg', data: Buffer.concat([jpegHeader(20_000, 20_000), Buffer.alloc(64, 1)]) },
];

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

async function world() {
  const dir = tempDir('wardscribe-media-');
  const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  session.lock('sign-out');
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  cleanups.push(dir.remove, () => session.lock('sign-out'));
  const chat = FILES.map((file, i) => `[13/03/2023, 08:0${i}:00] Ben Okafor: \u200E<attached: ${file.name}>`).join('\n') + '\n';
  const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat }, ...FILES.map((file) => ({ ...file, method: 0 as const }))]));
  const { threadId } = await new ImportService({ session }).import({ path, zone: 'Europe/London' }, { signal: new AbortController().signal, progress: () => undefined });
  const media = new ThreadMedia(session, new ThreadReader(session), () => new Date('2026-12-02T04:00:00.000Z'));
  const byName = (name: string) => media.list(threadId).find((item) => item.name === name)!;
  const reads = (): AuditEntry[] => [...session.audit().store.entries({ filter: { actions: ['attachments-listed', 'attachment-read'] } })];
  return { session, media, threadId, byName, reads, db: () => session.vault().db };
}

function code(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

describe('a thread\'s media for the thread view (#19)', () => {
  it('lists each file with what its bytes are, what its name claimed when that differs, and whether it is shown, played or listed', async () => {
    const w = await world();
    const items = w.media.list(w.threadId);
    expect(items.map((item) => [item.name, item.mediaType, item.display, item.claimedLabel])).toEqual([
      ['00000010-PHOTO-2023-03-13-08-06-00.jpg', 'image/jpeg', 'image', null],
      ['ECG strip.pdf', 'application/pdf', 'listed', null],
      ['IMG-0002.jpg', 'image/png', 'image', 'JPEG image'],
      ['IMG-0003.heic', 'image/heic', 'listed', null],
      ['PTT-20230313-WA0001.opus', 'audio/ogg', 'player', null],
      ['IMG-0004.jpg', 'image/jpeg', 'listed', null],
    ]);
    expect(items[0]).toMatchObject({ kind: 'image', label: 'JPEG image', width: 400, height: 300, byteLength: PHOTO.length, problem: null, thumbnail: null });
    expect(items[0]!.messageId).toMatch(/^\d+$/);
    expect(items[1]).toMatchObject({ kind: 'pdf', label: 'PDF document', byteLength: PDF.length, problem: null });
    expect(items[3]!.problem).toMatch(/HEIC images cannot be shown here/);
    expect(items[5]!.problem).toBe('This image is 20,000 × 20,000 pixels, more than Wardscribe opens safely (50 megapixels, 16,384 pixels a side).');
  });

  it('looks at each file once: later lists use what was found (nothing is re-read)', async () => {
    const w = await world();
    w.media.list(w.threadId);
    const checked = () => w.db().prepare('SELECT count(*) AS n, min(checked_at) AS at FROM attachment_thumbnails').get();
    expect(checked()).toEqual({ n: FILES.length, at: '2026-12-02T04:00:00.000Z' });
    // Were the files read again, the photo would be found a JPEG again; the stored answer stands.
    w.db().prepare("UPDATE attachment_thumbnails SET media_type = 'application/pdf', width = NULL, height = NULL WHERE width = 400").run();
    expect(w.byName(FILES[0]!.name)).toMatchObject({ mediaType: 'application/pdf', display: 'listed' });
    expect(checked()).toEqual({ n: FILES.length, at: '2026-12-02T04:00:00.000Z' });
  });

  it('serves an image\'s or recording\'s bytes from the vault, audited as a read; refuses, saying why, what is only listed', async () => {
    const w = await world();
    const photo = w.byName(FILES[0]!.name);
    const before = w.reads().length;
    const served = w.media.content(photo.id);
    expect(served.mediaType).toBe('image/jpeg');
    expect(served.content.equals(PHOTO)).toBe(true);
    expect(w.media.content(w.byName('PTT-20230313-WA0001.opus').id).mediaType).toBe('audio/ogg');
    expect(w.reads().slice(before).map((entry) => [entry.action, entry.objects])).toEqual([
      ['attachment-read', { threadId: w.threadId }],
      ['attachments-listed', { threadId: w.threadId }],
      ['attachment-read', { threadId: w.threadId }],
    ]);
    expect(code(() => w.media.content(w.byName('IMG-0003.heic').id))).toMatch(/^rejected: HEIC images cannot be shown here/);
    expect(code(() => w.media.content(w.byName('IMG-0004.jpg').id))).toMatch(/^rejected: This image is 20,000 × 20,000 pixels/);
    expect(code(() => w.media.content(w.byName('ECG strip.pdf').id))).toMatch(/^rejected: This file is listed only/);
    expect(code(() => w.media.content('00000000-0000-4000-8000-000000000000'))).toBe('not-found: That attachment is not in the vault.');
  });

  it('keeps the first thumbnail made and serves it (audited), never a second; refuses one for a file that is not shown', async () => {
    const w = await world();
    const photo = w.byName(FILES[0]!.name);
    expect(code(() => w.media.thumbnail(photo.id))).toBe('not-found: That image has no thumbnail yet.');
    const first = jpegImage(320, 240, 70);
    expect(w.media.saveThumbnail(photo.id, first)).toEqual({ stored: true, width: 320, height: 240 });
    expect(w.media.saveThumbnail(photo.id, jpegImage(200, 150, 90))).toEqual({ stored: false, width: 200, height: 150 });
    const before = w.reads().length;
    const kept = w.media.thumbnail(photo.id);
    expect(kept).toMatchObject({ mediaType: 'image/jpeg', width: 320, height: 240 });
    expect(kept.content.equals(first)).toBe(true);
    expect(w.reads().slice(before).map((entry) => entry.action)).toEqual(['attachment-read']);
    expect(w.byName(FILES[0]!.name).thumbnail).toEqual({ width: 320, height: 240 });
    expect(code(() => w.media.saveThumbnail(w.byName('ECG strip.pdf').id, first))).toBe('rejected: Only an image shown in the thread view has a thumbnail.');
    expect(code(() => w.media.saveThumbnail(w.byName('IMG-0003.heic').id, first))).toBe('rejected: Only an image shown in the thread view has a thumbnail.');
    // The PNG named .jpg is shown, and its thumbnail may be a PNG.
    expect(w.media.saveThumbnail(w.byName('IMG-0002.jpg').id, pngImage(40, 20))).toEqual({ stored: true, width: 40, height: 20 });
  });

  it('thumbnails go with their thread', async () => {
    const w = await world();
    const photo = w.byName(FILES[0]!.name);
    w.media.saveThumbnail(photo.id, jpegImage(320, 240));
    expect(w.db().prepare('SELECT count(*) AS n FROM attachment_thumbnails WHERE thumbnail IS NOT NULL').get()).toEqual({ n: 1 });
    deleteThread(w.db(), w.threadId);
    expect(w.db().prepare('SELECT count(*) AS n FROM attachment_thumbnails').get()).toEqual({ n: 0 });
  });

  it('answers over the handlers in base64, and what comes back is the same bytes', async () => {
    const w = await world();
    const handlers = createMediaHandlers(w.media);
    const context = {} as never;
    const [photo] = await handlers.list({ threadId: w.threadId }, context);
    const content = await handlers.content({ attachmentId: photo!.id }, context);
    expect(Buffer.from(content.data, 'base64').equals(PHOTO)).toBe(true);
    const thumbnail = jpegImage(320, 240);
    expect(await handlers.saveThumbnail({ attachmentId: photo!.id, data: thumbnail.toString('base64') }, context)).toEqual({ stored: true, width: 320, height: 240 });
    expect(Buffer.from((await handlers.thumbnail({ attachmentId: photo!.id }, context)).data, 'base64').equals(thumbnail)).toBe(true);
  });
});

describe('limits on what is shown and kept (#19)', () => {
  const image = { mediaType: 'image/jpeg', kind: 'image' as const, byteLength: 1000, width: 4000, height: 3000 };

  it('shows an image within the byte, pixel and edge limits, and lists one just beyond each with the reason', () => {
    expect(decideDisplay(image)).toEqual({ display: 'image', problem: null });
    expect(decideDisplay({ ...image, byteLength: MAX_VIEW_BYTES })).toEqual({ display: 'image', problem: null });
    expect(decideDisplay({ ...image, byteLength: MAX_VIEW_BYTES + 1 }).problem).toBe('This image is 48 MB, more than the 48 MB Wardscribe shows.');
    expect(decideDisplay({ ...image, width: 10_000, height: MAX_IMAGE_PIXELS / 10_000 }).display).toBe('image');
    expect(decideDisplay({ ...image, width: 10_000, height: MAX_IMAGE_PIXELS / 10_000 + 1 }).display).toBe('listed');
    expect(decideDisplay({ ...image, width: 16_384, height: 100 }).display).toBe('image');
    expect(decideDisplay({ ...image, width: 16_385, height: 100 }).problem).toMatch(/16,385 × 100 pixels, more than Wardscribe opens safely/);
    expect(decideDisplay({ ...image, width: 100, height: 16_385 }).display).toBe('listed');
    expect(decideDisplay({ ...image, width: null, height: null }).problem).toBe('This image cannot be shown: its header does not say how large it is.');
  });

  it('plays recordings Chromium can play within the byte limit; lists AMR and over-large ones saying why; never shows SVG', () => {
    expect(decideDisplay({ mediaType: 'audio/ogg', kind: 'audio', byteLength: 1000, width: null, height: null })).toEqual({ display: 'player', problem: null });
    expect(decideDisplay({ mediaType: 'video/mp4', kind: 'video', byteLength: MAX_VIEW_BYTES + 1, width: null, height: null }).problem).toMatch(/^This video is 48 MB, more than/);
    expect(decideDisplay({ mediaType: 'audio/amr', kind: 'audio', byteLength: 10, width: null, height: null }).problem).toBe('This recording cannot be played here: Chromium does not play AMR audio (voice note).');
    expect(decideDisplay({ mediaType: 'image/svg+xml', kind: 'other', byteLength: 10, width: null, height: null }).problem).toMatch(/SVG drawings are not shown/);
    expect(decideDisplay({ mediaType: 'application/pdf', kind: 'pdf', byteLength: 10, width: null, height: null })).toEqual({ display: 'listed', problem: null });
  });

  it('keeps only a JPEG or PNG thumbnail within 512 pixels and 256 KB, of its image\'s shape', () => {
    const source = { width: 4000, height: 3000 };
    expect(checkThumbnail(jpegImage(400, 300), source)).toEqual({ mediaType: 'image/jpeg', width: 400, height: 300 });
    expect(checkThumbnail(pngImage(512, 384), source)).toEqual({ mediaType: 'image/png', width: 512, height: 384 });
    // Rounding: 4000 × 3001 drawn at 400 wide is 300.1 high.
    expect(checkThumbnail(jpegImage(400, 300), { width: 4000, height: 3001 })).toMatchObject({ width: 400 });
    // Drawn upright from a photo whose EXIF orientation turns it a quarter.
    expect(checkThumbnail(jpegImage(300, 400), source)).toMatchObject({ width: 300, height: 400 });
    expect(code(() => checkThumbnail(jpegImage(400, 200), source))).toBe('rejected: The thumbnail (400 × 200) is not the shape of its image (4000 × 3000).');
    expect(code(() => checkThumbnail(jpegImage(600, 450), source))).toBe('rejected: A thumbnail may be at most 512 pixels a side; this one is 600 × 450.');
    expect(code(() => checkThumbnail(PDF, source))).toBe('rejected: A thumbnail must be a JPEG or PNG image; these bytes are: PDF document.');
    expect(code(() => checkThumbnail(Buffer.alloc(0), source))).toMatch(/^rejected: A thumbnail must be between 1 byte and 256 KB/);
    const tooBig = Buffer.concat([jpegImage(400, 300), Buffer.alloc(MAX_THUMBNAIL_BYTES)]);
    expect(code(() => checkThumbnail(tooBig, source))).toMatch(/^rejected: A thumbnail must be between 1 byte and 256 KB; this one is/);
    expect(code(() => checkThumbnail(jpegHeader(0, 0), source))).toBe('rejected: The thumbnail does not say how large it is.');
  });
});

describe('the media channels check what they are sent (#19)', () => {
  const registry = createWardscribe({ host: 'electron', engine: 'Electron test', dataDir: '/nonexistent', log: silentLogger }).registryFor('app://wardscribe');
  const call = async (method: string, payload: unknown) => {
    const result = await registry.dispatch({ isMainFrame: true, url: 'app://wardscribe/index.html' }, `wardscribe:media.${method}`, payload);
    return result.ok ? 'ok' : result.error.code;
  };
  const id = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['list', { threadId: '' }],
    ['list', { threadId: 'x', extra: 1 }],
    ['content', { attachmentId: 'not-a-uuid' }],
    ['content', { attachmentId: '../../etc/passwd' }],
    ['thumbnail', {}],
    ['saveThumbnail', { attachmentId: id, data: 'not base64!' }],
    ['saveThumbnail', { attachmentId: id, data: 'AAAA', path: '/tmp/x.jpg' }],
  ])('%s refuses %j before anything runs', async (method, payload) => {
    expect(await call(method, payload)).toBe('invalid-request');
  });

  it('refuses a thumbnail far over the bound without reading it, and sends a well-formed call on to the sign-in check', async () => {
    expect(await call('saveThumbnail', { attachmentId: id, data: 'A'.repeat(2_000_000) })).toBe('request-too-large');
    // Just over 256 KB of base64: refused by the channel's own bound on the raw request.
    expect(await call('saveThumbnail', { attachmentId: id, data: 'A'.repeat(Math.ceil((256 * 1024) / 3) * 4 + 4) })).toBe('request-too-large');
    expect(await call('saveThumbnail', { attachmentId: id, data: 'A'.repeat(300_000) })).toBe('not-signed-in');
    expect(await call('content', { attachmentId: id })).toBe('not-signed-in');
  });
});
