/**
 * Rewrites an embedded ICC colour profile so that it keeps what describes colours and nothing a
 * person wrote. Pure: bytes in, bytes out, no I/O.
 *
 * Why rewrite rather than drop: phones shoot in wide gamuts (Display P3) and a photo shown
 * without its profile has duller reds and pinks, which matters for judging erythema or tissue
 * colour. Why not keep the profile whole: its description, copyright, device maker and model
 * descriptions, characterisation target, named colours and private tags are free text, and its
 * header names a CMM, platform, maker, model and creator: anything can be written there and
 * survive filing. So a fresh profile is built:
 *   - the header keeps only version, device class, colour spaces, rendering intent and the PCS
 *     illuminant (all numbers or fixed codes); maker, model, creator, CMM, platform, flags,
 *     attributes, date and profile ID are zeroed (a zero ID means "not computed");
 *   - only colorimetric tags are copied (primaries, white and black points, tone curves,
 *     adaptation matrix, chromaticities, luminance, colour-code points, and the lookup tables of
 *     LUT profiles), each only with the type that tag is defined to have, and the fixed-size
 *     types only to their defined length (bytes after them are not copied);
 *   - the description is written again: one of a few well-known colour space names when the
 *     original says exactly that ("sRGB", "Display P3"), else "Colour profile"; the copyright
 *     is written as "Not stated". Nothing of the original text is copied.
 * The lookup tables of LUT profiles (A2B0 and the like) are numbers that describe colours: each is
 * rebuilt from the parts its type defines (tone curves, matrix, grid), reserved and padding bytes
 * zeroed, so bytes between or after those parts (where text could hide) are not copied. The
 * floating-point tables (D2B0 and the like, always optional beside A2B0) are dropped.
 *
 * A profile that cannot be followed, or that keeps nothing describing colours, gives null: the
 * caller drops it (a decoder ignores a broken profile anyway, so nothing it could use is lost).
 */

/** Largest profile rewritten; a larger one is dropped (phone profiles are under 4 KB; printer LUT profiles a few MB). */
export const MAX_ICC_PROFILE_BYTES = 4 * 1024 * 1024;

/** What a rewritten profile's description says when the original's was not a well-known name. */
export const NEUTRAL_PROFILE_DESCRIPTION = 'Colour profile';
export const NEUTRAL_PROFILE_COPYRIGHT = 'Not stated';

/** Descriptions kept as they are: the names of standard colour spaces, not free text. */
const KNOWN_DESCRIPTIONS = new Set([
  'sRGB',
  'sRGB IEC61966-2.1',
  'sRGB IEC61966-2-1 black scaled',
  'sRGB built-in',
  'Display P3',
  'DCI-P3',
  'Adobe RGB (1998)',
  'ProPhoto RGB',
  'Rec. 2020',
  'Rec. ITU-R BT.2020-1',
  'Generic RGB Profile',
  'Generic Gray Gamma 2.2 Profile',
  'Gray Gamma 2.2',
  'Dot Gain 20%',
]);

const XYZ = ['XYZ '];
const CURVE = ['curv', 'para'];
const LUT = ['mft1', 'mft2', 'mAB ', 'mBA '];

/** Each colorimetric tag kept, with the types it may have (ICC.1:2010 and ICC.1:2001-04). */
const KEPT_TAGS: Readonly<Record<string, readonly string[]>> = {
  rXYZ: XYZ,
  gXYZ: XYZ,
  bXYZ: XYZ,
  wtpt: XYZ,
  bkpt: XYZ,
  lumi: XYZ,
  rTRC: CURVE,
  gTRC: CURVE,
  bTRC: CURVE,
  kTRC: CURVE,
  chad: ['sf32'],
  chrm: ['chrm'],
  cicp: ['cicp'],
  A2B0: LUT,
  A2B1: LUT,
  A2B2: LUT,
  B2A0: LUT,
  B2A1: LUT,
  B2A2: LUT,
  gamt: LUT,
  pre0: LUT,
  pre1: LUT,
  pre2: LUT,
};

/** Tags that say how to turn the colours into the connection space: without one, the profile describes nothing. */
const TRANSFORM_TAGS = ['rXYZ', 'kTRC', 'A2B0', 'A2B1', 'A2B2', 'B2A0'];

/** Parameters of each `para` function type. */
const PARA_PARAMETERS = [1, 3, 4, 5, 7];

export interface NeutralProfile {
  readonly bytes: Buffer;
  /** Whether anything of the original was left out (text, header fields, tags or trailing bytes). */
  readonly changed: boolean;
}

/** The profile rebuilt from its colorimetric parts with neutral text, or null when it cannot be. */
export function neutralIccProfile(input: Uint8Array): NeutralProfile | null {
  const profile = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (profile.length < 132 || profile.length > MAX_ICC_PROFILE_BYTES) return null;
  const size = profile.readUInt32BE(0);
  if (size < 132 || size > profile.length || profile.toString('latin1', 36, 40) !== 'acsp') return null;
  const major = profile[8]!;
  if (major !== 2 && major !== 4) return null;
  if (!headerCodesKnown(profile)) return null;
  const count = profile.readUInt32BE(128);
  if (count > 200 || 132 + 12 * count > size) return null;

  let description: string | null = null;
  const kept: { signature: string; data: Buffer }[] = [];
  const signatures = new Set<string>();
  // Tags may share their data whole (three tone curves stored once), never in part: a region
  // claimed under several offsets would be rebuilt (and grow) once for each.
  const regions = new Map<number, number>();
  const rebuiltOf = new Map<string, Buffer | null>();
  let total = 0;
  for (let index = 0; index < count; index++) {
    const at = 132 + 12 * index;
    const signature = profile.toString('latin1', at, at + 4);
    const offset = profile.readUInt32BE(at + 4);
    const length = profile.readUInt32BE(at + 8);
    if (offset < 132 || length < 8 || offset + length > size) return null;
    // A signature listed twice is not a profile colour engines accept (LittleCMS refuses it), and each copy could carry something.
    if (signatures.has(signature)) return null;
    signatures.add(signature);
    if (regions.has(offset) ? regions.get(offset) !== length : [...regions].some(([start, span]) => offset < start + span && start < offset + length)) return null;
    regions.set(offset, length);
    const data = profile.subarray(offset, offset + length);
    if (signature === 'desc') {
      description = readText(data);
      continue;
    }
    const types = KEPT_TAGS[signature];
    if (!types || !types.includes(data.toString('latin1', 0, 4)) || !optionalTagFits(data, profile)) continue;
    const key = `${offset}:${length}`;
    if (!rebuiltOf.has(key)) rebuiltOf.set(key, LUT.includes(data.toString('latin1', 0, 4)) ? lookupTable(data, major) : definedPart(data));
    const rebuilt = rebuiltOf.get(key)!;
    if (rebuilt === null) return null;
    total += rebuilt.length;
    // Rebuilt parts are never larger than what they came from, and shared data is written once; this is a guard.
    if (total > MAX_ICC_PROFILE_BYTES) return null;
    kept.push({ signature, data: rebuilt });
  }
  if (!kept.some((tag) => TRANSFORM_TAGS.includes(tag.signature))) return null;

  const name = description !== null && KNOWN_DESCRIPTIONS.has(description) ? description : NEUTRAL_PROFILE_DESCRIPTION;
  const tags = [{ signature: 'desc', data: major === 2 ? textDescription(name) : localizedText(name) }, ...kept, { signature: 'cprt', data: major === 2 ? plainText(NEUTRAL_PROFILE_COPYRIGHT) : localizedText(NEUTRAL_PROFILE_COPYRIGHT) }];
  const bytes = assemble(profile.subarray(0, 128), tags);
  if (bytes.length > MAX_ICC_PROFILE_BYTES) return null;
  return { bytes, changed: !bytes.equals(profile) };
}

/** Device classes (ICC.1:2010 7.2.5). */
const DEVICE_CLASSES = new Set(['scnr', 'mntr', 'prtr', 'link', 'spac', 'abst', 'nmcl']);
/** Colour spaces (ICC.1:2010 7.2.6): the named ones and 2 to 15 colour channels. */
const COLOUR_SPACES = new Set(['XYZ ', 'Lab ', 'Luv ', 'YCbr', 'Yxy ', 'RGB ', 'GRAY', 'HSV ', 'HLS ', 'CMYK', 'CMY ', ...'23456789ABCDEF'.split('').map((digit) => `${digit}CLR`)]);

/**
 * Whether the header's codes are ones the specification defines: its class and colour spaces are
 * copied, so they must be codes rather than any twelve characters; the version's reserved bytes
 * are zero and the rendering intent is 0 to 3 (else those bytes could carry something).
 */
function headerCodesKnown(profile: Buffer): boolean {
  return (
    DEVICE_CLASSES.has(profile.toString('latin1', 12, 16)) &&
    COLOUR_SPACES.has(profile.toString('latin1', 16, 20)) &&
    COLOUR_SPACES.has(profile.toString('latin1', 20, 24)) &&
    profile.readUInt16BE(10) === 0 &&
    profile.readUInt32BE(64) <= 3
  );
}

/** Channels of a colour space code, or null for one not counted here. */
function channelsOf(space: string): number | null {
  if (space === 'GRAY') return 1;
  if (/^[2-9A-F]CLR$/.test(space)) return Number.parseInt(space[0]!, 16);
  return space === 'CMYK' ? 4 : COLOUR_SPACES.has(space) ? 3 : null;
}

/**
 * A fixed-layout tag (or a LUT's tone curve) cut to the length its type defines from its own
 * fields, its reserved bytes zeroed; null when it does not fit or is of another type.
 */
function definedPart(data: Buffer): Buffer | null {
  const length = definedLength(data);
  if (length === null) return null;
  const part = Buffer.from(data.subarray(0, length));
  part.fill(0, 4, 8);
  const type = part.toString('latin1', 0, 4);
  if (type === 'para') part.fill(0, 10, 12);
  return part;
}

/**
 * Whether an optional tag holds what its type defines for this profile, else it is left out:
 * chromaticities one pair per channel of the profile's colour space, of a defined phosphor type
 * (0 to 4), since extra pairs are room for anything and no decoder reads them; coding-independent
 * code points (ITU-T H.273) in v4 profiles only, as defined codes (RGB: matrix 0), full range 0 or 1.
 */
function optionalTagFits(data: Buffer, profile: Buffer): boolean {
  const type = data.toString('latin1', 0, 4);
  if (type === 'chrm') return data.length >= 12 && data.readUInt16BE(8) === channelsOf(profile.toString('latin1', 16, 20)) && data.readUInt16BE(10) <= 4;
  if (type === 'cicp') return data.length >= 12 && profile[8] === 4 && cicpKnown(data);
  return true;
}

/** H.273's defined colour primaries and transfer characteristics; a profile's matrix is 0 (RGB). */
const CICP_PRIMARIES = new Set([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 22]);
const CICP_TRANSFERS = new Set([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
function cicpKnown(part: Buffer): boolean {
  return CICP_PRIMARIES.has(part[8]!) && CICP_TRANSFERS.has(part[9]!) && part[10] === 0 && (part[11] === 0 || part[11] === 1);
}

/** The length a fixed-layout tag type defines from its own fields; null when it does not fit or is not one. */
function definedLength(data: Buffer): number | null {
  const type = data.toString('latin1', 0, 4);
  const within = (length: number) => (length <= data.length ? length : null);
  switch (type) {
    // Every XYZ tag kept holds one XYZ number; chad's sf32 a 3 × 3 matrix.
    case 'XYZ ':
      return within(20);
    case 'sf32':
      return within(44);
    case 'curv':
      return data.length >= 12 ? within(12 + 2 * data.readUInt32BE(8)) : null;
    case 'para': {
      if (data.length < 12) return null;
      const parameters = PARA_PARAMETERS[data.readUInt16BE(8)];
      return parameters === undefined ? null : within(12 + 4 * parameters);
    }
    case 'chrm':
      return data.length >= 12 ? within(12 + 8 * data.readUInt16BE(8)) : null;
    case 'cicp':
      return within(12);
    default:
      return null;
  }
}

/** Largest number of grid entries a LUT's table may hold (33⁴ × 4 channels of 16 bits is ~9 MB, beyond the profile limit anyway). */
const MAX_GRID_ENTRIES = MAX_ICC_PROFILE_BYTES;

/** Entries of a grid of `points` per input channel (each ≥ 2), or null when it is not a grid or too large. */
function gridEntries(points: readonly number[]): number | null {
  let entries = 1;
  for (const count of points) {
    if (count < 2) return null;
    entries *= count;
    if (entries > MAX_GRID_ENTRIES) return null;
  }
  return entries;
}

/**
 * A lookup-table tag rebuilt from the parts its type defines (ICC.1:2010 10.8–10.11): `mft1` and
 * `mft2` are contiguous (matrix, input tables, grid, output tables), cut to that length; `mAB ` and
 * `mBA ` hold curves, a matrix and a grid at offsets, each copied to its defined length into a new
 * tag with nothing between them. Null when a part does not fit.
 */
function lookupTable(data: Buffer, major: number): Buffer | null {
  const type = data.toString('latin1', 0, 4);
  if (data.length < 32) return null;
  // mAB and mBA are version 4 types.
  if (major === 2 && (type === 'mAB ' || type === 'mBA ')) return null;
  const inputs = data[8]!;
  const outputs = data[9]!;
  if (inputs < 1 || inputs > 15 || outputs < 1 || outputs > 15) return null;
  if (type === 'mft1' || type === 'mft2') {
    const grid = gridEntries(Array<number>(inputs).fill(data[10]!));
    if (grid === null) return null;
    const wide = type === 'mft2';
    if (wide && data.length < 52) return null;
    const inEntries = wide ? data.readUInt16BE(48) : 256;
    const outEntries = wide ? data.readUInt16BE(50) : 256;
    if (inEntries < 2 || inEntries > 4096 || outEntries < 2 || outEntries > 4096) return null;
    const length = (wide ? 52 : 48) + (wide ? 2 : 1) * (inputs * inEntries + grid * outputs + outputs * outEntries);
    if (length > data.length) return null;
    const table = Buffer.from(data.subarray(0, length));
    table.fill(0, 4, 8);
    table[11] = 0;
    return table;
  }
  // mAB: A curves (inputs) → grid → M curves (outputs) → matrix → B curves (outputs);
  // mBA: B curves (inputs) → matrix → M curves (inputs) → grid → A curves (outputs).
  const ab = type === 'mAB ';
  const offsets = [12, 16, 20, 24, 28].map((at) => data.readUInt32BE(at));
  const [bAt, matrixAt, mAt, gridAt, aAt] = offsets as [number, number, number, number, number];
  const parts: Buffer[] = [];
  const placed: number[] = [0, 0, 0, 0, 0];
  let length = 32;
  const place = (slot: number, part: Buffer) => {
    placed[slot] = length;
    const padded = Buffer.concat([part, Buffer.alloc((4 - (part.length % 4)) % 4)]);
    parts.push(padded);
    length += padded.length;
  };
  // Each part read gives its bytes and where it ends in the original: parts may not share bytes
  // (else one region, rebuilt once per part claiming it, grows the profile many times over).
  const curves = (at: number, count: number): [Buffer, number] | null => {
    const out: Buffer[] = [];
    let next = at;
    for (let index = 0; index < count; index++) {
      if (next + 12 > data.length) return null;
      const curve = data.subarray(next);
      if (!CURVE.includes(curve.toString('latin1', 0, 4))) return null;
      const part = definedPart(curve);
      if (part === null) return null;
      const padded = Buffer.concat([part, Buffer.alloc((4 - (part.length % 4)) % 4)]);
      out.push(padded);
      next += padded.length;
    }
    return [Buffer.concat(out), next];
  };
  // B curves are required; the others come in pairs the type defines (A with the grid, M with the matrix).
  if (bAt === 0) return null;
  const order: readonly (readonly [number, number, () => [Buffer, number] | null])[] = [
    [0, bAt, () => curves(bAt, ab ? outputs : inputs)],
    [1, matrixAt, () => (matrixAt + 48 <= data.length ? [Buffer.from(data.subarray(matrixAt, matrixAt + 48)), matrixAt + 48] : null)],
    [2, mAt, () => curves(mAt, ab ? outputs : inputs)],
    [
      3,
      gridAt,
      () => {
        if (gridAt + 20 > data.length) return null;
        // Both types' grids map the inputs to the outputs.
        const points = [...data.subarray(gridAt, gridAt + inputs)];
        const precision = data[gridAt + 16]!;
        const entries = gridEntries(points);
        if (entries === null || (precision !== 1 && precision !== 2)) return null;
        const end = gridAt + 20 + entries * outputs * precision;
        if (end > data.length) return null;
        const grid = Buffer.from(data.subarray(gridAt, end));
        grid.fill(0, points.length, 16);
        grid.fill(0, 17, 20);
        return [grid, end];
      },
    ],
    [4, aAt, () => curves(aAt, ab ? inputs : outputs)],
  ];
  const spans: [number, number][] = [];
  for (const [slot, at, read] of order) {
    if (at === 0) continue;
    if (at < 32) return null;
    const part = read();
    if (part === null) return null;
    const [bytes, end] = part;
    if (spans.some(([start, stop]) => at < stop && start < end)) return null;
    spans.push([at, end]);
    place(slot, bytes);
  }
  const header = Buffer.alloc(32);
  data.copy(header, 0, 0, 4);
  header[8] = inputs;
  header[9] = outputs;
  placed.forEach((at, slot) => header.writeUInt32BE(at, 12 + 4 * slot));
  return Buffer.concat([header, ...parts]);
}

/** A description's text (v2 `desc`, v4 `mluc`'s first record, or `text`), or null when unreadable. */
function readText(data: Buffer): string | null {
  const type = data.toString('latin1', 0, 4);
  if (type === 'desc' && data.length >= 12) {
    const length = data.readUInt32BE(8);
    if (length < 1 || 12 + length > data.length) return null;
    return data.toString('latin1', 12, 12 + length).replace(/\0+$/, '');
  }
  if (type === 'mluc' && data.length >= 28) {
    const records = data.readUInt32BE(8);
    const length = data.readUInt32BE(20);
    const offset = data.readUInt32BE(24);
    if (records < 1 || offset + length > data.length || length % 2 !== 0) return null;
    let text = '';
    for (let at = offset; at < offset + length; at += 2) text += String.fromCharCode(data.readUInt16BE(at));
    return text.replace(/\0+$/, '');
  }
  if (type === 'text') return data.toString('latin1', 8).replace(/\0+$/, '');
  return null;
}

/** A v2 `textDescriptionType`: ASCII, with empty Unicode and ScriptCode parts. */
function textDescription(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'latin1');
  const data = Buffer.alloc(12 + ascii.length + 4 + 4 + 2 + 1 + 67);
  data.write('desc', 0, 'latin1');
  data.writeUInt32BE(ascii.length, 8);
  ascii.copy(data, 12);
  return data;
}

/** A v2 `textType`: ASCII, null-terminated. */
function plainText(text: string): Buffer {
  return Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${text}\0`, 'latin1')]);
}

/** A v4 `multiLocalizedUnicodeType` with one record, en-US (the language readers take as the default). */
function localizedText(text: string): Buffer {
  const data = Buffer.alloc(28 + 2 * text.length);
  data.write('mluc', 0, 'latin1');
  data.writeUInt32BE(1, 8);
  data.writeUInt32BE(12, 12);
  data.write('enUS', 16, 'latin1');
  data.writeUInt32BE(2 * text.length, 20);
  data.writeUInt32BE(28, 24);
  for (let index = 0; index < text.length; index++) data.writeUInt16BE(text.charCodeAt(index), 28 + 2 * index);
  return data;
}

/** A profile from a header (its numeric fields copied) and tags, each 4-byte aligned; identical data stored once. */
function assemble(originalHeader: Buffer, tags: readonly { signature: string; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(128);
  originalHeader.copy(header, 8, 8, 24); // version, device class, colour space, connection space
  header.write('acsp', 36, 'latin1');
  originalHeader.copy(header, 64, 64, 80); // rendering intent, PCS illuminant
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  const parts: Buffer[] = [header, table];
  let length = header.length + table.length;
  const placed = new Map<string, number>();
  tags.forEach((tag, index) => {
    const key = tag.data.toString('latin1');
    let at = placed.get(key);
    if (at === undefined) {
      at = length;
      placed.set(key, at);
      const padded = Buffer.concat([tag.data, Buffer.alloc((4 - (tag.data.length % 4)) % 4)]);
      parts.push(padded);
      length += padded.length;
    }
    table.write(tag.signature, 4 + 12 * index, 'latin1');
    table.writeUInt32BE(at, 8 + 12 * index);
    table.writeUInt32BE(tag.data.length, 12 + 12 * index);
  });
  const bytes = Buffer.concat(parts);
  bytes.writeUInt32BE(bytes.length, 0);
  return bytes;
}
