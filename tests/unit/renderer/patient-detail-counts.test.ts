import { describe, expect, it } from 'vitest';
import { describeCounts } from '../../../renderer/src/logic/patient-details';

const none = { 'nhs-number': 0, 'date-of-birth': 0, age: 0, 'hospital-number': 0, bed: 0, postcode: 0 };

describe('how many patient details a chat holds', () => {
  it('counts mentions, never patients or beds (a ward trial read "8 beds" as eight patients)', () => {
    expect(describeCounts({ ...none, bed: 8 })).toBe('8 mentions of a bed number');
    expect(describeCounts({ ...none, 'nhs-number': 1, 'date-of-birth': 1 })).toBe('1 mention of an NHS number, 1 of a date of birth');
    expect(describeCounts({ ...none, bed: 2, postcode: 3 })).toBe('2 mentions of a bed number, 3 of a postcode');
    expect(describeCounts(none)).toBe('');
  });
});
