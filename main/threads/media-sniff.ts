/**
 * What an attachment's bytes are, read from its magic number and header, never from its name
 * (issue #19). A chat export's file names are the sender phone's: `IMG-0001.jpg` may hold a PNG,
 * a PDF, or something crafted. Pure: bytes in, a description out; nothing is decoded here.
 *
 * For images the header's stated width and height are read too, so that main can refuse to hand
 * the renderer a picture whose pixel count would take hundreds of megabytes to decode.
 */

export type MediaKind = 'image' | 'audio' | 'video' | 'pdf' | 'other';

export interface SniffedMedia {
  /** The type the bytes are, e.g. `image/jpeg`; `application/octet-stream` when not recognised. */
  readonly mediaType: string;
  readonly kind: MediaKind;
  /** In words, for the screen: `JPEG image`. */
  readonly label: string;
  /** An image's dimensions as its header states them; null for other files or an unreadable header. */
  readonly width: number | null;
  readonly height: number | null;
}

/** How many leading bytes the sniffer needs at most: a JPEG's frame header can follow a large EXIF block. */
export const SNIFF_BYTES = 4 * 1024 * 1024;

const LABELS: Readonly<Record<string, { kind: MediaKind; label: string }>> = {
  'image/jpeg': { kind: 'image', label: 'JPEG image' },
  'image/png': { kind: 'image', label: 'PNG image' },
  'image/gif': { kind: 'image', label: 'GIF image' },
  'image/webp': { kind: 'image', label: 'WebP image' },
  'image/heic': { kind: 'image', label: 'HEIC image' },
  'image/avif': { kind: 'image', label: 'AVIF image' },
  'image/svg+xml': { kind: 'other', label: 'SVG drawing' },
  'application/pdf': { kind: 'pdf', label: 'PDF document' },
  'audio/ogg': { kind: 'audio', label: 'Ogg audio (voice note)' },
  'audio/mpeg': { kind: 'audio', label: 'MP3 audio' },
  'audio/aac': { kind: 'audio', label: 'AAC audio' },
  'audio/mp4': { kind: 'audio', label: 'MPEG-4 audio' },
  'audio/wav': { kind: 'audio', label: 'WAV audio' },
  'audio/amr': { kind: 'audio', label: 'AMR audio (voice note)' },
  'video/mp4': { kind: 'video', label: 'MP4 video' },
  'video/quicktime': { kind: 'video', label: 'QuickTime video' },
  'video/3gpp': { kind: 'video', label: '3GP video' },
  'video/webm': { kind: 'video', label: 'WebM video' },
  'application/zip': { kind: 'other', label: 'ZIP archive or Office document' },
  'text/vcard': { kind: 'other', label: 'Contact card' },
  'application/octet-stream': { kind: 'other', label: 'Unrecognised file' },
};

/** Types a file name's extension claims, to compare with what the bytes are. */
const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jfif: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heic',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  amr: 'audio/amr',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  '3gp': 'video/3gpp',
  webm: 'video/webm',
  zip: 'application/zip',
  docx: 'application/zip',
  xlsx: 'application/zip',
  pptx: 'application/zip',
  vcf: 'text/vcard',
};

/** The words for a media type, as the screen shows them. */
export function describeMediaType(mediaType: string): { kind: MediaKind; label: string } {
  return LABELS[mediaType] ?? { kind: 'other', label: 'Unrecognised file' };
}

/** The type a file's name claims by its extension, or null when the name claims none we know. */
export function claimedMediaType(fileName: string): string | null {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0 || dot === fileName.length - 1) return null;
  return EXTENSION_TYPES[fileName.slice(dot + 1).toLowerCase()] ?? null;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset + length > bytes.length) return '';
  let text = '';
  for (let i = offset; i < offset + length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((byte, i) => bytes[offset + i] === byte);
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

type Dimensions = { width: number; height: number } | null;

function dimensions(width: number, height: number): Dimensions {
  return width > 0 && height > 0 ? { width, height } : null;
}

/** A JPEG's size from its first frame header (SOF0–SOF15, not DHT/JPG/DAC), walking the marker segments. */
function jpegDimensions(bytes: Uint8Array): Dimensions {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      offset++;
      continue;
    }
    // Markers without a length: TEM, RST0–7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    // Start of scan or end of image before any frame header: no size to be had.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = u16be(bytes, offset + 2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > bytes.length || length < 7) return null;
      return dimensions(u16be(bytes, offset + 7), u16be(bytes, offset + 5));
    }
    offset += 2 + length;
  }
  return null;
}

function webpDimensions(bytes: Uint8Array): Dimensions {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ' && bytes.length >= 30 && startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) {
    return dimensions(u16le(bytes, 26) & 0x3fff, u16le(bytes, 28) & 0x3fff);
  }
  if (chunk === 'VP8L' && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits = bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24);
    return dimensions((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X' && bytes.length >= 30) return dimensions(u24le(bytes, 24) + 1, u24le(bytes, 27) + 1);
  return null;
}

/** The boxes inside `[start, end)` of an ISO media file, as type → [content start, box end); malformed sizes end the walk. */
function boxes(bytes: Uint8Array, start: number, end: number): { type: string; body: number; end: number }[] {
  const found: { type: string; body: number; end: number }[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    const size = u32be(bytes, offset);
    if (size < 8 || offset + size > end) break;
    found.push({ type: ascii(bytes, offset + 4, 4), body: offset + 8, end: offset + size });
    offset += size;
  }
  return found;
}

/**
 * HEIF/AVIF: the primary image's spatial extent (`ispe`), found through `meta` → `pitm` (the
 * primary item) and `iprp` → `ipma` (its properties) → `ipco` (the properties in order). A file
 * may hold several images (thumbnails, tiles, alpha planes), so the first `ispe` is not enough.
 * Where the structure cannot be followed, the largest `ispe` stated is used: it bounds the rest.
 */
function heifDimensions(bytes: Uint8Array): Dimensions {
  const meta = boxes(bytes, 0, bytes.length).find((box) => box.type === 'meta');
  if (!meta) return null;
  const children = boxes(bytes, meta.body + 4, meta.end);
  const ipco = boxes(bytes, children.find((box) => box.type === 'iprp')?.body ?? 0, children.find((box) => box.type === 'iprp')?.end ?? 0).find((box) => box.type === 'ipco');
  if (!ipco) return null;
  const properties = boxes(bytes, ipco.body, ipco.end);
  const extents = properties.map((box) => (box.type === 'ispe' && box.body + 12 <= box.end ? dimensions(u32be(bytes, box.body + 4), u32be(bytes, box.body + 8)) : null));
  const largest = extents.reduce<Dimensions>((best, size) => (size && (!best || size.width * size.height > best.width * best.height) ? size : best), null);

  const iprp = children.find((box) => box.type === 'iprp')!;
  const pitm = children.find((box) => box.type === 'pitm');
  const ipma = boxes(bytes, iprp.body, iprp.end).find((box) => box.type === 'ipma');
  if (!pitm || !ipma || pitm.body + 6 > pitm.end || ipma.body + 8 > ipma.end) return largest;
  const primary = bytes[pitm.body] === 0 ? u16be(bytes, pitm.body + 4) : u32be(bytes, pitm.body + 4);
  const version = bytes[ipma.body]!;
  const wideIndex = (bytes[ipma.body + 3]! & 1) === 1;
  let offset = ipma.body + 8;
  for (let entry = u32be(bytes, ipma.body + 4); entry > 0; entry--) {
    const idBytes = version < 1 ? 2 : 4;
    if (offset + idBytes + 1 > ipma.end) return largest;
    const item = idBytes === 2 ? u16be(bytes, offset) : u32be(bytes, offset);
    const count = bytes[offset + idBytes]!;
    offset += idBytes + 1;
    for (let i = 0; i < count; i++) {
      if (offset + (wideIndex ? 2 : 1) > ipma.end) return largest;
      const index = wideIndex ? u16be(bytes, offset) & 0x7fff : bytes[offset]! & 0x7f;
      offset += wideIndex ? 2 : 1;
      if (item === primary && index > 0 && extents[index - 1]) return extents[index - 1]!;
    }
  }
  return largest;
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const VIDEO_BRANDS: Readonly<Record<string, string>> = { qt: 'video/quicktime', '3gp4': 'video/3gpp', '3gp5': 'video/3gpp', '3gp6': 'video/3gpp', '3g2a': 'video/3gpp' };

/** An ISO base media file (MP4, MOV, 3GP, M4A, HEIC, AVIF) by its `ftyp` brands. */
function isoMediaType(bytes: Uint8Array): string {
  const boxSize = u32be(bytes, 0);
  const major = ascii(bytes, 8, 4).trim();
  const brands = [major];
  for (let i = 16; i + 4 <= Math.min(boxSize, bytes.length, 256); i += 4) brands.push(ascii(bytes, i, 4).trim());
  if (brands.includes('avif') || brands.includes('avis')) return 'image/avif';
  if (HEIC_BRANDS.has(major)) return 'image/heic';
  if (major === 'M4A' || major === 'M4B') return 'audio/mp4';
  return VIDEO_BRANDS[major] ?? 'video/mp4';
}

function typeOf(bytes: Uint8Array): string {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return 'audio/wav';
  if (ascii(bytes, 4, 4) === 'ftyp') return isoMediaType(bytes);
  if (ascii(bytes, 0, 5) === '%PDF-') return 'application/pdf';
  if (ascii(bytes, 0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(bytes, 0, 5) === '#!AMR') return 'audio/amr';
  if (ascii(bytes, 0, 3) === 'ID3') return 'audio/mpeg';
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  // ADTS (AAC) and MPEG audio frames both start with an 11- or 12-bit sync word.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xf6) === 0xf0) return 'audio/aac';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return 'audio/mpeg';
  const head = ascii(bytes, 0, Math.min(bytes.length, 256)).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (/^BEGIN:VCARD/i.test(head)) return 'text/vcard';
  if (/^<svg[\s>]/i.test(head) || (/^<\?xml/i.test(head) && /<svg[\s>]/i.test(head))) return 'image/svg+xml';
  return 'application/octet-stream';
}

/** What the bytes are. Reads at most SNIFF_BYTES of them (pass the file's first bytes). */
export function sniffMedia(bytes: Uint8Array): SniffedMedia {
  const mediaType = typeOf(bytes);
  const { kind, label } = describeMediaType(mediaType);
  let size: Dimensions = null;
  if (mediaType === 'image/jpeg') size = jpegDimensions(bytes);
  else if (mediaType === 'image/png') size = bytes.length >= 24 && ascii(bytes, 12, 4) === 'IHDR' ? dimensions(u32be(bytes, 16), u32be(bytes, 20)) : null;
  else if (mediaType === 'image/gif') size = bytes.length >= 10 ? dimensions(u16le(bytes, 6), u16le(bytes, 8)) : null;
  else if (mediaType === 'image/webp') size = webpDimensions(bytes);
  else if (mediaType === 'image/heic' || mediaType === 'image/avif') size = heifDimensions(bytes);
  return { mediaType, kind, label, width: size?.width ?? null, height: size?.height ?? null };
}
