import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalFormError } from '../../../main/audit/canonical';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
  });

  it('normalises strings and keys to NFC, so differently typed names hash alike', () => {
    const composed = 'Zoë';
    const decomposed = 'Zoe\u0308';
    expect(canonicalJson({ [decomposed]: decomposed })).toBe(canonicalJson({ [composed]: composed }));
  });

  it('is the same for any key order and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const shuffled = JSON.parse(text, (_key, inner: unknown) =>
          inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).reverse()) : inner,
        );
        expect(canonicalJson(shuffled)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses values JSON cannot carry faithfully, naming the path', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(CanonicalFormError);
    expect(() => canonicalJson({ a: [undefined] })).toThrow(/\$\.a\[0\]/);
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/plain objects/);
    expect(() => canonicalJson({ big: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson({ 'e\u0301': 1, é: 2 })).toThrow(/same text/);
  });
});
