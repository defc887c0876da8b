/** Sizes for the thread view's media (issue #19). Pure, so tested without a browser. */

/** A file's size for people: bytes, KB or MB (1024s), one decimal where it helps. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('en-GB', { maximumFractionDigits: bytes < 10 * 1024 ? 1 : 0 })} KB`;
  return `${(bytes / (1024 * 1024)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`;
}

/**
 * A thumbnail's size: the picture scaled to fit `edge` on its longer side (never enlarged), each
 * side at least one pixel. Main checks the result is the picture's shape to within a pixel.
 */
export function thumbnailSize(width: number, height: number, edge: number): { width: number; height: number } {
  const scale = Math.min(1, edge / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Letters whose names begin with a vowel sound, as an abbreviation is read aloud ("an MP4", "an SVG"). */
const VOWEL_SOUND_LETTERS = new Set('AEFHILMNORSX');

/**
 * A media type's label inside a sentence, with its article: "a JPEG image", "an unrecognised
 * file", "an MP4 video", "a WebP image". Abbreviations and names keep their capitals; a plain
 * word is lower-cased, as it is mid-sentence.
 */
export function withArticle(label: string): string {
  const first = label.split(/\s/, 1)[0] ?? '';
  const abbreviation = first.length > 1 && first === first.toUpperCase() && /[A-Z]/.test(first);
  // Only a plain capitalised word ("Unrecognised") is lower-cased; a name such as WebP or QuickTime keeps its capitals.
  const plainWord = /^[A-Z][a-z]*$/.test(first);
  const inSentence = plainWord ? label.charAt(0).toLowerCase() + label.slice(1) : label;
  const vowelSound = abbreviation ? VOWEL_SOUND_LETTERS.has(first.charAt(0)) : /^[aeiou]/i.test(first);
  return `${vowelSound ? 'an' : 'a'} ${inSentence}`;
}
