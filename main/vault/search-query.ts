/**
 * What a search box query means, turned into an FTS5 expression that can only mean that. Pure.
 *
 * The syntax, as the search screen explains it:
 * - words: messages holding all of them, anywhere, in any order (`heparin review`). A word of
 *   MIN_PREFIX_CHARACTERS or more letters or digits also finds the words it starts (`cipro` finds
 *   ciprofloxacin, `amox` co-amoxiclav): a ward searches by drug stems, and a ward trial found
 *   exact words missing the advice it was looking for. A shorter word (`iv`, `bd`) is exact.
 *   An English word also finds its other forms (`allergy` finds allergic and allergies,
 *   `bleeding` bleeds): its ending is taken off (wordStem) and the rest searched as a start, so
 *   a search only ever finds more than the word itself would;
 * - "quoted words": that phrase, the words next to each other in that order, each exactly
 *   (`"stop heparin"`, or `"cipro"` for that word alone);
 * - a trailing *: words starting so, also after a phrase (`"stop hep"*`); at least
 *   MIN_PREFIX_CHARACTERS letters or digits before it, as a shorter stem matches too much to be useful;
 * - anything else (AND, OR, NOT, NEAR, column names, ^, parentheses, a * inside a word) is
 *   searched for as text, never obeyed: every word reaches FTS5 inside a quoted string.
 *
 * An unclosed quote runs to the end of the query. Text with no letter or digit is not searched
 * (the tokenizer would drop it).
 */

/** Most terms (words or phrases) one search uses; the rest are ignored. */
export const MAX_SEARCH_TERMS = 16;
/** Letters or digits needed before a trailing *, and for a word to find the words it starts. */
export const MIN_PREFIX_CHARACTERS = 3;

/**
 * Endings an English word loses to find its other forms, longest first. Few on purpose: each is
 * common in ward messages (allergy/allergic/allergies, bleeding/bleeds, infected/infection) and
 * none leaves a stem short enough to match unrelated words (see MIN_STEM).
 */
const ENDINGS = ['ically', 'ies', 'ied', 'ing', 'ed', 'es', 'ic', 'y', 's'] as const;
/** Letters a stem keeps at least: "sept" (of septic) would find September, so septic stays as typed. */
const MIN_STEM = 5;

/**
 * The start of `word` that its other English forms share: the word itself less one ending
 * (ENDINGS), when what is left has MIN_STEM letters or more. Always a start of the word, so
 * searching it finds the word too. Words of other scripts, or with digits, are left as typed.
 */
export function wordStem(word: string): string {
  if (!/^[a-z]+$/i.test(word)) return word;
  for (const ending of ENDINGS) {
    if (word.length - ending.length < MIN_STEM || !word.toLowerCase().endsWith(ending)) continue;
    return word.slice(0, word.length - ending.length);
  }
  return word;
}

export type SearchTerm =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'prefix'; readonly text: string }
  | { readonly kind: 'phrase'; readonly text: string; readonly prefix: boolean };

export type ParsedSearch = { readonly ok: true; readonly terms: readonly SearchTerm[]; readonly match: string } | { readonly ok: false; readonly problem: string };

const HAS_WORD = /[\p{L}\p{N}]/u;

/** Letters and digits in `text` (what the tokenizer keeps). */
function wordCharacters(text: string): number {
  return [...text.matchAll(/[\p{L}\p{N}]/gu)].length;
}

/** An FTS5 string: the only character with a meaning inside one is the double quote, doubled. */
function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** Splits the query into words and quoted phrases (see the module comment). */
function split(input: string): { text: string; quoted: boolean }[] {
  const parts: { text: string; quoted: boolean }[] = [];
  const clean = input.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, ' ');
  let at = 0;
  while (at < clean.length) {
    const open = clean.indexOf('"', at);
    const plain = open < 0 ? clean.slice(at) : clean.slice(at, open);
    for (const word of plain.split(/\s+/u)) if (word) parts.push({ text: word, quoted: false });
    if (open < 0) break;
    const close = clean.indexOf('"', open + 1);
    const inside = close < 0 ? clean.slice(open + 1) : clean.slice(open + 1, close);
    // A * straight after the closing quote makes the phrase's last word a prefix: "stop hep"*
    let end = close < 0 ? clean.length : close + 1;
    let text = inside.trim();
    if (close >= 0 && clean[end] === '*') {
      text += '*';
      end++;
    }
    if (text) parts.push({ text, quoted: true });
    at = end;
  }
  return parts;
}

export function parseSearch(input: string): ParsedSearch {
  const terms: SearchTerm[] = [];
  let shortPrefix = false;
  for (const part of split(input)) {
    const starred = part.text.endsWith('*');
    const body = starred ? part.text.replace(/\*+$/u, '') : part.text;
    if (!HAS_WORD.test(body)) continue;
    // The stem is the last word of the part (the tokenizer splits "co-amox" into co + amox).
    const stemLongEnough = wordCharacters(body.split(/[^\p{L}\p{N}]+/u).filter(Boolean).pop() ?? '') >= MIN_PREFIX_CHARACTERS;
    if (starred && !stemLongEnough) {
      shortPrefix = true;
      continue;
    }
    if (part.quoted) terms.push({ kind: 'phrase', text: body.trim(), prefix: starred });
    else if (starred) terms.push({ kind: 'prefix', text: body });
    else terms.push(stemLongEnough ? { kind: 'prefix', text: wordStem(body) } : { kind: 'word', text: body });
    if (terms.length === MAX_SEARCH_TERMS) break;
  }
  if (terms.length === 0) {
    return {
      ok: false,
      problem: shortPrefix
        ? `Type at least ${MIN_PREFIX_CHARACTERS} letters or digits before a *, for example hep* for heparin.`
        : 'Enter a word to search for: letters or digits (punctuation alone is not searched).',
    };
  }
  return { ok: true, terms, match: matchExpression(terms) };
}

/** The FTS5 expression for `terms`: side by side, so ANDed; each a quoted string, so nothing typed is FTS syntax. */
export function matchExpression(terms: readonly SearchTerm[]): string {
  return terms.map((term) => `${quoted(term.text)}${term.kind === 'prefix' || (term.kind === 'phrase' && term.prefix) ? '*' : ''}`).join(' ');
}
