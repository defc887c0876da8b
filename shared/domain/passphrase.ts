/**
 * Passphrase rules a ward can live with: length over complexity (NCSC guidance). A long phrase
 * of ordinary words is fine; symbols are not required.
 */
export const MIN_PASSPHRASE_LENGTH = 12;
export const MAX_PASSPHRASE_LENGTH = 256;

export type PassphraseProblem = 'too-short' | 'too-long' | 'same-as-username' | 'one-repeated-character';

export const PASSPHRASE_PROBLEM_MESSAGES: Readonly<Record<PassphraseProblem, string>> = {
  'too-short': `Use at least ${MIN_PASSPHRASE_LENGTH} characters. Three or four ordinary words work well.`,
  'too-long': `Use at most ${MAX_PASSPHRASE_LENGTH} characters.`,
  'same-as-username': 'The passphrase must not be your username.',
  'one-repeated-character': 'The passphrase must not be one character repeated.',
};

/** Returns the first problem with a proposed passphrase, or null if it is acceptable. */
export function checkPassphrase(passphrase: string, username: string): PassphraseProblem | null {
  const length = [...passphrase].length;
  if (length < MIN_PASSPHRASE_LENGTH) return 'too-short';
  if (length > MAX_PASSPHRASE_LENGTH) return 'too-long';
  if (passphrase.trim().toLowerCase() === username.trim().toLowerCase()) return 'same-as-username';
  if (new Set(passphrase).size === 1) return 'one-repeated-character';
  return null;
}
