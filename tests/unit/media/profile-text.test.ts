/**
 * Free text hidden in the parts of an image the stripper keeps for its colours (#19, H-027): an
 * ICC profile's description, copyright, maker and model descriptions, characterisation target,
 * private tags and header fields; PNG's iCCP profile name; PNG's sPLT palette name; bytes after
 * the fields of a JPEG's Adobe APP14 segment. Each test plants a marker there, checks with exiftool
 * (Debian's libimage-exiftool-perl, the independent reader) that it is there before stripping,
 * and that after stripping it is neither in the bytes (Latin-1 or UTF-16) nor in anything
 * exiftool reads, while the picture still decodes: exiftool reads its size, finds its structure
 * valid and reads the same colour primaries and tone curves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { NEUTRAL_PROFILE_COPYRIGHT, NEUTRAL_PROFILE_DESCRIPTION, neutralIccProfile } from '../../../main/media/icc-profile';
import { PNG_PROFILE_NAME, stripImageMetadata, type StrippedImage } from '../../../main/media/strip-metadata';

const FIXTURES = join(__dirname, '../../fixtures/images');
const work = mkdtempSync(join(tmpdir(), 'ws-profile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MARKER = 'QX7-HIDDEN-Bed12-Okafor';
/** Four-character markers for the header's signature fields. */
const HEADER_MARKERS = ['QXc1', 'QXm2', 'QXd3', 'QXr4'];

function exiftool(args: readonly string[]): string {
  return execFileSync('/usr/bin/exiftool', args, { encoding: 'utf8' });
}

function file(bytes: Buffer, extension: string): string {
  const path = join(work, `${Math.random().toString(36).slice(2)}.${extension}`);
  writeFileSync(path, bytes);
  return path;
}

/** Everything exiftool reads from some bytes, grouped. */
function tags(bytes: Buffer): Record<string, unknown> {
  return (JSON.parse(exiftool(['-j', '-G1', '-a', '-u', file(bytes, 'bin')])) as Record<string, unknown>[])[0]!;
}

function validate(bytes: Buffer): unknown {
  return (JSON.parse(exiftool(['-j', '-validate', '-warning', '-error', '-a', file(bytes, 'bin')])) as Record<string, unknown>[])[0]!['Validate'];
}

function utf16(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

// ── ICC profiles, built here byte by byte ───────────────────────────────────

function mluc(text: string): Buffer {
  const data = Buffer.alloc(28 + 2 * text.length);
  data.write('mluc', 0, 'latin1');
  data.writeUInt32BE(1, 8);
  data.writeUInt32BE(12, 12);
  data.write('enUS', 16, 'latin1');
  data.writeUInt32BE(2 * text.length, 20);
  data.writeUInt32BE(28, 24);
  utf16(text).copy(data, 28);
  return data;
}

/** A v2 textDescriptionType, with the text in its ASCII and its Unicode parts. */
function desc2(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'latin1');
  const unicode = utf16(`${text}\0`);
  return Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), u32(ascii.length), ascii, Buffer.from('enUS', 'latin1'), u32(unicode.length / 2), unicode, Buffer.alloc(3 + 67)]);
}

function textType(text: string): Buffer {
  return Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${text}\0`, 'latin1')]);
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

/** The fixture's own profile (sRGB, v4.3, matrix and curves), as exiftool extracts it. */
const FIXTURE_PROFILE = execFileSync('/usr/bin/exiftool', ['-b', '-ICC_Profile', join(FIXTURES, 'photo.jpg')]);

/** The tags of a profile: signature and data. */
function profileTags(profile: Buffer): [string, Buffer][] {
  const count = profile.readUInt32BE(128);
  return Array.from({ length: count }, (_, index) => {
    const at = 132 + 12 * index;
    return [profile.toString('latin1', at, at + 4), profile.subarray(profile.readUInt32BE(at + 4), profile.readUInt32BE(at + 4) + profile.readUInt32BE(at + 8))] as [string, Buffer];
  });
}

const COLOUR_TAGS = profileTags(FIXTURE_PROFILE).filter(([signature]) => signature !== 'desc' && signature !== 'cprt');

/** A profile of the fixture's colours, with the given text tags and header fields. */
function buildProfile(version: 2 | 4, text: readonly [string, Buffer][], colour: readonly [string, Buffer][] = COLOUR_TAGS): Buffer {
  const all = [...text, ...colour];
  const header = Buffer.from(FIXTURE_PROFILE.subarray(0, 128));
  header[8] = version;
  header[9] = version === 2 ? 0x40 : 0x30;
  HEADER_MARKERS.forEach((marker, index) => header.write(marker, [4, 48, 52, 80][index]!, 'latin1'));
  const table = Buffer.alloc(4 + 12 * all.length);
  table.writeUInt32BE(all.length, 0);
  const blocks: Buffer[] = [];
  let offset = 128 + table.length;
  all.forEach(([signature, data], index) => {
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    table.write(signature, 4 + 12 * index, 'latin1');
    table.writeUInt32BE(offset, 8 + 12 * index);
    table.writeUInt32BE(data.length, 12 + 12 * index);
    blocks.push(padded);
    offset += padded.length;
  });
  const profile = Buffer.concat([header, table, ...blocks]);
  profile.writeUInt32BE(profile.length, 0);
  return profile;
}

/** Every free-text place of a v4 profile carrying the marker, and colour tags with the marker after their defined length. */
function markedProfileV4(): Buffer {
  const colour = COLOUR_TAGS.map(([signature, data]): [string, Buffer] => (signature === 'wtpt' || signature === 'rTRC' ? [signature, Buffer.concat([data, Buffer.from(MARKER, 'latin1')])] : [signature, data]));
  return buildProfile(
    4,
    [
      ['desc', mluc(`${MARKER} description`)],
      ['cprt', mluc(`${MARKER} copyright`)],
      ['dmnd', mluc(`${MARKER} maker`)],
      ['dmdd', mluc(`${MARKER} model`)],
      ['targ', textType(`${MARKER} target`)],
      // A private tag; and a colour tag holding text instead of its type.
      ['QXpv', textType(`${MARKER} private`)],
      ['bkpt', textType(`${MARKER} not a point`)],
    ],
    colour,
  );
}

/** What no stripped file may hold, anywhere. */
function expectNoMarker(image: StrippedImage): Record<string, unknown> {
  for (const needle of [MARKER, ...HEADER_MARKERS]) {
    expect(image.bytes.includes(Buffer.from(needle, 'latin1'))).toBe(false);
    expect(image.bytes.includes(utf16(needle))).toBe(false);
  }
  const read = tags(image.bytes);
  const text = JSON.stringify(read);
  for (const needle of [MARKER, ...HEADER_MARKERS]) expect(text).not.toContain(needle);
  expect(Object.keys(read).filter((key) => /Warning|Error/.test(key))).toEqual([]);
  expect(validate(image.bytes)).toBe('OK');
  expect(read['Composite:ImageSize']).toBe('64x48');
  return read;
}

/** The colours the fixture's profile describes, as exiftool reads them. */
function expectFixtureColours(read: Record<string, unknown>): void {
  const original = tags(readFileSync(join(FIXTURES, 'photo.jpg')));
  const colours = ['RedMatrixColumn', 'GreenMatrixColumn', 'BlueMatrixColumn', 'MediaWhitePoint', 'RedTRC', 'GreenTRC', 'BlueTRC'].map((name) => `ICC_Profile:${name}`);
  for (const key of [...colours, 'ICC-header:ProfileClass', 'ICC-header:ColorSpaceData', 'ICC-header:ProfileConnectionSpace', 'ICC-header:RenderingIntent', 'ICC-header:ConnectionSpaceIlluminant']) {
    expect(read[key], key).toBeDefined();
    expect(read[key], key).toBe(original[key]);
  }
}

function strip(bytes: Buffer): StrippedImage {
  const result = stripImageMetadata(bytes);
  if (!result.ok) throw new Error(result.message);
  return result.image;
}

/** A fixture with a profile embedded by exiftool, and other exiftool arguments. */
function withProfile(name: string, profile: Buffer, extra: readonly string[] = []): Buffer {
  const path = file(readFileSync(join(FIXTURES, name)), name.split('.').pop()!);
  exiftool(['-q', '-overwrite_original', `-ICC_Profile<=${file(profile, 'icc')}`, ...extra, path]);
  return readFileSync(path);
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

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32(data.length), body, u32(crc32(body))]);
}

/** A PNG with a chunk put straight after its IHDR. */
function afterHeader(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

function pngPixels(bytes: Buffer): Buffer {
  return inflateSync(Buffer.concat(pngChunks(bytes).filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)));
}

function jpegScan(bytes: Buffer): Buffer {
  return bytes.subarray(bytes.lastIndexOf(Buffer.from([0xff, 0xda])));
}

describe('ICC colour profiles (JPEG APP2, PNG iCCP, WebP ICCP)', () => {
  const marked = markedProfileV4();

  it('the planted profile does carry the marker where exiftool shows it (the test would prove nothing otherwise)', () => {
    const read = tags(withProfile('photo.jpg', marked));
    expect(read['ICC_Profile:ProfileDescription']).toBe(`${MARKER} description`);
    expect(read['ICC_Profile:DeviceModelDesc']).toBe(`${MARKER} model`);
    expect(read['ICC-header:DeviceManufacturer']).toBe('Unknown (QXm2)');
  });

  it('JPEG: the profile keeps its colours under a neutral name; no marker in the bytes or in what exiftool reads', () => {
    const input = withProfile('photo.jpg', marked);
    const image = strip(input);
    const read = expectNoMarker(image);
    expect(read['ICC_Profile:ProfileDescription']).toBe(NEUTRAL_PROFILE_DESCRIPTION);
    expect(read['ICC_Profile:ProfileCopyright']).toBe(NEUTRAL_PROFILE_COPYRIGHT);
    expectFixtureColours(read);
    expect(image.removed).toContain('profile-text');
    expect(jpegScan(image.bytes).equals(jpegScan(input))).toBe(true);
  });

  it('PNG: the iCCP name is written as a neutral one and its profile rewritten; the pixels are the same', () => {
    const input = withProfile('photo.png', marked, [`-PNG:ProfileName=${MARKER} name`]);
    expect(tags(input)['PNG:ProfileName']).toBe(`${MARKER} name`);
    const image = strip(input);
    const read = expectNoMarker(image);
    expect(read['PNG:ProfileName']).toBe(PNG_PROFILE_NAME);
    expect(read['ICC_Profile:ProfileDescription']).toBe(NEUTRAL_PROFILE_DESCRIPTION);
    expectFixtureColours(read);
    expect(pngPixels(image.bytes).equals(pngPixels(input))).toBe(true);
  });

  it('WebP: the ICCP chunk is rewritten and the ICC flag still set', () => {
    const input = withProfile('photo.webp', marked);
    const image = strip(input);
    const read = expectNoMarker(image);
    expect(read['ICC_Profile:ProfileDescription']).toBe(NEUTRAL_PROFILE_DESCRIPTION);
    expectFixtureColours(read);
    expect(image.bytes[20]! & 0x20).toBe(0x20);
  });

  it('a v2 profile: its desc and text tags are rewritten in v2 types; a well-known colour space name is kept', () => {
    const v2 = buildProfile(2, [
      ['desc', desc2('Display P3')],
      ['cprt', textType(`${MARKER} copyright`)],
      ['dmdd', desc2(`${MARKER} model`)],
    ]);
    const image = strip(withProfile('photo.jpg', v2));
    const read = expectNoMarker(image);
    expect(read['ICC_Profile:ProfileDescription']).toBe('Display P3');
    expect(read['ICC_Profile:ProfileCopyright']).toBe(NEUTRAL_PROFILE_COPYRIGHT);
    expect(read['ICC-header:ProfileVersion']).toBe('2.4.0');
    expectFixtureColours(read);
  });

  it('a profile too large for one APP2 segment is joined, rewritten and split again', () => {
    // A tone curve of 40,000 entries: 80 KB, two segments.
    const curve = Buffer.alloc(12 + 2 * 40_000);
    curve.write('curv', 0, 'latin1');
    curve.writeUInt32BE(40_000, 8);
    for (let index = 0; index < 40_000; index++) curve.writeUInt16BE(Math.round((index / 39_999) * 65_535), 12 + 2 * index);
    const large = buildProfile(4, [['desc', mluc(`${MARKER} description`)]], [...COLOUR_TAGS.filter(([signature]) => !signature.endsWith('TRC')), ['rTRC', curve], ['gTRC', curve], ['bTRC', curve]]);
    const input = withProfile('photo.jpg', large);
    const segments = (bytes: Buffer) => bytes.toString('latin1').split('ICC_PROFILE\0').length - 1;
    expect(segments(input)).toBeGreaterThan(2);
    const image = strip(input);
    // The three curves are the same bytes, stored once: about 80 KB, two segments.
    expect(segments(image.bytes)).toBe(2);
    const read = expectNoMarker(image);
    for (const key of ['RedTRC', 'GreenTRC', 'BlueTRC']) expect(read[`ICC_Profile:${key}`]).toBe('(Binary data 80012 bytes, use -b option to extract)');
    expect(read['ICC_Profile:ProfileDescription']).toBe(NEUTRAL_PROFILE_DESCRIPTION);
  });

  it('an unreadable or incomplete profile is dropped, and the picture still decodes', () => {
    // Only the first of two APP2 chunks.
    const input = withProfile('photo.jpg', marked);
    const at = input.indexOf(Buffer.from('ICC_PROFILE\0', 'latin1')) - 4;
    const segment = Buffer.from(input.subarray(at, at + 2 + input.readUInt16BE(at + 2)));
    segment[4 + 13] = 2;
    const incomplete = Buffer.concat([input.subarray(0, at), segment, input.subarray(at + segment.length)]);
    const image = strip(incomplete);
    expect(image.removed).toContain('profile-text');
    expect(image.bytes.includes(Buffer.from('ICC_PROFILE', 'latin1'))).toBe(false);
    expectNoMarker(image);

    // An iCCP whose compressed profile is damaged: the chunk goes.
    const png = readFileSync(join(FIXTURES, 'photo.png'));
    const damaged = afterHeader(png, pngChunk('iCCP', Buffer.concat([Buffer.from(`${MARKER}\0\0`, 'latin1'), Buffer.from('not zlib at all')])));
    const stripped = strip(damaged);
    expect(pngChunks(stripped.bytes).map((chunk) => chunk.type)).not.toContain('iCCP');
    expectNoMarker(stripped);

    // A profile that inflates past the bound is not inflated whole.
    const bomb = afterHeader(png, pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(Buffer.alloc(64 * 1024 * 1024))])));
    expect(pngChunks(strip(bomb).bytes).map((chunk) => chunk.type)).not.toContain('iCCP');
  });

  it('keeps nothing of a profile that describes no colours', () => {
    expect(neutralIccProfile(buildProfile(4, [['desc', mluc(MARKER)]], []))).toBeNull();
    expect(neutralIccProfile(Buffer.from(MARKER))).toBeNull();
  });
});

describe('PNG sPLT', () => {
  it('a suggested palette, whose name is free text, is dropped; the pixels are the same', () => {
    const png = readFileSync(join(FIXTURES, 'photo.png'));
    // Name, sample depth 8, two entries of R, G, B, A (8 bits) and frequency (16 bits).
    const palette = Buffer.concat([Buffer.from(`${MARKER} palette\0`, 'latin1'), Buffer.from([8, 255, 0, 0, 255, 0, 1, 0, 0, 255, 255, 0, 1])]);
    const input = afterHeader(png, pngChunk('sPLT', palette));
    expect(validate(input)).toBe('OK');
    expect(input.includes(Buffer.from(MARKER, 'latin1'))).toBe(true);
    const image = strip(input);
    expect(pngChunks(image.bytes).map((chunk) => chunk.type)).not.toContain('sPLT');
    expect(image.removed).toContain('text');
    expectNoMarker(image);
    expect(pngPixels(image.bytes).equals(pngPixels(png))).toBe(true);
  });
});

describe('JPEG Adobe APP14', () => {
  const jpeg = readFileSync(join(FIXTURES, 'photo.jpg'));
  /** An APP14 "Adobe" segment: version, flags, transform, then whatever follows. */
  function adobe(transform: number, after = Buffer.alloc(0)): Buffer {
    const payload = Buffer.concat([Buffer.from('Adobe', 'latin1'), Buffer.from([0x00, 0x65, 0x80, 0x00, 0x12, 0x34, transform]), after]);
    return Buffer.concat([Buffer.from([0xff, 0xee]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  }

  it('is written again with its colour transform alone: text after its fields is not copied', () => {
    const input = Buffer.concat([jpeg.subarray(0, 2), adobe(1, Buffer.from(`${MARKER} after the transform`, 'latin1')), jpeg.subarray(2)]);
    expect(tags(input)['Adobe:ColorTransform']).toBe('YCbCr');
    expect(input.includes(Buffer.from(MARKER, 'latin1'))).toBe(true);
    const image = strip(input);
    const read = expectNoMarker(image);
    expect(read['Adobe:ColorTransform']).toBe('YCbCr');
    expect(read['Adobe:DCTEncodeVersion']).toBe(100);
    expect(read['Adobe:APP14Flags0']).toBe('(none)');
    expect(read['Adobe:APP14Flags1']).toBe('(none)');
    const segment = image.bytes.indexOf(Buffer.from('Adobe', 'latin1')) - 4;
    expect(image.bytes.readUInt16BE(segment + 2)).toBe(14);
    expect(jpegScan(image.bytes).equals(jpegScan(jpeg))).toBe(true);
  });

  it('keeps the transform a decoder needs (0: RGB or CMYK as stored), and drops one too short to hold it', () => {
    const rgb = strip(Buffer.concat([jpeg.subarray(0, 2), adobe(0), jpeg.subarray(2)]));
    expect(tags(rgb.bytes)['Adobe:ColorTransform']).toBe('Unknown (RGB or CMYK)');
    const short = Buffer.from([0xff, 0xee, 0, 9, ...Buffer.from('Adobe', 'latin1'), 0, 0x65]);
    const image = strip(Buffer.concat([jpeg.subarray(0, 2), short, jpeg.subarray(2)]));
    expect(image.bytes.includes(Buffer.from('Adobe', 'latin1'))).toBe(false);
  });
});
