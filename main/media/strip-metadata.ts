/**
 * Removes what a photo says about where, when and with what it was taken before it leaves the
 * vault for the record: GPS position, camera make, model and serial number, software, dates,
 * captions and embedded thumbnails (an uncropped preview of a cropped photo can show what the crop
 * hid). Pure: bytes in, bytes out, no I/O.
 *
 * It works on the container only: the compressed picture (JPEG scans, PNG IDAT, WebP VP8/VP8L)
 * is copied byte for byte, so nothing is re-encoded and nothing clinical is lost or altered.
 *
 * The approach is an allow-list: only the pieces a decoder needs (and the colour profile) are
 * kept; anything unknown is dropped, or the whole file refused where dropping it could break the
 * picture. A file it cannot parse is refused with a reason, never passed on unstripped.
 *
 * Orientation: a phone stores most photos sideways and says "rotate by 90°" in Exif. Dropping
 * that would show a wound photo turned in the record, and rotating a JPEG means re-encoding it.
 * So the one Orientation value is written back, alone, in a minimal Exif block that holds nothing
 * else; `orientation` reports it so the clinician is told that a viewer which ignores Exif will
 * show the photo turned.
 *
 * Colour profiles (JPEG APP2 ICC_PROFILE, PNG iCCP, WebP ICCP) are rewritten, not copied
 * (`icc-profile.ts`): phones shoot in wide gamuts (Display P3), and without the profile reds and
 * pinks are shown duller, which matters for judging erythema or tissue colour; but a profile's
 * description, copyright, maker and model fields are free text anyone can write, so only its
 * colour data is kept, under a neutral name. PNG's iCCP name is written as "ICC profile". An
 * Adobe APP14 segment is written again with only its colour transform (a decoder needs it to
 * read CMYK and RGB-coded JPEGs right); nothing else of it is copied.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { MAX_ICC_PROFILE_BYTES, neutralIccProfile } from './icc-profile';

export type FilableImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface StrippedImage {
  readonly contentType: FilableImageType;
  readonly bytes: Buffer;
  /** The Exif orientation (1 to 8) kept; 1 means upright as stored. */
  readonly orientation: number;
  /** Which kinds of metadata were found and removed, for the clinician (never their values). */
  readonly removed: readonly MetadataKind[];
}

/** `profile-text`: a colour profile's description, copyright, maker or model text (the profile itself rewritten), or a profile that could not be read (dropped). */
export type MetadataKind = 'exif' | 'xmp' | 'iptc' | 'comment' | 'text' | 'time' | 'thumbnail' | 'trailing-data' | 'profile-text' | 'other';

export type StripResult = { readonly ok: true; readonly image: StrippedImage } | { readonly ok: false; readonly message: string };

/** What a file's first bytes say it is (never its name). */
export type SniffedType = FilableImageType | 'image/heic' | 'image/gif' | 'application/pdf' | null;

export function sniffImageType(bytes: Uint8Array): SniffedType {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif)$/.test(b.toString('latin1', 8, 12))) return 'image/heic';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  if (b.length >= 5 && b.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  return null;
}

/** Strips a JPEG, PNG or WebP by its bytes' type; anything else is refused with a reason. */
export function stripImageMetadata(bytes: Uint8Array): StripResult {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = sniffImageType(input);
  try {
    switch (type) {
      case 'image/jpeg':
        return { ok: true, image: stripJpeg(input) };
      case 'image/png':
        return { ok: true, image: stripPng(input) };
      case 'image/webp':
        return { ok: true, image: stripWebp(input) };
      case 'image/heic':
        return refused('This is a HEIC photo, which Wardscribe cannot yet clean of its hidden details (such as where it was taken). Ask for it as a JPEG, or save it as JPEG on the phone, and import that.');
      case 'image/gif':
      case 'application/pdf':
      case null:
        return refused('Wardscribe can file JPEG, PNG and WebP pictures only; this file is not one of them.');
    }
  } catch (error) {
    if (error instanceof Unparseable) return refused(error.message);
    throw error;
  }
}

function refused(message: string): StripResult {
  return { ok: false, message };
}

/** A file whose structure could not be followed: it is refused, never filed as it is. */
class Unparseable extends Error {}

function damaged(format: string, what: string): Unparseable {
  return new Unparseable(`This ${format} is damaged or in a form Wardscribe cannot read (${what}), so its hidden details (such as where it was taken) cannot be removed safely. It was not filed.`);
}

// ── Exif orientation ────────────────────────────────────────────────────────

const ORIENTATION_TAG = 0x0112;

/** The Orientation value of a TIFF-structured Exif block, or 1 when it has none or cannot be read. */
export function exifOrientation(tiff: Buffer): number {
  if (tiff.length < 8) return 1;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let index = 0; index < count; index++) {
    const entry = ifd + 2 + index * 12;
    if (entry + 12 > tiff.length) return 1;
    // Type 3 (SHORT), count 1: the value sits in the first two bytes of the value field.
    if (u16(entry) === ORIENTATION_TAG && u16(entry + 2) === 3) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * A TIFF block holding one IFD: the Orientation, and the four tags Exif requires in every IFD0
 * (resolution 72 dpi and centred chroma, fixed values, nothing from the original). No sub-IFD
 * (Exif, GPS) and no IFD1 (thumbnail): nothing else can travel in it.
 */
export function orientationOnlyTiff(orientation: number): Buffer {
  const entries: readonly (readonly [tag: number, type: number, value: number])[] = [
    [ORIENTATION_TAG, 3, orientation],
    [0x011a, 5, 74], // XResolution: a RATIONAL at offset 74
    [0x011b, 5, 82], // YResolution: at offset 82
    [0x0128, 3, 2], // ResolutionUnit: inches
    [0x0213, 3, 1], // YCbCrPositioning: centred
  ];
  const tiff = Buffer.alloc(90);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(entries.length, 8);
  entries.forEach(([tag, type, value], index) => {
    const at = 10 + index * 12;
    tiff.writeUInt16BE(tag, at);
    tiff.writeUInt16BE(type, at + 2);
    tiff.writeUInt32BE(1, at + 4);
    if (type === 3) tiff.writeUInt16BE(value, at + 8);
    else tiff.writeUInt32BE(value, at + 8);
  });
  // Bytes 70–73, the next IFD's offset, stay 0: there is no IFD1, so no thumbnail.
  for (const at of [74, 82]) {
    tiff.writeUInt32BE(72, at);
    tiff.writeUInt32BE(1, at + 4);
  }
  return tiff;
}

// ── JPEG ────────────────────────────────────────────────────────────────────

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const ICC_HEADER = Buffer.from('ICC_PROFILE\0', 'latin1');
const JFIF_HEADER = Buffer.from('JFIF\0', 'latin1');
const ADOBE_HEADER = Buffer.from('Adobe', 'latin1');

function stripJpeg(input: Buffer): StrippedImage {
  const fail = (what: string) => damaged('JPEG', what);
  const removed = new Set<MetadataKind>();
  const head: Buffer[] = [];
  const body: Buffer[] = [];
  let orientation: number | undefined;
  const iccChunks: Buffer[] = [];
  let adobe: Buffer | null = null;
  let frames = 0;
  let scans = 0;
  let pos = 2;
  let inScan = false;
  for (;;) {
    if (inScan) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart marker.
      let end = pos;
      while (end < input.length - 1) {
        if (input[end] !== 0xff) {
          end++;
          continue;
        }
        const next = input[end + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) end += 2;
        else if (next === 0xff) end++;
        else break;
      }
      if (end >= input.length - 1) throw fail('the picture data ends early');
      body.push(input.subarray(pos, end));
      pos = end;
      inScan = false;
      continue;
    }
    if (pos >= input.length || input[pos] !== 0xff) throw fail('a section does not start where expected');
    while (pos + 1 < input.length && input[pos + 1] === 0xff) pos++;
    if (pos + 1 >= input.length) throw fail('the file ends early');
    const marker = input[pos + 1]!;
    if (marker === 0xd9) {
      if (frames === 0 || scans === 0) throw fail('it has no picture data');
      if (pos + 2 < input.length) removed.add('trailing-data');
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) throw fail('a marker is out of place');
    if (pos + 4 > input.length) throw fail('the file ends early');
    const length = input.readUInt16BE(pos + 2);
    if (length < 2 || pos + 2 + length > input.length) throw fail('a section is longer than the file');
    const segment = input.subarray(pos, pos + 2 + length);
    const payload = segment.subarray(4);
    pos += 2 + length;
    if (marker === 0xe0) {
      // JFIF is kept (it says how to read the colours) without its thumbnail; JFXX and others go.
      if (payload.length >= 14 && payload.subarray(0, 5).equals(JFIF_HEADER)) {
        if (payload[12] !== 0 || payload[13] !== 0 || payload.length > 14) removed.add('thumbnail');
        head.push(jfifWithoutThumbnail(payload));
      } else removed.add('thumbnail');
    } else if (marker === 0xe1) {
      if (payload.subarray(0, 6).equals(EXIF_HEADER)) {
        orientation ??= exifOrientation(payload.subarray(6));
        removed.add('exif');
      } else removed.add(payload.toString('latin1', 0, 28).startsWith('http://ns.adobe.com/') ? 'xmp' : 'other');
    } else if (marker === 0xe2) {
      if (payload.length >= 14 && payload.subarray(0, 12).equals(ICC_HEADER)) iccChunks.push(payload);
      // FlashPix, and MPF: the index of extra pictures (previews, depth maps) a phone appends after the main one.
      else removed.add('other');
    } else if (marker === 0xed) removed.add('iptc');
    else if (marker === 0xee && payload.subarray(0, 5).equals(ADOBE_HEADER)) {
      // Written again from its colour transform alone; a shorter one is ignored by decoders, so dropped. The last one counts, as in libjpeg.
      if (payload.length >= ADOBE_LENGTH) adobe = neutralAdobe(payload[11]!);
      if (payload.length !== ADOBE_LENGTH) removed.add('other');
    } else if (marker >= 0xe3 && marker <= 0xef) removed.add('other');
    else if (marker === 0xfe) removed.add('comment');
    else if (marker === 0xc8 || marker >= 0xf0) throw fail('it uses a JPEG extension Wardscribe does not know');
    else if (marker < 0xc0) throw fail('a marker is out of place');
    else {
      // Frame, Huffman and quantisation tables, restart interval, scans: what a decoder needs.
      if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc) || marker === 0xde) frames++;
      if (marker === 0xda) {
        if (frames === 0) throw fail('the picture data comes before its frame');
        scans++;
        inScan = true;
      }
      body.push(segment);
    }
  }
  const kept = orientation ?? 1;
  const exif = kept === 1 ? [] : [jpegSegment(0xe1, Buffer.concat([EXIF_HEADER, orientationOnlyTiff(kept)]))];
  // The colour segments go after the Exif block, before the tables and the frame, as cameras write them.
  const colour = [...jpegIccSegments(iccChunks, removed), ...(adobe ? [jpegSegment(0xee, adobe)] : [])];
  const bytes = Buffer.concat([Buffer.from([0xff, 0xd8]), ...head, ...exif, ...colour, ...body, Buffer.from([0xff, 0xd9])]);
  return { contentType: 'image/jpeg', bytes, orientation: kept, removed: [...removed] };
}

/** The APP14 "Adobe" payload: the name, DCTEncode version, two flag words and the colour transform. */
const ADOBE_LENGTH = 12;

/** An Adobe payload holding only the colour transform (0: none, RGB or CMYK; 1: YCbCr; 2: YCCK), version 100, no flags. */
function neutralAdobe(transform: number): Buffer {
  const payload = Buffer.alloc(ADOBE_LENGTH);
  ADOBE_HEADER.copy(payload, 0);
  payload.writeUInt16BE(100, 5);
  payload[11] = transform;
  return payload;
}

/** Most profile bytes one APP2 segment carries: 65,535 less the length field and the 14-byte header. */
const ICC_CHUNK_BYTES = 65_519;

/**
 * A JPEG's colour profile, joined from its APP2 chunks (numbered 1 to n), rewritten with neutral
 * text and split again. Chunks that are not a complete set, or a profile that cannot be read, are
 * dropped (a decoder ignores them too).
 */
function jpegIccSegments(chunks: readonly Buffer[], removed: Set<MetadataKind>): Buffer[] {
  if (chunks.length === 0) return [];
  const count = chunks[0]![13]!;
  const ordered: Buffer[] = [];
  for (const chunk of chunks) {
    const sequence = chunk[12]!;
    if (chunk[13] !== count || sequence < 1 || sequence > count || ordered[sequence - 1]) {
      removed.add('profile-text');
      return [];
    }
    ordered[sequence - 1] = chunk.subarray(14);
  }
  const joined = ordered.length === count && chunks.length === count ? Buffer.concat(ordered) : null;
  const profile = joined && joined.length <= MAX_ICC_PROFILE_BYTES ? neutralIccProfile(joined) : null;
  if (!profile || profile.changed) removed.add('profile-text');
  if (!profile) return [];
  const parts = Math.ceil(profile.bytes.length / ICC_CHUNK_BYTES);
  return Array.from({ length: parts }, (_, index) =>
    jpegSegment(0xe2, Buffer.concat([ICC_HEADER, Buffer.from([index + 1, parts]), profile.bytes.subarray(index * ICC_CHUNK_BYTES, (index + 1) * ICC_CHUNK_BYTES)])),
  );
}

function jfifWithoutThumbnail(payload: Buffer): Buffer {
  const kept = Buffer.from(payload.subarray(0, 14));
  kept[12] = 0;
  kept[13] = 0;
  return jpegSegment(0xe0, kept);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

// ── PNG ─────────────────────────────────────────────────────────────────────

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);
/**
 * Ancillary chunks about colour, transparency, pixel size and animation: numbers only, nothing
 * about the photographer. iCCP is rewritten (below). sPLT is dropped: a suggested palette for
 * displays of few colours, which no viewer of a true-colour photo uses (so nothing is shown
 * differently), and its palette name is free text.
 */
const PNG_KEPT = new Set(['cHRM', 'gAMA', 'sBIT', 'sRGB', 'cICP', 'mDCV', 'mDCv', 'cLLI', 'cLLi', 'bKGD', 'hIST', 'tRNS', 'pHYs', 'acTL', 'fcTL', 'fdAT']);
/** Animation chunks: one of the wrong size leaves frames that cannot be shown as drawn, so the file is refused, not mended. */
const PNG_ANIMATION = new Set(['acTL', 'fcTL', 'fdAT']);

/** What the header and palette say, which fixes the size of the chunks that follow them. */
interface PngLayout {
  /** IHDR colour type: 0 grey, 2 truecolour, 3 indexed, 4 grey with alpha, 6 truecolour with alpha. */
  readonly colourType: number;
  readonly paletteEntries: number;
}

/** Bit depths each colour type allows (PNG specification, table 11.1). */
const PNG_BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** An IHDR payload a decoder can draw: a size, a colour type and bit depth that go together, the one compression and filter method, no or Adam7 interlacing. */
function pngHeaderValid(data: Buffer): boolean {
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const [depth, colourType, compression, filter, interlace] = [data[8]!, data[9]!, data[10]!, data[11]!, data[12]!];
  return width > 0 && height > 0 && width <= 0x7fffffff && height <= 0x7fffffff && (PNG_BIT_DEPTHS[colourType]?.includes(depth) ?? false) && compression === 0 && filter === 0 && interlace <= 1;
}

/**
 * Whether a kept ancillary chunk is the size the PNG specification (third edition) gives it for
 * this image. A chunk of any other size is not what its name says: its bytes could carry anything
 * (a caption, a location), and a viewer ignores it, so it is dropped.
 */
function pngChunkFits(type: string, length: number, layout: PngLayout): boolean {
  const { colourType, paletteEntries } = layout;
  switch (type) {
    case 'cHRM':
      return length === 32;
    case 'gAMA':
    case 'cICP':
      return length === 4;
    case 'sRGB':
      return length === 1;
    case 'mDCV':
    case 'mDCv':
      return length === 24;
    case 'cLLI':
    case 'cLLi':
    case 'acTL':
      return length === 8;
    case 'pHYs':
      return length === 9;
    case 'fcTL':
      return length === 26;
    case 'fdAT':
      // A sequence number, then compressed picture data (like IDAT's).
      return length > 4;
    case 'sBIT':
      return length === ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
    case 'bKGD':
      return length === ({ 0: 2, 2: 6, 3: 1, 4: 2, 6: 6 } as Record<number, number>)[colourType];
    case 'hIST':
      return paletteEntries > 0 && length === 2 * paletteEntries;
    case 'tRNS':
      return colourType === 0 ? length === 2 : colourType === 2 ? length === 6 : colourType === 3 ? length >= 1 && length <= paletteEntries : false;
    default:
      return false;
  }
}
const PNG_DROPPED: Readonly<Record<string, MetadataKind>> = { eXIf: 'exif', tEXt: 'text', zTXt: 'text', iTXt: 'text', tIME: 'time', sPLT: 'text' };
/** The name an iCCP chunk is written with (the original's is free text). */
export const PNG_PROFILE_NAME = 'ICC profile';

function stripPng(input: Buffer): StrippedImage {
  const fail = (what: string) => damaged('PNG', what);
  const removed = new Set<MetadataKind>();
  const chunks: Buffer[] = [];
  let orientation: number | undefined;
  let exifAt = -1;
  let pos = 8;
  let sawEnd = false;
  let images = 0;
  let layout: PngLayout = { colourType: -1, paletteEntries: 0 };
  while (pos < input.length) {
    if (pos + 12 > input.length) throw fail('the file ends inside a chunk');
    const length = input.readUInt32BE(pos);
    if (length > 0x7fffffff || pos + 12 + length > input.length) throw fail('a chunk is longer than the file');
    const type = input.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw fail('a chunk has no valid name');
    const chunk = input.subarray(pos, pos + 12 + length);
    const data = chunk.subarray(8, 8 + length);
    if (crc32(chunk.subarray(4, 8 + length)) !== chunk.readUInt32BE(8 + length)) throw fail('a checksum does not match');
    pos += 12 + length;
    if (chunks.length === 0 && type !== 'IHDR') throw fail('it does not start with its header');
    const critical = type.charCodeAt(0) < 0x61;
    if (critical) {
      if (!PNG_CRITICAL.has(type)) throw fail('it holds a part Wardscribe does not know');
      if (type === 'IHDR') {
        if (chunks.length > 0) throw fail('it has two headers');
        if (length !== 13) throw fail('its header is the wrong size');
        if (!pngHeaderValid(data)) throw fail('its header describes no picture a viewer can draw');
        layout = { ...layout, colourType: data[9]! };
      }
      if (type === 'PLTE') {
        if (length === 0 || length > 768 || length % 3 !== 0) throw fail('its palette is the wrong size');
        if (layout.colourType === 0 || layout.colourType === 4) throw fail('a grey picture has a palette');
        layout = { ...layout, paletteEntries: length / 3 };
      }
      if (type === 'IDAT') {
        if (exifAt < 0) exifAt = chunks.length;
        images++;
      }
      chunks.push(chunk);
      if (type === 'IEND') {
        sawEnd = true;
        break;
      }
    } else if (PNG_KEPT.has(type)) {
      if (pngChunkFits(type, length, layout)) chunks.push(chunk);
      else if (PNG_ANIMATION.has(type)) throw fail('an animation part is the wrong size');
      else removed.add('other');
    } else if (type === 'iCCP') {
      const rewritten = pngProfile(data);
      if (rewritten) chunks.push(rewritten);
      if (!rewritten || !rewritten.equals(chunk)) removed.add('profile-text');
    } else {
      if (type === 'eXIf') orientation ??= exifOrientation(data);
      removed.add(PNG_DROPPED[type] ?? 'other');
    }
  }
  if (!sawEnd) throw fail('the file ends early');
  if (images === 0) throw fail('it has no picture data');
  if (layout.colourType === 3 && layout.paletteEntries === 0) throw fail('a palette picture has no palette');
  if (pos < input.length) removed.add('trailing-data');
  const kept = orientation ?? 1;
  if (kept !== 1) chunks.splice(exifAt, 0, pngChunk('eXIf', orientationOnlyTiff(kept)));
  return { contentType: 'image/png', bytes: Buffer.concat([PNG_SIGNATURE, ...chunks]), orientation: kept, removed: [...removed] };
}

/**
 * An iCCP chunk written again: the neutral name, and the profile rewritten with neutral text
 * (`icc-profile.ts`). Null (the chunk is dropped) when the profile cannot be inflated within its
 * bound or read.
 */
function pngProfile(data: Buffer): Buffer | null {
  const nameEnd = data.indexOf(0);
  // A name of 1 to 79 bytes, then the compression method (0: zlib).
  if (nameEnd < 1 || nameEnd > 79 || data[nameEnd + 1] !== 0) return null;
  let profile: Buffer;
  try {
    profile = inflateSync(data.subarray(nameEnd + 2), { maxOutputLength: MAX_ICC_PROFILE_BYTES });
  } catch {
    return null;
  }
  const neutral = neutralIccProfile(profile);
  if (!neutral) return null;
  return pngChunk('iCCP', Buffer.concat([Buffer.from(`${PNG_PROFILE_NAME}\0\0`, 'latin1'), deflateSync(neutral.bytes)]));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

// ── WebP ────────────────────────────────────────────────────────────────────

/** VP8X flag bits (WebP container specification). */
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const VP8X_ICC = 0x20;
const WEBP_KEPT = new Set(['VP8 ', 'VP8L', 'ALPH', 'ANIM', 'ANMF']);
/** The VP8X header's payload: flags, reserved bytes, canvas width and height (WebP container specification). */
const VP8X_SIZE = 10;
/** The ANIM chunk's payload: background colour and loop count. */
const ANIM_SIZE = 6;
/** The ANMF chunk's own fields (position, size, duration, flags), before the frame's sub-chunks. */
const ANMF_HEADER_SIZE = 16;

/**
 * An animation frame's payload rebuilt from what a frame may hold: its header, an optional alpha
 * sub-chunk and its one picture. The specification lets "unknown chunks" follow, which no viewer
 * shows, so could carry anything: they are dropped and said to be (`removed`).
 */
function webpFrame(payload: Buffer, removed: Set<MetadataKind>, fail: (what: string) => Unparseable): Buffer {
  if (payload.length < ANMF_HEADER_SIZE) throw fail('an animation frame is cut short');
  const kept: Buffer[] = [payload.subarray(0, ANMF_HEADER_SIZE)];
  let pictures = 0;
  for (let pos = ANMF_HEADER_SIZE; pos < payload.length; ) {
    if (pos + 8 > payload.length) throw fail('an animation frame ends inside a part');
    const fourcc = payload.toString('latin1', pos, pos + 4);
    const size = payload.readUInt32LE(pos + 4);
    if (pos + 8 + size > payload.length) throw fail('a part of an animation frame is longer than the frame');
    const part = payload.subarray(pos + 8, pos + 8 + size);
    pos += 8 + size + (size & 1);
    if (fourcc === 'VP8 ' || fourcc === 'VP8L') pictures++;
    if ((fourcc === 'ALPH' && pictures === 0) || ((fourcc === 'VP8 ' || fourcc === 'VP8L') && pictures === 1)) kept.push(webpChunk(fourcc, part));
    else if (fourcc === 'ALPH' || fourcc === 'VP8 ' || fourcc === 'VP8L') throw fail('an animation frame holds more than one picture');
    else removed.add('other');
  }
  if (pictures !== 1) throw fail('an animation frame has no picture');
  return Buffer.concat(kept);
}

function stripWebp(input: Buffer): StrippedImage {
  const fail = (what: string) => damaged('WebP', what);
  const removed = new Set<MetadataKind>();
  const riffSize = input.readUInt32LE(4);
  if (riffSize < 4 || 8 + riffSize > input.length) throw fail('the file is shorter than it says');
  const end = 8 + riffSize;
  if (end < input.length) removed.add('trailing-data');
  const chunks: { fourcc: string; chunk: Buffer }[] = [];
  let orientation: number | undefined;
  let pos = 12;
  while (pos < end) {
    if (pos + 8 > end) throw fail('the file ends inside a chunk');
    const fourcc = input.toString('latin1', pos, pos + 4);
    const size = input.readUInt32LE(pos + 4);
    const padded = size + (size & 1);
    if (pos + 8 + size > end) throw fail('a chunk is longer than the file');
    const payload = input.subarray(pos + 8, pos + 8 + size);
    const chunk = webpChunk(fourcc, payload);
    pos += 8 + padded;
    if (chunks.length === 0 && fourcc !== 'VP8X' && fourcc !== 'VP8 ' && fourcc !== 'VP8L') throw fail('it does not start with a picture or its header');
    if (fourcc === 'VP8X') {
      if (chunks.length > 0) throw fail('its header is out of place');
      if (size !== VP8X_SIZE) throw fail('its header is the wrong size');
      chunks.push({ fourcc, chunk });
    } else if (fourcc === 'ANIM') {
      if (size !== ANIM_SIZE) throw fail('its animation header is the wrong size');
      chunks.push({ fourcc, chunk });
    } else if (fourcc === 'ANMF') chunks.push({ fourcc, chunk: webpChunk(fourcc, webpFrame(payload, removed, fail)) });
    else if (WEBP_KEPT.has(fourcc)) chunks.push({ fourcc, chunk });
    else if (fourcc === 'ICCP') {
      const neutral = neutralIccProfile(payload);
      if (neutral) chunks.push({ fourcc, chunk: webpChunk('ICCP', neutral.bytes) });
      if (!neutral || neutral.changed) removed.add('profile-text');
    } else if (fourcc === 'EXIF') {
      // The chunk is a TIFF block; some writers put JPEG's "Exif\0\0" before it.
      orientation ??= exifOrientation(payload.subarray(0, 6).equals(EXIF_HEADER) ? payload.subarray(6) : payload);
      removed.add('exif');
    } else removed.add(fourcc === 'XMP ' ? 'xmp' : 'other');
  }
  const first = chunks[0];
  if (!first || !chunks.some((chunk) => chunk.fourcc === 'VP8 ' || chunk.fourcc === 'VP8L' || chunk.fourcc === 'ANMF')) throw fail('it has no picture data');
  let kept = 1;
  if (first.fourcc === 'VP8X') {
    webpLayout(first.chunk[8]!, chunks.slice(1).map((chunk) => chunk.fourcc), fail);
    kept = orientation ?? 1;
    const header = first.chunk;
    // Flags must say what is there: no XMP any more, Exif only if the orientation was written back, ICC only if the profile could be kept.
    const icc = chunks.some((chunk) => chunk.fourcc === 'ICCP') ? VP8X_ICC : 0;
    header[8] = (header[8]! & ~(VP8X_EXIF | VP8X_XMP | VP8X_ICC)) | (kept !== 1 ? VP8X_EXIF : 0) | icc;
    if (kept !== 1) chunks.push({ fourcc: 'EXIF', chunk: webpChunk('EXIF', orientationOnlyTiff(kept)) });
  } else if (chunks.length > 1) throw fail('a simple WebP holds more than one picture');
  const body = Buffer.concat(chunks.map((chunk) => chunk.chunk));
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return { contentType: 'image/webp', bytes: Buffer.concat([header, body]), orientation: kept, removed: [...removed] };
}

const VP8X_ALPHA = 0x10;
const VP8X_ANIMATION = 0x02;

/**
 * An extended WebP's parts after its header must be laid out as the container specification
 * says, and as its flags say: the colour profile first; then, for an animation, its header and
 * its frames; for a still picture, one picture part, after a transparency part only where the
 * header says it has one (and the picture is lossy, which carries none of its own). Anything
 * else (a second picture, a frame in a still picture) is bytes no viewer shows, which could be a
 * whole photo with its location, so the file is refused rather than mended.
 */
function webpLayout(flags: number, parts: readonly string[], fail: (what: string) => Unparseable): void {
  const rest = parts[0] === 'ICCP' ? parts.slice(1) : parts;
  if (rest.includes('ICCP')) throw fail('its colour profile is out of place');
  const layout = rest.join(',');
  if (flags & VP8X_ANIMATION) {
    if (!/^ANIM(,ANMF)+$/.test(layout)) throw fail('its animation is not laid out as an animation');
    return;
  }
  const still = flags & VP8X_ALPHA ? ['VP8 ', 'VP8L', 'ALPH,VP8 '] : ['VP8 ', 'VP8L'];
  if (!still.includes(layout)) throw fail('a still picture holds parts that are not its one picture');
}

/** A RIFF chunk, copied (so flags can be changed without touching the input), padded to even length. */
function webpChunk(fourcc: string, payload: Buffer): Buffer {
  const chunk = Buffer.alloc(8 + payload.length + (payload.length & 1));
  chunk.write(fourcc, 0, 'latin1');
  chunk.writeUInt32LE(payload.length, 4);
  payload.copy(chunk, 8);
  return chunk;
}
