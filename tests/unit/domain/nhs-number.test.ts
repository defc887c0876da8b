import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatNhsNumber, isValidNhsNumber, nhsCheckDigit, parseNhsNumber, type NhsNumber } from '../../../shared/domain/nhs-number';

describe('parseNhsNumber', () => {
  // Published examples: 943 476 5919 (NHS Digital's test patient), 401 023 2137 (NHS England's
  // example), 900 000 0009 (the PDS sandbox), each checked by hand against the Data Dictionary rule.
  test.each(['9434765919', '943 476 5919', '943-476-5919', ' 401 023 2137 ', '9000000009'])('accepts %s', (input) => {
    const result = parseNhsNumber(input);
    expect(result).toEqual({ ok: true, value: input.replace(/[\s-]/g, '') });
  });

  test.each([
    ['943476591', 'wrong-length'],
    ['94347659190', 'wrong-length'],
    ['', 'wrong-length'],
    ['943 476 591O', 'non-digits'],
    ['943.476.5919', 'non-digits'],
    // Same first nine as 943 476 5919, last digit wrong.
    ['9434765918', 'check-digit-mismatch'],
    // Two adjacent digits swapped: the check digit catches transpositions.
    ['4934765919', 'check-digit-mismatch'],
    // 000000006: sum 6×2 = 12, 12 mod 11 = 1, 11 − 1 = 10: no valid tenth digit exists.
    ['0000000060', 'check-digit-ten'],
    ['0000000061', 'check-digit-ten'],
  ])('rejects %s as %s', (input, problem) => {
    const result = parseNhsNumber(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem).toBe(problem);
      expect(result.message).not.toContain(input.trim() || '∅');
    }
  });

  test('a remainder of 0 gives check digit 0, not 11', () => {
    // A sum that is a multiple of 11 gives 11 − 0 = 11, which the rule turns into 0.
    expect(nhsCheckDigit('000000000')).toBe(0);
    expect(isValidNhsNumber('0000000000')).toBe(true);
    // 500000000: 5×10 = 50, 50 mod 11 = 6, check 5.
    expect(nhsCheckDigit('500000000')).toBe(5);
  });

  test('formats 3-3-4', () => {
    expect(formatNhsNumber('9434765919' as NhsNumber)).toBe('943 476 5919');
  });
});

describe('properties', () => {
  const nineDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 });
  // Independent of the module: the Data Dictionary rule written out again.
  const check = (digits: readonly number[]) => {
    const remainder = digits.reduce((sum, digit, index) => sum + digit * (10 - index), 0) % 11;
    return remainder === 0 ? 0 : 11 - remainder;
  };

  test('any nine digits with their computed check digit validate (unless the check is 10)', () => {
    fc.assert(
      fc.property(nineDigits, (digits) => {
        const expected = check(digits);
        fc.pre(expected !== 10);
        expect(parseNhsNumber(digits.join('') + expected).ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('changing any one digit of a valid number is detected', () => {
    fc.assert(
      fc.property(nineDigits, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (digits, position, delta) => {
        const expected = check(digits);
        fc.pre(expected !== 10);
        const valid = [...digits, expected];
        const changed = valid.map((digit, index) => (index === position ? (digit + delta) % 10 : digit));
        expect(parseNhsNumber(changed.join('')).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
