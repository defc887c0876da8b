/**
 * Bounds on what one IPC request may hold, checked on the raw payload before any schema runs: a
 * renderer (or anything that took it over) must not be able to stall main with a huge request —
 * 100,000 advisers in one draft once held the main thread for 8 s. The contract's schemas bound
 * the fields they know; these bound everything, including what a schema would only reject after
 * walking it.
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
}

/** Enough for any request the renderer makes (the longest is a draft of a few hundred excerpts). */
export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  arrayItems: 2_000,
  stringLength: 256 * 1024,
  totalStringLength: 2 * 1024 * 1024,
  values: 50_000,
  depth: 16,
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
