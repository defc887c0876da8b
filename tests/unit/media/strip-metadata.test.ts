/**
 * Metadata stripping (H-027), judged by an independent reader: exiftool (Debian's
 * libimage-exiftool-perl) plants GPS position, camera make, model and serial number, software,
 * dates, captions and a thumbnail in real JPEG, PNG and WebP files, and reads the stripped files
 * back. The pictures themselves must come through unchanged (their compressed data byte for
 * byte; the PNG decoded pixel for pixel).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { exifOrientation, orientationOnlyTiff, sniffImageType, stripImageMetadata, type StrippedImage } from '../../../main/media/strip-metadata';

const FIXTURES = join(__dirname, '../../fixtures/images');
const work = mkdtempSync(join(tmpdir(), 'ws-strip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Values planted in the photos: none may survive, in any tag or anywhere in the bytes. */
const SERIAL = 'F2LXK0QZ9NSERIAL';
const PLANTED = [SERIAL, 'Quokkaphone', 'QuokkaCam 15 Pro', 'QuokkaOS 17.4', 'Bed seven left leg', 'Dr Planted Creator', 'Little Snoring'];
const GPS = ['-GPSLatitude=51.5072', '-GPSLatitudeRef=N', '-GPSLongitude=0.1276', '-GPSLongitudeRef=W', '-GPSAltitude=21'];
const DEVICE = ['-Make=Quokkaphone', '-Model=QuokkaCam 15 Pro', `-SerialNumber=${SERIAL}`, `-InternalSerialNumber=${SERIAL}`, '-Software=QuokkaOS 17.4', '-DateTimeOriginal=2024:03:05 14:32:00'];

function exiftool(args: readonly string[]): string {
  return execFileSync('/usr/bin/exiftool', args, { encoding: 'utf8' });
}

/** A fixture with metadata written in by exiftool; `orientation` 6 = "rotate 90° clockwise". */
function planted(name: string, extra: readonly string[] = [], orientation = 6): Buffer {
  const path = join(work, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(path, readFileSync(join(FIXTURES, name)));
  exiftool(['-q', '-overwrite_original', ...GPS, ...DEVICE, `-Orientation#=${orientation}`, '-XMP-dc:Creator=Dr Planted Creator', ...extra, path]);
  return readFileSync(path);
}

/** exiftool's view of some bytes: every tag, grouped by where it was found. */
function tags(bytes: Buffer): Record<string, unknown> {
  const path = join(work, `${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(path, bytes);
  const [read] = JSON.parse(exiftool(['-j', '-G1', '-a', path])) as Record<string, unknown>[];
  return read!;
}

/** exiftool's structural check of a file: 'OK', or what it found wrong. */
function validate(bytes: Buffer): unknown {
  const path = join(work, `${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(path, bytes);
  const [read] = JSON.parse(exiftool(['-j', '-G1', '-a', '-validate', '-warning', '-error', path])) as Record<string, unknown>[];
  return read!['ExifTool:Validate'];
}

/** The tags that would tell where, when or with what a photo was taken (the colour profile's own header aside). */
function identifying(read: Record<string, unknown>): string[] {
  return Object.keys(read).filter((key) => /GPS|Serial|Make|Model|Software|Creator|City|Comment|DateTimeOriginal|ModifyDate|Thumbnail|Text/i.test(key) && !/^(ICC-header|ExifTool|System):/.test(key));
}

function strip(bytes: Buffer): StrippedImage {
  const result = stripImageMetadata(bytes);
  if (!result.ok) throw new Error(result.message);
  return result.image;
}

function expectNothingPlanted(image: StrippedImage): void {
  const read = tags(image.bytes);
  expect(identifying(read)).toEqual([]);
  const text = JSON.stringify(read);
  const latin1 = image.bytes.toString('latin1');
  for (const value of PLANTED) {
    expect(text).not.toContain(value);
    expect(latin1).not.toContain(value);
  }
  expect(Object.keys(read).filter((key) => /Warning|Error/.test(key))).toEqual([]);
  // exiftool's -validate finds nothing wrong with the structure it reads.
  expect(validate(image.bytes)).toBe('OK');
  expect(read['Composite:ImageSize']).toBe('64x48');
}

/** A baseline JPEG's scan: its header and entropy-coded data, to EOI. */
function jpegScans(bytes: Buffer): Buffer {
  // The last scan header: an embedded thumbnail (itself a JPEG) comes before the main picture.
  const start = bytes.lastIndexOf(Buffer.from([0xff, 0xda]));
  return bytes.subarray(start, bytes.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2);
}

function pngChunks(bytes: Buffer): { type: string; data: Buffer }[] {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let pos = 8; pos < bytes.length; ) {
    const length = bytes.readUInt32BE(pos);
    chunks.push({ type: bytes.toString('latin1', pos + 4, pos + 8), data: bytes.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

/** The PNG's raw scanlines, inflated from its IDAT chunks: the picture as a decoder sees it. */
function pngPixels(bytes: Buffer): Buffer {
  return inflateSync(Buffer.concat(pngChunks(bytes).filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)));
}

function webpChunks(bytes: Buffer): { fourcc: string; payload: Buffer }[] {
  const chunks: { fourcc: string; payload: Buffer }[] = [];
  for (let pos = 12; pos < bytes.length; ) {
    const size = bytes.readUInt32LE(pos + 4);
    chunks.push({ fourcc: bytes.toString('latin1', pos, pos + 4), payload: bytes.subarray(pos + 8, pos + 8 + size) });
    pos += 8 + size + (size & 1);
  }
  return chunks;
}

describe('JPEG', () => {
  const original = readFileSync(join(FIXTURES, 'photo.jpg'));
  const withMetadata = planted('photo.jpg', ['-IPTC:City=Little Snoring', '-IPTC:By-line=Dr Planted Creator', '-Comment=Bed seven left leg', '-ThumbnailImage<=' + join(FIXTURES, 'photo.jpg')]);

  it('the planted file does carry GPS, device and caption tags (the test would prove nothing otherwise)', () => {
    const read = tags(withMetadata);
    expect(read['GPS:GPSLatitude']).toBeDefined();
    expect(read['ExifIFD:SerialNumber']).toBe(SERIAL);
    expect(read['IFD0:Model']).toBe('QuokkaCam 15 Pro');
    expect(read['IPTC:City']).toBe('Little Snoring');
    expect(read['File:Comment']).toBe('Bed seven left leg');
    expect(read['IFD1:ThumbnailImage']).toBeDefined();
  });

  it('removes GPS, make, model, serial, software, XMP, IPTC, the comment and the thumbnail; keeps the picture and its colour profile', () => {
    const image = strip(withMetadata);
    expect(image.contentType).toBe('image/jpeg');
    expectNothingPlanted(image);
    expect(jpegScans(image.bytes).equals(jpegScans(withMetadata))).toBe(true);
    expect(jpegScans(image.bytes).equals(jpegScans(original))).toBe(true);
    const read = tags(image.bytes);
    expect(read['ICC_Profile:ProfileDescription']).toBe('sRGB');
    expect(read['JFIF:JFIFVersion']).toBeDefined();
    // The profile is rewritten: its copyright text ("Google Inc. 2016") is not copied.
    expect([...image.removed].sort()).toEqual(['comment', 'exif', 'iptc', 'profile-text', 'xmp']);
  });

  it('keeps the orientation alone, so a sideways wound photo is not shown turned', () => {
    const image = strip(withMetadata);
    expect(image.orientation).toBe(6);
    const read = tags(image.bytes);
    expect(read['IFD0:Orientation']).toBe('Rotate 90 CW');
    // The Exif block holds that tag and the four Exif requires (fixed values): no IFD1 (thumbnail), no Exif or GPS sub-directories.
    expect(Object.keys(read).filter((key) => /^(IFD|ExifIFD|GPS|InteropIFD|MakerNotes)/.test(key))).toEqual([
      'IFD0:Orientation',
      'IFD0:XResolution',
      'IFD0:YResolution',
      'IFD0:ResolutionUnit',
      'IFD0:YCbCrPositioning',
    ]);
  });

  it('writes no Exif at all for an upright photo', () => {
    const image = strip(planted('photo.jpg', [], 1));
    expect(image.orientation).toBe(1);
    expect(image.bytes.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    expectNothingPlanted(image);
  });

  it('drops what follows the end of the picture (phones append previews and depth maps there)', () => {
    const trailing = Buffer.concat([withMetadata, Buffer.from([0xff, 0xd8, 0xff, 0xe1]), Buffer.from(`Exif ${SERIAL} appended preview`, 'latin1')]);
    const image = strip(trailing);
    expect(image.removed).toContain('trailing-data');
    expect(image.bytes.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(true);
    expectNothingPlanted(image);
  });

  it('drops a JFIF thumbnail and JFXX extension (an uncropped preview can show what a crop hid)', () => {
    const jfifAt = original.indexOf(Buffer.from('JFIF\0', 'latin1')) - 4;
    const length = original.readUInt16BE(jfifAt + 2);
    const jfif = Buffer.from(original.subarray(jfifAt, jfifAt + 2 + length));
    const thumb = Buffer.alloc(2 * 2 * 3, 0x7f);
    const withThumb = Buffer.concat([jfif.subarray(0, 16), Buffer.from([2, 2]), thumb]);
    withThumb.writeUInt16BE(withThumb.length - 2, 2);
    const jfxx = Buffer.concat([Buffer.from([0xff, 0xe0, 0, 0]), Buffer.from('JFXX\0\x10', 'latin1'), Buffer.alloc(8, 0x11)]);
    jfxx.writeUInt16BE(jfxx.length - 2, 2);
    const input = Buffer.concat([original.subarray(0, jfifAt), withThumb, jfxx, original.subarray(jfifAt + 2 + length)]);
    const image = strip(input);
    expect(image.removed).toContain('thumbnail');
    expect(image.bytes.includes(thumb)).toBe(false);
    expect(image.bytes.includes(Buffer.from('JFXX', 'latin1'))).toBe(false);
    const newJfif = image.bytes.indexOf(Buffer.from('JFIF\0', 'latin1'));
    expect([image.bytes[newJfif + 12], image.bytes[newJfif + 13]]).toEqual([0, 0]);
  });

  it('refuses a JPEG cut short or out of order, in words, rather than pass it on', () => {
    for (const broken of [withMetadata.subarray(0, Math.floor(withMetadata.length / 2)), withMetadata.subarray(0, 40), Buffer.from([0xff, 0xd8, 0xff, 0xd9])]) {
      const result = stripImageMetadata(broken);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/^This JPEG is damaged or in a form Wardscribe cannot read \(.+\), so its hidden details .* It was not filed\.$/);
    }
    const unknownExtension = Buffer.concat([withMetadata.subarray(0, 2), Buffer.from([0xff, 0xf7, 0, 4, 1, 2]), withMetadata.subarray(2)]);
    expect(stripImageMetadata(unknownExtension)).toMatchObject({ ok: false, message: expect.stringContaining('JPEG extension') });
  });
});

describe('PNG', () => {
  const original = readFileSync(join(FIXTURES, 'photo.png'));
  const withMetadata = planted('photo.png', ['-PNG:Comment=Bed seven left leg', '-PNG:ModifyDate=2024:03:05 14:32:00', '-PNG:Author=Dr Planted Creator']);

  it('the planted file carries eXIf, tEXt, iTXt and tIME chunks', () => {
    const types = new Set(pngChunks(withMetadata).map((chunk) => chunk.type));
    for (const type of ['eXIf', 'tEXt', 'iTXt', 'tIME']) expect(types).toContain(type);
    expect(tags(withMetadata)['GPS:GPSLatitude']).toBeDefined();
  });

  it('removes eXIf, text and time chunks; the picture decodes to the same pixels', () => {
    const image = strip(withMetadata);
    expect(image.contentType).toBe('image/png');
    expectNothingPlanted(image);
    const types = pngChunks(image.bytes).map((chunk) => chunk.type);
    expect(types.filter((type) => ['tEXt', 'zTXt', 'iTXt', 'tIME'].includes(type))).toEqual([]);
    expect(types[0]).toBe('IHDR');
    expect(types.at(-1)).toBe('IEND');
    expect(pngPixels(image.bytes).equals(pngPixels(original))).toBe(true);
    expect(pngPixels(image.bytes).length).toBe(48 * (1 + 64 * 4));
  });

  it('keeps the orientation alone in a fresh eXIf chunk with a correct checksum, before the picture data', () => {
    const image = strip(withMetadata);
    const chunks = pngChunks(image.bytes);
    const exif = chunks.filter((chunk) => chunk.type === 'eXIf');
    expect(exif).toHaveLength(1);
    expect(exif[0]!.data.equals(orientationOnlyTiff(6))).toBe(true);
    expect(chunks.findIndex((chunk) => chunk.type === 'eXIf')).toBeLessThan(chunks.findIndex((chunk) => chunk.type === 'IDAT'));
    const read = tags(image.bytes);
    expect(read['IFD0:Orientation']).toBe('Rotate 90 CW');
  });

  it('refuses a chunk whose checksum does not match, an unknown critical chunk, and a file cut short', () => {
    const badCrc = Buffer.from(withMetadata);
    badCrc[33 + 10] = badCrc[33 + 10]! ^ 0xff; // inside the first chunk after IHDR
    expect(stripImageMetadata(badCrc)).toMatchObject({ ok: false, message: expect.stringContaining('a checksum does not match') });
    const unknownCritical = Buffer.concat([original.subarray(0, 33), Buffer.from([0, 0, 0, 0]), Buffer.from('ZZZZ', 'latin1'), Buffer.from([0x6c, 0x9a, 0x1d, 0x5b]), original.subarray(33)]);
    expect(stripImageMetadata(unknownCritical).ok).toBe(false);
    expect(stripImageMetadata(original.subarray(0, original.length - 12))).toMatchObject({ ok: false, message: expect.stringContaining('ends early') });
  });
});

describe('WebP', () => {
  const original = readFileSync(join(FIXTURES, 'photo.webp'));
  const withMetadata = planted('photo.webp');

  it('the planted file is an extended WebP with EXIF and XMP chunks and their flags set', () => {
    const chunks = webpChunks(withMetadata).map((chunk) => chunk.fourcc);
    expect(chunks[0]).toBe('VP8X');
    expect(chunks).toContain('EXIF');
    expect(chunks).toContain('XMP ');
    expect(webpChunks(withMetadata)[0]!.payload[0]! & 0x0c).toBe(0x0c);
  });

  it('removes the EXIF and XMP chunks, fixes the flags and the RIFF size; the picture chunk is unchanged', () => {
    const image = strip(withMetadata);
    expect(image.contentType).toBe('image/webp');
    expectNothingPlanted(image);
    const chunks = webpChunks(image.bytes);
    expect(image.bytes.readUInt32LE(4)).toBe(image.bytes.length - 8);
    expect(chunks.map((chunk) => chunk.fourcc)).toEqual(['VP8X', 'ICCP', 'VP8 ', 'EXIF']);
    // XMP flag cleared; EXIF flag set for the orientation-only block.
    expect(chunks[0]!.payload[0]! & 0x0c).toBe(0x08);
    expect(chunks[3]!.payload.equals(orientationOnlyTiff(6))).toBe(true);
    expect(tags(image.bytes)['ICC_Profile:ProfileDescription']).toBe('sRGB');
    const picture = (bytes: Buffer) => webpChunks(bytes).find((chunk) => chunk.fourcc === 'VP8 ')!.payload;
    expect(picture(image.bytes).equals(picture(original))).toBe(true);
    expect(tags(image.bytes)['IFD0:Orientation']).toBe('Rotate 90 CW');
  });

  it('an upright extended WebP keeps no EXIF chunk and no EXIF flag', () => {
    const image = strip(planted('photo.webp', [], 1));
    const chunks = webpChunks(image.bytes);
    expect(chunks.map((chunk) => chunk.fourcc)).toEqual(['VP8X', 'ICCP', 'VP8 ']);
    expect(chunks[0]!.payload[0]! & 0x0c).toBe(0);
    expectNothingPlanted(image);
  });

  it('drops bytes after the RIFF container and refuses one shorter than it says', () => {
    const image = strip(Buffer.concat([withMetadata, Buffer.from(`XMP ${SERIAL}`, 'latin1')]));
    expect(image.removed).toContain('trailing-data');
    expectNothingPlanted(image);
    expect(stripImageMetadata(withMetadata.subarray(0, withMetadata.length - 10))).toMatchObject({ ok: false, message: expect.stringContaining('shorter than it says') });
  });
});

describe('what is not a filable image', () => {
  it('is told by its bytes, not its name, and refused in words', () => {
    expect(sniffImageType(readFileSync(join(FIXTURES, 'photo.png')))).toBe('image/png');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'latin1'), Buffer.alloc(16)]);
    expect(sniffImageType(heic)).toBe('image/heic');
    expect(stripImageMetadata(heic)).toMatchObject({ ok: false, message: expect.stringMatching(/HEIC photo.*as a JPEG/) });
    for (const other of [Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.from('GIF89a....', 'latin1'), Buffer.from('hello'), Buffer.alloc(0)]) {
      expect(stripImageMetadata(other)).toEqual({ ok: false, message: 'Wardscribe can file JPEG, PNG and WebP pictures only; this file is not one of them.' });
    }
  });

  it('reads an orientation from either byte order and ignores a value out of range', () => {
    expect(exifOrientation(orientationOnlyTiff(8))).toBe(8);
    const little = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
    expect(exifOrientation(little)).toBe(3);
    const outOfRange = orientationOnlyTiff(1);
    outOfRange.writeUInt16BE(9, 18);
    expect(exifOrientation(outOfRange)).toBe(1);
    expect(exifOrientation(Buffer.from('not tiff at all'))).toBe(1);
  });
});
