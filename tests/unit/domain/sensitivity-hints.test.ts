import { describe, expect, it } from 'vitest';
import { suggestSensitivity } from '../../../shared/domain/sensitivity';

/**
 * H-030: what the selected messages suggest about sensitivity, offered beside the question (a
 * cold trial filed safeguarding advice unrestricted because nothing asked). Ward messages as they
 * are written: abbreviations, capitals, hyphens, and ordinary words that look like acronyms.
 */
describe('suggestSensitivity', () => {
  it('finds each kind from the words ward messages use, with the words that suggested it', () => {
    expect(suggestSensitivity(['Do not discharge. Call the safeguarding lead at 09:00 — possible NAI.'])).toEqual([{ kind: 'safeguarding', words: ['safeguarding', 'NAI'] }]);
    expect(suggestSensitivity(['Took an overdose of paracetamol last night, needs liaison psychiatry'])).toEqual([{ kind: 'mental-health', words: ['overdose', 'psychiatry', 'liaison psychiatry'] }]);
    expect(suggestSensitivity(['Known HIV on ART regimen, CD4 last month 450'])).toEqual([{ kind: 'hiv', words: ['HIV', 'ART regimen', 'CD4'] }]);
    expect(suggestSensitivity(['Start CIWA, Pabrinex IV'])).toEqual([{ kind: 'substance-use', words: ['CIWA', 'Pabrinex'] }]);
    expect(suggestSensitivity(['swab for chlamydia and refer to GUM clinic'])).toEqual([{ kind: 'sexually-transmitted-infection', words: ['chlamydia', 'GUM clinic'] }]);
    expect(suggestSensitivity(['needs emergency contraception'])).toEqual([{ kind: 'sexual-health', words: ['contraception', 'emergency contraception'] }]);
  });

  it('matches across messages, any case for words and hyphen or space for phrases; several kinds in the order the picker lists them', () => {
    expect(suggestSensitivity(['History of SELF HARM', 'and Domestic-Abuse at home'])).toEqual([
      { kind: 'safeguarding', words: ['abuse', 'domestic abuse'] },
      { kind: 'mental-health', words: ['self-harm', 'self harm'] },
    ]);
  });

  it('does not take ordinary words for acronyms, or a word inside another', () => {
    expect(suggestSensitivity(['top up the fluids', 'mash potato diet', 'the art of medicine', 'disabused him of that', 'neglectful? no', 'hivemind', 'sti ll waiting'])).toEqual([]);
    expect(suggestSensitivity(['Potassium 3.1, give 20 mmol KCl over 4 hours.', ''])).toEqual([]);
    expect(suggestSensitivity([])).toEqual([]);
  });
});
