import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

/**
 * Real images made for the tests: a JPEG encoded by jpeg-js and a PNG written chunk by chunk,
 * both of a gradient with a dark diagonal, so any decoder shows a recognisable picture. Headers
 * of other formats are built byte by byte where only the header matters (the sniffer reads no
 * further).
 */

function pixels(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const line = Math.abs(x * height - y * width) < width * 3;
      data[i] = line ? 40 : Math.round((x / width) * 255);
      data[i + 1] = line ? 40 : Math.round((y / height) * 255);
      data[i + 2] = line ? 40 : 160;
      data[i + 3] = 255;
    }
  }
  return data;
}

export function jpegImage(width: number, height: number, quality = 85): Buffer {
  return Buffer.from(jpeg.encode({ data: pixels(width, height), width, height }, quality).data);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG. */
export function pngImage(width: number, height: number): Buffer {
  const rgba = pixels(width, height);
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG's start and one baseline frame header stating `width` × `height`, after an APP1 block of `exifBytes`. */
export function jpegHeader(width: number, height: number, exifBytes = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  for (let left = exifBytes; left > 0; ) {
    const size = Math.min(left, 65_000);
    const segment = Buffer.alloc(4 + size, 0x45);
    segment.set([0xff, 0xe1], 0);
    segment.writeUInt16BE(size + 2, 2);
    parts.push(segment);
    left -= size;
  }
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  parts.push(sof);
  return Buffer.concat(parts);
}

/** An ISO media file's `ftyp` box with these brands, then `rest`. */
export function isoMedia(major: string, compatible: readonly string[] = [], rest: Buffer = Buffer.alloc(0)): Buffer {
  const box = Buffer.alloc(16 + compatible.length * 4);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major.padEnd(4, ' '), 8, 'latin1');
  compatible.forEach((brand, i) => box.write(brand.padEnd(4, ' '), 16 + i * 4, 'latin1'));
  return Buffer.concat([box, rest]);
}

function box(type: string, ...content: Buffer[]): Buffer {
  const head = Buffer.alloc(8);
  const body = Buffer.concat(content);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

const u32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
};

/**
 * A HEIF `meta` box whose primary item (2) is `width` × `height`, listed after a 160 × 120
 * thumbnail (item 1), so that only following pitm → ipma → ipco finds the right size.
 */
export function heifMeta(width: number, height: number): Buffer {
  const ispe = (w: number, h: number) => box('ispe', u32(0), u32(w), u32(h));
  const pitm = box('pitm', u32(0), Buffer.from([0x00, 0x02]));
  // Version 0, flags 0: 16-bit item ids, 8-bit property indexes (bit 7: essential).
  const ipma = box('ipma', u32(0), u32(2), Buffer.from([0x00, 0x01, 0x01, 0x81, 0x00, 0x02, 0x01, 0x82]));
  return box('meta', u32(0), box('hdlr', u32(0), u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(13)), pitm, box('iprp', box('ipco', ispe(160, 120), ispe(width, height)), ipma));
}

/** The first bytes of a WebP file of each kind of bitstream. */
export function webpHeader(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Buffer {
  const data = Buffer.alloc(30);
  data.write('RIFF', 0, 'latin1');
  data.writeUInt32LE(1000, 4);
  data.write('WEBP', 8, 'latin1');
  data.write(kind, 12, 'latin1');
  if (kind === 'VP8 ') {
    data.set([0x9d, 0x01, 0x2a], 23);
    data.writeUInt16LE(width, 26);
    data.writeUInt16LE(height, 28);
  } else if (kind === 'VP8L') {
    data[20] = 0x2f;
    data.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0, 21);
  } else {
    data.writeUIntLE(width - 1, 24, 3);
    data.writeUIntLE(height - 1, 27, 3);
  }
  return data;
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
export const OGG_VOICE_NOTE = Buffer.concat([Buffer.from('OggS', 'latin1'), Buffer.alloc(24), Buffer.from('OpusHead', 'latin1'), Buffer.alloc(64, 7)]);
