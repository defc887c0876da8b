import { describe, expect, it } from 'vitest';
import { countPatientHints, findPatientHints, suggestedNhsNumbers } from '../../../shared/domain/patient-hints';

const TODAY = new Date('2026-12-01T12:00:00Z');
const kinds = (text: string) => findPatientHints(text, TODAY).map((hint) => [hint.kind, hint.value]);

describe('patient details in message text', () => {
  it('finds NHS numbers that pass Modulus 11, written as people write them', () => {
    expect(kinds('Mrs J, NHS 943 476 5919, K+ 6.1')).toEqual([['nhs-number', '9434765919']]);
    expect(kinds('nhs no 943-476-5919')).toEqual([['nhs-number', '9434765919']]);
    expect(kinds('9434765919 is the one')).toEqual([['nhs-number', '9434765919']]);
  });

  it('ignores ten digits with a wrong check digit, or inside a phone number', () => {
    expect(kinds('NHS 943 476 5918')).toEqual([]);
    expect(kinds('call 07700 900 1234 or +447700900123')).toEqual([]);
    expect(kinds('ref 19434765919')).toEqual([]);
  });

  it('reads a date of birth only after a DOB keyword, day first, never in the future', () => {
    expect(kinds('DOB 12/03/1950')).toEqual([['date-of-birth', '1950-03-12']]);
    expect(kinds('d.o.b: 1950-03-12')).toEqual([['date-of-birth', '1950-03-12']]);
    expect(kinds('born 1.2.47')).toEqual([['date-of-birth', '1947-02-01']]);
    expect(kinds('DOB 29/02/1951')).toEqual([]);
    expect(kinds('DOB 01/01/2030')).toEqual([]);
    expect(kinds('clinic on 12/03/2027')).toEqual([]);
  });

  it('finds ages, hospital numbers, beds and postcodes', () => {
    expect(kinds('78yo lady, MRN 1234567, bay 3 bed 4, lives M1 1AE')).toEqual([
      ['age', '78'],
      ['hospital-number', '1234567'],
      ['bed', 'bay 3 bed 4'],
      ['postcode', 'M1 1AE'],
    ]);
    expect(kinds('aged 91 in side room 2')).toEqual([
      ['age', '91'],
      ['bed', 'side room 2'],
    ]);
  });

  it('suggests each NHS number once, in the order found', () => {
    const hints = findPatientHints('943 476 5919 then 401 023 2137 then 9434765919', TODAY);
    expect(suggestedNhsNumbers(hints)).toEqual(['9434765919', '4010232137']);
  });

  it('counts what a thread holds', () => {
    expect(countPatientHints(['bed 12 DOB 12/03/1950', 'NHS 943 476 5919', 'thanks'], TODAY)).toEqual({
      'nhs-number': 1,
      'date-of-birth': 1,
      age: 0,
      'hospital-number': 0,
      bed: 1,
      postcode: 0,
    });
  });
});
