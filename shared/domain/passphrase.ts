/**
 * Passphrase rules a ward can live with: length over complexity (NCSC guidance). A long phrase
 * of ordinary words is fine; symbols are not required. Besides these cheap rules, main refuses
 * passphrases a strength estimator finds guessable (main/session/passphrase-strength.ts, with
 * zxcvbn-ts and its dictionaries, which stay out of the renderer's bundle); the forms show the
 * message main sends back.
 */
export const MIN_PASSPHRASE_LENGTH = 12;
export const MAX_PASSPHRASE_LENGTH = 256;

export type PassphraseProblem = 'too-short' | 'too-long' | 'same-as-username' | 'one-repeated-character' | 'guessable';

/** What the forms say under the passphrase field before anything is typed. */
export const PASSPHRASE_HINT = `At least ${MIN_PASSPHRASE_LENGTH} characters. Three or four ordinary words that do not usually go together are easy to type and hard to guess.`;

export const PASSPHRASE_PROBLEM_MESSAGES: Readonly<Record<PassphraseProblem, string>> = {
  'too-short': `Use at least ${MIN_PASSPHRASE_LENGTH} characters. Three or four ordinary words work well.`,
  'too-long': `Use at most ${MAX_PASSPHRASE_LENGTH} characters.`,
  'same-as-username': 'The passphrase must not be your username.',
  'one-repeated-character': 'The passphrase must not be one character repeated.',
  guessable:
    'This passphrase would be easy to guess: it is close to a common password, a name, a date, a keyboard pattern or your own details. ' +
    'Choose three or four ordinary words that do not usually go together, such as “kettle orbit gravel tulip”.',
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
