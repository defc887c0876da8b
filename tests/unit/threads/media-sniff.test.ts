import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimedMediaType, describeMediaType, sniffMedia } from '../../../main/threads/media-sniff';
import { isoMedia, heifMeta, jpegHeader, jpegImage, OGG_VOICE_NOTE, PDF, pngImage, webpHeader } from './support/images';

const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('what an attachment is, from its bytes (#19)', () => {
  it('reads a real JPEG and its size from the frame header', () => {
    expect(sniffMedia(jpegImage(64, 48))).toEqual({ mediaType: 'image/jpeg', kind: 'image', label: 'JPEG image', width: 64, height: 48 });
  });

  it('finds a JPEG frame header behind a large EXIF block, and gives no size when the file stops before one', () => {
    expect(sniffMedia(jpegHeader(4032, 3024, 200_000))).toMatchObject({ mediaType: 'image/jpeg', width: 4032, height: 3024 });
    const cut = jpegHeader(4032, 3024, 1000).subarray(0, 900);
    expect(sniffMedia(cut)).toMatchObject({ mediaType: 'image/jpeg', width: null, height: null });
    // Start of scan before any frame header: no size (a decoder would have to guess).
    expect(sniffMedia(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]))).toMatchObject({ width: null, height: null });
    // A Huffman table (C4) is not a frame header, though its marker is in the SOF range.
    const dht = Buffer.from([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x07, 0x00, 0x10, 0x20, 0x30, 0x40]);
    expect(sniffMedia(Buffer.concat([dht, jpegHeader(10, 20).subarray(2)]))).toMatchObject({ width: 10, height: 20 });
  });

  it('reads PNG, GIF and the three kinds of WebP with their sizes', () => {
    expect(sniffMedia(pngImage(33, 17))).toEqual({ mediaType: 'image/png', kind: 'image', label: 'PNG image', width: 33, height: 17 });
    const gif = Buffer.concat([ascii('GIF89a'), Buffer.from([0x40, 0x01, 0xf0, 0x00]), Buffer.alloc(8)]);
    expect(sniffMedia(gif)).toMatchObject({ mediaType: 'image/gif', width: 320, height: 240 });
    expect(sniffMedia(webpHeader('VP8 ', 640, 480))).toMatchObject({ mediaType: 'image/webp', width: 640, height: 480 });
    expect(sniffMedia(webpHeader('VP8L', 1000, 3))).toMatchObject({ mediaType: 'image/webp', width: 1000, height: 3 });
    expect(sniffMedia(webpHeader('VP8X', 5000, 7000))).toMatchObject({ mediaType: 'image/webp', width: 5000, height: 7000 });
  });

  it('tells HEIC and AVIF from MP4, QuickTime, 3GP and M4A by their ftyp brands', () => {
    expect(sniffMedia(isoMedia('heic', ['mif1', 'heic'], heifMeta(4032, 3024)))).toEqual({ mediaType: 'image/heic', kind: 'image', label: 'HEIC image', width: 4032, height: 3024 });
    expect(sniffMedia(isoMedia('mif1', ['avif', 'miaf'], heifMeta(800, 600)))).toMatchObject({ mediaType: 'image/avif', width: 800, height: 600 });
    expect(sniffMedia(isoMedia('isom', ['iso2', 'mp41']))).toMatchObject({ mediaType: 'video/mp4', kind: 'video', width: null });
    expect(sniffMedia(isoMedia('qt', ['qt']))).toMatchObject({ mediaType: 'video/quicktime', kind: 'video' });
    expect(sniffMedia(isoMedia('3gp4'))).toMatchObject({ mediaType: 'video/3gpp' });
    expect(sniffMedia(isoMedia('M4A', ['isom']))).toMatchObject({ mediaType: 'audio/mp4', kind: 'audio' });
  });

  it('reads a real HEIC file (made by heif-enc) as a 64 × 48 HEIC image', () => {
    const heic = readFileSync(join(__dirname, '..', '..', 'fixtures', 'media', 'heif-enc-64x48.heic'));
    expect(sniffMedia(heic)).toEqual({ mediaType: 'image/heic', kind: 'image', label: 'HEIC image', width: 64, height: 48 });
  });

  it.each([
    ['a PDF', PDF, 'application/pdf', 'pdf'],
    ['an Ogg voice note', OGG_VOICE_NOTE, 'audio/ogg', 'audio'],
    ['AMR audio', ascii('#!AMR\n\x3c\x91'), 'audio/amr', 'audio'],
    ['MP3 with ID3 tags', ascii('ID3\x04\x00\x00\x00\x00\x00\x00'), 'audio/mpeg', 'audio'],
    ['an MP3 frame', Buffer.from([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', 'audio'],
    ['AAC (ADTS)', Buffer.from([0xff, 0xf1, 0x50, 0x80]), 'audio/aac', 'audio'],
    ['WAV', Buffer.concat([ascii('RIFF'), Buffer.alloc(4), ascii('WAVEfmt ')]), 'audio/wav', 'audio'],
    ['WebM', Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86]), 'video/webm', 'video'],
    ['a zip (or Office document)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), 'application/zip', 'other'],
    ['a contact card', ascii('BEGIN:VCARD\r\nVERSION:3.0\r\n'), 'text/vcard', 'other'],
    ['an SVG drawing', ascii('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', 'other'],
    ['text', ascii('just some notes'), 'application/octet-stream', 'other'],
    ['nothing at all', Buffer.alloc(0), 'application/octet-stream', 'other'],
    ['two bytes of a JPEG', Buffer.from([0xff, 0xd8]), 'application/octet-stream', 'other'],
  ])('recognises %s', (_what, bytes, mediaType, kind) => {
    expect(sniffMedia(bytes)).toMatchObject({ mediaType, kind });
  });

  it('never reads past the bytes it is given (truncated headers give no size, not an error)', () => {
    for (const whole of [pngImage(8, 8), webpHeader('VP8 ', 9, 9), webpHeader('VP8X', 9, 9), isoMedia('heic', [], heifMeta(9, 9)), jpegImage(8, 8)]) {
      for (let length = 0; length < whole.length; length++) expect(() => sniffMedia(whole.subarray(0, length))).not.toThrow();
    }
    expect(sniffMedia(pngImage(8, 8).subarray(0, 20))).toMatchObject({ mediaType: 'image/png', width: null });
  });

  it('says what a name claims by its extension, whatever the case, and nothing for a name with none', () => {
    expect(claimedMediaType('00000042-PHOTO-2023-03-13-08-06-00.JPG')).toBe('image/jpeg');
    expect(claimedMediaType('PTT-20230313-WA0001.opus')).toBe('audio/ogg');
    expect(claimedMediaType('scan.final.pdf')).toBe('application/pdf');
    expect(claimedMediaType('README')).toBeNull();
    expect(claimedMediaType('trailing.')).toBeNull();
    expect(claimedMediaType('odd.xyz')).toBeNull();
    // The name is not believed: a PDF called .jpg is a PDF.
    expect(sniffMedia(PDF).mediaType).not.toBe(claimedMediaType('IMG-0001.jpg'));
    expect(describeMediaType('no/such-type')).toEqual({ kind: 'other', label: 'Unrecognised file' });
  });
});
