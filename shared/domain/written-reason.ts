/**
 * A reason a person writes to justify a step that cannot be undone (withdrawing a filed note,
 * wiping advice that was never filed). Pure.
 */

/**
 * The reason as it is kept: invisible characters (zero-width spaces, direction marks, and the
 * Hangul fillers, which Unicode counts as letters but which draw nothing) removed, line breaks and
 * runs of spaces made single spaces. Without this a reason of invisible characters passes a length
 * check while saying nothing.
 */
export function writtenReason(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
}

/**
 * Whether a kept reason says something: at least `min` characters, at least half of them letters
 * (not only punctuation or digits), and more than one or two letters over and over ("xxxxxxxxxx").
 */
export function saysEnough(reason: string, min: number): boolean {
  const letters = reason.match(/\p{L}/gu) ?? [];
  return reason.length >= min && letters.length >= Math.ceil(min / 2) && new Set(letters.map((l) => l.toLowerCase())).size >= 3;
}
