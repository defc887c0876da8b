/**
 * BM25 within a bounded set of matches. Pure.
 *
 * FTS5's bm25() counts, for every phrase of the query, how many rows of the whole index hold it
 * (a pass over all its matches) before it scores one row: 150 ms for a common word and 600 ms
 * for a prefix at 1.5 million messages, whatever the window. Here the statistics are those of
 * the window itself (the newest matches FTS5 found): the same formula, document frequencies and
 * average length taken from the rows being ranked, so the cost is the window's size. The rows
 * are already known to match (FTS5 decided that); this only orders them.
 *
 * Tokens approximate FTS5's `unicode61 remove_diacritics 2`: case folded, accents removed,
 * letters and digits kept, everything else a separator.
 */
import type { SearchTerm } from './search-query';

const K1 = 1.2;
const B = 0.75;

// eslint-disable-next-line no-control-regex -- [reason: the ASCII range, for the fast path]
const ASCII = /^[\x00-\x7f]*$/;

export function tokens(text: string): string[] {
  // Most messages are ASCII: no accents to remove, so no Unicode normalisation to pay for.
  if (ASCII.test(text)) return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The term as tokens (a phrase is several; a prefix's last token matches as a stem). */
interface TermTokens {
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

function termTokens(term: SearchTerm): TermTokens {
  return { tokens: tokens(term.text), prefix: term.kind === 'prefix' || (term.kind === 'phrase' && term.prefix) };
}

/** How often the term occurs in `words`. */
function frequency(term: TermTokens, words: readonly string[]): number {
  const want = term.tokens;
  if (want.length === 0) return 0;
  let count = 0;
  for (let at = 0; at + want.length <= words.length; at++) {
    let matches = true;
    for (let offset = 0; offset < want.length && matches; offset++) {
      const word = words[at + offset]!;
      const last = offset === want.length - 1;
      matches = last && term.prefix ? word.startsWith(want[offset]!) : word === want[offset];
    }
    if (matches) count++;
  }
  return count;
}

/** Whether `term` occurs in `text` as the index would find it (a sender's name, say, which the index does not hold). */
export function termOccursIn(term: SearchTerm, text: string): boolean {
  return frequency(termTokens(term), tokens(text)) > 0;
}

/** `rows` ordered best first by BM25 over the rows' own statistics; ties newest (highest id) first. */
export function rankWithin<Row extends { readonly id: number; readonly text: string }>(rows: readonly Row[], terms: readonly SearchTerm[]): Row[] {
  if (rows.length === 0) return [];
  const wanted = terms.map(termTokens);
  const documents = rows.map((row) => {
    const words = tokens(row.text);
    return { row, length: words.length, frequencies: wanted.map((term) => frequency(term, words)) };
  });
  const averageLength = documents.reduce((sum, document) => sum + document.length, 0) / documents.length || 1;
  const idf = wanted.map((_, index) => {
    const holding = documents.filter((document) => document.frequencies[index]! > 0).length;
    return Math.log((documents.length - holding + 0.5) / (holding + 0.5) + 1);
  });
  const scored = documents.map((document) => {
    let score = 0;
    document.frequencies.forEach((tf, index) => {
      if (tf === 0) return;
      score += (idf[index]! * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * document.length) / averageLength));
    });
    return { row: document.row, score };
  });
  scored.sort((a, b) => b.score - a.score || b.row.id - a.row.id);
  return scored.map((entry) => entry.row);
}

/** A token of the original text: where it is, and its folded form for matching. */
interface Located {
  readonly start: number;
  readonly end: number;
  readonly folded: string;
}

function located(text: string): Located[] {
  const found: Located[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const folded = tokens(match[0]).join('');
    if (folded) found.push({ start: match.index, end: match.index + match[0].length, folded });
  }
  return found;
}

/**
 * The passage of `text` around its first match: about `size` tokens, cut into plain and matched
 * runs (every word of a matched term is a match), with an ellipsis where the text goes on. The
 * words that matched are found the way the ranking finds them (see `tokens`).
 */
export function snippet(text: string, terms: readonly SearchTerm[], size: number, ellipsis: string): { text: string; match: boolean }[] {
  const words = located(text);
  const matched = new Array<boolean>(words.length).fill(false);
  const folded = words.map((word) => word.folded);
  for (const term of terms.map(termTokens)) {
    const want = term.tokens;
    if (want.length === 0) continue;
    for (let at = 0; at + want.length <= folded.length; at++) {
      let matches = true;
      for (let offset = 0; offset < want.length && matches; offset++) {
        const last = offset === want.length - 1;
        matches = last && term.prefix ? folded[at + offset]!.startsWith(want[offset]!) : folded[at + offset] === want[offset];
      }
      if (matches) for (let offset = 0; offset < want.length; offset++) matched[at + offset] = true;
    }
  }
  if (words.length === 0) return text ? [{ text, match: false }] : [];
  const first = Math.max(0, matched.indexOf(true));
  // A little of what came before the match, as FTS5's snippet shows it.
  const start = Math.max(0, Math.min(first - 2, words.length - size));
  const end = Math.min(words.length, start + size);
  const runs: { text: string; match: boolean }[] = [];
  const push = (piece: string, match: boolean) => {
    if (!piece) return;
    const last = runs[runs.length - 1];
    if (last && last.match === match) runs[runs.length - 1] = { text: last.text + piece, match };
    else runs.push({ text: piece, match });
  };
  push(start > 0 ? ellipsis : text.slice(0, words[0]!.start), false);
  for (let at = start; at < end; at++) {
    const word = words[at]!;
    push(text.slice(word.start, word.end), matched[at]!);
    // What lies between two matched words of a phrase is part of the match.
    const between = at + 1 < end ? text.slice(word.end, words[at + 1]!.start) : '';
    push(between, matched[at]! && at + 1 < end && matched[at + 1]!);
  }
  push(end < words.length ? ellipsis : text.slice(words[words.length - 1]!.end), false);
  return runs;
}
