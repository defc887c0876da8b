import { describe, expect, it } from 'vitest';
import { normaliseSearchQuery } from '../../../main/security/search-query-key';

// #14: the audited search hash must let an investigator test "was this NHS number searched for?"
// however it was typed; other queries keep their words.
describe('the normalised form of a search query', () => {
  it('joins an NHS number written in 3-3-4 groups, with spaces or hyphens, into one run of digits', () => {
    for (const spelt of ['943 476 5919', '943-476-5919', '9434765919', '943476 5919']) expect(normaliseSearchQuery(spelt)).toBe('9434765919');
    expect(normaliseSearchQuery('NHS 943 476 5919 bloods')).toBe('nhs 9434765919 bloods');
  });

  it('folds case and white space but leaves other digit runs and words alone', () => {
    expect(normaliseSearchQuery('  Potassium\tRecheck  ')).toBe('potassium recheck');
    expect(normaliseSearchQuery('bed 12 34')).toBe('bed 12 34');
    expect(normaliseSearchQuery('19434765919')).toBe('19434765919');
  });
});
