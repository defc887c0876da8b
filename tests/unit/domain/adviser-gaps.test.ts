import { describe, expect, it } from 'vitest';
import { adviserGaps } from '../../../shared/domain/transcription';

/** What a draft says an adviser still needs: each gap names its field, as the clerk must fix it. */
describe('adviser gaps', () => {
  const known = { displayNameInChat: 'Tom', name: 'Tom Reed', role: 'Consultant microbiologist' };

  it('nothing when the details can be filed, with or without a registration', () => {
    expect(adviserGaps('Tom', known)).toEqual([]);
    expect(adviserGaps('Tom', { ...known, registration: { body: 'GMC', number: '1234567' } })).toEqual([]);
    // Typed in lower case with spaces around: the schema normalises it the same way.
    expect(adviserGaps('Tom', { ...known, registration: { body: 'GMC', number: ' l123456 ' } })).toEqual([]);
  });

  it('names each missing field, never a registration that was not given', () => {
    expect(adviserGaps('Tom', { ...known, role: ' ' })).toEqual(['Enter the role and grade of "Tom": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.']);
    expect(adviserGaps('Tom', { ...known, name: '', role: '' })).toEqual([
      'Enter the full name of "Tom".',
      'Enter the role and grade of "Tom": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.',
    ]);
  });

  it('a registration body chosen with no number, or a number in the wrong format, is said as such', () => {
    expect(adviserGaps('Tom', { ...known, registration: { body: 'GMC', number: '' } })).toEqual(['Enter the GMC registration number of "Tom", or choose no registration.']);
    expect(adviserGaps('Tom', { ...known, registration: { body: 'GPhC', number: '12345' } })).toEqual(['The GPhC registration number of "Tom" is not in the format the General Pharmaceutical Council issues.']);
  });

  it('details too long to file are said, not passed', () => {
    expect(adviserGaps('Tom', { ...known, name: 'x'.repeat(201) })).toEqual(['The details of "Tom" are too long to file.']);
  });
});
