import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripImageMetadata } from '../../../../main/media/strip-metadata';
import { FiledImageSchema, type FiledImage, type ImageConsent } from '../../../../shared/domain/clinical-image';

/**
 * A real image fixture (tests/fixtures/images) as filing files it: metadata stripped, sized and
 * hashed, with the original's hash beside it.
 */
export function filedImage(fixture: string, fields: { attachmentId: string; messageId: string; consent: ImageConsent; creation: string; orientation: number }): FiledImage {
  const original = readFileSync(join(__dirname, '../../../fixtures/images', fixture));
  const stripped = stripImageMetadata(original);
  if (!stripped.ok) throw new Error(stripped.message);
  const { bytes } = stripped.image;
  return FiledImageSchema.parse({
    ...fields,
    contentType: stripped.image.contentType,
    size: bytes.length,
    sha1Base64: createHash('sha1').update(bytes).digest('base64'),
    sha256Hex: createHash('sha256').update(bytes).digest('hex'),
    originalSha256Hex: createHash('sha256').update(original).digest('hex'),
    data: bytes.toString('base64'),
  });
}
