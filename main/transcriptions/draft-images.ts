/**
 * The images a draft will file (#19), from the vault to what the note carries: each must be an
 * attachment of one of the draft's selected messages (so of this chat, and of the advice about
 * this patient), have its consent recorded, be a JPEG, PNG or WebP whose metadata can be removed,
 * and be no larger than the limit after that. Problems are in words, naming the image by its
 * place in the list (never its file name or bytes).
 */
import { createHash } from 'node:crypto';
import { WardscribeError } from '../errors';
import { stripImageMetadata } from '../media/strip-metadata';
import { decideDisplay } from '../threads/media';
import { sniffMedia } from '../threads/media-sniff';
import { FiledImageSchema, ImageConsentSchema, imageTooBig, MAX_IMAGES, type FiledImage } from '../../shared/domain/clinical-image';
import { listAttachments, readAttachmentContent } from '../vault/queries/attachments';
import type { StoredMessage } from '../vault/queries/messages';
import type { DraftImage, StoredDraft } from '../vault/queries/transcription-drafts';
import type { Db } from '../vault/sqlcipher';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The images as a draft saves them: each an attachment of this thread, once, with a consent that
 * is well formed when given. Throws `rejected` (in words) otherwise. Whether each belongs to a
 * selected message is checked when the note is built (the selection may still change).
 */
export function normaliseDraftImages(db: Db, threadId: string, images: readonly DraftImage[] | undefined): DraftImage[] {
  const chosen = images ?? [];
  if (chosen.length > MAX_IMAGES) throw new WardscribeError('rejected', `A note can carry at most ${MAX_IMAGES} images.`);
  const ofThread = new Set(listAttachments(db, threadId).map((attachment) => attachment.id));
  const seen = new Set<string>();
  return chosen.map((image, index) => {
    const attachmentId = String(image.attachmentId).trim().toLowerCase();
    if (!UUID.test(attachmentId) || !ofThread.has(attachmentId)) throw new WardscribeError('rejected', `Image ${index + 1} is not a file of this chat.`);
    if (seen.has(attachmentId)) throw new WardscribeError('rejected', `Image ${index + 1} is chosen twice.`);
    seen.add(attachmentId);
    if (image.consent === undefined) return { attachmentId };
    const consent = ImageConsentSchema.safeParse(image.consent);
    if (!consent.success) throw new WardscribeError('rejected', `Image ${index + 1}: ${consent.error.issues[0]?.message ?? 'the consent is incomplete.'}`);
    return { attachmentId, consent: consent.data };
  });
}

/** What blocks the draft's images from being filed, from the draft alone (consent). */
export function draftImageProblems(draft: Pick<StoredDraft, 'images'>): string[] {
  return draft.images.flatMap((image, index) =>
    ImageConsentSchema.safeParse(image.consent).success ? [] : [`Record the patient's consent for image ${index + 1} (given, not given with the reason, or not applicable with what it shows) before attesting.`],
  );
}

/**
 * The images as the note will file them: stripped, hashed, with the creation time of the
 * message they came with. Problems (in words) for any that cannot be filed; those are left out,
 * and any problem blocks attestation.
 */
export function buildFiledImages(db: Db, draft: Pick<StoredDraft, 'threadId' | 'images'>, messages: readonly StoredMessage[]): { images: FiledImage[]; problems: string[] } {
  const problems: string[] = [];
  const images: FiledImage[] = [];
  const selected = new Map(messages.filter((message) => message.kind === 'message').map((message) => [message.id, message]));
  draft.images.forEach((choice, index) => {
    const name = `Image ${index + 1}`;
    const stored = readAttachmentContent(db, choice.attachmentId);
    if (!stored || stored.attachment.threadId !== draft.threadId) return void problems.push(`${name} is no longer in this chat.`);
    const message = stored.attachment.messageId === null ? undefined : selected.get(stored.attachment.messageId);
    if (!message) return void problems.push(`${name} is not attached to one of the selected messages: select its message, or remove the image.`);
    const consent = ImageConsentSchema.safeParse(choice.consent);
    // Missing consent is already a problem of the draft (draftImageProblems).
    if (!consent.success) return;
    // Only a picture the clinician could see is filed: one too large to open here (a decompression
    // bomb: a small file of enormous dimensions) is refused, as the thread view refuses to show it.
    const sniffed = sniffMedia(stored.content);
    const shown = decideDisplay({ ...sniffed, byteLength: stored.content.length });
    if (shown.display !== 'image') return void problems.push(`${name} cannot be filed: it cannot be shown here, so no one could check what it shows. ${shown.problem ?? ''}`.trim());
    const stripped = stripImageMetadata(stored.content);
    if (!stripped.ok) return void problems.push(`${name}: ${stripped.message}`);
    const tooBig = imageTooBig(stripped.image.bytes.length);
    if (tooBig) return void problems.push(`${name}: ${tooBig}`);
    // A message in a clock change has no instant; it is a problem of its own (draftProblems).
    if (message.instant === null) return;
    const { bytes } = stripped.image;
    images.push(
      FiledImageSchema.parse({
        attachmentId: stored.attachment.id,
        messageId: String(message.id),
        contentType: stripped.image.contentType,
        size: bytes.length,
        sha1Base64: createHash('sha1').update(bytes).digest('base64'),
        sha256Hex: createHash('sha256').update(bytes).digest('hex'),
        originalSha256Hex: createHash('sha256').update(stored.content).digest('hex'),
        creation: message.instant,
        orientation: stripped.image.orientation,
        consent: consent.data,
        data: bytes.toString('base64'),
      }),
    );
  });
  return { images, problems };
}
