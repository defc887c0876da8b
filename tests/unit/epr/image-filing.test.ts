/**
 * Images filed with a note (#19): each an additional `content` attachment of the
 * DocumentReference (type from the bytes, size, base64 SHA-1, title, creation = the message's
 * time, inline data), its consent stated in the text and in the Provenance, and read back like
 * the text: a read-back missing an image, or with other bytes, is not verified (H-025, H-026).
 */
import { createHash } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { toDocumentReference, toProvenance, transcriptAttachment } from '../../../main/epr/mapping';
import { readBackMismatches, type ReadBackEvidence } from '../../../main/epr/read-back';
import { validateFhirResource } from '../../../main/epr/validate';
import { imageTooBig, MAX_IMAGE_BYTES, type FiledImage, type ImageConsent } from '../../../shared/domain/clinical-image';
import { AttestedTranscriptionSchema, renderTranscriptText, type AttestedTranscription } from '../../../shared/domain/transcription';
import type { EprHarness } from './support/epr-harness';
import { useHarnessAndWorld } from './support/harness-world';
import { fileOne, type OutboxWorld } from './support/outbox-world';
import { filedImage } from './support/filed-images';
import { sampleTranscription } from './support/transcriptions';

const ATTACHMENT_A = '0b7f5e3a-2c41-4d7e-9a55-0f1e2d3c4b5a';
const ATTACHMENT_B = '1c8a6f4b-3d52-4e8f-8b66-1a2b3c4d5e6f';

function image(fixture: string, attachmentId: string, messageId: string, consent: ImageConsent): FiledImage {
  return filedImage(fixture, { attachmentId, messageId, consent, creation: messageId === 'msg-101' ? '2024-03-31T00:45:00Z' : '2024-03-31T08:05:00Z', orientation: 6 });
}

function withImages(): AttestedTranscription {
  return sampleTranscription({
    images: [
      image('photo.jpg', ATTACHMENT_A, 'msg-101', { status: 'given' }),
      image('photo.png', ATTACHMENT_B, 'msg-104', { status: 'not-applicable', shows: 'ECG trace' }),
    ],
  });
}

describe('the DocumentReference and Provenance', () => {
  const transcription = withImages();
  const document = toDocumentReference(transcription);

  test('each image is a further content attachment: type from its bytes, size, base64 SHA-1, title, creation, inline data', () => {
    expect(document.content).toHaveLength(3);
    const [jpeg] = transcription.images!;
    expect(document.content[1]!.attachment).toEqual({
      contentType: 'image/jpeg',
      data: jpeg!.data,
      size: jpeg!.size,
      hash: jpeg!.sha1Base64,
      title: 'Clinical image 1 of 2 (consent given)',
      creation: '2024-03-31T00:45:00Z',
    });
    expect(document.content[2]!.attachment).toMatchObject({ contentType: 'image/png', title: 'Clinical image 2 of 2 (consent not applicable)', creation: '2024-03-31T08:05:00Z' });
    for (const [index, image] of transcription.images!.entries()) {
      const bytes = Buffer.from(document.content[index + 1]!.attachment.data!, 'base64');
      expect(bytes.length).toBe(image.size);
      expect(createHash('sha1').update(bytes).digest('base64')).toBe(document.content[index + 1]!.attachment.hash);
    }
    expect(validateFhirResource(document).filter((issue) => issue.severity === 'error')).toEqual([]);
  });

  test('the document text states each image, its consent, its hash and that metadata was removed', () => {
    const text = renderTranscriptText(transcription);
    expect(text).toContain('Images filed with this note: 2');
    expect(text).toContain(`Image 1 of 2: image/jpeg, ${transcription.images![0]!.size} bytes, SHA-1 ${transcription.images![0]!.sha1Base64}, attached to advice 1 (sent 2024-03-31 00:45 UTC)`);
    expect(text).toContain('Consent to the photograph: given by the patient');
    expect(text).toContain('Consent to the photograph: not applicable (ECG trace; no patient shown)');
    expect(text).toContain('Location, device and other hidden details were removed before filing.');
    expect(text).toContain('Stored turned (Exif orientation 6)');
    // Without images, the text is what it always was.
    expect(renderTranscriptText(sampleTranscription())).not.toContain('Image');
  });

  test('a note filed without consent says so, with the reason, in the text and the Provenance', () => {
    const reason = 'Patient unconscious; photographed for the wound care team in their best interests';
    const note = sampleTranscription({ images: [image('photo.jpg', ATTACHMENT_A, 'msg-101', { status: 'not-given', reason })] });
    expect(renderTranscriptText(note)).toContain(`Consent to the photograph: NOT given. Filed because: ${reason}`);
    const provenance = toProvenance(note, { reference: 'DocumentReference/abc' });
    expect(provenance.entity?.[1]?.what.display).toContain(`Consent to the photograph: NOT given. Filed because: ${reason}`);
  });

  test('the Provenance names each image by its filed and original hashes, with its consent', () => {
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' });
    expect(provenance.entity).toHaveLength(3);
    const [jpeg] = transcription.images!;
    expect(provenance.entity![1]).toEqual({
      role: 'source',
      what: {
        display: `Image 1 of 2 (SHA-1 as filed ${jpeg!.sha1Base64}; SHA-256 as imported ${jpeg!.originalSha256Hex}), sent 2024-03-31T00:45:00Z with a transcribed message; metadata removed before filing. Consent to the photograph: given by the patient`,
      },
    });
    expect(validateFhirResource(provenance).filter((issue) => issue.severity === 'error')).toEqual([]);
  });
});

describe('what a filed image must be', () => {
  const base = () => withImages();
  const parse = (images: unknown) => AttestedTranscriptionSchema.safeParse({ ...base(), images });

  test('attached to one of the transcribed messages (not another message, another note or another patient)', () => {
    const [jpeg] = base().images!;
    const result = parse([{ ...jpeg, messageId: 'msg-999' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('An image must be attached to one of the transcribed messages.');
  });

  test('with a consent: none, or not given without a reason, is refused', () => {
    const [jpeg] = base().images!;
    const { consent: _consent, ...withoutConsent } = jpeg!;
    expect(parse([withoutConsent]).success).toBe(false);
    expect(parse([{ ...jpeg, consent: { status: 'not-given', reason: '' } }]).success).toBe(false);
    expect(parse([{ ...jpeg, consent: { status: 'not-applicable', shows: '' } }]).success).toBe(false);
    expect(parse([{ ...jpeg, consent: { status: 'given' } }]).success).toBe(true);
  });

  test('its size is its bytes, each chosen once, and no larger than the limit (which the error names)', () => {
    const [jpeg] = base().images!;
    expect(parse([{ ...jpeg, size: jpeg!.size + 1 }]).success).toBe(false);
    expect(parse([jpeg, jpeg]).success).toBe(false);
    expect(imageTooBig(MAX_IMAGE_BYTES)).toBeNull();
    expect(imageTooBig(MAX_IMAGE_BYTES + 1)).toMatch(/^This image is 5\.0 MB after its hidden details are removed; Wardscribe files images of up to 5 MB inside a note\./);
    expect(imageTooBig(7_500_000)).toContain('This image is 7.2 MB');
    const big = 'A'.repeat(Math.ceil(((MAX_IMAGE_BYTES + 3) * 4) / 3 / 4) * 4);
    expect(parse([{ ...jpeg, data: big, size: (big.length * 3) / 4 }]).success).toBe(false);
  });
});

describe('read-back', () => {
  const transcription = withImages();
  const attachmentSha256 = transcriptAttachment(transcription).sha256Hex;
  const filed = (change: (document: DocumentReference) => void = () => undefined): ReadBackEvidence => {
    const document = { ...structuredClone(toDocumentReference(transcription)), id: 'doc-1' };
    change(document);
    return { documentReferenceId: 'doc-1', document, contentBytes: transcriptAttachment(transcription).bytes };
  };

  test('the note with every image, as filed, is verified', () => {
    expect(readBackMismatches(transcription, attachmentSha256, { identifier: 'kept' }, filed())).toEqual([]);
  });

  test('an image missing, swapped for other bytes, re-encoded, reordered or an extra one is not verified', () => {
    const cases: ((document: DocumentReference) => void)[] = [
      (document) => void document.content.pop(),
      (document) => void document.content.splice(1, 1),
      (document) => {
        const bytes = Buffer.from(document.content[1]!.attachment.data!, 'base64');
        bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 1;
        document.content[1]!.attachment.data = bytes.toString('base64');
      },
      (document) => void document.content.reverse(),
      (document) => void ([document.content[1], document.content[2]] = [document.content[2]!, document.content[1]!]),
      (document) => void document.content.push(document.content[1]!),
      (document) => void (document.content[2]!.attachment.contentType = 'image/jpeg'),
      (document) => void (document.content[1]!.attachment.hash = createHash('sha1').update('other').digest('base64')),
      (document) => void (document.content[1]!.attachment.size = 1),
      (document) => {
        delete document.content[1]!.attachment.data;
        document.content[1]!.attachment.url = 'Binary/elsewhere';
      },
      // The title carries the consent recorded: another one is not the image as filed.
      (document) => void (document.content[1]!.attachment.title = 'Clinical image 1 of 2 (consent not applicable)'),
      (document) => void (document.content[2]!.attachment.creation = '2024-03-31T08:06:00Z'),
    ];
    for (const change of cases) expect(readBackMismatches(transcription, attachmentSha256, { identifier: 'kept' }, filed(change))).toContain('images');
  });

  test('an EPR that drops an image title or creation, or writes the same instant another way, is not taken as changing it', () => {
    const changes: ((document: DocumentReference) => void)[] = [
      (document) => void delete document.content[1]!.attachment.title,
      (document) => void delete document.content[2]!.attachment.creation,
      (document) => void (document.content[1]!.attachment.creation = '2024-03-31T01:45:00+01:00'),
      (document) => void (document.content[2]!.attachment.creation = '2024-03-31T08:05:00.000Z'),
    ];
    for (const change of changes) expect(readBackMismatches(transcription, attachmentSha256, { identifier: 'kept' }, filed(change))).toEqual([]);
  });

  test('image bytes fetched from a Binary are checked like inline ones', () => {
    const moved = (document: DocumentReference) => {
      for (const content of document.content.slice(1)) {
        delete content.attachment.data;
        content.attachment.url = 'Binary/x';
      }
    };
    const bytes = transcription.images!.map((image) => Buffer.from(image.data, 'base64'));
    expect(readBackMismatches(transcription, attachmentSha256, { identifier: 'kept' }, { ...filed(moved), imageBytes: bytes })).toEqual([]);
    expect(readBackMismatches(transcription, attachmentSha256, { identifier: 'kept' }, { ...filed(moved), imageBytes: [bytes[0], Buffer.from('not it')] })).toContain('images');
  });

  test('a note without images still wants exactly its one text attachment', () => {
    const plain = sampleTranscription();
    const document = { ...toDocumentReference(plain), id: 'doc-2' };
    const sha = transcriptAttachment(plain).sha256Hex;
    const evidence = { documentReferenceId: 'doc-2', contentBytes: transcriptAttachment(plain).bytes };
    expect(readBackMismatches(plain, sha, { identifier: 'kept' }, { ...evidence, document })).toEqual([]);
    const extra = { ...document, content: [...document.content, toDocumentReference(transcription).content[1]!] };
    expect(readBackMismatches(plain, sha, { identifier: 'kept' }, { ...evidence, document: extra })).toContain('content');
  });
});

describe('filed over HTTP into the training EPR', () => {
  let harness: EprHarness;
  let world: OutboxWorld;
  useHarnessAndWorld((started, made) => {
    harness = started;
    world = made;
  });

  test('the note and its images are filed once and verified; the server holds the stripped bytes', async () => {
    const transcription = withImages();
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state.kind).toBe('verified');
    if (state.kind !== 'verified') return;
    const response = await fetch(`${harness.upstreamUrl}/DocumentReference/${state.documentReferenceId}`);
    const stored = (await response.json()) as DocumentReference;
    expect(stored.content).toHaveLength(3);
    for (const [index, image] of transcription.images!.entries()) {
      expect(Buffer.from(stored.content[index + 1]!.attachment.data!, 'base64').equals(Buffer.from(image.data, 'base64'))).toBe(true);
    }
  });

  test('a server that drops an image is caught by read-back: not verified', async () => {
    harness.behaviour = { readBack: (document) => ({ ...document, content: document.content.slice(0, 2) }) };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), withImages());
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['images'] });
  });

  test('a server that moves images to a Binary: each is read back from it and checked, so the note is verified', async () => {
    harness.behaviour = { contentInBinary: true };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), withImages());
    expect(state).toMatchObject({ kind: 'verified' });
    expect(harness.seen.filter((request) => request.method === 'GET' && request.path.startsWith('/Binary/')).length).toBeGreaterThanOrEqual(2);
  });

  test('an image Binary the server will not return leaves the note unverified (fails closed)', async () => {
    harness.behaviour = { contentInBinary: true };
    let binaries = 0;
    // The text's Binary is read first; every later one (the images) is refused.
    harness.fault = (request) => (request.method === 'GET' && request.path.startsWith('/Binary/') && binaries++ > 0 ? { kind: 'respond', status: 403 } : { kind: 'pass' });
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), withImages());
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['images'] });
  });
});
