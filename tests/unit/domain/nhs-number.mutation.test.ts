import { describe, expect, test } from 'vitest';
import { NHS_NUMBER_SYSTEM, nhsCheckDigit, parseNhsNumber } from '../../../shared/domain/nhs-number';

/**
 * H-014 (advice filed against the wrong patient): the behaviour mutation testing showed no test
 * stated. Each test names the rule it pins.
 */
describe('NHS number, stated exactly', () => {
  test('the FHIR identifier system is the NHS number system', () => {
    expect(NHS_NUMBER_SYSTEM).toBe('https://fhir.nhs.uk/Id/nhs-number');
  });

  test('each problem carries its own sentence for the ward user', () => {
    const message = (input: string) => {
      const result = parseNhsNumber(input);
      if (result.ok) throw new Error(`${input} parsed`);
      return [result.problem, result.message];
    };
    expect(message('12345')).toEqual(['wrong-length', 'An NHS number has 10 digits.']);
    expect(message('943 476 591X')).toEqual(['non-digits', 'An NHS number contains only digits (spaces and dashes are allowed between them).']);
    expect(message('9434765918')).toEqual(['check-digit-mismatch', 'This NHS number has a typing error: its last digit does not match the others.']);
    expect(message('0000000060')).toEqual(['check-digit-ten', 'This is not a valid NHS number: no NHS number can start with these nine digits.']);
  });

  test('no-break spaces, tabs and runs of separators are allowed between groups', () => {
    expect(parseNhsNumber('943\u00a0476\u00a05919')).toEqual({ ok: true, value: '9434765919' });
    expect(parseNhsNumber('943 - 476\t5919')).toEqual({ ok: true, value: '9434765919' });
  });

  test('nhsCheckDigit takes exactly nine digits: more, fewer or other characters are a programming error', () => {
    for (const bad of ['94347659', '9434765919', 'x94347659', '94347659x', '943476591 ', '']) {
      expect(() => nhsCheckDigit(bad)).toThrow(new RangeError('nhsCheckDigit takes exactly nine digits'));
    }
    expect(nhsCheckDigit('943476591')).toBe(9);
  });
});
