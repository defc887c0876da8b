/**
 * Lookup-table colour profiles rebuilt (#19, H-027), judged on profiles Wardscribe did not write
 * (tests/fixtures/images/icc/SOURCE.md) and by a colour engine it did not write: LittleCMS's
 * `transicc` (Debian liblcms2-utils) converts the same colours through each profile before and
 * after, and gets the same numbers. Text planted after a table's parts, or in a grid's unused
 * fields, is not copied.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { neutralIccProfile } from '../../../main/media/icc-profile';

const FIXTURES = join(__dirname, '../../fixtures/images/icc');
const work = mkdtempSync(join(tmpdir(), 'ws-icc-lut-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MARKER = 'QX7-HIDDEN-Bed12-Okafor';

/** The tags of a profile: signature, offset, length. */
function tagTable(profile: Buffer): { signature: string; offset: number; length: number; at: number }[] {
  const count = profile.readUInt32BE(128);
  return Array.from({ length: count }, (_, index) => {
    const at = 132 + 12 * index;
    return { signature: profile.toString('latin1', at, at + 4), offset: profile.readUInt32BE(at + 4), length: profile.readUInt32BE(at + 8), at };
  });
}

function tag(profile: Buffer, signature: string): Buffer {
  const found = tagTable(profile).find((entry) => entry.signature === signature)!;
  return profile.subarray(found.offset, found.offset + found.length);
}

/** The profile with `signature`'s tag moved to its end and the marker after the tag's parts, within the tag. */
function withTrailingText(profile: Buffer, signature: string): Buffer {
  const moved = tag(profile, signature);
  const start = profile.length + ((4 - (profile.length % 4)) % 4);
  const planted = Buffer.concat([profile, Buffer.alloc(start - profile.length), moved, Buffer.from(MARKER, 'latin1')]);
  const entry = tagTable(planted).find((candidate) => candidate.signature === signature)!;
  planted.writeUInt32BE(start, entry.at + 4);
  planted.writeUInt32BE(moved.length + MARKER.length, entry.at + 8);
  planted.writeUInt32BE(planted.length, 0);
  return planted;
}

/** What transicc makes of some colours through a device link or abstract profile. */
function convert(profile: Buffer, colours: readonly string[]): string {
  const path = join(work, `${Math.random().toString(36).slice(2)}.icc`);
  writeFileSync(path, profile);
  return execFileSync('/usr/bin/transicc', ['-l', path, '-n'], { input: `${colours.join('\n')}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
}

const CASES = [
  { file: 'CineLogCurve.icc', type: 'mft2', colours: ['50 10 -20', '80 -30 40', '20 0 0', '95 2 3'] },
  { file: 'srgb-to-lab-link-v4.icc', type: 'mAB ', colours: ['0.5 0.2 0.8', '0.1 0.9 0.3', '1 1 1', '0 0 0'] },
] as const;

describe.each(CASES)('a lookup-table profile ($file, $type)', ({ file, type, colours }) => {
  const original = readFileSync(join(FIXTURES, file));

  it('is rebuilt with its table, and converts colours as before', () => {
    expect(tag(original, 'A2B0').toString('latin1', 0, 4)).toBe(type);
    const rebuilt = neutralIccProfile(original);
    expect(rebuilt).not.toBeNull();
    expect(tag(rebuilt!.bytes, 'A2B0').toString('latin1', 0, 4)).toBe(type);
    const before = convert(original, colours);
    expect(before.trim().split('\n')).toHaveLength(colours.length);
    expect(convert(rebuilt!.bytes, colours)).toBe(before);
  });

  it('does not copy text after the parts of its table; the colours are the same', () => {
    const planted = withTrailingText(original, 'A2B0');
    expect(planted.includes(MARKER)).toBe(true);
    expect(convert(planted, colours)).toBe(convert(original, colours));
    const rebuilt = neutralIccProfile(planted)!;
    expect(rebuilt.bytes.includes(MARKER)).toBe(false);
    expect(convert(rebuilt.bytes, colours)).toBe(convert(original, colours));
  });

  it('is dropped when its table claims more than it holds', () => {
    const cut = Buffer.from(original);
    const entry = tagTable(cut).find((candidate) => candidate.signature === 'A2B0')!;
    // The table's own length halved: its grid no longer fits.
    cut.writeUInt32BE(Math.floor(entry.length / 2), entry.at + 8);
    expect(neutralIccProfile(cut)).toBeNull();
  });
});

describe('an mAB table', () => {
  const original = readFileSync(join(FIXTURES, 'srgb-to-lab-link-v4.icc'));

  it('loses text in its grid’s unused point counts and reserved bytes, and between its parts', () => {
    const planted = Buffer.from(original);
    const entry = tagTable(planted).find((candidate) => candidate.signature === 'A2B0')!;
    const table = planted.subarray(entry.offset, entry.offset + entry.length);
    const gridAt = table.readUInt32BE(24);
    // Three inputs: point counts 3..15 of the grid are unused; bytes 4..7 of the tag are reserved.
    table.write(MARKER.slice(0, 13), gridAt + 3, 'latin1');
    table.write('QX7!', 4, 'latin1');
    expect(planted.includes(MARKER.slice(0, 13))).toBe(true);
    const rebuilt = neutralIccProfile(planted)!;
    expect(rebuilt.bytes.includes(MARKER.slice(0, 13))).toBe(false);
    expect(rebuilt.bytes.includes('QX7!')).toBe(false);
    const colours = ['0.5 0.2 0.8', '0.3 0.3 0.3'];
    expect(convert(rebuilt.bytes, colours)).toBe(convert(original, colours));
    // Its parts follow one another: the grid's data is its header plus 33³ × 3 entries of 16 bits, then the B curves.
    const kept = tag(rebuilt.bytes, 'A2B0');
    const [bAt, , , keptGrid, aAt] = [12, 16, 20, 24, 28].map((at) => kept.readUInt32BE(at)) as [number, number, number, number, number];
    expect(aAt).toBeGreaterThan(0);
    expect(bAt).toBe(32);
    expect(keptGrid).toBeGreaterThan(bAt);
    expect(aAt).toBe(keptGrid + 20 + 33 ** 3 * 3 * 2 + ((4 - ((20 + 33 ** 3 * 3 * 2) % 4)) % 4));
  });
});

it('a grey profile of a tone curve alone keeps it, with the same grey through LittleCMS', () => {
  const original = readFileSync(join(FIXTURES, 'Gray-CIE_L.icc'));
  const rebuilt = neutralIccProfile(original)!;
  const curve = tag(original, 'kTRC');
  // The curve's points, as many as it says it has (the tag's padding is not part of it).
  expect(tag(rebuilt.bytes, 'kTRC').equals(curve.subarray(0, 12 + 2 * curve.readUInt32BE(8)))).toBe(true);
  const path = (bytes: Buffer) => {
    const at = join(work, `${Math.random().toString(36).slice(2)}.icc`);
    writeFileSync(at, bytes);
    return at;
  };
  const grey = (bytes: Buffer) => execFileSync('/usr/bin/transicc', ['-i', path(bytes), '-o', '*Lab', '-n'], { input: '0.25\n0.5\n0.75\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  expect(grey(rebuilt.bytes)).toBe(grey(original));
});

/** The profile with one more tag (the table grows by an entry, so every offset moves by 12). */
function withTag(profile: Buffer, signature: string, data: Buffer): Buffer {
  const entries = tagTable(profile);
  const body = profile.subarray(132 + 12 * entries.length);
  const start = 132 + 12 * (entries.length + 1) + body.length;
  const padded = Buffer.concat([body, Buffer.alloc((4 - (start % 4)) % 4)]);
  const table = Buffer.alloc(4 + 12 * (entries.length + 1));
  table.writeUInt32BE(entries.length + 1, 0);
  [...entries.map((entry) => ({ ...entry, offset: entry.offset + 12 })), { signature, offset: 132 + 12 * (entries.length + 1) + padded.length, length: data.length }].forEach((entry, index) => {
    table.write(entry.signature, 4 + 12 * index, 'latin1');
    table.writeUInt32BE(entry.offset, 8 + 12 * index);
    table.writeUInt32BE(entry.length, 12 + 12 * index);
  });
  const out = Buffer.concat([profile.subarray(0, 128), table, padded, data]);
  out.writeUInt32BE(out.length, 0);
  return out;
}

/** A cold attack on the rebuild (a trial): a tag listed twice, tags or parts sharing bytes, codes in the header, spare chromaticities. */
describe('a profile shaped to carry text or to grow', () => {
  const link = readFileSync(join(FIXTURES, 'srgb-to-lab-link-v4.icc'));
  const grey = readFileSync(join(FIXTURES, 'Gray-CIE_L.icc'));
  const entry = (profile: Buffer, signature: string) => tagTable(profile).find((candidate) => candidate.signature === signature)!;

  it('is dropped when a signature is listed twice (each copy could carry something; LittleCMS refuses such a profile)', () => {
    const twice = Buffer.from(link);
    twice.write('A2B0', entry(twice, 'psid').at, 'latin1');
    expect(neutralIccProfile(twice)).toBeNull();
  });

  it('is dropped when tags share part of their data, or the parts of a table share bytes (one region rebuilt many times)', () => {
    const overlapping = Buffer.from(link);
    const table = entry(overlapping, 'A2B0');
    overlapping.writeUInt32BE(table.offset + 40, entry(overlapping, 'wtpt').at + 4);
    expect(neutralIccProfile(overlapping)).toBeNull();
    const sharedParts = Buffer.from(link);
    const a2b0 = entry(sharedParts, 'A2B0');
    // The A curves read from where the B curves are.
    sharedParts.writeUInt32BE(sharedParts.readUInt32BE(a2b0.offset + 12), a2b0.offset + 28);
    expect(neutralIccProfile(sharedParts)).toBeNull();
    // Shared whole (three curves stored once) is how real profiles are written, and is kept.
    expect(neutralIccProfile(link)).not.toBeNull();
  });

  it('is dropped when its header holds anything but the codes the specification defines', () => {
    const plant = (write: (header: Buffer) => void) => {
      const planted = Buffer.from(link);
      write(planted);
      return neutralIccProfile(planted);
    };
    expect(plant((header) => header.write(MARKER.slice(0, 12), 12, 'latin1'))).toBeNull();
    expect(plant((header) => header.write('QX', 10, 'latin1'))).toBeNull();
    expect(plant((header) => header.write('7-HI', 64, 'latin1'))).toBeNull();
    expect(plant((header) => header.writeUInt32BE(3, 64))).not.toBeNull();
  });

  it('keeps chromaticities only as many as its colour space has channels, and code points only where defined', () => {
    const chromaticities = (channels: number) => {
      const data = Buffer.alloc(12 + 8 * channels);
      data.write('chrm', 0, 'latin1');
      data.writeUInt16BE(channels, 8);
      data.write(MARKER, 12, 'latin1');
      return data;
    };
    const spare = neutralIccProfile(withTag(grey, 'chrm', chromaticities(100)))!;
    expect(spare.bytes.includes(MARKER)).toBe(false);
    expect(tagTable(spare.bytes).map((tag) => tag.signature)).not.toContain('chrm');
    expect(tagTable(neutralIccProfile(withTag(grey, 'chrm', chromaticities(1)))!.bytes).map((tag) => tag.signature)).toContain('chrm');
    const codePoints = (codes: readonly number[]) => Buffer.concat([Buffer.from('cicp\0\0\0\0', 'latin1'), Buffer.from(codes)]);
    const kept = (profile: Buffer) => tagTable(neutralIccProfile(profile)!.bytes).map((tag) => tag.signature);
    expect(kept(withTag(link, 'cicp', codePoints([12, 13, 0, 1])))).toContain('cicp');
    expect(kept(withTag(link, 'cicp', Buffer.from('cicp\0\0\0\0QX7-', 'latin1')))).not.toContain('cicp');
    // Version 2 has no code points.
    expect(kept(withTag(grey, 'cicp', codePoints([1, 13, 0, 1])))).not.toContain('cicp');
  });
});
