/**
 * The images of a filed note as the EPR holds them now (#19), for the outbox's "Open filed note":
 * each `content` attachment after the text that is an image, with its bytes (inline, or a Binary
 * on the EPR's own origin), title, creation time and whether its bytes match the hash the record
 * gives. Read fresh from the EPR every time; nothing of it is kept in the vault. The renderer
 * decodes the bytes (Chromium's sandboxed decoders), never main.
 */
import { createHash } from 'node:crypto';
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { EprRequestError } from '../epr/epr-errors';
import type { EprConnection, RequestContext } from '../epr/fhir-client';
import { sniffImageType } from './strip-metadata';

/** Largest image shown from a filed note; Wardscribe files images of up to 5 MB. */
export const MAX_SHOWN_FILED_IMAGE_BYTES = 10 * 1024 * 1024;
/** The most bytes of images one filed note shows; later ones are listed only. */
export const MAX_SHOWN_FILED_IMAGES_BYTES = 60 * 1024 * 1024;

/** Image types the renderer shows from a filed note: those Wardscribe files. */
const SHOWN_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

export interface FiledImage {
  /** Its place among the document's content attachments (1 is the note's text). */
  readonly position: number;
  /** The type the record states, and the type its bytes are (null when not read). */
  readonly contentType: string | null;
  readonly title: string | null;
  /** When the record says the image was made (the message's time, UTC), as the record has it. */
  readonly creation: string | null;
  /** Its size in bytes: of the bytes read, else as the record states it. */
  readonly size: number | null;
  /** Whether its bytes match the record's SHA-1 (`Attachment.hash`); null when there are no bytes or no hash. */
  readonly hashMatches: boolean | null;
  /** The bytes, to show; null with `problem` saying why. */
  readonly content: Buffer | null;
  readonly problem: string | null;
}

export interface FiledImages {
  readonly documentReferenceId: string;
  /** The version read (`meta.versionId`), to compare with the note shown. */
  readonly versionId: string | null;
  readonly images: readonly FiledImage[];
}

/** Reads a filed DocumentReference and each of its image attachments' bytes. */
export async function readFiledImages(connection: Pick<EprConnection, 'read' | 'readAttachment'>, documentReferenceId: string, context?: RequestContext): Promise<FiledImages> {
  const document = (await connection.read('DocumentReference', documentReferenceId, context)) as DocumentReference;
  const images: FiledImage[] = [];
  let shownBytes = 0;
  for (const [index, content] of (document.content ?? []).entries()) {
    const attachment = content.attachment;
    // The note's text is shown as text; only images are listed here.
    if (!isImage(attachment)) continue;
    const image = await readImage(connection, attachment, index + 1, MAX_SHOWN_FILED_IMAGES_BYTES - shownBytes, context);
    shownBytes += image.content?.length ?? 0;
    images.push(image);
  }
  return { documentReferenceId: document.id ?? documentReferenceId, versionId: document.meta?.versionId ?? null, images };
}

function isImage(attachment: Attachment | undefined): attachment is Attachment {
  return typeof attachment?.contentType === 'string' && /^image\//i.test(attachment.contentType);
}

async function readImage(connection: Pick<EprConnection, 'readAttachment'>, attachment: Attachment, position: number, room: number, context?: RequestContext): Promise<FiledImage> {
  const described = {
    position,
    contentType: attachment.contentType ?? null,
    title: typeof attachment.title === 'string' ? attachment.title : null,
    creation: typeof attachment.creation === 'string' ? attachment.creation : null,
  };
  const listed = (problem: string, size: number | null = typeof attachment.size === 'number' ? attachment.size : null): FiledImage => ({ ...described, size, hashMatches: null, content: null, problem });
  const stated = typeof attachment.size === 'number' ? attachment.size : null;
  if (stated !== null && stated > Math.min(MAX_SHOWN_FILED_IMAGE_BYTES, room)) return listed(tooLarge(stated, room));
  let bytes: Buffer;
  if (typeof attachment.data === 'string') bytes = Buffer.from(attachment.data, 'base64');
  else if (typeof attachment.url === 'string') {
    try {
      bytes = await connection.readAttachment(attachment.url, context);
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.transient) throw error;
      return listed(
        error.kind === 'elsewhere'
          ? `The EPR keeps this image at another address (${error.serverReason ?? 'another server'}), which Wardscribe does not send your credentials to.`
          : `The EPR would not return this image (HTTP ${error.status ?? 'error'}).`,
      );
    }
  } else return listed('The EPR holds no bytes for this image.');
  if (bytes.length > Math.min(MAX_SHOWN_FILED_IMAGE_BYTES, room)) return listed(tooLarge(bytes.length, room), bytes.length);
  const hashMatches = typeof attachment.hash === 'string' ? createHash('sha1').update(bytes).digest('base64') === attachment.hash : null;
  const sniffed = sniffImageType(bytes);
  if (sniffed === null || !SHOWN_TYPES.has(sniffed)) {
    return { ...described, size: bytes.length, hashMatches, content: null, problem: 'Its bytes are not a JPEG, PNG or WebP picture, so it is not shown here.' };
  }
  const declared = described.contentType?.toLowerCase().split(';')[0]?.trim();
  const problem = declared !== sniffed ? `The record calls it ${described.contentType}, but its bytes are ${sniffed}; it is shown as its bytes are.` : null;
  return { ...described, contentType: sniffed, size: bytes.length, hashMatches, content: bytes, problem };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`;
}

function tooLarge(size: number, room: number): string {
  return size > MAX_SHOWN_FILED_IMAGE_BYTES
    ? `This image is ${megabytes(size)}, more than the ${megabytes(MAX_SHOWN_FILED_IMAGE_BYTES)} Wardscribe shows from a filed note. The EPR holds it.`
    : `The note's other images already fill the ${megabytes(MAX_SHOWN_FILED_IMAGES_BYTES)} Wardscribe shows at once (${megabytes(room)} left). The EPR holds this one.`;
}
