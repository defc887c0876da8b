/**
 * A clinical image filed with a transcription (a wound photo, an ECG, a test result photographed),
 * and the patient's consent to the photograph, which the clinician records for every image before
 * it can be filed. Pure: no I/O.
 *
 * The NHS guidance on instant messaging names photos shared without consent as a main risk of
 * ward chats, so consent is never a default: each image carries one of
 *   - given: the patient agreed to the photograph being taken and kept in their record;
 *   - not given, with the reason it is filed anyway (e.g. unconscious, filed in their best interests);
 *   - not applicable, with what the image shows that makes it so (an ECG trace, a monitor screen).
 * The consent is stated in the document text and in the Provenance.
 */
import { z } from 'zod';

/** Largest image (after its metadata is removed) filed inside a note; larger ones are refused. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Most images one transcription may carry. */
export const MAX_IMAGES = 10;
/** The shortest reason accepted for filing without consent. */
export const MIN_CONSENT_REASON = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export const ImageConsentSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('given') }),
  z.object({
    status: z.literal('not-given'),
    reason: z.string().trim().min(MIN_CONSENT_REASON, `Say why it is filed without consent (at least ${MIN_CONSENT_REASON} characters).`).max(500),
  }),
  z.object({
    status: z.literal('not-applicable'),
    /** What the image shows that needs no consent, e.g. "ECG trace". */
    shows: z.string().trim().min(3, 'Say what the image shows (for example "ECG trace").').max(200),
  }),
]);
export type ImageConsent = z.infer<typeof ImageConsentSchema>;

/** The consent as the record states it. */
export function describeConsent(consent: ImageConsent): string {
  switch (consent.status) {
    case 'given':
      return 'Consent to the photograph: given by the patient';
    case 'not-given':
      return `Consent to the photograph: NOT given. Filed because: ${consent.reason}`;
    case 'not-applicable':
      return `Consent to the photograph: not applicable (${consent.shows}; no patient shown)`;
  }
}

/** A short form for titles: given, not given, not applicable. */
export function consentWord(consent: ImageConsent): string {
  return consent.status === 'given' ? 'consent given' : consent.status === 'not-given' ? 'consent not given' : 'consent not applicable';
}

export const FILABLE_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** What a clinician chose: one attachment of a selected message, and the consent for it. */
export const ImageChoiceSchema = z.object({
  /** The vault's id for the attachment (never its name or bytes). */
  attachmentId: z.string().regex(UUID, 'An attachment id.'),
  consent: ImageConsentSchema,
});
export type ImageChoice = z.infer<typeof ImageChoiceSchema>;

/**
 * An image exactly as filed: the bytes after metadata removal (base64), and the hashes that
 * identify them; the hash of the bytes as imported goes in the audit trail and stays here too.
 */
export const FiledImageSchema = z.object({
  attachmentId: z.string().regex(UUID),
  /** The vault id of the message it was attached to: one of the transcription's excerpts. */
  messageId: z.string().trim().min(1).max(200),
  contentType: z.enum(FILABLE_IMAGE_TYPES),
  /** Bytes as filed. */
  size: z.number().int().min(1).max(MAX_IMAGE_BYTES),
  /** Base64 SHA-1 of the bytes as filed: FHIR R4 `Attachment.hash`. */
  sha1Base64: z.string().regex(/^[A-Za-z0-9+/]{27}=$/, 'A base64 SHA-1.'),
  /** Hex SHA-256 of the bytes as filed. */
  sha256Hex: z.string().regex(/^[0-9a-f]{64}$/),
  /** Hex SHA-256 of the bytes as imported, before metadata removal. */
  originalSha256Hex: z.string().regex(/^[0-9a-f]{64}$/),
  /** When the message carrying it was sent (UTC): the attachment's creation time. */
  creation: z.string().regex(UTC_INSTANT),
  /** Exif orientation kept (1 = upright as stored). */
  orientation: z.number().int().min(1).max(8),
  consent: ImageConsentSchema,
  /** The bytes as filed, base64. */
  data: z.string().min(1).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Base64.'),
});
export type FiledImage = z.infer<typeof FiledImageSchema>;

/** A size in words, e.g. "5 MB", "730 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** Why an image of this size cannot be filed, or null when it can. Names the limit. */
export function imageTooBig(size: number): string | null {
  return size > MAX_IMAGE_BYTES
    ? `This image is ${formatBytes(size)} after its hidden details are removed; Wardscribe files images of up to ${formatBytes(MAX_IMAGE_BYTES)} inside a note. Ask for a smaller copy (most phones can send a reduced size) and import that.`
    : null;
}

/** Orientation values that turn the picture sideways or upside down (Exif 2–8). */
export function orientationNote(orientation: number): string | null {
  if (orientation === 1) return null;
  return 'This photo is stored turned and carries a tag saying how to turn it upright; the record keeps that tag. A viewer that ignores it shows the photo turned: check before judging left and right.';
}
