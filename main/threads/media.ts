import { WardscribeError } from '../errors';
import type { ImportSession } from '../imports/import-service';
import { getAttachmentMedia, listAttachmentMedia, readAttachmentHead, readThumbnail, recordAttachmentMedia, storeThumbnail, type AttachmentMediaRow } from '../vault/queries/attachment-thumbnails';
import { claimedMediaType, describeMediaType, sniffMedia, SNIFF_BYTES, type MediaKind } from './media-sniff';
import type { ThreadReader } from './thread-reader';

/**
 * A thread's media for the thread view (issue #19). Bytes leave main only over the IPC contract
 * and only from the vault, never as a path or a file. Main decides what a file is from its bytes
 * and whether it may be shown; the renderer decodes it (Chromium's sandboxed decoders) and draws
 * the thumbnail, which main checks before keeping it (made once, cached in the vault).
 */

/** Largest file handed to the renderer to show or play: beyond this it is listed only. */
export const MAX_VIEW_BYTES = 48 * 1024 * 1024;
/** Largest picture decoded for showing, by its header's dimensions: a 50-megapixel image takes 200 MB to decode. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const MAX_IMAGE_EDGE = 16_384;
/** Bounds on a thumbnail (also CHECKed by migration 0014). */
export const MAX_THUMBNAIL_EDGE = 512;
export const MAX_THUMBNAIL_BYTES = 256 * 1024;

/** Image types Chromium decodes. HEIC is not one: no Chromium build decodes it. */
const SHOWABLE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);
/** Audio and video types Chromium may play (the renderer asks `canPlayType` too). */
const PLAYABLE = new Set(['audio/ogg', 'audio/mpeg', 'audio/aac', 'audio/mp4', 'audio/wav', 'video/mp4', 'video/webm', 'video/quicktime']);

export type MediaDisplay = 'image' | 'player' | 'listed';

export interface MediaItem {
  readonly id: string;
  readonly messageId: string | null;
  readonly name: string;
  readonly byteLength: number;
  readonly mediaType: string;
  readonly kind: MediaKind;
  readonly label: string;
  /** What the name's extension claims, when it differs from what the bytes are. */
  readonly claimedLabel: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly display: MediaDisplay;
  /** Why it is only listed, in words; null when it is shown or played (or is a document). */
  readonly problem: string | null;
  readonly thumbnail: { readonly width: number; readonly height: number } | null;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`;
}

/** Whether a file is shown, played or only listed, and why. Pure. */
export function decideDisplay(media: { mediaType: string; kind: MediaKind; byteLength: number; width: number | null; height: number | null }): { display: MediaDisplay; problem: string | null } {
  const { mediaType, kind, byteLength, width, height } = media;
  if (kind === 'image') {
    if (mediaType === 'image/heic') {
      return { display: 'listed', problem: 'HEIC images cannot be shown here: the Chromium engine Wardscribe draws its screens with has no HEIC decoder. The file is kept in the vault with the thread.' };
    }
    if (!SHOWABLE_IMAGES.has(mediaType)) return { display: 'listed', problem: 'This kind of image cannot be shown here.' };
    if (byteLength > MAX_VIEW_BYTES) return { display: 'listed', problem: `This image is ${megabytes(byteLength)}, more than the ${megabytes(MAX_VIEW_BYTES)} Wardscribe shows.` };
    if (width === null || height === null) return { display: 'listed', problem: 'This image cannot be shown: its header does not say how large it is.' };
    if (width > MAX_IMAGE_EDGE || height > MAX_IMAGE_EDGE || width * height > MAX_IMAGE_PIXELS) {
      return {
        display: 'listed',
        problem: `This image is ${width.toLocaleString('en-GB')} × ${height.toLocaleString('en-GB')} pixels, more than Wardscribe opens safely (${MAX_IMAGE_PIXELS / 1_000_000} megapixels, ${MAX_IMAGE_EDGE.toLocaleString('en-GB')} pixels a side).`,
      };
    }
    return { display: 'image', problem: null };
  }
  if (kind === 'audio' || kind === 'video') {
    const what = kind === 'audio' ? 'recording' : 'video';
    if (!PLAYABLE.has(mediaType)) return { display: 'listed', problem: `This ${what} cannot be played here: Chromium does not play ${describeMediaType(mediaType).label}.` };
    if (byteLength > MAX_VIEW_BYTES) return { display: 'listed', problem: `This ${what} is ${megabytes(byteLength)}, more than the ${megabytes(MAX_VIEW_BYTES)} Wardscribe plays.` };
    return { display: 'player', problem: null };
  }
  if (mediaType === 'image/svg+xml') return { display: 'listed', problem: 'SVG drawings are not shown: they can carry scripts and links.' };
  return { display: 'listed', problem: null };
}

/**
 * Checks a thumbnail the renderer drew before it is kept: a JPEG or PNG by its bytes, within the
 * size bounds, and of the source image's proportions (so it is at least a picture of that shape).
 * Returns its dimensions or throws `rejected` saying why.
 */
export function checkThumbnail(content: Uint8Array, source: { width: number; height: number }): { mediaType: 'image/jpeg' | 'image/png'; width: number; height: number } {
  if (content.length === 0 || content.length > MAX_THUMBNAIL_BYTES) {
    throw new WardscribeError('rejected', `A thumbnail must be between 1 byte and ${MAX_THUMBNAIL_BYTES / 1024} KB; this one is ${content.length.toLocaleString('en-GB')} bytes.`);
  }
  const sniffed = sniffMedia(content);
  if (sniffed.mediaType !== 'image/jpeg' && sniffed.mediaType !== 'image/png') throw new WardscribeError('rejected', `A thumbnail must be a JPEG or PNG image; these bytes are: ${sniffed.label}.`);
  if (sniffed.width === null || sniffed.height === null) throw new WardscribeError('rejected', 'The thumbnail does not say how large it is.');
  if (sniffed.width > MAX_THUMBNAIL_EDGE || sniffed.height > MAX_THUMBNAIL_EDGE) {
    throw new WardscribeError('rejected', `A thumbnail may be at most ${MAX_THUMBNAIL_EDGE} pixels a side; this one is ${sniffed.width} × ${sniffed.height}.`);
  }
  // Rounding to whole pixels moves the proportions by up to a pixel on the shorter side. A photo
  // whose EXIF orientation turns it a quarter is drawn upright, so its thumbnail may be transposed.
  const drawn = { width: sniffed.width, height: sniffed.height };
  const fits = (width: number, height: number) => Math.abs((drawn.width * height) / width - drawn.height) <= 1 + drawn.height * 0.02;
  if (!fits(source.width, source.height) && !fits(source.height, source.width)) {
    throw new WardscribeError('rejected', `The thumbnail (${sniffed.width} × ${sniffed.height}) is not the shape of its image (${source.width} × ${source.height}).`);
  }
  return { mediaType: sniffed.mediaType, width: sniffed.width, height: sniffed.height };
}

export class ThreadMedia {
  readonly #session: Pick<ImportSession, 'vault' | 'audit'>;
  readonly #reader: ThreadReader;
  readonly #now: () => Date;

  constructor(session: Pick<ImportSession, 'vault' | 'audit'>, reader: ThreadReader, now: () => Date = () => new Date()) {
    this.#session = session;
    this.#reader = reader;
    this.#now = now;
  }

  /** A complete thread's media, each described from its bytes (looked at once, then remembered). Audited as `attachments-listed`. */
  list(threadId: string): MediaItem[] {
    // Checks the thread is complete and records the listing.
    this.#reader.attachments(threadId);
    const db = this.#session.vault().db;
    const rows = listAttachmentMedia(db, threadId);
    return rows.map((row) => this.#describe(row.mediaType === null ? this.#lookAt(row) : row));
  }

  /** One file's bytes for showing or playing; refused, saying why, for what is only listed. Audited as `attachment-read`. */
  content(attachmentId: string): { mediaType: string; content: Buffer } {
    const item = this.#item(attachmentId);
    if (item.display === 'listed') throw new WardscribeError('rejected', item.problem ?? 'This file is listed only: Wardscribe does not show it.');
    const { content } = this.#reader.attachmentContent(attachmentId);
    return { mediaType: item.mediaType, content };
  }

  /** An image's kept thumbnail; `not-found` until one is made. Audited as `attachment-read`, as it shows the picture. */
  thumbnail(attachmentId: string): { mediaType: string; width: number; height: number; content: Buffer } {
    const found = readThumbnail(this.#session.vault().db, attachmentId);
    if (!found) throw new WardscribeError('not-found', 'That image has no thumbnail yet.');
    const { log, actor } = this.#session.audit();
    log.record({ action: 'attachment-read', actor, objects: { threadId: found.threadId }, outcome: { status: 'success' } });
    return { mediaType: found.mediaType, width: found.width, height: found.height, content: found.content };
  }

  /** Keeps a thumbnail the renderer drew, once checked; the first one made is kept. */
  saveThumbnail(attachmentId: string, content: Buffer): { stored: boolean; width: number; height: number } {
    const item = this.#item(attachmentId);
    if (item.display !== 'image' || item.width === null || item.height === null) throw new WardscribeError('rejected', 'Only an image shown in the thread view has a thumbnail.');
    const checked = checkThumbnail(content, { width: item.width, height: item.height });
    const db = this.#session.vault().db;
    const row = getAttachmentMedia(db, attachmentId)!;
    const stored = db
      .transaction(() => storeThumbnail(db, { attachmentId, sourceSha256: row.sha256, ...checked, content, madeAt: this.#now().toISOString() }))
      .immediate();
    return { stored, width: checked.width, height: checked.height };
  }

  #item(attachmentId: string): MediaItem {
    const row = getAttachmentMedia(this.#session.vault().db, attachmentId);
    if (!row) throw new WardscribeError('not-found', 'That attachment is not in the vault.');
    return this.#describe(row.mediaType === null ? this.#lookAt(row) : row);
  }

  /** Reads the file's first bytes once, and remembers what they are. */
  #lookAt(row: AttachmentMediaRow): AttachmentMediaRow {
    const db = this.#session.vault().db;
    const head = readAttachmentHead(db, row.id, SNIFF_BYTES) ?? Buffer.alloc(0);
    const sniffed = sniffMedia(head);
    db.transaction(() =>
      recordAttachmentMedia(db, { attachmentId: row.id, sourceSha256: row.sha256, mediaType: sniffed.mediaType, width: sniffed.width, height: sniffed.height, checkedAt: this.#now().toISOString() }),
    ).immediate();
    return { ...row, mediaType: sniffed.mediaType, width: sniffed.width, height: sniffed.height };
  }

  #describe(row: AttachmentMediaRow): MediaItem {
    const mediaType = row.mediaType ?? 'application/octet-stream';
    const { kind, label } = describeMediaType(mediaType);
    const claimed = claimedMediaType(row.originalName);
    const { display, problem } = decideDisplay({ mediaType, kind, byteLength: row.byteLength, width: row.width, height: row.height });
    return {
      id: row.id,
      messageId: row.messageId === null ? null : String(row.messageId),
      name: row.originalName,
      byteLength: row.byteLength,
      mediaType,
      kind,
      label,
      claimedLabel: claimed !== null && claimed !== mediaType ? describeMediaType(claimed).label : null,
      width: row.width,
      height: row.height,
      display,
      problem,
      thumbnail: display === 'image' && row.thumbnail ? { width: row.thumbnail.width, height: row.thumbnail.height } : null,
    };
  }
}
