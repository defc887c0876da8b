/**
 * Bounds on what one IPC request may hold, checked on the raw payload before any schema runs: a
 * renderer (or anything that took it over) must not be able to stall main with a huge request —
 * 100,000 advisers in one draft once held the main thread for 8 s. The contract's schemas bound
 * the fields they know; these bound everything, including what a schema would only reject after
 * walking it.
 *
 * Requests cross from the window as JSON text (shared/ipc/api.ts), and the text is what is
 * bounded first: its length (one comparison), then its structure, counted by one pass over the
 * characters that stops at the first budget spent (a 2,000,000-key object is refused after its
 * first 50,000 values, in about the time a normal request takes to parse). Only text within
 * every budget is parsed. An object already built cannot be bounded that cheaply: counting its
 * keys enumerates all of them (0.7 s for 2 million), which is why the text crosses, not objects.
 */

export interface PayloadLimits {
  /** Items in any one array. */
  readonly arrayItems: number;
  /** UTF-16 units in any one string. */
  readonly stringLength: number;
  /** UTF-16 units of all strings together. */
  readonly totalStringLength: number;
  /** Values of every kind together (objects, arrays, strings, numbers…). */
  readonly values: number;
  /** Nesting of objects and arrays. */
  readonly depth: number;
  /** UTF-16 units of the request's JSON text (quotes, escapes and punctuation included). */
  readonly encodedLength: number;
}

/** Enough for any request the renderer makes (the longest is a draft of a few hundred excerpts). */
export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  arrayItems: 2_000,
  stringLength: 256 * 1024,
  totalStringLength: 2 * 1024 * 1024,
  values: 50_000,
  depth: 16,
  // The texts' budget, room for escapes (a quote or a line break is two characters in JSON) and
  // the punctuation of every value: far below what could take long to parse.
  encodedLength: 2 * (2 * 1024 * 1024) + 16 * 50_000,
};

/** Why a payload is refused, in words for the person at the workstation; null when it is within bounds. */
export function payloadTooLarge(payload: unknown, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): string | null {
  let values = 0;
  let characters = 0;
  // An explicit stack, so a deeply nested payload cannot overflow ours before it is refused.
  const stack: { value: unknown; depth: number }[] = [{ value: payload, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (++values > limits.values) return `The request holds more than ${limits.values.toLocaleString('en-GB')} values.`;
    if (typeof value === 'string') {
      if (value.length > limits.stringLength) return `A text in the request is longer than ${limits.stringLength.toLocaleString('en-GB')} characters.`;
      characters += value.length;
      if (characters > limits.totalStringLength) return `The request holds more than ${limits.totalStringLength.toLocaleString('en-GB')} characters of text.`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.depth) return `The request is nested more than ${limits.depth} levels deep.`;
    if (Array.isArray(value)) {
      if (value.length > limits.arrayItems) return `A list in the request has more than ${limits.arrayItems.toLocaleString('en-GB')} items.`;
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
    } else {
      for (const key of Object.keys(value)) {
        characters += key.length;
        stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
      }
      if (characters > limits.totalStringLength) return `The request holds more than ${limits.totalStringLength.toLocaleString('en-GB')} characters of text.`;
    }
  }
  return null;
}

/** A request that arrived as JSON text: parsed, or refused in words (`tooLarge` when over a budget). */
export type DecodedRequest = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly tooLarge: boolean; readonly message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const NOT_WARDSCRIBE_FORM = 'The request was not sent the way Wardscribe sends requests.';

/**
 * Bounds a request's JSON text, then parses it: the length first, then one pass that counts
 * values, items per list, nesting and string lengths and stops at the first budget spent, and
 * only then JSON.parse and payloadTooLarge's walk of the result, which checks exactly. The pass
 * never refuses what the walk would accept: each `{` and `[` is one value and each comma outside
 * strings one more element, which adds up to the values under the root; a string's text is at
 * most 6 characters (a \u escape) for each character it stands for, so its limits are taken 6-fold.
 */
export function decodeRequest(text: unknown, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): DecodedRequest {
  if (typeof text !== 'string') return { ok: false, tooLarge: false, message: NOT_WARDSCRIBE_FORM };
  const refuse = (message: string): DecodedRequest => ({ ok: false, tooLarge: true, message });
  if (text.length > limits.encodedLength) return refuse(`The request is longer than ${limits.encodedLength.toLocaleString('en-GB')} characters.`);
  const tooManyValues = `The request holds more than ${limits.values.toLocaleString('en-GB')} values.`;
  let values = 0;
  let characters = 0;
  // Commas so far in each open container, or -1 for an object (its entries are not list items).
  const commas: number[] = [];
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const start = at + 1;
      for (at = start; at < text.length; at++) {
        const inner = text.charCodeAt(at);
        if (inner === BACKSLASH) at++;
        else if (inner === QUOTE) break;
      }
      const length = at - start;
      if (length > 6 * limits.stringLength) return refuse(`A text in the request is longer than ${limits.stringLength.toLocaleString('en-GB')} characters.`);
      characters += length;
      if (characters > 6 * limits.totalStringLength) return refuse(`The request holds more than ${limits.totalStringLength.toLocaleString('en-GB')} characters of text.`);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++values > limits.values) return refuse(tooManyValues);
      if (commas.length >= limits.depth) return refuse(`The request is nested more than ${limits.depth} levels deep.`);
      commas.push(code === OPEN_BRACKET ? 0 : -1);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      commas.pop();
    } else if (code === COMMA) {
      if (++values > limits.values) return refuse(tooManyValues);
      const open = commas.length - 1;
      // n commas in a list: n + 1 items.
      if (open >= 0 && commas[open]! >= 0 && ++commas[open]! + 1 > limits.arrayItems) {
        return refuse(`A list in the request has more than ${limits.arrayItems.toLocaleString('en-GB')} items.`);
      }
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, tooLarge: false, message: NOT_WARDSCRIBE_FORM };
  }
  const tooLarge = payloadTooLarge(value, limits);
  return tooLarge === null ? { ok: true, value } : refuse(tooLarge);
}
