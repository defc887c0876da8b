/**
 * A reason a person writes to justify a step that cannot be undone (withdrawing a filed note,
 * wiping advice that was never filed). Pure.
 */

/**
 * The reason as it is kept: invisible formatting characters (zero-width spaces, direction marks)
 * removed, line breaks and runs of spaces made single spaces. Without this a reason of zero-width
 * spaces passes a length check while saying nothing.
 */
export function writtenReason(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
}

/** Whether a kept reason says something: at least `min` characters, and words, not only punctuation or digits. */
export function saysEnough(reason: string, min: number): boolean {
  return reason.length >= min && (reason.match(/\p{L}/gu)?.length ?? 0) >= Math.ceil(min / 2);
}
