/**
 * A filed note's images read back from the EPR for the outbox's "Open filed note" (#19): each
 * image attachment after the text, its bytes inline or from a Binary, checked against the hash the
 * record gives, and refused in words where it cannot be shown.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EprRequestError } from '../../../main/epr/epr-errors';
import type { EprConnection } from '../../../main/epr/fhir-client';
import { MAX_SHOWN_FILED_IMAGE_BYTES, MAX_SHOWN_FILED_IMAGES_BYTES, readFiledImages } from '../../../main/media/filed-images';

const PHOTO = readFileSync(join(__dirname, '../../fixtures/images/photo.jpg'));
const PNG = readFileSync(join(__dirname, '../../fixtures/images/photo.png'));

function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('base64');
}

function inline(bytes: Buffer, extra: Partial<Attachment> = {}): { attachment: Attachment } {
  return { attachment: { contentType: 'image/jpeg', data: bytes.toString('base64'), size: bytes.length, hash: sha1(bytes), title: 'Clinical image 1 of 1 (consent given)', creation: '2024-04-13T20:15:10Z', ...extra } };
}

function document(...images: { attachment: Attachment }[]): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id: 'doc-1',
    meta: { versionId: '2' },
    status: 'current',
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from('The note.').toString('base64') } }, ...images],
  };
}

function serving(resource: DocumentReference, binaries: Record<string, () => Promise<Buffer>> = {}): EprConnection & { binaryReads: string[] } {
  const binaryReads: string[] = [];
  return {
    binaryReads,
    read: async () => resource,
    readAttachment: async (url: string) => {
      binaryReads.push(url);
      const binary = binaries[url];
      if (!binary) throw new EprRequestError('http', 404, undefined);
      return binary();
    },
  } as unknown as EprConnection & { binaryReads: string[] };
}

describe('a filed note’s images, as the EPR holds them', () => {
  it('lists each image after the text with its bytes, title, creation time, size and a matching hash', async () => {
    const found = await readFiledImages(serving(document(inline(PHOTO), inline(PNG, { contentType: 'image/png', title: 'Clinical image 2 of 2 (consent not applicable)' }))), 'doc-1');
    expect(found).toMatchObject({ documentReferenceId: 'doc-1', versionId: '2' });
    expect(found.images).toHaveLength(2);
    expect(found.images[0]).toEqual({
      position: 2,
      contentType: 'image/jpeg',
      title: 'Clinical image 1 of 1 (consent given)',
      creation: '2024-04-13T20:15:10Z',
      size: PHOTO.length,
      hashMatches: true,
      content: PHOTO,
      problem: null,
    });
    expect(found.images[1]).toMatchObject({ position: 3, contentType: 'image/png', hashMatches: true, problem: null });
    expect(found.images[1]!.content!.equals(PNG)).toBe(true);
  });

  it('a note with no images has none; the text is not listed', async () => {
    expect((await readFiledImages(serving(document()), 'doc-1')).images).toEqual([]);
  });

  it('reads an image the EPR moved to a Binary, and says why when it is on another origin or refused', async () => {
    const moved = document(
      { attachment: { contentType: 'image/jpeg', url: 'Binary/b1', hash: sha1(PHOTO) } },
      { attachment: { contentType: 'image/jpeg', url: 'http://internal:8080/Binary/b2' } },
      { attachment: { contentType: 'image/jpeg', url: 'Binary/gone' } },
    );
    const connection = serving(moved, {
      'Binary/b1': async () => PHOTO,
      'http://internal:8080/Binary/b2': async () => {
        throw new EprRequestError('elsewhere', undefined, undefined, 'http://internal:8080');
      },
    });
    const [fromBinary, elsewhere, refused] = (await readFiledImages(connection, 'doc-1')).images;
    expect(fromBinary).toMatchObject({ content: PHOTO, hashMatches: true, problem: null, size: PHOTO.length });
    expect(elsewhere).toMatchObject({ content: null, problem: expect.stringContaining('http://internal:8080') });
    expect(refused).toMatchObject({ content: null, problem: 'The EPR would not return this image (HTTP 404).' });
  });

  it('an outage is not a property of the image: it is thrown for the caller to say', async () => {
    const connection = serving(document({ attachment: { contentType: 'image/jpeg', url: 'Binary/b1' } }), {
      'Binary/b1': async () => {
        throw new EprRequestError('timeout', undefined, undefined);
      },
    });
    await expect(readFiledImages(connection, 'doc-1')).rejects.toBeInstanceOf(EprRequestError);
  });

  it('says when the bytes do not match the record’s hash, and shows them as what their bytes are', async () => {
    const [changed, mislabelled] = (await readFiledImages(serving(document(inline(PHOTO, { hash: sha1(PNG) }), inline(PNG, { contentType: 'image/jpeg' }))), 'doc-1')).images;
    expect(changed).toMatchObject({ hashMatches: false, content: PHOTO });
    expect(mislabelled).toMatchObject({ contentType: 'image/png', hashMatches: true, problem: 'The record calls it image/jpeg, but its bytes are image/png; it is shown as its bytes are.' });
  });

  it('does not hand on bytes that are not a picture Wardscribe shows, or that are too large', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const big = Buffer.alloc(MAX_SHOWN_FILED_IMAGE_BYTES + 1, 0xff);
    const connection = serving(document(inline(svg, { contentType: 'image/svg+xml' }), { attachment: { contentType: 'image/jpeg', url: 'Binary/big', size: big.length } }, inline(big)));
    const [script, stated, read] = (await readFiledImages(connection, 'doc-1')).images;
    expect(script).toMatchObject({ content: null, problem: 'Its bytes are not a JPEG, PNG or WebP picture, so it is not shown here.' });
    // Its stated size is enough: the Binary is not fetched.
    expect(stated).toMatchObject({ content: null, size: big.length, problem: expect.stringMatching(/^This image is 10 MB, more than the 10 MB Wardscribe shows/) });
    expect(connection.binaryReads).toEqual([]);
    expect(read).toMatchObject({ content: null, size: big.length, problem: expect.stringContaining('more than the 10 MB') });
  });

  it('stops handing on bytes once the note’s images reach the total shown at once', async () => {
    const nine = Buffer.concat([PHOTO, Buffer.alloc(9 * 1024 * 1024 - PHOTO.length)]);
    const count = Math.floor(MAX_SHOWN_FILED_IMAGES_BYTES / nine.length) + 1;
    const images = (await readFiledImages(serving(document(...Array.from({ length: count }, () => inline(nine)))), 'doc-1')).images;
    expect(images.slice(0, -1).every((image) => image.content !== null)).toBe(true);
    expect(images.at(-1)).toMatchObject({ content: null, problem: expect.stringContaining('other images already fill the 60 MB') });
  });
});
