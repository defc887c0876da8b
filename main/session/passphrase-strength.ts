/**
 * Refuses guessable passphrases: common passwords, names, dates, keyboard walks, l33t variants
 * and the user's own details. zxcvbn-ts (with its common and English dictionaries) estimates how
 * many guesses an attacker would need; below MIN_SCORE the passphrase is refused. Score 3 means
 * at least 10^8 guesses: with the vault's Argon2id cost, years of one core for an offline attack
 * on a copied key file, and the sign-in backoff bounds online guessing.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import { checkPassphrase, PASSPHRASE_PROBLEM_MESSAGES, type PassphraseProblem } from '../../shared/domain/passphrase';

export const MIN_SCORE = 3;

/** Words anyone guessing at a Wardscribe workstation would try first. */
const CONTEXT_WORDS = ['wardscribe', 'ward', 'nhs', 'hospital', 'trust', 'clinician', 'clerk', 'admin', 'administrator', 'auditor', 'passphrase', 'password'];

let estimator: ZxcvbnFactory | null = null;

function zxcvbn(): ZxcvbnFactory {
  // Built on first use: the dictionaries take a moment to index.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...englishDictionary },
    graphs: adjacencyGraphs,
    translations,
    // Off: against the whole dictionary it took seconds of the main thread per check; l33t, reversed and
    // own-name matching stay on.
    useLevenshteinDistance: false,
  });
  return estimator;
}

export interface PassphraseVerdict {
  readonly problem: PassphraseProblem;
  /** Plain English for the form. */
  readonly message: string;
}

/** Null if the passphrase may be used; otherwise what is wrong, in words for the form. */
export function assessPassphrase(passphrase: string, person: { readonly username: string; readonly displayName?: string }): PassphraseVerdict | null {
  const basic = checkPassphrase(passphrase, person.username);
  if (basic) return { problem: basic, message: PASSPHRASE_PROBLEM_MESSAGES[basic] };
  const own = [person.username, ...(person.displayName ?? '').split(/\s+/)].filter((word) => word.length >= 2);
  const result = zxcvbn().check(passphrase, [...own, ...CONTEXT_WORDS]);
  if (result.score >= MIN_SCORE) return null;
  const why = result.feedback.warning ? ` (${result.feedback.warning.replace(/\.$/, '')}.)` : '';
  return { problem: 'guessable', message: `${PASSPHRASE_PROBLEM_MESSAGES.guessable}${why}` };
}
